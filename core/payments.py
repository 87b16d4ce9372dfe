"""The money of orders whose channel leaves it to the hub: captures, refunds and releases through a processor.

Each operation is a row of `payment_operations`, written before any call, with a reference built from the
order, the kind of operation and its place in the order's sequence (`cap-ORDER-N`, `ref-ORDER-N`,
`rel-ORDER-1`, `chk-ORDER-1`). The reference is the processor's idempotency key, and the name the processor
keeps with what it did, so an unknown outcome is settled by looking it up, never by a blind re-send. An
operation that succeeded or was declined is never sent again, whatever replays its outbox row.

What is asked for is bounded by the hub's own ledger, under the order's lock: the captures never add up to
more than the authorization (or the order total), and the refunds never to more than what was captured.

Capture policies per channel: `on_placement` (all at once, as soon as the order is authorized),
`on_shipment` (the value of what shipped; a processor without multiple captures captures once, at the
first or the last shipment, and the first capture settles the authorization), `manual` (people capture).
With `capturable_statuses`, a capture the policy calls for waits until the order's status in its channel is one
of them (see core.capture_gate). Lines that hold no stock are captured as shipping is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import Connection, and_, case, exists, func, or_, select, update

from core import outbox, queries, shipments
from core.errors import InvalidRequest
from core.fulfillment import RequestStatus
from core.model import FulfillmentStatus, OrderStatus, PaymentStatus
from core.money import format_money
from core.providers import PaymentResult, PaymentState
from core.store.schema import fulfillment_requests, order_lines, orders, payment_operations

PAYMENT_OPERATION = "payment.operation_requested"
"""Outbox topic: a payment operation to send to its processor (the payload names it by reference)."""

_STATUS = {
    PaymentState.authorized: PaymentStatus.authorized,
    PaymentState.partially_captured: PaymentStatus.partially_captured,
    PaymentState.captured: PaymentStatus.captured,
    PaymentState.partially_refunded: PaymentStatus.partially_refunded,
    PaymentState.refunded: PaymentStatus.refunded,
    PaymentState.canceled: PaymentStatus.canceled,
}
_SETTLING = (PaymentStatus.authorized.value, PaymentStatus.partially_captured.value)
_SHIPPED = (FulfillmentStatus.shipped.value, FulfillmentStatus.delivered.value)


class Kind(StrEnum):
    capture = "capture"
    refund = "refund"
    release = "release"
    """Cancel what is left of an uncaptured authorization."""
    inspect = "inspect"
    """Read the payment (authorized amount, when the authorization lapses)."""
    charge = "charge"
    """A new payment, taken at once, on the payment method of the order's payment: the part of an order change
    (an edit, an exchange) that the authorization does not cover."""


_PREFIX = {Kind.capture: "cap", Kind.refund: "ref", Kind.release: "rel", Kind.inspect: "chk", Kind.charge: "chg"}
_TAKEN = (Kind.capture, Kind.charge)
"""Operations that take the customer's money."""


class OpStatus(StrEnum):
    requested = "requested"
    """Stored, not tried yet."""
    sent = "sent"
    """Tried without a final answer (an unknown outcome until the processor is asked again)."""
    succeeded = "succeeded"
    declined = "declined"
    """The processor refused it as a business outcome (a card decline); a person decides what next."""
    failed = "failed"
    """Refused for good by the hub's or the processor's checks; a replay tries again."""
    auth_expired = "auth_expired"
    """The authorization lapsed before the capture: reauthorize or take a new payment."""


CANCELED = "order canceled"
"""The cause of the refund or release that settles a canceled order."""
FINAL = (OpStatus.succeeded, OpStatus.declined)
_COUNTING = (OpStatus.requested, OpStatus.sent, OpStatus.succeeded)
"""Operations whose amount counts against the limits (done, or possibly done)."""


@dataclass(frozen=True, slots=True)
class PaymentPolicy:
    """A channel's `[channels.NAME.payments]`, with what its processor can do."""

    processor: str
    capture: Literal["on_placement", "on_shipment", "manual"] = "on_shipment"
    single_capture_at: Literal["first_shipment", "last_shipment"] = "last_shipment"
    multiple_captures: bool = False
    capturable_statuses: frozenset[str] | None = None
    """The channel's own order statuses a capture may happen in; None: any."""

    def may_capture(self, channel_status: str | None) -> bool:
        return self.capturable_statuses is None or channel_status in self.capturable_statuses


