"""Returns: units of shipped lines asked back (by the customer through a channel or the API, or by an operator),
then received with a disposition per line.

Receiving `restock` puts the units back on the shelf at a chosen location (a ledger row); `damaged` and
`written_off` do not. Restocking never waits for money. The refund of a received return is what the customer
paid for those units (unit price less the line's share of every discount, with its tax), less the return
shipping the return carries, and never more than is left to refund; it goes to the payment processor of the
order's channel as a refund operation (see core.payments). A return can be received without a refund.

A return registered in the channel (an order's `channel_returns`, e.g. a Shopify refund with restock) is taken in
by intake once, as a received return named after the channel and its id, without a refund: the channel settled it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from core import bindings, channels, outbox, payments, queries, shipments, stock_admin
from core.allocation import ChannelPolicy
from core.errors import InvalidRequest, NotFound
from core.fulfillment import RequestStatus, line_share
from core.model import CanonicalOrder, ChannelReturn, FulfillmentStatus
from core.money import format_money
from core.providers import ReturnLine, ReturnRequest
from core.stock_admin import Restock
from core.store.bulk import insert_rows, next_ids
from core.store.schema import fulfillment_requests, order_lines, orders, return_lines, returns, stock_locations

RETURN_REQUESTED = "order.return_requested"
FULFILLMENT_RETURN = "fulfillment.return_requested"
"""Outbox topic: a return announced to the provider that shipped the units."""
ITEMS_RETURNED = "order.items_returned"
REFUND_CREATED = "order.refund_created"
RETURN_KIND = "return"
"""Bindings kind: a channel's return id → the hub return that records it."""


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
    _take_in(conn, order, (found["id"], reference, found["location"]), taken, now=now)
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


def unrecorded(conn: Connection, channel: str, orders: Iterable[CanonicalOrder]) -> dict[str, list[ChannelReturn]]:
    """The returns registered in the channel that the hub has not taken in yet, by the external id of their
    order; one query, and none when no order carries channel returns."""
    carried = {order.external_id: order.channel_returns for order in orders if order.channel_returns}
    if not carried:
        return {}
    known = bindings.internal_ids(conn, channel, RETURN_KIND, {r.return_id for rs in carried.values() for r in rs})
    found = {ext: [r for r in rs if r.return_id not in known] for ext, rs in carried.items()}
    return {ext: rs for ext, rs in found.items() if rs}


def take_channel_returns(
    conn: Connection, policy: ChannelPolicy, found: Mapping[int, Sequence[ChannelReturn]], *, now: datetime
) -> list[outbox.Event]:
    """Take in returns the channel registered (order id → returns `unrecorded` found) as received returns,
    each once: restocked units go back on the shelf (at their location, else the channel's first), the others
    are written off, and the lines count the units as returned. A line takes back no more units than left it
    and are not counted returned yet. No refund: the channel settles it. Returns the `order.items_returned`
    events for the caller to queue."""
    if not found:
        return []
    channel, ids = policy.name, channels.location_ids(conn)
    codes = {loc_id: code for code, loc_id in ids.items()}
    allowed = [codes[loc] for loc in policy.locations]
    lines, taking, statuses = _lines_of(conn, list(found)), [], {}
    shipped = shipments.shipped_units_of(conn, list(found))
    for order_id, registered in found.items():
        by_key = {str(line["line_key"]): line for line in lines[order_id]}
        recorded = shipped[order_id]
        left = {key: _sent(line, recorded) - int(line["returned_quantity"]) for key, line in by_key.items()}
        for ret in registered:
            wanted, taken = _channel_parts(ret, by_key, left, allowed)
            taking.append(_Taken(order_id, f"{channel}-return-{ret.return_id}", ret, wanted, taken, by_key))
            for key, came in taken.items():
                by_key[key]["returned_quantity"] += came.quantity
        statuses[order_id] = returned_status(by_key.values(), recorded)
    return_ids = _insert_received(conn, channel, taking, ids, now)
    shelved = [_restock(t.lines[key], got, got.location, t.reference) for t in taking for key, got in t.taken.items()]
    stock_admin.restock(conn, [r for r in shelved if r is not None], now)
    _count_returned(conn, [(t.order_id, key, came.quantity) for t in taking for key, came in t.taken.items()])
    bound = {t.ret.return_id: return_id for t, return_id in zip(taking, return_ids, strict=True)}
    bindings.bind_many(conn, channel, RETURN_KIND, bound)
    _set_statuses(conn, statuses, now)
    return [_items_returned(t.order_id, channel, t.reference, t.taken) for t in taking]


