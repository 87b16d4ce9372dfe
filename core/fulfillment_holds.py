"""Holds on an order's fulfillment: something a person has to decide before it goes on (units that left after
the channel canceled them; a change that lowers units a provider holds and cannot amend).

The order's fulfillment waits on `requires_action` with the reason (`fulfillment_hold`; a second hold adds its
reason; shown as the order's hold reason while it has no other). A channel's later version of the order, a parcel
or a return keep the hold; the person who dealt with it releases it (`omshub orders release-fulfillment`), and the
fulfillment status is read again from the order's lines (under the channel's intake lock, so no intake running
alongside writes back a version it read before).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, or_, update

from core import queries, returns, shipments
from core.errors import InvalidRequest
from core.intake import lock_channel
from core.model import FulfillmentStatus
from core.store.schema import orders


def hold(conn: Connection, order_id: int, reason: str, now: datetime) -> None:
    """Hold the order's fulfillment for `reason`, in the caller's transaction."""
    o = orders.c
    reasons = func.coalesce(o.fulfillment_hold + "; " + reason, reason)
    shown = or_(o.hold_reason.is_(None), o.hold_reason == o.fulfillment_hold)  # else an order hold (stock, payment)
    conn.execute(
        update(orders)
        .where(o.id == order_id)
        .values(
            fulfillment_status=FulfillmentStatus.requires_action.value,
            fulfillment_hold=reasons,
            hold_reason=case((shown, reasons), else_=o.hold_reason),
            updated_at=now,
        )
    )


def release(conn: Connection, ref: str, now: datetime) -> FulfillmentStatus:
    """Release the hold on the fulfillment of order `ref` (hub id or CHANNEL:EXTERNAL_ID); returns the status its
    lines give it now."""
    order = queries.get_order(conn, ref)
    lock_channel(conn, order["channel"])
    order = queries.get_order(conn, ref)  # as it is now that no intake of its channel runs
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
    """What the lines say: returned or partially returned once units came back; else, of the lines that hold
    stock, shipped or partially shipped once units shipped, else fulfilled, partially fulfilled or not fulfilled."""
    came_back = returns.returned_status(lines, {})
    if came_back is not None:
        return came_back
    stocked = [ln for ln in lines if ln["holds_stock"]]
    if any(ln["shipped_quantity"] for ln in stocked):
        return shipments.shipping_status(stocked)
    if stocked and all(ln["fulfilled_quantity"] >= ln["quantity"] - ln["canceled_quantity"] for ln in stocked):
        return FulfillmentStatus.fulfilled
    if any(ln["fulfilled_quantity"] for ln in stocked):
        return FulfillmentStatus.partially_fulfilled
    return FulfillmentStatus.not_fulfilled
