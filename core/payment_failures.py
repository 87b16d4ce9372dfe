"""A payment that failed (the processor declined an operation, or the authorization lapsed before a capture) is
the order's state until its channel says the payment was settled another way, and the channel is told, once.

The failure is an outbox event (`order.payment_failed`) written in the transaction that records the operation's
outcome, at most one per operation. Its handler tells the channel through the connector (a note, a tag, a
status, as the channel allows); what the connector leaves there carries the operation's reference, which it
looks up first, so a retry or a replay adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from core import outbox
from core.model import PaymentStatus
from core.money import format_money
from core.payments import Operation, OpStatus
from core.store.schema import orders, payment_operations
from core.store.schema import outbox as outbox_rows

PAYMENT_FAILED = "order.payment_failed"
"""Outbox topic: the order's channel should learn that its payment failed."""

UNSETTLED = frozenset(
    {
        PaymentStatus.not_paid,
        PaymentStatus.awaiting,
        PaymentStatus.authorized,
        PaymentStatus.partially_authorized,
        PaymentStatus.partially_captured,
        PaymentStatus.requires_action,
    }
)
"""Payment statuses a channel reports while it knows nothing newer than the failure: the failure stands."""
_FAILED = (OpStatus.declined.value, OpStatus.auth_expired.value)


@dataclass(frozen=True, slots=True)
class PaymentFailureNotice:
    """One failed payment operation, as the order's channel should learn it."""

    reference: str
    """The operation's reference (`cap-12-1`): what the channel is told carries it, and is looked up by it."""
    order_external_id: str
    kind: str
    """capture, charge, refund, release (see core.payments.Kind)."""
    amount: int
    currency: str
    reason: str
    """The processor's reason (a decline code), or why the authorization could not be used."""

    @property
    def text(self) -> str:
        """One line for a person reading the order in the channel."""
        money = f" of {format_money(self.amount, self.currency)}" if self.amount else ""
        return f"Payment failed: the {self.kind}{money} was refused ({self.reason}). Reference: {self.reference}"


def queue(conn: Connection, op: Operation, reason: str, now: datetime) -> bool:
    """Write the notice of `op`'s failure for the order's channel, in the caller's transaction; False when one was
    written for this operation before (a replayed operation that failed again)."""
    order = conn.execute(select(orders.c.channel, orders.c.external_id).where(orders.c.id == op.order_id)).one()
    earlier = select(outbox_rows.c.payload).where(
        outbox_rows.c.topic == PAYMENT_FAILED,
        outbox_rows.c.aggregate_type == "order",
        outbox_rows.c.aggregate_id == str(op.order_id),
    )
    if any(payload["notice"]["reference"] == op.reference for payload in conn.execute(earlier).scalars()):
        return False
    notice = PaymentFailureNotice(op.reference, order.external_id, op.kind.value, op.amount, op.currency, reason)
    payload = {"channel": order.channel, "notice": asdict(notice)}
    outbox.append(conn, [outbox.Event(PAYMENT_FAILED, "order", str(op.order_id), payload)], now)
    return True


def notice_of(payload: Mapping[str, Any]) -> PaymentFailureNotice:
    """The notice an outbox payload carries."""
    return PaymentFailureNotice(**payload["notice"])


def standing(conn: Connection, stored: Mapping[int, Mapping[str, Any]]) -> set[int]:
    """Those of these orders (id → stored row) held because the hub found their payment failed: the hold reason
    names a declined or lapsed operation of theirs."""
    held = [oid for oid, row in stored.items() if row["hold_reason"]]
    if not held:
        return set()
    po = payment_operations.c
    query = select(po.order_id, po.reference).where(po.order_id.in_(held), po.status.in_(_FAILED))
    return {oid for oid, reference in conn.execute(query) if reference in stored[oid]["hold_reason"]}