@dataclass(frozen=True, slots=True)
class _Taken:
    """A channel return as it is taken in."""

    order_id: int
    reference: str
    ret: ChannelReturn
    wanted: dict[str, int]
    """Units per line key, as the channel registered them."""
    taken: dict[str, Received]
    lines: Mapping[str, Mapping[str, Any]]
    """The order's lines by key."""


def _insert_received(
    conn: Connection, channel: str, taking: Sequence[_Taken], location_ids: Mapping[str, int], now: datetime
) -> list[int]:
    """The rows of channel returns taken in, received, with their lines (two statements); returns their ids."""
    return_ids = next_ids(conn, returns, len(taking))
    rows, parts = [], []
    for t, return_id in zip(taking, return_ids, strict=True):
        where = {came.location for came in t.taken.values() if came.location is not None}
        rows.append(
            {
                "id": return_id,
                "reference": t.reference,
                "order_id": t.order_id,
                "status": ReturnStatus.received.value,
                "note": _channel_note(channel, t.ret.return_id, t.wanted, t.taken),
                "requested_by": f"channel:{channel}",
                "location_id": location_ids[where.pop()] if len(where) == 1 else None,
                "created_at": now,
                "updated_at": now,
            }
        )
        parts += [
            {
                "return_id": return_id,
                "line_key": key,
                "quantity": t.wanted[key],
                "received_quantity": came.quantity,
                "disposition": came.disposition.value,
                "location_id": None if came.location is None else location_ids[came.location],
            }
            for key, came in t.taken.items()
        ]
    insert_rows(conn, returns, rows)
    insert_rows(conn, return_lines, parts)
    return return_ids


