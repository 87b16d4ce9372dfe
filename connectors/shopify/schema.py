"""The Shopify order fields the mapper reads (Admin REST 2024-xx); every other field is skipped unread.

An order is decoded straight from its JSON text into these structs (msgspec): a page of 250 orders of ~8 KB is
split into one slice per order, each slice decoded on its own (so one bad order does not cost the page) and kept
as the order's raw payload. Validation is the structs' types and bounds, plus a check of every amount (decimal
strings against the decimal pattern, the JSON numbers of refund lines read exactly from their text); the first
failure is reported, named as a path into the order.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal

import msgspec

from connectors import payload
from core.errors import SkippableRecord

_DECIMAL_RE = re.compile(r"[0-9]{1,13}(\.[0-9]{1,6})?")
_NUMBER_RE = re.compile(rb"[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_MAX_EXACT_DIGITS = 15

Amount = str
"""Money is a decimal string ("19.99") everywhere except in refund lines; checked by `_Priced.__post_init__`. A JSON
number is refused: it has been through a float. Converted to minor units by core.money.to_minor in the mapper."""

Payload = bytes | msgspec.Raw
"""One order's JSON text: a slice of a page's body, or a body of its own."""

Units = Annotated[int, msgspec.Meta(ge=0)]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]


class _Shopify(msgspec.Struct, frozen=True, kw_only=True):
    pass


@lru_cache(maxsize=8192)
def _is_amount(text: str) -> bool:
    return _DECIMAL_RE.fullmatch(text) is not None


class _Priced(_Shopify, frozen=True, kw_only=True):
    """A struct with money strings, named in `_amounts`, each checked once decoded."""

    _amounts: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self._amounts:
            value = getattr(self, name)
            if not _is_amount(value):
                raise ValueError(f"{name}: {value!r} is not a decimal amount such as '19.99'")


class Money(_Priced, frozen=True, kw_only=True):
    _amounts = ("amount",)
    amount: Amount


class MoneySet(_Shopify, frozen=True, kw_only=True):
    """The `*_set` twin of a money field; only the shop-currency side is read."""

    shop_money: Money


class TaxLine(_Priced, frozen=True, kw_only=True):
    _amounts = ("price",)
    title: str
    rate: float | int | str | None = None
    """A JSON number (0.09975); the canonical order keeps it as text (`rate_text`). Not money."""
    price: Amount
    price_set: MoneySet | None = None


class DiscountAllocation(_Priced, frozen=True, kw_only=True):
    _amounts = ("amount",)
    amount: Amount
    amount_set: MoneySet | None = None


class LineItem(_Priced, frozen=True, kw_only=True):
    _amounts = ("price",)
    id: int
    sku: str | None = None
    title: str
    variant_title: str | None = None
    quantity: Annotated[int, msgspec.Meta(ge=1, description="the original quantity")]
    current_quantity: Annotated[Units, msgspec.Meta(description="quantity minus units removed by edits and refunds")]
    fulfillable_quantity: Units
    price: Amount
    price_set: MoneySet | None = None
    discount_allocations: list[DiscountAllocation] = []
    tax_lines: list[TaxLine] = []


class ShippingLine(_Priced, frozen=True, kw_only=True):
    _amounts = ("price",)
    price: Amount
    price_set: MoneySet | None = None
    discount_allocations: list[DiscountAllocation] = []
    tax_lines: list[TaxLine] = []


class Address(_Shopify, frozen=True, kw_only=True):
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


class Customer(_Shopify, frozen=True, kw_only=True):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


RestockType = Literal["no_restock", "cancel", "return", "legacy_restock"]


class RefundLineItem(_Shopify, frozen=True, kw_only=True):
    line_item_id: int
    quantity: Units
    restock_type: RestockType | None = None
    """Absent in old payloads: see Refund.restock."""
    location_id: int | None = None
    """Where restocked units went."""
    subtotal_text: msgspec.Raw = msgspec.field(name="subtotal")
    total_tax_text: msgspec.Raw = msgspec.field(name="total_tax")

    def __post_init__(self) -> None:
        _exact_amount(self.subtotal_text, "subtotal")
        _exact_amount(self.total_tax_text, "total_tax")

    @property
    def subtotal(self) -> Decimal:
        return _exact_amount(self.subtotal_text, "subtotal")

    @property
    def total_tax(self) -> Decimal:
        return _exact_amount(self.total_tax_text, "total_tax")


def _exact_amount(raw: msgspec.Raw, name: str) -> Decimal:
    """`refund_line_items[].subtotal/total_tax` are JSON numbers (a decimal string is taken as well), read from
    their text, so exactly. More than 15 significant digits is what a float written out in full looks like
    (0.1 + 0.2 → 0.30000000000000004): such an amount is refused, as are those the decimal pattern would refuse."""
    text = bytes(raw)
    if text.startswith(b'"'):
        words = msgspec.json.decode(text, type=str)
        if not _is_amount(words):
            raise ValueError(f"{name}: {words!r} is not a decimal amount such as '19.99'")
        return Decimal(words)
    if not _NUMBER_RE.fullmatch(text):
        raise ValueError(f"{name}: {text.decode(errors='replace')} is not a non-negative amount")
    amount = Decimal(text.decode())
    exact = amount.normalize()
    _sign, digits, exponent = exact.as_tuple()
    if not isinstance(exponent, int) or len(digits) > _MAX_EXACT_DIGITS or exact.adjusted() > 12 or exponent < -6:
        raise ValueError(f"{name}: {text.decode()} is not an exact amount (at most 13 digits, 6 decimals)")
    return amount


class Refund(_Shopify, frozen=True, kw_only=True):
    id: int | None = None
    restock: bool = False
    refund_line_items: list[RefundLineItem] = []


class FulfillmentLineItem(_Shopify, frozen=True, kw_only=True):
    id: int
    """The order's line item id."""
    quantity: Units


