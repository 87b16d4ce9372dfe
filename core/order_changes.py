"""Order changes: edits, exchanges and claims — the hub's own changes to an order's lines, kept with their line
actions (see core.amendments), the money they moved and what the warehouse was told.

Confirming a change applies its actions through the intake (core.intake.amend): totals are computed from the
new lines and reservations follow them (kept, grown or given back, never dropped and made again). Then:
- the order's money follows, when the hub settles it (core.payments.settle_change): a refund of what was taken
  beyond what is now owed, or a charge of what the payment can no longer cover;
- an order already released sends the units the change added as one more request per (location, provider),
  named after the change; a change that lowers units a provider already holds cannot be sent to it (no
  provider here takes amendments), so the order's fulfillment goes to `requires_action` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, select, update

from core import amendments, fulfillment, fulfillment_holds, payments, queries
from core.errors import InvalidRequest, NotFound
from core.fulfillment import RequestStatus
from core.intake import amend
from core.payments import PaymentPolicy
from core.routing import Router
from core.store.schema import fulfillment_requests, order_changes, orders
from core.totals import compute_totals, price_lines


class ChangeKind(StrEnum):
    edit = "edit"
    exchange = "exchange"
    claim = "claim"


class ChangeStatus(StrEnum):
    requested = "requested"
    confirmed = "confirmed"
    declined = "declined"
    canceled = "canceled"


_PREFIX = {ChangeKind.edit: "edit", ChangeKind.exchange: "exch", ChangeKind.claim: "claim"}
_OPEN_REQUESTS = (RequestStatus.requested, RequestStatus.accepted, RequestStatus.partially_shipped)


@dataclass(frozen=True, slots=True)
class Effects:
    """What a confirmed change acts on besides the order: routing (to send what it adds to an order already
    released) and the payment policy of the order's channel (None: the channel holds the money)."""

    router: Router | None = None
    policy: PaymentPolicy | None = None


def create(
    conn: Connection,
    order_ref: str,
    kind: ChangeKind,
    actions: Sequence[Mapping[str, Any]],
    now: datetime,
    *,
    reference: str | None = None,
    claim_type: str | None = None,
    return_reference: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    requested_by: str = "operator",
) -> dict[str, Any]:
    """Record a change in `requested` state, its totals before and after worked out (nothing applied yet)."""
    order = queries.get_order(conn, order_ref)
    reference = reference or next_reference(conn, int(order["id"]), kind)
    after = amendments.apply(amendments.current(conn, int(order["id"])), actions)
    total_after = compute_totals(after, price_lines(after)).total
    conn.execute(
        order_changes.insert().values(
            reference=reference,
            order_id=order["id"],
            kind=kind.value,
            status=ChangeStatus.requested.value,
            claim_type=claim_type,
            actions=list(actions),
            total_before=order["total"],
            total_after=total_after,
            difference=total_after - int(order["total"]),
            return_reference=return_reference,
            reason=reason,
            note=note,
            requested_by=requested_by,
            created_at=now,
            updated_at=now,
        )
    )
    return get(conn, reference)


def next_reference(conn: Connection, order_id: int, kind: ChangeKind) -> str:
    oc = order_changes.c
    count = conn.execute(select(func.count()).where(oc.order_id == order_id, oc.kind == kind.value)).scalar_one()
    return f"{_PREFIX[kind]}-{order_id}-{int(count) + 1}"


def confirm(conn: Connection, reference: str, effects: Effects, now: datetime, *, credit: int = 0) -> dict[str, Any]:
    """Apply a requested change to its order, then settle its money and tell the warehouse (see the module)."""
    change = _locked(conn, reference)
    if change["status"] != ChangeStatus.requested:
        raise InvalidRequest(f"{reference} is {change['status']}; only a requested change can be confirmed")
    order_id = int(change["order_id"])
    channel = str(conn.execute(select(orders.c.channel).where(orders.c.id == order_id)).scalar_one())
    released, held_before = fulfillment.is_released(conn, order_id), _held(conn, order_id)
    amend(conn, channel, order_id, amendments.apply(amendments.current(conn, order_id), change["actions"]), now)
    total_after = int(conn.execute(select(orders.c.total).where(orders.c.id == order_id)).scalar_one())
    warehouse = _tell_warehouse(conn, order_id, held_before, effects.router, reference, now) if released else None
    op = None
    if effects.policy is not None:
        op = payments.settle_change(
            conn, order_id, effects.policy, int(change["total_before"]), reference, now, credit=credit
        )
    conn.execute(
        update(order_changes)
        .where(order_changes.c.id == change["id"])
        .values(
            status=ChangeStatus.confirmed.value,
            total_after=total_after,
            difference=total_after - int(change["total_before"]),
            payment_reference=op.reference if op is not None else None,
            fulfillment=warehouse,
            confirmed_at=now,
            updated_at=now,
        )
    )
    return get(conn, reference)