def _lines_of(conn: Connection, order_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The lines of these orders, by order id (one query)."""
    found: dict[int, list[dict[str, Any]]] = {order_id: [] for order_id in order_ids}
    query = select(order_lines).where(order_lines.c.order_id.in_(order_ids)).order_by(order_lines.c.id)
    for line in conn.execute(query).mappings():
        found[line["order_id"]].append(dict(line))
    return found


def _channel_parts(
    ret: ChannelReturn, by_key: Mapping[str, Mapping[str, Any]], left: dict[str, int], allowed: Sequence[str]
) -> tuple[dict[str, int], dict[str, Received]]:
    """A channel return's units per line key as registered, and as taken in (within `left`, which they use up)."""
    wanted, taken = {}, {}
    for i, part in enumerate(ret.lines):
        line = by_key.get(part.line) or by_key.get(f"sku:{part.line}")
        if line is None:
            raise InvalidRequest(f"channel return {ret.return_id}: {part.line!r} is no line of the order")
        if part.location is not None and part.location not in allowed:
            raise InvalidRequest(
                f"channel return {ret.return_id}: lines.{i}.location {part.location!r} is not one of the channel's"
                f" locations ({', '.join(allowed)}); name one, or leave it out for the first"
            )
        key = str(line["line_key"])
        units = min(part.quantity, max(left[key], 0))
        left[key] -= units
        wanted[key] = part.quantity
        disposition = Disposition.restock if part.restock else Disposition.written_off
        where = part.location or next(iter(allowed), None)
        taken[key] = Received(units, disposition, where if part.restock else None)
    return wanted, taken


def _channel_note(channel: str, return_id: str, wanted: Mapping[str, int], taken: Mapping[str, Received]) -> str:
    note = f"returned through {channel} (its id {return_id}); the channel settles the money"
    counted = [f"{key} ({wanted[key] - came.quantity})" for key, came in taken.items() if came.quantity < wanted[key]]
    if counted:
        note += f"; units the hub had counted returned already were not taken again: {', '.join(counted)}"
    return note


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


def _take_in(
    conn: Connection,
    order: Mapping[str, Any],
    ret: tuple[int, str, str | None],
    taken: Mapping[str, Received],
    *,
    now: datetime,
) -> None:
    """What came in for the requested return `ret` (its id, reference and location), line by line; queues
    `order.items_returned`."""
    return_id, reference, default_location = ret
    by_key = {str(line["line_key"]): line for line in order["lines"]}
    location_ids = channels.location_ids(conn)
    shelved = []
    for key, came in taken.items():
        where = came.location or default_location
        shelved.append(_restock(by_key[key], came, where, reference))
        conn.execute(
            update(return_lines)
            .where(return_lines.c.return_id == return_id, return_lines.c.line_key == key)
            .values(
                received_quantity=came.quantity,
                disposition=came.disposition.value,
                location_id=_known(location_ids, where) if where is not None else None,
            )
        )
    stock_admin.restock(conn, [r for r in shelved if r is not None], now)
    _count_returned(conn, [(int(order["id"]), key, came.quantity) for key, came in taken.items()])
    outbox.append(conn, [_items_returned(int(order["id"]), str(order["channel"]), reference, taken)], now)


def _restock(line: Mapping[str, Any], came: Received, where: str | None, reference: str) -> Restock | None:
    """What goes back on the shelf at `where` of a line's received units: those of a line that holds stock,
    received for restock (None when nothing does)."""
    if came.disposition is not Disposition.restock or not came.quantity or not (line["holds_stock"] and line["sku"]):
        return None
    if where is None:
        key = line["line_key"]
        raise InvalidRequest(f"line {key!r}: restock needs a location (give one for the return or the line)")
    return Restock(str(line["sku"]), where, came.quantity, reference)


def _count_returned(conn: Connection, units: Sequence[tuple[int, str, int]]) -> None:
    """Raise lines' returned_quantity: (order id, line key, units) each."""
    rows = [{"k_order": order_id, "k_key": key, "k_units": n} for order_id, key, n in units if n]
    if rows:
        ol = order_lines.c
        stmt = update(order_lines).where(ol.order_id == bindparam("k_order"), ol.line_key == bindparam("k_key"))
        conn.execute(stmt.values(returned_quantity=ol.returned_quantity + bindparam("k_units")), rows)


def _items_returned(order_id: int, channel: str, reference: str, taken: Mapping[str, Received]) -> outbox.Event:
    lines = {key: {"quantity": came.quantity, "disposition": came.disposition.value} for key, came in taken.items()}
    payload = {"reference": reference, "channel": channel, "lines": lines}
    return outbox.Event(ITEMS_RETURNED, "order", str(order_id), payload)


def _fulfillment_status(conn: Connection, order_id: int, now: datetime) -> None:
    ol = order_lines.c
    query = select(ol.line_key, ol.fulfilled_quantity, ol.shipped_quantity, ol.returned_quantity).where(
        ol.order_id == order_id
    )
    lines = [dict(line) for line in conn.execute(query).mappings()]
    _set_statuses(conn, {order_id: returned_status(lines, shipments.shipped_units(conn, order_id))}, now)


def returned_status(lines: Iterable[Mapping[str, Any]], recorded: Mapping[str, int]) -> FulfillmentStatus | None:
    """Partially returned or returned once units came back, by the units that left (fulfilled, shipped, or
    recorded as shipped by the hub) against those returned; None while none did."""
    shipped = returned = 0
    for line in lines:
        shipped += _sent(line, recorded)
        returned += int(line["returned_quantity"])
    if not returned:
        return None
    return FulfillmentStatus.returned if returned >= shipped else FulfillmentStatus.partially_returned


def _sent(line: Mapping[str, Any], recorded: Mapping[str, int]) -> int:
    """Units of the line that left: fulfilled, shipped, or recorded as shipped by the hub (`recorded`)."""
    return max(int(line["fulfilled_quantity"]), int(line["shipped_quantity"]), recorded.get(line["line_key"], 0))


def _set_statuses(conn: Connection, statuses: Mapping[int, FulfillmentStatus | None], now: datetime) -> None:
    rows = [{"k_id": oid, "k_status": s.value, "k_now": now} for oid, s in statuses.items() if s is not None]
    if rows:
        held = orders.c.fulfillment_hold.is_not(None)  # a person releases it; the lines give the status then
        stmt = update(orders).where(orders.c.id == bindparam("k_id"), ~held)
        conn.execute(stmt.values(fulfillment_status=bindparam("k_status"), updated_at=bindparam("k_now")), rows)


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
    return _known(channels.location_ids(conn), code)


def _known(location_ids: Mapping[str, int], code: str) -> int:
    found = location_ids.get(code)
    if found is None:
        raise NotFound(f"no stock location {code!r}; use one of the [locations] in the config file")
    return found
