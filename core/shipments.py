"""What the hub tells a sales channel once (part of) an order has left a stock location."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select

from core import channels, outbox, queries
from core.errors import InvalidRequest, NotFound
from core.model import FulfillmentStatus
from core.outbox import OutboxStatus
from core.store.schema import order_lines, shipments, tracking_pushes
from core.store.schema import outbox as outbox_rows


@dataclass(frozen=True, slots=True)
class ShippedLine:
    line_id: str | None
    """The channel's line id (`OrderLine.line_id`); None when the channel gave none."""
    sku: str | None
    quantity: int


@dataclass(frozen=True, slots=True)
class Tracking:
    number: str
    carrier: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentNotice:
    """One shipment of one order, as the channel should learn it.

    `reference` is the hub's own name for the shipment (unique, stable across retries): a connector
    stores it upstream with what it creates and looks it up first, so telling the channel twice does
    nothing the second time."""

    reference: str
    order_external_id: str
    location: str
    """The hub location code the parcel left from."""
    lines: tuple[ShippedLine, ...]
    tracking: tuple[Tracking, ...] = ()
    order_complete: bool = False
    """True when every unit of the order that holds stock has now shipped (the channel may close the order)."""


SHIPMENT_CREATED = "order.shipment_created"
"""Outbox topic: a recorded shipment that the order's channel should learn about."""


class PushStatus(StrEnum):
    """How far one tracking number (or a shipment without any) has got on its way to the channel."""

    pending = "pending"
    """Queued, or being retried."""
    sent = "sent"
    """The channel accepted the call; not yet seen there."""
    confirmed = "confirmed"
    """The channel shows it."""
    failed = "failed"
    """The channel refused it, or never showed it: in the dead letters with the reason."""


@dataclass(frozen=True, slots=True)
class OnChannel:
    """What a channel shows of one shipment."""

    found: bool
    """The channel holds the shipment (what it created under the notice's reference) as shipped."""
    tracking: frozenset[str] = frozenset()
    """Those of the notice's tracking numbers that the channel holds."""
    errors: Mapping[str, str] = field(default_factory=dict)
    """Tracking number → the channel's own error, for numbers whose (asynchronous) update it reports failed."""


@dataclass(frozen=True, slots=True)
class ShipmentReport:
    """A shipment as an operator (or, later, a fulfillment provider) reports it."""

    order_ref: str
    """Hub order id or CHANNEL:EXTERNAL_ID."""
    location: str
    lines: Mapping[str, int]
    """Line key or SKU → units in the parcel."""
    tracking: tuple[Tracking, ...] = ()
    reference: str | None = None
    """The caller's own id for the shipment; reporting the same one twice records it once."""
    shipped_already: bool = False
    """Reported by a provider after the fact: units the channel canceled after release left all the same and
    are recorded (up to the line's quantity), not refused; `overshipped` says which."""


BEFORE_SHIPPING = frozenset(
    {FulfillmentStatus.not_fulfilled, FulfillmentStatus.partially_fulfilled, FulfillmentStatus.fulfilled}
)
"""Fulfillment statuses that know of no shipment: a channel's version saying one does not undo the hub's."""


def shipping_status(lines: Iterable[Mapping[str, Any]]) -> FulfillmentStatus:
    """Shipped when every line that holds stock shipped all it still has (quantity less canceled units), partially
    shipped otherwise; lines that hold no stock never ship and are not waited for."""
    done = all(ln["shipped_quantity"] >= ln["quantity"] - ln["canceled_quantity"] for ln in lines if ln["holds_stock"])
    return FulfillmentStatus.shipped if done else FulfillmentStatus.partially_shipped


def overshipped(conn: Connection, order_id: int) -> dict[str, int]:
    """Units recorded as shipped beyond what is left of each line once its canceled units are taken off."""
    lines = conn.execute(
        select(order_lines.c.line_key, order_lines.c.quantity, order_lines.c.canceled_quantity).where(
            order_lines.c.order_id == order_id
        )
    ).all()
    shipped = shipped_units(conn, order_id)
    beyond = {key: shipped.get(key, 0) - (int(qty) - int(canceled)) for key, qty, canceled in lines}
    return {key: units for key, units in beyond.items() if units > 0}


