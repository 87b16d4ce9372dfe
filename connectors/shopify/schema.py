"""The Shopify order fields the mapper reads (Admin REST 2024-xx); every other field is ignored.

Validation is deliberately shallow and cheap: the types and the decimal pattern of money strings are
checked inside pydantic-core, with Python callbacks only for the few fields Shopify sends as JSON numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints
from pydantic import ValidationError as _ValidationError
from typing_extensions import TypedDict

from connectors import payload
from connectors.payload import raw_id as raw_id
from core.errors import SkippableRecord

_DECIMAL = r"^[0-9]{1,13}(\.[0-9]{1,6})?$"
_DECIMAL_RE = re.compile(_DECIMAL)
_MAX_EXACT_DIGITS = 15

# Money is a decimal string ("19.99") everywhere except in refund lines. A JSON number here is refused:
# it has been through a float. Converted to minor units by core.money.to_minor in the mapper.
Amount = Annotated[str, Strict(), StringConstraints(pattern=_DECIMAL)]


def _exact_amount(value: Any) -> Decimal:
    """`refund_line_items[].subtotal/total_tax` arrive as JSON numbers, so a JSON parser hands us floats.

    The float's repr is the shortest text that reads back as the same float, so any literal of at most 15
    significant digits (every real amount) comes back with its exact value; longer ones are indistinguishable
    from float noise and are refused. Parsing whole bodies with `parse_float=Decimal` would be exact as
    well, but it rules out orjson and turns every number of every payload into a Decimal for two fields.
    Decimals (from such a parser) and decimal strings are accepted as they are.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, str) and not _DECIMAL_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a decimal amount such as '19.99'")
    amount = Decimal(repr(value) if isinstance(value, float) else value)  # inf/nan parse, and are refused below
    if not amount.is_finite() or amount < 0 or len(amount.as_tuple().digits) > _MAX_EXACT_DIGITS:
        raise ValueError(f"{value!r} is not an exact non-negative amount")
    return amount


def _rate_text(value: Any) -> Any:
    """Tax rates are JSON numbers (0.09975); the canonical order keeps them as text. Not money."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return value


ExactAmount = Annotated[Decimal, BeforeValidator(_exact_amount)]
Rate = Annotated[str | None, BeforeValidator(_rate_text)]


class _Shopify(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Money(TypedDict):
    amount: Amount


class MoneySet(TypedDict):
    """The `*_set` twin of a money field; only the shop-currency side is read.

    Typed dicts rather than models: an order carries dozens of these, and a dict is cheaper to build.
    """

    shop_money: Money


class TaxLine(_Shopify):
    title: str
    rate: Rate = None
    price: Amount
    price_set: MoneySet | None = None


class DiscountAllocation(_Shopify):
    amount: Amount
    amount_set: MoneySet | None = None


class LineItem(_Shopify):
    id: int
    sku: str | None = None
    title: str
    variant_title: str | None = None
    quantity: int = Field(ge=1, description="the original quantity")
    current_quantity: int = Field(ge=0, description="quantity minus units removed by edits and refunds")
    fulfillable_quantity: int = Field(ge=0)
    price: Amount
    price_set: MoneySet | None = None
    discount_allocations: list[DiscountAllocation] = []
    tax_lines: list[TaxLine] = []


class ShippingLine(_Shopify):
    price: Amount
    price_set: MoneySet | None = None
    discount_allocations: list[DiscountAllocation] = []
    tax_lines: list[TaxLine] = []


class Address(_Shopify):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    zip: str | None = None
    country_code: str | None = None
    phone: str | None = None


class Customer(_Shopify):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


RestockType = Literal["no_restock", "cancel", "return", "legacy_restock"]


class RefundLineItem(_Shopify):
    line_item_id: int
    quantity: int = Field(ge=0)
    restock_type: RestockType | None = Field(default=None, description="absent in old payloads: see Refund.restock")
    location_id: int | None = Field(default=None, description="where restocked units went")
    subtotal: ExactAmount
    total_tax: ExactAmount


class Refund(_Shopify):
    id: int | None = None
    restock: bool = False
    refund_line_items: list[RefundLineItem] = []


class FulfillmentLineItem(_Shopify):
    id: int = Field(description="the order's line item id")
    quantity: int = Field(ge=0)


class Fulfillment(_Shopify):
    status: str | None = Field(default=None, description="pending, open, success, cancelled, error or failure")
    line_items: list[FulfillmentLineItem] = []


class ShopifyOrder(_Shopify):
    id: int
    name: str | None = None
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    note: str | None = None
    created_at: AwareDatetime | None = None
    processed_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    currency: str
    financial_status: str | None = None
    fulfillment_status: str | None = None
    taxes_included: bool = False
    total_line_items_price: Amount
    total_line_items_price_set: MoneySet | None = None
    total_discounts: Amount
    total_discounts_set: MoneySet | None = None
    total_tax: Amount
    total_tax_set: MoneySet | None = None
    total_price: Amount
    total_price_set: MoneySet | None = None
    total_shipping_price_set: MoneySet | None = None
    total_tip_received: Amount = "0.00"
    original_total_duties_set: MoneySet | None = None
    original_total_additional_fees_set: MoneySet | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    line_items: list[LineItem] = Field(min_length=1)
    shipping_lines: list[ShippingLine] = []
    refunds: list[Refund] = []
    fulfillments: list[Fulfillment] = []


def parse_order(raw: Any) -> ShopifyOrder:
    """Validate one order payload; a payload that does not fit raises SkippableRecord naming the fields."""
    try:
        return ShopifyOrder.model_validate(raw)
    except _ValidationError as exc:
        raise SkippableRecord(describe(exc), external_id=raw_id(raw)) from None


def describe(exc: _ValidationError) -> str:
    return payload.describe(exc, system="Shopify", example="19.99")