@dataclass(frozen=True, slots=True)
class Operation:
    reference: str
    order_id: int
    kind: Kind
    processor: str
    payment_reference: str
    amount: int
    currency: str
    status: OpStatus
    result_reference: str | None = None
    """The payment a charge made at the processor, once known."""


def line_value(line: Mapping[str, Any], units: int, *, taxes_included: bool) -> int:
    """What the customer paid for `units` of an order line: its price less its discounts (its own and its
    share of the order's), with its tax; shares of a line round down, and all its units make the whole."""
    quantity = int(line["quantity"])
    paid = quantity * int(line["unit_price"]) - int(line["discount"]) - int(line["order_discount_share"])
    if not taxes_included:
        paid += int(line["tax_total"])
    return paid * units // quantity if quantity else 0


def shipping_value(order: Mapping[str, Any]) -> int:
    return int(order["shipping_total"]) + (0 if order["taxes_included"] else int(order["shipping_tax"]))


def capture_after_shipment(conn: Connection, order_id: int, policy: PaymentPolicy, now: datetime) -> bool:
    """Queue the capture a shipment calls for under the policy; True when one was queued."""
    order = _locked(conn, order_id)
    if policy.capture != "on_shipment" or not _settles(order) or not policy.may_capture(order["channel_status"]):
        return False
    done = _sum(conn, order_id, _TAKEN)  # a charge paid for part of what ships
    if policy.multiple_captures:
        amount = _shipped_value(conn, order) - done
    else:
        if _count(conn, order_id, Kind.capture) or (
            policy.single_capture_at == "last_shipment" and not _all_shipped(conn, order)
        ):
            return False
        amount = _owed(conn, order) - done
    return _capture(conn, order, policy.processor, amount, "shipment", now)


def capture_on_placement(
    conn: Connection, policies: Mapping[str, PaymentPolicy], now: datetime, *, limit: int = 500
) -> int:
    """Queue the whole capture of authorized orders not captured yet: of `on_placement` channels, and of
    `on_shipment` channels when what the order sells ships nothing (gift cards, downloads, services: no line that
    holds stock has units left) and nothing holds it, as no parcel will ever call for the capture."""
    placement = [name for name, policy in policies.items() if policy.capture == "on_placement"]
    shipment = [name for name, policy in policies.items() if policy.capture == "on_shipment"]
    if not placement and not shipment:
        return 0
    ol = order_lines.c
    left = and_(ol.order_id == orders.c.id, ol.quantity > ol.canceled_quantity)
    nothing_ships = and_(
        exists(select(ol.id).where(left, ~ol.holds_stock)),
        ~exists(select(ol.id).where(left, ol.holds_stock)),
        orders.c.status.in_([OrderStatus.pending.value, OrderStatus.completed.value]),  # not held, canceled, draft
        orders.c.hold_reason.is_(None),
        orders.c.fulfillment_hold.is_(None),
    )
    due = conn.execute(
        _waiting(Kind.capture)
        .where(
            capturable_now(policies, [*placement, *shipment]),
            or_(orders.c.channel.in_(placement), and_(orders.c.channel.in_(shipment), nothing_ships)),
            orders.c.payment_status == PaymentStatus.authorized.value,
            orders.c.status.not_in([OrderStatus.canceled.value, OrderStatus.archived.value, OrderStatus.draft.value]),
        )
        .limit(limit)
    ).scalars()
    queued = 0
    for order_id in list(due):
        order = _locked(conn, order_id)
        owed = _owed(conn, order) - _sum(conn, order_id, Kind.charge)
        cause = "placement" if order["channel"] in placement else "nothing to ship"
        queued += _capture(conn, order, policies[order["channel"]].processor, owed, cause, now)
    return queued


def capturable_now(policies: Mapping[str, PaymentPolicy], channels: Iterable[str]) -> Any:
    """SQL: the order is of one of `channels` and in a status its channel's policy lets a capture happen in."""
    allowed = []
    for name in channels:
        statuses, in_channel = policies[name].capturable_statuses, orders.c.channel == name
        in_status = orders.c.channel_status.in_(sorted(statuses or ()))
        allowed.append(in_channel if statuses is None else and_(in_channel, in_status))
    return or_(*allowed)


