"""Returns: units of shipped lines asked back (by the customer through a channel or the API, or by an operator),
then received with a disposition per line.

Receiving `restock` puts the units back on the shelf at a chosen location (a ledger row); `damaged` and
`written_off` do not. Restocking never waits for money. The refund of a received return is what the customer
paid for those units (unit price less the line's share of every discount, with its tax), less the return
shipping the return carries, and never more than is left to refund; it goes to the payment processor of the
order's channel as a refund operation (see core.payments). A return can be received without a refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, select, update

from core import channels, outbox, payments, queries, shipments
from core.errors import InvalidRequest, NotFound
from core.fulfillment import RequestStatus, line_share
from core.model import FulfillmentStatus
from core.money import format_money
from core.providers import ReturnLine, ReturnRequest
from core.stock_admin import restock
from core.store.schema import fulfillment_requests, order_lines, orders, return_lines, returns, stock_locations

RETURN_REQUESTED = "order.return_requested"
FULFILLMENT_RETURN = "fulfillment.return_requested"
"""Outbox topic: a return announced to the provider that shipped the units."""
ITEMS_RETURNED = "order.items_returned"
REFUND_CREATED = "order.refund_created"


class ReturnStatus(StrEnum):
    requested = "requested"
    received = "received"
    canceled = "canceled"


class Disposition(StrEnum):
    restock = "restock"
    """Back on the shelf at the receiving location."""
    damaged = "damaged"
    written_off = "written_off"


@dataclass(frozen=True, slots=True)
class Received:
    """What came in for one line of a return."""

    quantity: int
    disposition: Disposition
    location: str | None = None
    """Where restocked units go (default: the return's location)."""


def request(
    conn: Connection,
    order_ref: str,
    lines: Mapping[str, int],
    now: datetime,
    *,
    reason: str | None = None,
    note: str | None = None,
    return_shipping: int = 0,
    location: str | None = None,
    requested_by: str = "operator",
) -> dict[str, Any]:
    """Ask units of shipped lines back (`lines`: line key or SKU → units); each line no more than has shipped
    and is neither returned nor asked back already. Queues `order.return_requested`."""
    order = queries.get_order(conn, order_ref)
    if not lines:
        raise InvalidRequest("a return needs at least one line: give SKU=UNITS (or LINE_KEY=UNITS)")
    if return_shipping < 0:
        raise InvalidRequest("return shipping cannot be negative")
    location_id = _location_id(conn, location) if location is not None else None
    asked, recorded = _open_quantities(conn, order["id"]), shipments.shipped_units(conn, order["id"])
    wanted: dict[str, int] = {}
    for ref, units in lines.items():
        line = queries.order_line(order["lines"], ref)
        key = str(line["line_key"])
        shipped = max(int(line["shipped_quantity"]), recorded.get(key, 0))
        left = shipped - int(line["returned_quantity"]) - asked.get(key, 0) - wanted.get(key, 0)
        if units < 1 or units > left:
            raise InvalidRequest(f"line {key!r} ({line['sku']}): {units} unit(s) asked back, {left} can be")
        wanted[key] = wanted.get(key, 0) + units
    sequence = int(conn.execute(select(func.count()).where(returns.c.order_id == order["id"])).scalar_one()) + 1
    reference = f"ret-{order['id']}-{sequence}"
    return_id = conn.execute(
        returns.insert()
        .values(
            reference=reference,
            order_id=order["id"],
            status=ReturnStatus.requested.value,
            reason=reason,
            note=note,
            requested_by=requested_by,
            location_id=location_id,
            return_shipping=return_shipping,
            created_at=now,
            updated_at=now,
        )
        .returning(returns.c.id)
    ).scalar_one()
    conn.execute(
        return_lines.insert(),
        [
            {"return_id": return_id, "line_key": key, "quantity": units, "reason": reason}
            for key, units in wanted.items()
        ],
    )
    payload = {"reference": reference, "channel": order["channel"], "lines": wanted, "reason": reason}
    events = [outbox.Event(RETURN_REQUESTED, "order", str(order["id"]), payload)]
    events += [
        outbox.Event(
            FULFILLMENT_RETURN, "order", str(order["id"]), {"provider": provider, "request": asdict(announced)}
        )
        for provider, announced in _to_providers(conn, order, wanted, reference, reason)
    ]
    outbox.append(conn, events, now)
    return get(conn, reference)


def receive(
    conn: Connection,
    reference: str,
    received: Mapping[str, Received],
    now: datetime,
    *,
    processor: str | None = None,
    refund: bool = True,
) -> dict[str, Any]:
    """Take a requested return in: per line (key or SKU) the units that came and what becomes of them; restocked
    units go back on the shelf, every received unit counts as returned on its line. With `refund` and the
    `processor` of the order's channel (the hub settles its money), queue the refund of what the customer paid for
    the received units less the return shipping."""
    found = get(conn, reference)
    if found["status"] != ReturnStatus.requested:
        raise InvalidRequest(f"return {reference} is {found['status']}; only a requested return can be received")
    order = queries.get_order(conn, str(found["order_id"]))
    taken: dict[str, Received] = {}
    asked = {line["line_key"]: int(line["quantity"]) for line in found["lines"]}
    for ref, came in received.items():
        key = str(queries.order_line(order["lines"], ref)["line_key"])
        if key not in asked:
            raise InvalidRequest(f"line {key!r} is not part of return {reference}")
        if key in taken:
            raise InvalidRequest(f"line {key!r} is named twice ({ref!r}); give each line once")
        if came.quantity < 0 or came.quantity > asked[key]:
            raise InvalidRequest(f"line {key!r}: {came.quantity} unit(s) received, {asked[key]} were asked back")
        taken[key] = came
    if not taken:
        raise InvalidRequest("say what came in: at least one line with its units and disposition")
    by_key = {str(line["line_key"]): line for line in order["lines"]}
    default_location = found["location"]
    for key, came in taken.items():
        where = came.location or default_location
        if came.disposition is Disposition.restock and came.quantity:
            if where is None:
                raise InvalidRequest(f"line {key!r}: restock needs a location (give one for the return or the line)")
            restock(conn, str(by_key[key]["sku"]), where, came.quantity, reference, now)
        conn.execute(
            update(return_lines)
            .where(return_lines.c.return_id == found["id"], return_lines.c.line_key == key)
            .values(
                received_quantity=came.quantity,
                disposition=came.disposition.value,
                location_id=_location_id(conn, where) if where is not None else None,
            )
        )
        conn.execute(
            update(order_lines)
            .where(order_lines.c.order_id == order["id"], order_lines.c.line_key == key)
            .values(returned_quantity=order_lines.c.returned_quantity + came.quantity)
        )
    payload = {
        "reference": reference,
        "channel": order["channel"],
        "lines": {
            key: {"quantity": came.quantity, "disposition": came.disposition.value} for key, came in taken.items()
        },
    }
    outbox.append(conn, [outbox.Event(ITEMS_RETURNED, "order", str(order["id"]), payload)], now)
    value = refund_amount(order, {key: came.quantity for key, came in taken.items()}, int(found["return_shipping"]))
    amount = max(value - int(found["refund_offset"]), 0)  # what an exchange or a claim already gave for it
    refund_ref = _refund(conn, order, processor, amount, reference, now) if refund and processor else None
    conn.execute(
        update(returns)
        .where(returns.c.id == found["id"])
        .values(
            status=ReturnStatus.received.value,
            refund_amount=amount if refund else None,
            refund_reference=refund_ref,
            updated_at=now,
        )
    )
    _fulfillment_status(conn, order["id"], now)
    return get(conn, reference)


def refund_amount(order: Mapping[str, Any], units: Mapping[str, int], return_shipping: int = 0) -> int:
    """What the customer paid for these units of the order's lines (line key → units), less return shipping;
    never below zero. Counted on top of the units each line already had returned (its `returned_quantity`),
    so that returns of one line in parts add up to exactly what the whole line cost."""
    by_key = {str(line["line_key"]): line for line in order["lines"]}
    included = bool(order["taxes_included"])
    paid = 0
    for key, count in units.items():
        line, before = by_key[key], int(by_key[key]["returned_quantity"])
        paid += payments.line_value(line, before + count, taxes_included=included)
        paid -= payments.line_value(line, before, taxes_included=included)
    return max(paid - return_shipping, 0)


def get(conn: Connection, reference: str) -> dict[str, Any]:
    found = _with_lines(conn, select(returns).where(returns.c.reference == reference))
    if not found:
        raise NotFound(f"no return {reference!r}; `omshub returns list --order ORDER` shows an order's returns")
    return found[0]


def list_returns(conn: Connection, order_ref: str | None = None) -> list[dict[str, Any]]:
    query = select(returns).order_by(returns.c.id)
    if order_ref is not None:
        query = query.where(returns.c.order_id == queries.get_order(conn, order_ref)["id"])
    return _with_lines(conn, query)


def _with_lines(conn: Connection, query: Any) -> list[dict[str, Any]]:
    """The returns `query` selects, each with its lines (two queries, whatever the number of returns)."""
    codes = channels.location_codes(conn)
    found = [dict(row) for row in conn.execute(query).mappings()]
    for ret in found:
        location_id = ret.pop("location_id")
        ret["location"], ret["lines"] = codes.get(location_id) if location_id else None, []
    by_id = {ret["id"]: ret for ret in found}
    if not by_id:
        return found
    rl = return_lines.c
    for line in conn.execute(select(return_lines).where(rl.return_id.in_(list(by_id))).order_by(rl.id)).mappings():
        by_id[line["return_id"]]["lines"].append(
            {
                "line_key": line["line_key"],
                "quantity": line["quantity"],
                "reason": line["reason"],
                "received_quantity": line["received_quantity"],
                "disposition": line["disposition"],
                "location": codes.get(line["location_id"]) if line["location_id"] else None,
            }
        )
    return found


def _refund(
    conn: Connection, order: Mapping[str, Any], processor: str, amount: int, reference: str, now: datetime
) -> str | None:
    """Queue the return's refund with the order's processor; None when there is nothing to refund it from."""
    op, left = queue_refund(conn, order, processor, amount, reference, now)
    if op is not None and amount > left:
        note = f"refund {op.reference} capped at {format_money(left, op.currency)}: only that was left to refund"
        conn.execute(update(returns).where(returns.c.reference == reference).values(note=note))
    return op.reference if op is not None else None


def queue_refund(
    conn: Connection, order: Mapping[str, Any], processor: str, amount: int, cause: str, now: datetime
) -> tuple[payments.Operation | None, int]:
    """Queue a refund of `amount` for `cause` (a return, a claim), capped at what is left to refund, with
    `order.refund_created`; returns the operation (None when the hub holds none of the money or none is left)
    and what was left to refund."""
    if not order["payment_reference"] or amount <= 0:
        return None, 0
    left = payments.refundable(conn, int(order["id"]))
    if left <= 0:
        return None, left
    op = payments.request_refund(conn, str(order["id"]), processor, min(amount, left), cause, now)
    payload = {"reference": op.reference, "cause": cause, "amount": op.amount, "currency": op.currency}
    outbox.append(conn, [outbox.Event(REFUND_CREATED, "order", str(order["id"]), payload)], now)
    return op, left


def return_of(payload: Mapping[str, Any]) -> ReturnRequest:
    """The return an outbox payload announces to a provider."""
    raw = dict(payload["request"])
    raw["lines"] = tuple(ReturnLine(**line) for line in raw["lines"])
    return ReturnRequest(**raw)


def _to_providers(
    conn: Connection, order: Mapping[str, Any], wanted: Mapping[str, int], reference: str, reason: str | None
) -> list[tuple[str, ReturnRequest]]:
    """The units asked back, announced to the providers that shipped them: one return per fulfillment request,
    its units taken from the requests in the order they were made."""
    fr = fulfillment_requests.c
    shipped = [RequestStatus.partially_shipped, RequestStatus.shipped]
    query = (
        select(fulfillment_requests, stock_locations.c.code)
        .join(stock_locations, stock_locations.c.id == fr.location_id)
        .where(fr.order_id == order["id"], fr.status.in_(shipped), fr.provider_ref.is_not(None))
        .order_by(fr.id)
    )
    by_key = {str(line["line_key"]): line for line in order["lines"]}
    left = dict(wanted)
    announced = []
    for request in conn.execute(query).mappings():
        parts = []
        for sent in request["lines"]:
            key = sent["line_key"]
            units = min(left.get(key, 0), int(sent["quantity"]))
            if units > 0:
                left[key] -= units
                share = line_share(by_key[key], sent["sku"], units, taxes_included=bool(order["taxes_included"]))
                parts.append(ReturnLine(key, share.sku, share.title, units, share.unit_net, share.tax))
        if parts:
            ret = ReturnRequest(
                reference=f"{reference}-{request['code']}",
                order_id=int(order["id"]),
                fulfillment_reference=request["reference"],
                fulfillment_provider_ref=request["provider_ref"],
                location=request["code"],
                currency=str(order["currency"]),
                lines=tuple(parts),
                reason=reason,
            )
            announced.append((str(request["provider"]), ret))
    return announced


def _fulfillment_status(conn: Connection, order_id: int, now: datetime) -> None:
    ol = order_lines.c
    query = select(ol.line_key, ol.shipped_quantity, ol.returned_quantity).where(ol.order_id == order_id)
    recorded = shipments.shipped_units(conn, order_id)
    lines = conn.execute(query).all()
    shipped = sum(max(int(s), recorded.get(key, 0)) for key, s, _ in lines)
    returned = sum(int(r) for _, _, r in lines)
    if not returned:
        return
    status = FulfillmentStatus.returned if returned >= shipped else FulfillmentStatus.partially_returned
    conn.execute(update(orders).where(orders.c.id == order_id).values(fulfillment_status=status.value, updated_at=now))


def _open_quantities(conn: Connection, order_id: int) -> dict[str, int]:
    """Units asked back by returns not received yet, per line."""
    query = (
        select(return_lines.c.line_key, func.sum(return_lines.c.quantity))
        .join(returns, returns.c.id == return_lines.c.return_id)
        .where(returns.c.order_id == order_id, returns.c.status == ReturnStatus.requested.value)
        .group_by(return_lines.c.line_key)
    )
    return {key: int(units) for key, units in conn.execute(query)}


def _location_id(conn: Connection, code: str) -> int:
    found = channels.location_ids(conn).get(code)
    if found is None:
        raise NotFound(f"no stock location {code!r}; use one of the [locations] in the config file")
    return found