def record(conn: Connection, report: ShipmentReport, now: datetime) -> ShipmentNotice:
    """Record a shipment and queue the notice to the order's channel, in the caller's transaction.

    Stock is not moved here: the units leave the books when the order's fulfilled quantities change
    (the channel's next pull, or the provider's shipment once fulfillment routing exists)."""
    order = queries.get_order(conn, report.order_ref)
    earlier = _rows(conn, order["id"])
    codes = channels.location_codes(conn)
    if report.reference is not None:
        same = _same_reference(conn, order, earlier, report.reference)
        if same is not None:
            return _notice(order, same, codes[same["location_id"]], _shipped(earlier))
    location_id = channels.location_ids(conn).get(report.location)
    if location_id is None:
        raise NotFound(f"no stock location {report.location!r}; use one of the [locations] in the config file")
    parcel = _parcel(order["lines"], report.lines, _shipped(earlier), fact=report.shipped_already)
    row = {
        "reference": report.reference or f"omshub-{order['id']}-{len(earlier) + 1}",
        "order_id": order["id"],
        "location_id": location_id,
        "lines": [{"line_key": key, "quantity": units} for key, units in parcel.items()],
        "tracking": [asdict(t) for t in report.tracking],
        "created_at": now,
    }
    shipment_id = int(conn.execute(shipments.insert().values(**row).returning(shipments.c.id)).scalar_one())
    notice = _notice(order, row, report.location, _shipped([*earlier, row]))
    payload = {"channel": order["channel"], "notice": asdict(notice)}
    outbox.append(conn, [outbox.Event(SHIPMENT_CREATED, "order", str(order["id"]), payload)], now)
    queued = _queued_id(conn, order["id"], notice.reference, now)
    _queue_pushes(conn, shipment_id, queued, report.tracking, now)
    return notice


def _queue_pushes(
    conn: Connection, shipment_id: int, outbox_id: int, tracking: tuple[Tracking, ...], now: datetime
) -> None:
    """One pending push per tracking number; a shipment without any gets one row without a number, since the
    channel still has to learn that the lines shipped."""
    by_number: dict[str | None, Tracking] = {t.number: t for t in tracking}
    pushes = [(number, t.carrier, t.url) for number, t in by_number.items()] or [(None, None, None)]
    queued = {"shipment_id": shipment_id, "outbox_id": outbox_id, "status": PushStatus.pending.value, "checks": 0}
    rows = [{**queued, "number": n, "carrier": c, "url": u, "updated_at": now} for n, c, u in pushes]
    conn.execute(tracking_pushes.insert(), rows)


def _queued_id(conn: Connection, order_id: int, reference: str, now: datetime) -> int:
    """The outbox row just appended for the shipment `reference` (found through the index on pending rows)."""
    query = select(outbox_rows.c.id, outbox_rows.c.payload).where(
        outbox_rows.c.status == OutboxStatus.pending.value,
        outbox_rows.c.available_at == now,
        outbox_rows.c.topic == SHIPMENT_CREATED,
        outbox_rows.c.aggregate_id == str(order_id),
    )
    return next(int(row.id) for row in conn.execute(query) if row.payload["notice"]["reference"] == reference)


def notice_of(payload: Mapping[str, Any]) -> ShipmentNotice:
    """The notice an outbox payload carries."""
    raw = payload["notice"]
    return ShipmentNotice(
        reference=raw["reference"],
        order_external_id=raw["order_external_id"],
        location=raw["location"],
        lines=tuple(ShippedLine(**line) for line in raw["lines"]),
        tracking=tuple(Tracking(**t) for t in raw["tracking"]),
        order_complete=raw["order_complete"],
    )