def settle_canceled(conn: Connection, policies: Mapping[str, PaymentPolicy], now: datetime) -> int:
    """Give back the money of canceled orders, once: refund what was captured, or release an authorization never
    captured. Waits while a provider may still ship (a cancel not acknowledged yet) or a capture is in flight."""
    if not policies:
        return 0
    fr, po = fulfillment_requests.c, payment_operations.c
    shipping = [RequestStatus.requested, RequestStatus.accepted, RequestStatus.partially_shipped]
    busy = select(fr.order_id).where(fr.status.in_([*shipping, RequestStatus.cancel_requested]))
    in_flight = select(po.order_id).where(
        po.kind == Kind.capture.value, po.status.in_([OpStatus.requested.value, OpStatus.sent.value])
    )
    settled = select(po.order_id).where(po.cause == CANCELED)
    query = select(orders.c.id).where(
        orders.c.channel.in_(list(policies)),
        orders.c.status == OrderStatus.canceled.value,
        orders.c.payment_reference.is_not(None),
        orders.c.payment_status.in_([*_SETTLING, PaymentStatus.captured.value, PaymentStatus.partially_refunded.value]),
        orders.c.id.not_in(busy),
        orders.c.id.not_in(in_flight),
        orders.c.id.not_in(settled),
        orders.c.fulfillment_hold.is_(None),  # goods left all the same: a person decides first
    )
    queued = 0
    for order_id in list(conn.execute(query).scalars()):
        order = _locked(conn, order_id)
        processor, left = policies[order["channel"]].processor, refundable(conn, order_id)
        if left > 0:
            _append(conn, order, Kind.refund, processor, left, CANCELED, now)
        elif order["payment_status"] == PaymentStatus.authorized.value:
            _append(conn, order, Kind.release, processor, 0, CANCELED, now)
        queued += left > 0 or order["payment_status"] == PaymentStatus.authorized.value
    return queued


def inspect_authorizations(
    conn: Connection, policies: Mapping[str, PaymentPolicy], now: datetime, *, limit: int = 200
) -> int:
    """Queue a read of each new authorization, to learn its amount and when it lapses from the processor."""
    if not policies:
        return 0
    query = (
        _waiting(Kind.inspect)
        .where(
            orders.c.channel.in_(list(policies)),
            orders.c.payment_status == PaymentStatus.authorized.value,
            orders.c.authorized_total.is_(None),
        )
        .limit(limit)
    )
    due = list(conn.execute(query).scalars())
    for order_id in due:
        order = _locked(conn, order_id)
        _append(conn, order, Kind.inspect, policies[order["channel"]].processor, 0, "new authorization", now)
    return len(due)


def request_capture(conn: Connection, order_ref: str, processor: str, amount: int | None, now: datetime) -> Operation:
    """An operator's capture (the `manual` policy, or the rest of a partial one); `amount` None: all still owed."""
    order = _locked(conn, queries.get_order(conn, order_ref)["id"])
    if not _settles(order):
        raise InvalidRequest(
            f"order {order['id']} is {order['payment_status']}"
            + ("" if order["payment_reference"] else " and has no payment reference")
            + ": there is no authorization to capture"
        )
    left = _capturable(conn, order)
    wanted = left if amount is None else amount
    if wanted <= 0 or wanted > left:
        raise InvalidRequest(
            f"order {order['id']}: {format_money(wanted, order['currency'])} asked, "
            f"{format_money(left, order['currency'])} is still capturable"
        )
    return _append(conn, order, Kind.capture, processor, wanted, "operator", now)


