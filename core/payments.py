"""Taking the money of shipped orders: when a channel's policy says so, an order's payment is captured once,
at its first or its last shipment (processors without multiple captures settle the authorization with the
first capture), through an outbox row whose reference (`cap-ORDER`) is the processor's idempotency key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, func, select, update

from core import outbox
from core.model import FulfillmentStatus, OrderStatus, PaymentStatus
from core.providers import PaymentResult, PaymentState
from core.store.schema import orders
from core.store.schema import outbox as outbox_rows

PAYMENT_CAPTURE = "payment.capture_requested"
_STATUS = {
    PaymentState.authorized: PaymentStatus.authorized,
    PaymentState.partially_captured: PaymentStatus.partially_captured,
    PaymentState.captured: PaymentStatus.captured,
    PaymentState.partially_refunded: PaymentStatus.partially_refunded,
    PaymentState.refunded: PaymentStatus.refunded,
    PaymentState.canceled: PaymentStatus.canceled,
}


@dataclass(frozen=True, slots=True)
class CapturePolicy:
    processor: str
    at: Literal["first_shipment", "last_shipment"] = "last_shipment"


def capture_after_shipment(conn: Connection, order_id: int, policy: CapturePolicy, now: datetime) -> bool:
    """Queue the capture of the order's payment if this shipment is the one the policy captures at; once."""
    order = conn.execute(select(orders).where(orders.c.id == order_id)).mappings().one()
    if not order["payment_reference"] or order["payment_status"] != PaymentStatus.authorized.value:
        return False
    if policy.at == "last_shipment" and order["fulfillment_status"] != FulfillmentStatus.shipped.value:
        return False
    queued = select(func.count()).where(
        outbox_rows.c.topic == PAYMENT_CAPTURE, outbox_rows.c.aggregate_id == str(order_id)
    )
    if conn.execute(queued).scalar_one():
        return False
    payload = {
        "processor": policy.processor,
        "order_id": order_id,
        "payment_reference": order["payment_reference"],
        "amount": int(order["total"]) - int(order["captured_total"]),
        "currency": order["currency"],
        "reference": f"cap-{order_id}",
    }
    outbox.append(conn, [outbox.Event(PAYMENT_CAPTURE, "order", str(order_id), payload)], now)
    return True


def record(conn: Connection, order_id: int, result: PaymentResult, now: datetime) -> None:
    """What the processor holds after an operation: captured total and payment status of the order. A declined
    or otherwise failed payment puts it on requires_action for a person to look at."""
    status = _STATUS.get(result.state, PaymentStatus.requires_action)
    conn.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(captured_total=result.captured, payment_status=status.value, updated_at=now)
    )


def expiring_authorizations(conn: Connection, channel: str, lapse_after: timedelta, now: datetime) -> int:
    """Orders of the channel still waiting to ship whose authorization lapses within a day: capture or ship them
    first (a capture after the lapse is refused, and is not retried)."""
    query = select(func.count()).where(
        orders.c.channel == channel,
        orders.c.payment_status == PaymentStatus.authorized.value,
        orders.c.payment_reference.is_not(None),
        orders.c.status.not_in([OrderStatus.canceled.value, OrderStatus.archived.value]),
        orders.c.fulfillment_status.not_in([FulfillmentStatus.shipped.value, FulfillmentStatus.delivered.value]),
        orders.c.placed_at < now - lapse_after + timedelta(days=1),
    )
    return int(conn.execute(query).scalar_one())