class Fulfillment(_Shopify, frozen=True, kw_only=True):
    status: str | None = None
    """pending, open, success, cancelled, error or failure."""
    line_items: list[FulfillmentLineItem] = []


class ShopifyOrder(_Priced, frozen=True, kw_only=True):
    _amounts = ("total_line_items_price", "total_discounts", "total_tax", "total_price", "total_tip_received")
    id: int
    name: str | None = None
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    note: str | None = None
    created_at: Moment | None = None
    processed_at: Moment | None = None
    updated_at: Moment | None = None
    cancelled_at: Moment | None = None
    closed_at: Moment | None = None
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
    line_items: Annotated[list[LineItem], msgspec.Meta(min_length=1)]
    shipping_lines: list[ShippingLine] = []
    refunds: list[Refund] = []
    fulfillments: list[Fulfillment] = []


class OrderList(msgspec.Struct, frozen=True):
    """An `orders.json` body: each order left as its own slice of JSON text."""

    orders: list[msgspec.Raw]


class _Head(msgspec.Struct, frozen=True):
    """What is read of an order that does not decode: its id and its last change, whatever their types."""

    id: Any = None
    updated_at: Any = None


_ORDER = msgspec.json.Decoder(ShopifyOrder)
_HEAD = msgspec.json.Decoder(_Head)
ORDER_LIST = msgspec.json.Decoder(OrderList)


def parse_order(record: Payload) -> ShopifyOrder:
    """Decode one order's JSON text; a payload that does not fit raises SkippableRecord naming the field."""
    try:
        return _ORDER.decode(record)
    except msgspec.ValidationError as exc:
        reason = payload.describe_decoded(exc, record, system="Shopify")
        raise SkippableRecord(reason, external_id=raw_id(record)) from None


def raw_id(record: Payload) -> str | None:
    """The order's `id` as text, if it has a usable one."""
    head = _head(record)
    return None if head is None else payload.id_text(head.id)


def last_change(record: Payload) -> datetime | None:
    """The order's `updated_at`, when it is a time with its offset."""
    head = _head(record)
    stamp = head.updated_at if head is not None else None
    try:
        moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _head(record: Payload) -> _Head | None:
    try:
        return _HEAD.decode(record)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None


def rate_text(rate: float | int | str | None) -> str | None:
    """A tax rate as text: a float's repr is the shortest text that reads back as the same number."""
    return repr(rate) if isinstance(rate, float) else None if rate is None else str(rate)