def request_refund(
    conn: Connection, order_ref: str, processor: str, amount: int | None, cause: str, now: datetime
) -> Operation:
    """A refund of `amount` (None: all that is left), never more than captured less earlier refunds. Refunds of
    one order are serialized: the order's row is locked while the ledger is read and the refund written."""
    order = _locked(conn, queries.get_order(conn, order_ref)["id"])
    if not order["payment_reference"]:
        raise InvalidRequest(f"order {order['id']} has no payment reference: the hub holds none of its money")
    left = refundable(conn, order["id"])
    wanted = left if amount is None else amount
    if wanted <= 0 or wanted > left:
        captured = _sum(conn, order["id"], Kind.capture, (OpStatus.succeeded,))
        raise InvalidRequest(
            f"order {order['id']}: cannot refund {format_money(wanted, order['currency'])}: captured "
            f"{format_money(captured, order['currency'])}, {format_money(left, order['currency'])} not refunded yet"
            " (refunds in flight count as refunded)"
        )
    return _append(conn, order, Kind.refund, processor, wanted, cause, now)


def refundable(conn: Connection, order_id: int) -> int:
    """Captured less every refund done or possibly done. Captured is what the hub's own captures took, or what
    the processor last said it holds when that is more (a capture made before the hub settled this order)."""
    row = conn.execute(select(orders.c.captured_total, orders.c.refunded_total).where(orders.c.id == order_id)).one()
    ours = _sum(conn, order_id, _TAKEN, (OpStatus.succeeded,)) - _sum(conn, order_id, Kind.refund)
    theirs = int(row.captured_total) - int(row.refunded_total) - _pending(conn, order_id, Kind.refund)
    return max(ours, theirs)


def operation(conn: Connection, reference: str) -> Operation:
    row = conn.execute(select(payment_operations).where(payment_operations.c.reference == reference)).mappings()
    found = row.one()
    return Operation(
        found["reference"],
        int(found["order_id"]),
        Kind(found["kind"]),
        found["processor"],
        found["payment_reference"],
        int(found["amount"]),
        found["currency"],
        OpStatus(found["status"]),
        found["result_reference"],
    )


def statement(conn: Connection, order_id: int) -> dict[str, Any]:
    """The order's money as the hub knows it, and the operations sent for it, oldest first."""
    fields = (
        "id",
        "channel",
        "currency",
        "payment_status",
        "payment_reference",
        "total",
        "authorized_total",
        "captured_total",
        "refunded_total",
        "authorization_expires_at",
    )
    row = conn.execute(select(*(orders.c[name] for name in fields)).where(orders.c.id == order_id)).mappings().one()
    return {**row, "refundable": refundable(conn, order_id), "operations": operations(conn, order_id)}