def close(
    conn: Connection, reference: str, status: ChangeStatus, now: datetime, *, note: str | None = None
) -> dict[str, Any]:
    """Decline or cancel a requested change: nothing of it applies."""
    change = _locked(conn, reference)
    if change["status"] != ChangeStatus.requested:
        raise InvalidRequest(f"{reference} is {change['status']}; only a requested change can be {status.value}")
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if note:
        values["note"] = note
    conn.execute(update(order_changes).where(order_changes.c.id == change["id"]).values(**values))
    return get(conn, reference)


def get(conn: Connection, reference: str) -> dict[str, Any]:
    return _one(conn, select(order_changes).where(order_changes.c.reference == reference), reference)


def list_changes(
    conn: Connection, *, order_ref: str | None = None, kind: ChangeKind | None = None
) -> list[dict[str, Any]]:
    query = select(order_changes).order_by(order_changes.c.id)
    if order_ref is not None:
        query = query.where(order_changes.c.order_id == queries.get_order(conn, order_ref)["id"])
    if kind is not None:
        query = query.where(order_changes.c.kind == kind.value)
    return [dict(row) for row in conn.execute(query).mappings()]


def _locked(conn: Connection, reference: str) -> dict[str, Any]:
    """The change, its row locked until the transaction ends (two confirmations of one change are serialized)."""
    query = select(order_changes).where(order_changes.c.reference == reference).with_for_update()
    return _one(conn, query, reference)


def _one(conn: Connection, query: Any, reference: str) -> dict[str, Any]:
    row = conn.execute(query).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no order change {reference!r}; list an order's changes with `omshub edits list --order ID`")
    return dict(row)


def _held(conn: Connection, order_id: int) -> dict[tuple[str, str, str], int]:
    return {(key, sku, code): units for key, sku, code, units in fulfillment.held(conn, order_id)}


def _tell_warehouse(
    conn: Connection,
    order_id: int,
    before: Mapping[tuple[str, str, str], int],
    router: Router | None,
    reference: str,
    now: datetime,
) -> str:
    """Send what the change added to an order already released; hold its fulfillment when the change lowers
    units a provider holds. Returns what was done, in words."""
    after = _held(conn, order_id)
    added = {where: units - before.get(where, 0) for where, units in after.items() if units > before.get(where, 0)}
    lowered = sorted({key for (key, sku, code), units in before.items() if after.get((key, sku, code), 0) < units})
    said = []
    if added and router is not None:
        made = fulfillment.release_added(conn, order_id, router, added, reference, now)
        said.append(f"{made} request(s) sent for the added units")
    elif added:
        said.append("added units reserved; no routing given to send them")
    sent = _lines_with_providers(conn, order_id, lowered)
    if sent:
        reason = (
            f"{reference} lowers {', '.join(sent)} already sent to the warehouse; the provider takes no amendment:"
            f" change the order there (or cancel it there and send it again), then release the hold (omshub orders"
            f" release-fulfillment {order_id})"
        )
        fulfillment_holds.hold(conn, order_id, reason, now)
        said.append(f"fulfillment on requires_action: {reason}")
    return "; ".join(said) or "nothing to send"


def _lines_with_providers(conn: Connection, order_id: int, keys: Sequence[str]) -> list[str]:
    """Which of the order's `keys` are in a request a provider may still ship from."""
    if not keys:
        return []
    fr = fulfillment_requests.c
    query = select(fr.reference, fr.lines).where(fr.order_id == order_id, fr.status.in_(list(_OPEN_REQUESTS)))
    found: set[str] = set()
    for request_ref, lines in conn.execute(query):
        found.update(f"{line['line_key']} ({request_ref})" for line in lines if line["line_key"] in keys)
    return sorted(found)
