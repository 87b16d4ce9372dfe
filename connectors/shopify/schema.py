"""The Shopify order fields the mapper reads (Admin REST 2024-xx); every other field is skipped unread.

An order is decoded straight from its JSON text into these structs (msgspec): a page of 250 orders of ~8 KB is
split into one slice per order, each slice decoded on its own (so one bad order does not cost the page) and kept
as the order's raw payload. Validation is the structs' types and bounds, plus a check of every money string
against the decimal pattern; a failure names the field as a path into the order.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal

import msgspec
import orjson

from core.errors import SkippableRecord

_DECIMAL_RE = re.compile(r"[0-9]{1,13}(\.[0-9]{1,6})?")
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
    subtotal: Decimal
    total_tax: Decimal

    def __post_init__(self) -> None:
        """`subtotal` and `total_tax` are JSON numbers. They are read from the number's text, so every real amount
        comes back exact; more than 15 significant digits cannot be told from float noise and are refused."""
        for name in ("subtotal", "total_tax"):
            amount: Decimal = getattr(self, name)
            if not amount.is_finite() or amount < 0 or len(amount.as_tuple().digits) > _MAX_EXACT_DIGITS:
                raise ValueError(f"{name}: {amount} is not an exact non-negative amount")


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
    """What is read of an order that does not decode: its id and its last change."""

    id: int | str | None = None
    updated_at: str | None = None


_ORDER = msgspec.json.Decoder(ShopifyOrder)
_HEAD = msgspec.json.Decoder(_Head)
ORDER_LIST = msgspec.json.Decoder(OrderList)


def parse_order(payload: Payload) -> ShopifyOrder:
    """Decode one order's JSON text; a payload that does not fit raises SkippableRecord naming the field."""
    try:
        return _ORDER.decode(payload)
    except msgspec.ValidationError as exc:
        raise SkippableRecord(describe(exc, payload), external_id=raw_id(payload)) from None


def raw_id(payload: Payload) -> str | None:
    """The order's `id` as text, if it has a usable one."""
    head = _head(payload)
    return None if head is None or head.id in (None, "") else str(head.id)


def last_change(payload: Payload) -> datetime | None:
    """The order's `updated_at`, when it is a time with its offset."""
    head = _head(payload)
    try:
        moment = datetime.fromisoformat(head.updated_at) if head is not None and head.updated_at else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _head(payload: Payload) -> _Head | None:
    try:
        return _HEAD.decode(payload)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None


def rate_text(rate: float | int | str | None) -> str | None:
    """A tax rate as text: a float's repr is the shortest text that reads back as the same number."""
    return repr(rate) if isinstance(rate, float) else None if rate is None else str(rate)


def describe(exc: msgspec.ValidationError, payload: Payload) -> str:
    """ "line_items[2].price: 'abc' is not a decimal amount such as '19.99'", from msgspec's
    "price: 'abc' is not … - at `$.line_items[2]`"."""
    message, _, where = str(exc).partition(" - at `$")
    path = where.rstrip("`").lstrip(".")
    if message.startswith("Object missing required field `"):
        return f"{_joined(path, message.split('`')[1])}: missing"
    field, colon, detail = message.partition(": ")
    if colon and field.isidentifier():  # a check of ours names the field in its message
        path, message = _joined(path, field), detail
    if message.startswith("Expected `str`, got `") and message.endswith(("`int`", "`float`")):
        value = _value_at(payload, path)
        shown = "a number" if value is None else repr(value)
        return f"{path}: {shown} is a JSON number where Shopify sends a string (amounts are decimal strings)"
    return f"{path or 'order'}: {message}"


def _joined(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def _value_at(payload: Payload, path: str) -> Any:
    """The value at a path such as `line_items[0].price` (only for messages: the payload is decoded again)."""
    value: Any = orjson.loads(bytes(payload))
    for key, index in _STEP.findall(path):
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value
