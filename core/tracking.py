"""Each tracking number's way to the order's channel: pending → sent → confirmed, or failed.

A recorded shipment queues its notice in the outbox (`order.shipment_created`) and one push row per tracking
number (one row without a number for a shipment without tracking: the channel still has to learn that the
lines shipped). A push is

- pending: queued with the notice, or being retried (its outbox row is pending);
- sent: the channel accepted the notice; numbers its answer already shows are confirmed at once;
- confirmed: the channel shows the number, in its answer or when read back later;
- failed: the channel refused the notice (its outbox row is dead; the status and error are read from there),
  reported the number's update failed, or did not show it after `CheckPolicy.max_checks` read-backs.

Once no number of a shipment is left waiting, any failure sends the notice to the dead letters with every
failed number's reason. Replaying it (`omshub dlq replay`) puts the notice back in line: its unconfirmed
numbers read as pending again, and the next delivery marks them sent, their checks counted afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, case, false, func, null, or_, select, update

from core import outbox
from core.outbox import OutboxRetry, OutboxStatus
from core.shipments import OnChannel, PushStatus, ShipmentNotice, notice_of
from core.store.schema import orders, shipments, tracking_pushes
from core.store.schema import outbox as outbox_rows

_PUSH = tracking_pushes.c


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    max_checks: int = 5
    """Read-backs that do not show a number before it is failed."""
    interval: timedelta = timedelta(minutes=10)
    """Time from the channel's acceptance (or the previous read-back) to the next read-back of a shipment."""


@dataclass(frozen=True, slots=True)
class Awaiting:
    """A shipment whose notice the channel accepted, with numbers not yet seen there."""

    outbox_id: int
    channel: str
    notice: ShipmentNotice


@dataclass(frozen=True, slots=True)
class Checked:
    """What one read-back changed."""

    confirmed: int
    failed: int
    waiting: int
    dead_letter: str | None
    """The reason the notice went to the dead letters with, when it did."""


def sent(conn: Connection, reference: str, shown: OnChannel | None, now: datetime) -> None:
    """The channel accepted the notice of shipment `reference`: its unconfirmed pushes are sent, their checks
    counted afresh, and those the channel's answer (`shown`, None when it told nothing) already shows confirmed."""
    shipment_id = select(shipments.c.id).where(shipments.c.reference == reference).scalar_subquery()
    ours = _PUSH.shipment_id == shipment_id
    conn.execute(
        update(tracking_pushes)
        .where(ours, _PUSH.status != PushStatus.confirmed.value)
        .values(status=PushStatus.sent.value, checks=0, last_error=None, updated_at=now)
    )
    if shown is not None:
        conn.execute(
            update(tracking_pushes)
            .where(ours, _PUSH.status == PushStatus.sent.value, _held(shown))
            .values(status=PushStatus.confirmed.value, updated_at=now)
        )


def due(
    conn: Connection, now: datetime, policy: CheckPolicy, *, channels: list[str], after: int = 0, limit: int = 100
) -> list[Awaiting]:
    """Shipments of these channels with a push sent at least `policy.interval` ago, by outbox id after `after`."""
    waiting = (
        select(_PUSH.outbox_id)
        .join(shipments, shipments.c.id == _PUSH.shipment_id)
        .join(orders, orders.c.id == shipments.c.order_id)
        .where(
            _PUSH.status == PushStatus.sent.value,
            _PUSH.updated_at <= now - policy.interval,
            _PUSH.outbox_id > after,
            orders.c.channel.in_(channels),
        )
    )
    query = (
        select(outbox_rows.c.id, outbox_rows.c.payload)
        .where(outbox_rows.c.id.in_(waiting), outbox_rows.c.status == OutboxStatus.done.value)
        .order_by(outbox_rows.c.id)
        .limit(limit)
    )
    return [Awaiting(int(row.id), row.payload["channel"], notice_of(row.payload)) for row in conn.execute(query)]


def checked(conn: Connection, awaiting: Awaiting, shown: OnChannel, now: datetime, policy: CheckPolicy) -> Checked:
    """Record one read-back: numbers the channel shows are confirmed, those it reports failed are failed with its
    error, the rest count one more check (and fail at the last one)."""
    confirmed = failed = 0
    for push in _sent(conn, awaiting.outbox_id):
        error = shown.errors.get(push.number) if push.number is not None else None
        if _holds(shown, push.number):
            _set(conn, push.id, now, status=PushStatus.confirmed, checks=push.checks + 1, last_error=None)
            confirmed += 1
        elif error is not None:
            _set(conn, push.id, now, status=PushStatus.failed, checks=push.checks + 1, last_error=error)
            failed += 1
        else:
            failed += _missed(conn, push, _unseen(awaiting.notice.reference, push.number, shown), now, policy)
    return _settle(conn, awaiting.outbox_id, now, confirmed, failed)


