"""Captures that wait for the channel.

A channel whose `payments.capturable_statuses` is set lets the hub capture only while the order's status in the
channel (`channel_status`) is one of them: a marketplace that has accepted the order, a shop that has finished
its fraud review. A capture due before that is not a failure and is not dropped: captures at placement are
looked for among orders in a capturable status on every dispatch (core.payments.capture_on_placement), and the
shipment captures skipped while the order was not capturable are queued by `capture_waiting` once it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select, true

from core import payments
from core.model import FulfillmentStatus, PaymentStatus
from core.payments import Kind, PaymentPolicy
from core.store.schema import order_lines, orders, payment_operations, shipments

_SETTLING = (PaymentStatus.authorized.value, PaymentStatus.partially_captured.value)
_SHIPPED = (FulfillmentStatus.shipped.value, FulfillmentStatus.delivered.value)


def capture_waiting(conn: Connection, policies: Mapping[str, PaymentPolicy], now: datetime, *, limit: int = 500) -> int:
    """Queue the shipment captures of orders that are in a capturable status now and had a parcel leave since
    their last capture was asked for (or none was); returns how many were queued."""
    gated = {
        name: policy
        for name, policy in policies.items()
        if policy.capture == "on_shipment" and policy.capturable_statuses is not None
    }
    if not gated:
        return 0
    po = payment_operations.c
    last_capture = (
        select(func.max(po.created_at))
        .where(po.order_id == orders.c.id, po.kind == Kind.capture.value)
        .scalar_subquery()
    )
    parcel_since = exists(
        select(shipments.c.id).where(
            shipments.c.order_id == orders.c.id,
            or_(last_capture.is_(None), shipments.c.created_at > last_capture),
        )
    )
    query = (
        select(orders.c.id, orders.c.channel)
        .where(
            payments.capturable_now(gated, list(gated)),
            or_(*(and_(orders.c.channel == name, _due(policy)) for name, policy in gated.items())),
            orders.c.payment_reference.is_not(None),
            orders.c.payment_status.in_(_SETTLING),
            parcel_since,
        )
        .order_by(orders.c.id)
        .limit(limit)
    )
    due = list(conn.execute(query))
    return sum(payments.capture_after_shipment(conn, order_id, gated[channel], now) for order_id, channel in due)


def _due(policy: PaymentPolicy) -> Any:
    """SQL: the order may owe a capture under the policy (one capture at the last shipment waits for it: the
    order's status says shipped, or no line that holds stock has units left to ship)."""
    if policy.multiple_captures or policy.single_capture_at != "last_shipment":
        return true()
    ol = order_lines.c
    left = select(ol.id).where(
        ol.order_id == orders.c.id, ol.holds_stock, ol.shipped_quantity < ol.quantity - ol.canceled_quantity
    )
    return or_(orders.c.fulfillment_status.in_(_SHIPPED), ~exists(left))
