"""Contacts, products, warehouses, sales orders, sales credits and goods-out notes as the simulated account
keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

FOUR_PLACES = Decimal("0.0001")


def four_dp(value: Decimal) -> str:
    """Money and quantities on the wire: strings with four decimal places ("44.0000")."""
    return str(value.quantize(FOUR_PLACES))


@dataclass(frozen=True, slots=True)
class Warehouse:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    name: str
    sku: str
    price: Decimal
    created_on: datetime
    stock_tracked: bool = True


@dataclass(slots=True)
class Contact:
    id: int
    first_name: str
    last_name: str
    email: str
    created_on: datetime
    updated_on: datetime
    company: str = ""


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    product_id: int | None
    name: str
    sku: str
    quantity: Decimal
    net: Decimal
    tax: Decimal
    tax_code: str = "T20"
    external_ref: str = ""


@dataclass(slots=True)
class SalesOrder:
    """An order of type SO (a sales order) or SC (a sales credit, usually against a sales order: `parent_id`)."""

    id: int
    customer_id: int
    rows: list[OrderRow]
    created_on: datetime
    updated_on: datetime
    placed_on: datetime
    warehouse_id: int
    currency: str = "EUR"
    ref: str = ""
    external_ref: str = ""
    installed_integration_instance_id: int | None = None
    status_id: int = 2
    channel_id: int | None = None
    delivery: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    type_code: str = "SO"
    parent_id: int | None = None

    @property
    def released_on(self) -> datetime:
        """When the order reached the warehouse: the moment it was created here."""
        return self.created_on


@dataclass(frozen=True, slots=True)
class NoteLine:
    row_id: int
    product_id: int | None
    quantity: int


@dataclass(frozen=True, slots=True)
class NoteEvent:
    code: str
    occured: datetime  # the vendor's spelling
    owner_id: int = 4


@dataclass(slots=True)
class GoodsOutNote:
    id: int
    order_id: int
    warehouse_id: int
    lines: list[NoteLine]
    created_on: datetime
    updated_on: datetime
    sequence: int = 1
    shipped_on: datetime | None = None
    tracking_reference: str = ""
    boxes: int = 1
    events: list[NoteEvent] = field(default_factory=list)

    @property
    def shipped(self) -> bool:
        return self.shipped_on is not None
