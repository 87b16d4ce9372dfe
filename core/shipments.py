"""What the hub tells a sales channel once (part of) an order has left a stock location."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShippedLine:
    line_id: str | None
    """The channel's line id (`OrderLine.line_id`); None when the channel gave none."""
    sku: str | None
    quantity: int


@dataclass(frozen=True, slots=True)
class Tracking:
    number: str
    carrier: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentNotice:
    """One shipment of one order, as the channel should learn it.

    `reference` is the hub's own name for the shipment (unique, stable across retries): a connector
    stores it upstream with what it creates and looks it up first, so telling the channel twice does
    nothing the second time."""

    reference: str
    order_external_id: str
    location: str
    """The hub location code the parcel left from."""
    lines: tuple[ShippedLine, ...]
    tracking: tuple[Tracking, ...] = ()
    order_complete: bool = False
    """True when every unit of the order has now shipped (the channel may close the order)."""