def unreadable(conn: Connection, awaiting: Awaiting, error: str, now: datetime, policy: CheckPolicy) -> Checked:
    """Record a read-back the channel refused: it counts as a check of every waiting number, with its error."""
    failed = sum(
        _missed(conn, push, f"read-back refused: {error}", now, policy) for push in _sent(conn, awaiting.outbox_id)
    )
    return _settle(conn, awaiting.outbox_id, now, 0, failed)


def pushes(
    conn: Connection, *, order_id: int | None = None, status: PushStatus | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Tracking pushes as they stand now, newest shipment first. A push whose notice is queued (or queued again
    by a replay) reads as pending; one whose notice is in the dead letters as failed, with the error it died of."""
    box = outbox_rows.c
    confirmed, dead, pending = PushStatus.confirmed.value, OutboxStatus.dead.value, OutboxStatus.pending.value
    current = case(
        (_PUSH.status == confirmed, confirmed),
        (box.status == dead, PushStatus.failed.value),
        (box.status == pending, PushStatus.pending.value),
        else_=_PUSH.status,
    )
    error = case(
        (_PUSH.status == confirmed, null()),
        (box.status.in_([dead, pending]), func.coalesce(box.last_error, _PUSH.last_error)),
        else_=_PUSH.last_error,
    )
    query = (
        select(
            shipments.c.reference.label("shipment"),
            orders.c.channel,
            orders.c.external_id.label("order"),
            _PUSH.number,
            _PUSH.carrier,
            current.label("status"),
            _PUSH.checks,
            error.label("last_error"),
            _PUSH.updated_at,
        )
        .select_from(
            tracking_pushes.join(shipments, shipments.c.id == _PUSH.shipment_id)
            .join(orders, orders.c.id == shipments.c.order_id)
            .outerjoin(outbox_rows, box.id == _PUSH.outbox_id)
        )
        .order_by(shipments.c.id.desc(), _PUSH.id)
        .limit(limit)
    )
    if order_id is not None:
        query = query.where(shipments.c.order_id == order_id)
    if status is not None:
        query = query.where(current == status.value)
    return [dict(row) for row in conn.execute(query).mappings()]


def _held(shown: OnChannel) -> Any:
    """SQL: the push is one the channel shows (a push without a number: the channel holds the shipment)."""
    held = [_PUSH.number.in_(sorted(shown.tracking))] if shown.tracking else []
    if shown.found:
        held.append(_PUSH.number.is_(None))
    return or_(false(), *held)


def _holds(shown: OnChannel, number: str | None) -> bool:
    return shown.found if number is None else number in shown.tracking


def _unseen(reference: str, number: str | None, shown: OnChannel) -> str:
    if not shown.found:
        return f"the channel shows no shipment {reference}"
    return f"the channel's shipment {reference} does not show tracking {number}"


def _sent(conn: Connection, outbox_id: int) -> list[Row[Any]]:
    query = select(_PUSH.id, _PUSH.number, _PUSH.checks).where(
        _PUSH.outbox_id == outbox_id, _PUSH.status == PushStatus.sent.value
    )
    return list(conn.execute(query.order_by(_PUSH.id)))


def _missed(conn: Connection, push: Row[Any], reason: str, now: datetime, policy: CheckPolicy) -> int:
    """One more check without the number; 1 when that was the last one and the push failed."""
    checks = push.checks + 1
    last = checks >= policy.max_checks
    status = PushStatus.failed if last else PushStatus.sent
    _set(
        conn, push.id, now, status=status, checks=checks, last_error=f"{reason} (check {checks} of {policy.max_checks})"
    )
    return int(last)


def _set(
    conn: Connection, push_id: int, now: datetime, *, status: PushStatus, checks: int, last_error: str | None
) -> None:
    values = {"status": status.value, "checks": checks, "last_error": last_error, "updated_at": now}
    conn.execute(update(tracking_pushes).where(_PUSH.id == push_id).values(**values))


def _settle(conn: Connection, outbox_id: int, now: datetime, confirmed: int, failed: int) -> Checked:
    """Once no number of the shipment is left waiting, failed ones send its notice to the dead letters."""
    rows = conn.execute(
        select(_PUSH.number, _PUSH.status, _PUSH.last_error).where(_PUSH.outbox_id == outbox_id).order_by(_PUSH.id)
    ).all()
    waiting = sum(row.status == PushStatus.sent.value for row in rows)
    lost = [f"{row.number or 'shipment'}: {row.last_error}" for row in rows if row.status == PushStatus.failed.value]
    reason = None
    if lost and not waiting:
        reason = "not confirmed by the channel: " + "; ".join(lost)
        outbox.fail(conn, outbox_id, reason, now, OutboxRetry(max_attempts=1))
    return Checked(confirmed, failed, waiting, reason)
