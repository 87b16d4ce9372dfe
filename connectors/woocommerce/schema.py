"""The WooCommerce order and refund fields the mapper reads (REST API v3); every other field is ignored.

Money is a decimal string with the store's decimals ("24.80", a JPY store "2480"); a JSON number there is
refused, it has been through a float. The line item's `price` is such a number and is never read. Per-rate
line taxes (`taxes[].total`) are unformatted strings with any number of decimals ("0.9", "1.6625"). Times are
the `*_gmt` twins, UTC written without an offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints
from pydantic import ValidationError as _ValidationError

from connectors import payload
from connectors.payload import raw_id as raw_id
from core.errors import SkippableRecord

_AMOUNT = r"^[0-9]{1,13}(\.[0-9]{1,6})?$"
_SIGNED = r"^-?[0-9]{1,13}(\.[0-9]{1,6})?$"
_FIGURE = r"^(-?[0-9]{1,13}(\.[0-9]{1,20})?)?$"

Amount = Annotated[str, Strict(), StringConstraints(pattern=_AMOUNT)]
SignedAmount = Annotated[str, Strict(), StringConstraints(pattern=_SIGNED)]
"""Fees (a negative fee is a discount) and refunds (`"-12.00"`)."""
TaxFigure = Annotated[str, Strict(), StringConstraints(pattern=_FIGURE)]
"""An unformatted per-rate tax ("0.9", "1.6625"; "" when WooCommerce stored none)."""


def gmt(value: Any) -> Any:
    """`2024-06-14T10:22:31` is UTC (the `_gmt` fields carry no offset); an offset, if any, is honoured."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date such as '2024-06-14T10:22:31'")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date such as '2024-06-14T10:22:31'") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _percent_text(value: Any) -> Any:
    """`rate_percent` is a JSON number (20, 7.5): a tax rate, not money, kept as text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return str(value) if isinstance(value, (int, Decimal, str)) else value


GmtTime = Annotated[datetime | None, BeforeValidator(gmt)]
Percent = Annotated[str | None, BeforeValidator(_percent_text)]


class _Woo(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Tax(_Woo):
    id: int
    total: TaxFigure = ""


class LineItem(_Woo):
    id: int
    name: str = ""
    product_id: int = 0
    variation_id: int = 0
    quantity: int = Field(ge=1)
    sku: str | None = None
    subtotal: Amount = Field(description="ex-tax, before coupons")
    total: Amount = Field(description="ex-tax, after coupons")
    total_tax: Amount
    taxes: list[Tax] = []


class FeeLine(_Woo):
    id: int
    name: str = ""
    total: SignedAmount
    total_tax: SignedAmount = "0"
    taxes: list[Tax] = []


class ShippingLine(_Woo):
    id: int
    method_title: str = ""
    total: Amount
    total_tax: Amount = "0"


class TaxLine(_Woo):
    id: int
    rate_id: int
    rate_code: str = ""
    label: str = ""
    rate_percent: Percent = None
    tax_total: SignedAmount = Field(description="this rate's tax on lines and fees, the order's share of cart_tax")
    shipping_tax_total: SignedAmount = "0"


class CouponLine(_Woo):
    code: str


class Address(_Woo):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None
    phone: str | None = None
    email: str | None = None


class RefundSummary(_Woo):
    """A refund as the order lists it: the amount only, as a negative string."""

    id: int
    total: SignedAmount


class WooOrder(_Woo):
    id: int
    number: str | None = None
    status: str
    currency: str
    date_created_gmt: GmtTime
    date_modified_gmt: GmtTime = None
    date_completed_gmt: GmtTime = None
    discount_total: Amount
    shipping_total: Amount
    total_tax: Amount
    total: Amount
    customer_id: int = 0
    customer_note: str | None = None
    transaction_id: str | None = None
    """The payment gateway's id (Stripe: the PaymentIntent `pi_…`); empty until paid."""
    billing: Address = Address()
    shipping: Address | None = None
    line_items: list[LineItem] = []
    tax_lines: list[TaxLine] = []
    shipping_lines: list[ShippingLine] = []
    fee_lines: list[FeeLine] = []
    coupon_lines: list[CouponLine] = []
    refunds: list[RefundSummary] = []


class Meta(_Woo):
    key: str
    value: Any = None


class RefundItem(_Woo):
    """A refunded line: a negative quantity, and the original line's id in the `_refunded_item_id` meta."""

    id: int
    quantity: int = Field(le=0)
    meta_data: list[Meta] = []

    @property
    def refunded_item_id(self) -> int | None:
        for meta in self.meta_data:
            if meta.key == "_refunded_item_id" and str(meta.value).isdigit():
                return int(str(meta.value))
        return None


class Refund(_Woo):
    """One entry of `GET orders/{id}/refunds`."""

    id: int
    date_created_gmt: GmtTime = None
    line_items: list[RefundItem] = []


def parse_order(raw: Any) -> WooOrder:
    """Validate one order payload; a payload that does not fit raises SkippableRecord naming the fields."""
    try:
        return WooOrder.model_validate(raw)
    except _ValidationError as exc:
        raise SkippableRecord(describe(exc), external_id=raw_id(raw)) from None


def parse_refunds(raw: Any, order_id: str | None) -> list[Refund]:
    """Validate the refunds of one order; the reason names the field under `refunds`."""
    if not isinstance(raw, list):
        raise SkippableRecord(f"refunds: the refunds endpoint answered a {type(raw).__name__}", external_id=order_id)
    try:
        return [Refund.model_validate(item) for item in raw]
    except _ValidationError as exc:
        raise SkippableRecord("refunds: " + describe(exc), external_id=order_id) from None


def describe(exc: _ValidationError) -> str:
    return payload.describe(exc, system="WooCommerce", example="24.80")