def operations(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    query = select(payment_operations).where(payment_operations.c.order_id == order_id)
    return [dict(row) for row in conn.execute(query.order_by(payment_operations.c.id)).mappings()]


def mark(conn: Connection, reference: str, status: OpStatus, now: datetime, reason: str | None = None) -> None:
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if reason is not None:
        values["reason"] = reason
    conn.execute(update(payment_operations).where(payment_operations.c.reference == reference).values(**values))


def completed(conn: Connection, op: Operation, result: PaymentResult, now: datetime) -> None:
    """The processor answered: the operation is done (or declined), and the order shows what it holds now (a
    charge is a payment of its own: the order's payment is left as it is, the charge keeps its id)."""
    if result.declined is not None:
        mark(conn, op.reference, OpStatus.declined, now, f"declined: {result.declined}")
        _needs_action(conn, op.order_id, f"the processor declined {op.reference}: {result.declined}", now)
    else:
        mark(conn, op.reference, OpStatus.succeeded, now)
    if op.kind is Kind.charge:
        charged(conn, op.reference, result.provider_ref)
    else:
        record(conn, op.order_id, result, now)


def charged(conn: Connection, reference: str, payment_ref: str) -> None:
    """Keep the id of the payment a charge made, as soon as the processor gave it: a later try of the charge
    goes on with that payment instead of making another."""
    query = update(payment_operations).where(payment_operations.c.reference == reference)
    conn.execute(query.values(result_reference=payment_ref))


def expired(conn: Connection, op: Operation, reason: str, now: datetime) -> None:
    """A capture found the authorization lapsed: no retry; a person reauthorizes or takes a new payment."""
    mark(conn, op.reference, OpStatus.auth_expired, now, reason)
    _needs_action(conn, op.order_id, f"authorization expired before {op.reference}: {reason}", now)


def record(conn: Connection, order_id: int, result: PaymentResult, now: datetime) -> None:
    """What the processor holds after an operation. A failed or waiting payment is requires_action."""
    status = _STATUS.get(result.state, PaymentStatus.requires_action)
    values: dict[str, Any] = {
        "captured_total": result.captured,
        "refunded_total": result.refunded,
        "payment_status": status.value,
        "authorization_expires_at": result.expires_at,
        "updated_at": now,
    }
    if result.authorized:
        values["authorized_total"] = result.authorized
    conn.execute(update(orders).where(orders.c.id == order_id).values(**values))


def settle_change(
    conn: Connection,
    order_id: int,
    policy: PaymentPolicy,
    total_before: int,
    cause: str,
    now: datetime,
    *,
    credit: int = 0,
) -> Operation | None:
    """After an order change (an edit, an exchange) moved what the order is worth: refund what was taken beyond
    what is now owed, or charge the part of what is owed that the payment can no longer provide (what it took,
    plus what its authorization may still give: nothing once a single capture settled it). `credit` is value
    the customer gives back as part of the change (an exchange's returned units), which pays for it first. The
    authorization counts for what the processor said; unknown, for the order's total before the change."""
    order = _locked(conn, order_id)
    if not order["payment_reference"]:
        return None  # the channel holds this order's money
    owed = _owed(conn, order) - credit
    taken = max(_sum(conn, order_id, _TAKEN), int(order["captured_total"]))
    if taken > owed:
        amount = min(taken - owed, refundable(conn, order_id))
        return _append(conn, order, Kind.refund, policy.processor, amount, cause, now) if amount > 0 else None
    limit = order["authorized_total"] if order["authorized_total"] is not None else total_before
    captures = _sum(conn, order_id, Kind.capture)
    open_authorization = _settles(order) and (policy.multiple_captures or captures == 0)
    left = max(int(limit) - captures, 0) if open_authorization else 0
    uncovered = owed - taken - left
    if uncovered <= 0:
        return None
    return _append(conn, order, Kind.charge, policy.processor, uncovered, cause, now)


def expiring_authorizations(
    conn: Connection, channel: str, lapse_after: timedelta, now: datetime, *, warn: timedelta = timedelta(days=1)
) -> int:
    """Orders of the channel still waiting to ship whose authorization lapses within `warn`: capture or ship
    them first (a capture after the lapse is refused, and is not retried). The lapse is the processor's when it
    told one, else `lapse_after` from placement."""
    soon = or_(
        and_(orders.c.authorization_expires_at.is_not(None), orders.c.authorization_expires_at < now + warn),
        and_(orders.c.authorization_expires_at.is_(None), orders.c.placed_at < now - lapse_after + warn),
    )
    query = select(func.count()).where(
        orders.c.channel == channel,
        orders.c.payment_status == PaymentStatus.authorized.value,
        orders.c.payment_reference.is_not(None),
        orders.c.status.not_in([OrderStatus.canceled.value, OrderStatus.archived.value]),
        orders.c.fulfillment_status.not_in(list(_SHIPPED)),
        soon,
    )
    return int(conn.execute(query).scalar_one())


def _capture(
    conn: Connection, order: Mapping[str, Any], processor: str, amount: int, cause: str, now: datetime
) -> bool:
    amount = min(amount, _capturable(conn, order))
    if amount <= 0:
        return False
    _append(conn, order, Kind.capture, processor, amount, cause, now)
    return True


def _capturable(conn: Connection, order: Mapping[str, Any]) -> int:
    """What may still be captured: the authorization (or, unknown, the order total) less every capture made or
    in flight."""
    limit = order["authorized_total"] if order["authorized_total"] is not None else order["total"]
    return int(limit) - _sum(conn, int(order["id"]), Kind.capture)


def _owed(conn: Connection, order: Mapping[str, Any]) -> int:
    """The value of every unit still to be shipped or shipped (canceled units excluded), with shipping."""
    return shipping_value(order) + sum(
        line_value(ln, int(ln["quantity"]) - int(ln["canceled_quantity"]), taxes_included=order["taxes_included"])
        for ln in _lines(conn, int(order["id"]))
    )


def _shipped_value(conn: Connection, order: Mapping[str, Any]) -> int:
    """The value of the units shipped so far, shipping included once anything shipped; all of `_owed` once
    everything shipped."""
    lines, taxes_included = _lines(conn, int(order["id"])), order["taxes_included"]
    shipped = [
        line_value(ln, min(int(ln["shipped_quantity"]), int(ln["quantity"])), taxes_included=taxes_included)
        for ln in lines
        if ln["holds_stock"]
    ]
    never_ship = [  # lines that hold no stock go with the first parcel, as shipping does
        line_value(ln, int(ln["quantity"]) - int(ln["canceled_quantity"]), taxes_included=taxes_included)
        for ln in lines
        if not ln["holds_stock"]
    ]
    return sum(shipped) + (shipping_value(order) + sum(never_ship) if any(shipped) else 0)


def _all_shipped(conn: Connection, order: Mapping[str, Any]) -> bool:
    """Every unit that holds stock has shipped (as the order's status says, or its lines, which a channel's later
    version of the order never lowers)."""
    if order["fulfillment_status"] in _SHIPPED:
        return True
    return shipments.shipping_status(_lines(conn, int(order["id"]))) is FulfillmentStatus.shipped


def _lines(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(select(order_lines).where(order_lines.c.order_id == order_id)).mappings()]


def _settles(order: Mapping[str, Any]) -> bool:
    return bool(order["payment_reference"]) and order["payment_status"] in _SETTLING


def _locked(conn: Connection, order_id: int) -> dict[str, Any]:
    """The order row, locked until the transaction ends (operations on one payment are serialized)."""
    query = select(orders).where(orders.c.id == order_id).with_for_update()
    return dict(conn.execute(query).mappings().one())


def _waiting(kind: Kind) -> Any:
    """Orders with a payment reference and no operation of `kind` yet."""
    po = payment_operations.c
    return (
        select(orders.c.id)
        .where(
            orders.c.payment_reference.is_not(None),
            orders.c.id.not_in(select(po.order_id).where(po.kind == kind.value)),
        )
        .order_by(orders.c.id)
    )


def _sum(conn: Connection, order_id: int, kind: Kind | Iterable[Kind], statuses: Iterable[OpStatus] = _COUNTING) -> int:
    po = payment_operations.c
    kinds = [kind.value] if isinstance(kind, Kind) else [k.value for k in kind]
    query = select(func.coalesce(func.sum(po.amount), 0)).where(
        po.order_id == order_id, po.kind.in_(kinds), po.status.in_([s.value for s in statuses])
    )
    return int(conn.execute(query).scalar_one())


def _pending(conn: Connection, order_id: int, kind: Kind) -> int:
    return _sum(conn, order_id, kind, (OpStatus.requested, OpStatus.sent))


def _count(conn: Connection, order_id: int, kind: Kind) -> int:
    po = payment_operations.c
    query = select(func.count()).where(po.order_id == order_id, po.kind == kind.value)
    return int(conn.execute(query).scalar_one())


def _append(
    conn: Connection, order: Mapping[str, Any], kind: Kind, processor: str, amount: int, cause: str, now: datetime
) -> Operation:
    """Store the operation (its reference is the idempotency key) and queue it, in the caller's transaction."""
    sequence = _count(conn, int(order["id"]), kind) + 1
    op = Operation(
        f"{_PREFIX[kind]}-{order['id']}-{sequence}",
        int(order["id"]),
        kind,
        processor,
        str(order["payment_reference"]),
        amount,
        str(order["currency"]),
        OpStatus.requested,
    )
    conn.execute(
        payment_operations.insert().values(
            reference=op.reference,
            order_id=op.order_id,
            kind=kind.value,
            sequence=sequence,
            processor=processor,
            payment_reference=op.payment_reference,
            amount=amount,
            currency=op.currency,
            status=op.status.value,
            cause=cause,
            created_at=now,
            updated_at=now,
        )
    )
    payload = {"reference": op.reference, "processor": processor, "kind": kind.value}
    outbox.append(conn, [outbox.Event(PAYMENT_OPERATION, "order", str(op.order_id), payload)], now)
    return op


def _needs_action(conn: Connection, order_id: int, reason: str, now: datetime) -> None:
    conn.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(
            payment_status=PaymentStatus.requires_action.value,
            status=case(
                (orders.c.status == OrderStatus.pending.value, OrderStatus.requires_action.value),
                else_=orders.c.status,
            ),
            hold_reason=reason,
            updated_at=now,
        )
    )
