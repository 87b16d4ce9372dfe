"""The records a simulated Medusa backend keeps: catalogue, stock, orders. Money is Decimal in major units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

Quantity = int | Decimal  # the server stores what it is sent, fractions included


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str
    city: str
    country_code: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SalesChannel:
    id: str
    name: str
    location_ids: tuple[str, ...]  # in the order Medusa tries them when it reserves
    tax_inclusive: bool  # prices of this channel include tax
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Variant:
    id: str
    product_id: str
    product_title: str
    title: str
    sku: str
    price: Decimal
    requires_shipping: bool
    inventory_item_id: str | None  # None: inventory not managed (gift cards)
    link_id: str  # the product-variant ↔ inventory-item link row
    created_at: datetime


@dataclass(frozen=True, slots=True)
class InventoryItem:
    id: str
    sku: str
    title: str
    requires_shipping: bool
    created_at: datetime


@dataclass(slots=True)
class Level:
    id: str
    inventory_item_id: str
    location_id: str
    stocked_quantity: Quantity
    reserved_quantity: Quantity
    incoming_quantity: Quantity
    created_at: datetime
    updated_at: datetime

    @property
    def available_quantity(self) -> Quantity:
        return self.stocked_quantity - self.reserved_quantity


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    line_item_id: str
    inventory_item_id: str
    location_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class LevelWrite:
    """One stocked quantity as it arrived at the server, before anything was checked."""

    endpoint: str
    inventory_item_id: str
    location_id: str
    stocked_quantity: Any


@dataclass(frozen=True, slots=True)
class Money:
    """The totals of one line or shipping method, exact to the cent."""

    subtotal: Decimal  # before discount, without tax
    discount_subtotal: Decimal
    discount_tax_total: Decimal
    tax_total: Decimal  # after discount
    original_tax_total: Decimal  # before discount

    @property
    def discount_total(self) -> Decimal:
        return self.discount_subtotal + self.discount_tax_total

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_subtotal + self.tax_total

    @property
    def original_total(self) -> Decimal:
        return self.subtotal + self.original_tax_total


@dataclass(frozen=True, slots=True)
class Tax:
    code: str
    description: str
    rate: Decimal  # percent, 19 for 19 %


@dataclass(frozen=True, slots=True)
class Discount:
    code: str
    promotion_id: str
    amount: Decimal  # as the line's prices are written: with tax when they include it


@dataclass(slots=True)
class Line:
    id: str
    variant: Variant
    quantity: int
    unit_price: Decimal
    is_tax_inclusive: bool
    tax: Tax
    tax_line_id: str
    discount: Discount | None
    adjustment_id: str | None
    money: Money
    created_at: datetime
    fulfilled_quantity: int = 0
    shipped_quantity: int = 0


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    id: str
    name: str
    amount: Decimal
    is_tax_inclusive: bool
    tax: Tax
    tax_line_id: str
    money: Money


@dataclass(frozen=True, slots=True)
class Address:
    id: str
    first_name: str
    last_name: str
    company: str | None
    address_1: str
    city: str
    postal_code: str
    country_code: str  # lower-case, as Medusa keeps it
    phone: str | None


@dataclass(slots=True)
class Payment:
    collection_id: str
    id: str
    amount: Decimal
    provider_id: str
    created_at: datetime
    capture_id: str | None = None
    captured_at: datetime | None = None
    canceled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    tracking_number: str
    tracking_url: str
    label_url: str


@dataclass(slots=True)
class Fulfillment:
    id: str
    location_id: str
    items: dict[str, tuple[str, int]]  # line item id -> (fulfillment item id, quantity)
    metadata: dict[str, Any] | None
    created_at: datetime
    shipped_at: datetime | None = None
    labels: list[Label] = field(default_factory=list)


@dataclass(slots=True)
class Order:
    id: str
    display_id: int
    email: str
    currency_code: str
    region_id: str
    sales_channel_id: str
    customer_id: str
    lines: list[Line]
    shipping_methods: list[ShippingMethod]
    shipping_address: Address
    billing_address: Address
    payment: Payment
    created_at: datetime
    updated_at: datetime
    status: str = "pending"
    version: int = 1
    canceled_at: datetime | None = None
    metadata: dict[str, Any] | None = None
    fulfillments: list[Fulfillment] = field(default_factory=list)
    reservation_ids: list[str] = field(default_factory=list)

    def touch(self, at: datetime) -> None:
        """A change Medusa records as a new order version."""
        self.updated_at = at
        self.version += 1
