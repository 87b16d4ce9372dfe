"""Holds on an order's fulfillment: something a person has to decide before it goes on (units that left after
the channel canceled them; a change that lowers units a provider holds and cannot amend).

The order's fulfillment waits on `requires_action` with the reason (`fulfillment_hold`, shown as its hold reason
while the order has no other). A channel's later version of the order keeps the hold (core.intake); the person
who dealt with it releases it, and the fulfillment status is read again from the order's lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update

from core import queries, shipments
from core.errors import InvalidRequest
from core.model import FulfillmentStatus
from core.store.schema import orders


def hold(conn: Connection, order_id: int, reason: str, now: datetime) -> None:
    conn.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(
            fulfillment_status=FulfillmentStatus.requires_action.value,
            fulfillment_hold=reason,
            hold_reason=reason,
            updated_at=now,
        )
    )


def release(conn: Connection, ref: str, now: datetime) -> FulfillmentStatus:
    """Release the hold on the fulfillment of order `ref` (hub id or CHANNEL:EXTERNAL_ID); returns the status its
    lines give it now."""
    order = queries.get_order(conn, ref)
    if order["fulfillment_hold"] is None:
        raise InvalidRequest(f"order {ref}: its fulfillment is not held (it is {order['fulfillment_status']})")
    status = status_of(order["lines"])
    held = order["hold_reason"] if order["hold_reason"] != order["fulfillment_hold"] else None
    conn.execute(
        update(orders)
        .where(orders.c.id == order["id"])
        .values(fulfillment_status=status.value, fulfillment_hold=None, hold_reason=held, updated_at=now)
    )
    return status


def status_of(lines: Sequence[Mapping[str, Any]]) -> FulfillmentStatus:
    """What the lines that hold stock say: shipped or partially shipped once units shipped, else fulfilled,
    partially fulfilled or not fulfilled by their fulfilled units."""
    stocked = [ln for ln in lines if ln["holds_stock"]]
    if any(ln["shipped_quantity"] for ln in stocked):
        return shipments.shipping_status(stocked)
    if stocked and all(ln["fulfilled_quantity"] >= ln["quantity"] - ln["canceled_quantity"] for ln in stocked):
        return FulfillmentStatus.fulfilled
    if any(ln["fulfilled_quantity"] for ln in stocked):
        return FulfillmentStatus.partially_fulfilled
    return FulfillmentStatus.not_fulfilled
