"""The Medusa v2 order fields the mapper reads (asked for with `fields=`); every other field is ignored.

Medusa v2 states money as JSON numbers in major units (53.55 EUR), computed in JavaScript and so at times
binary-float noise (30.000000000000004). Bodies are decoded with `parse_float=Decimal`, so an amount arrives
here as an int or an exact Decimal of what was on the wire; a float has lost that and is refused. Rounding
to the currency's exponent happens in the mapper, which knows the currency.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as _ValidationError

from connectors import payload
from connectors.payload import raw_id as raw_id
from core.errors import SkippableRecord


def _amount(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"{value!r} reached the mapper as a float; amounts must be decoded as Decimal")
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"{value!r} is not a number")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{value!r} is not a finite non-negative amount")
    return amount


def _count(value: Any) -> int:
    """Quantities are BigNumbers in Medusa v2 and arrive as JSON numbers; only whole units are accepted."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"{value!r} is not a whole number of units")
    if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
        raise ValueError(f"{value!r} is not a whole number of units")
    if value < 0:
        raise ValueError(f"{value!r} is negative")
    return int(value)


Amount = Annotated[Decimal, BeforeValidator(_amount)]
"""A major-unit amount, exact as sent."""
Count = Annotated[int, BeforeValidator(_count)]
Percent = Annotated[Decimal, BeforeValidator(_amount)]
"""Medusa v2 tax rates are percentages (19 for 19 %)."""


class _Medusa(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TaxLine(_Medusa):
    rate: Percent
    code: str | None = None
    description: str | None = None


class Adjustment(_Medusa):
    """A promotion's share of an item or shipping method."""

    amount: Amount
    code: str | None = None
    is_tax_inclusive: bool = False


class ItemDetail(_Medusa):
    fulfilled_quantity: Count = 0
    shipped_quantity: Count = 0
    delivered_quantity: Count = 0
    return_requested_quantity: Count = 0
    return_received_quantity: Count = 0
    return_dismissed_quantity: Count = 0
    written_off_quantity: Count = 0


class Item(_Medusa):
    id: str = Field(min_length=1)
    title: str | None = None
    product_title: str | None = None
    variant_title: str | None = None
    variant_sku: str | None = None
    quantity: Annotated[Count, Field(ge=1)]
    unit_price: Amount
    is_tax_inclusive: bool = False
    tax_lines: list[TaxLine] = []
    adjustments: list[Adjustment] = []
    detail: ItemDetail | None = None


class ShippingMethod(_Medusa):
    name: str | None = None
    amount: Amount
    is_tax_inclusive: bool = False
    tax_lines: list[TaxLine] = []
    adjustments: list[Adjustment] = []


class Address(_Medusa):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    province: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None


class Customer(_Medusa):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    has_account: bool | None = None


class MedusaOrder(_Medusa):
    id: str = Field(min_length=1)
    display_id: int | None = None
    status: str
    payment_status: str | None = None
    fulfillment_status: str | None = None
    version: Count | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    canceled_at: AwareDatetime | None = None
    email: str | None = None
    currency_code: str
    sales_channel_id: str | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    items: list[Item] = Field(min_length=1)
    shipping_methods: list[ShippingMethod] = []
    total: Amount | None = None
    tax_total: Amount | None = None


def parse_order(raw: Any) -> MedusaOrder:
    """Validate one order payload; a payload that does not fit raises SkippableRecord naming the fields."""
    try:
        return MedusaOrder.model_validate(raw)
    except _ValidationError as exc:
        raise SkippableRecord(describe(exc), external_id=raw_id(raw)) from None


def describe(exc: _ValidationError) -> str:
    return payload.describe(exc, system="Medusa", example="24.80")