def _notice(
    order: Mapping[str, Any], row: Mapping[str, Any], location: str, shipped: Mapping[str, int]
) -> ShipmentNotice:
    parcel = {line["line_key"]: int(line["quantity"]) for line in row["lines"]}
    return ShipmentNotice(
        reference=row["reference"],
        order_external_id=order["external_id"],
        location=location,
        lines=tuple(_shipped_line(ln, parcel[ln["line_key"]]) for ln in order["lines"] if ln["line_key"] in parcel),
        tracking=tuple(Tracking(**t) for t in row["tracking"]),
        order_complete=all(
            shipped.get(ln["line_key"], 0) >= _shippable(ln) for ln in order["lines"] if ln["holds_stock"]
        ),
    )


def _same_reference(
    conn: Connection, order: Mapping[str, Any], earlier: list[Mapping[str, Any]], reference: str
) -> Mapping[str, Any] | None:
    """This order's shipment recorded under `reference`, if any; a reference of another order is refused."""
    same = next((row for row in earlier if row["reference"] == reference), None)
    if same is None and conn.execute(select(shipments.c.id).where(shipments.c.reference == reference)).first():
        raise InvalidRequest(f"shipment reference {reference!r} already belongs to another order")
    return same


def _parcel(
    lines: list[dict[str, Any]], wanted: Mapping[str, int], shipped: Mapping[str, int], *, fact: bool = False
) -> dict[str, int]:
    """Requested units by line key, each checked against what is left to ship on that line (with `fact`, what
    is left of its quantity, canceled units included: they left already)."""
    if not wanted:
        raise InvalidRequest("a shipment needs at least one line: give SKU=UNITS (or LINE_KEY=UNITS)")
    parcel: dict[str, int] = {}
    for ref, units in wanted.items():
        matches = [ln for ln in lines if ln["line_key"] == ref] or [ln for ln in lines if ln["sku"] == ref]
        if len(matches) != 1:
            found = "no line" if not matches else "several lines"
            raise InvalidRequest(f"{ref!r} matches {found} of the order; name the line by its line_key")
        key = matches[0]["line_key"]
        if not matches[0]["holds_stock"]:
            raise InvalidRequest(
                f"line {key!r} ({matches[0]['sku'] or 'no SKU'}) holds no stock, so it does not ship;"
                " leave it out of the shipment"
            )
        most = int(matches[0]["quantity"]) if fact else _shippable(matches[0])
        left = most - shipped.get(key, 0) - parcel.get(key, 0)
        if units < 1 or units > left:
            raise InvalidRequest(f"line {key!r} ({matches[0]['sku']}): {units} unit(s) asked, {left} left to ship")
        parcel[key] = parcel.get(key, 0) + units
    return parcel


def _shippable(line: Mapping[str, Any]) -> int:
    return int(line["quantity"]) - int(line["canceled_quantity"])


def _shipped_line(line: Mapping[str, Any], units: int) -> ShippedLine:
    key = str(line["line_key"])
    return ShippedLine(None if key.startswith("sku:") else key, line["sku"], units)


def shipped_units(conn: Connection, order_id: int) -> dict[str, int]:
    """Units of each line of the order the hub has recorded as shipped (by a provider or an operator)."""
    return shipped_units_of(conn, [order_id])[order_id]


def shipped_units_of(conn: Connection, order_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """`shipped_units` of each of these orders, with one query."""
    found: dict[int, list[Mapping[str, Any]]] = {order_id: [] for order_id in order_ids}
    query = select(shipments.c.order_id, shipments.c.lines).where(shipments.c.order_id.in_(order_ids))
    for row in conn.execute(query.order_by(shipments.c.id)).mappings():
        found[row["order_id"]].append(dict(row))
    return {order_id: _shipped(rows) for order_id, rows in found.items()}


def _rows(conn: Connection, order_id: int) -> list[Mapping[str, Any]]:
    query = select(shipments).where(shipments.c.order_id == order_id).order_by(shipments.c.id)
    return [dict(row) for row in conn.execute(query).mappings()]


def _shipped(rows: list[Mapping[str, Any]]) -> dict[str, int]:
    """Units of each line that these shipments carried."""
    shipped: dict[str, int] = {}
    for row in rows:
        for line in row["lines"]:
            shipped[line["line_key"]] = shipped.get(line["line_key"], 0) + int(line["quantity"])
    return shipped
