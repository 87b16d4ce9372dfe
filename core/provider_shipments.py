"""Shipments a fulfillment provider reports (goods-out notes): each is taken in once, whatever the provider
repeats. Taking one in records it (and queues the tracking notice to the order's channel), turns the shipped
units' reservations into deductions at the location (ledger rows), marks the lines fulfilled and shipped,
and moves the order's fulfillment status on (partially_shipped, shipped; lines that hold no stock never ship and
are not waited for)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, bindparam, case, select, update

from core import fulfillment_holds, shipments
from core.fulfillment import RequestStatus
from core.inventory import StockBook
from core.providers import ProviderShipment
from core.shipments import ShipmentReport
from core.store.schema import fulfillment_requests, order_lines, orders, reservations, stock_locations
from core.store.schema import shipments as shipment_rows

log = structlog.get_logger("omshub.fulfillment")


def receive(conn: Connection, provider: str, shipment: ProviderShipment, now: datetime) -> int | None:
    """Take in one shipment; the order's id, or None when it was taken in before, is of no request of ours or
    carries nothing the order still has to ship."""
    reference = f"{provider}:{shipment.provider_ref}"
    if conn.execute(select(shipment_rows.c.id).where(shipment_rows.c.reference == reference)).first():
        return None
    request = _request(conn, shipment.request_reference)
    if request is None:
        log.warning("shipment.unknown_request", provider=provider, shipment=shipment.provider_ref)
        return None
    parcel = _parcel(request["lines"], shipment.lines, _room(conn, int(request["order_id"])))
    unplaced = sum(units for _sku, units in shipment.lines) - sum(parcel.values())
    if unplaced:  # units of no line of the request, or beyond what is left of the order's lines: nothing to record
        log.warning("shipment.units_beyond_order", provider=provider, shipment=shipment.provider_ref, units=unplaced)
    if not parcel:
        return None
    location = str(request["location_code"])
    report = ShipmentReport(
        str(request["order_id"]), location, parcel, shipment.tracking, reference=reference, shipped_already=True
    )
    shipments.record(conn, report, now)
    _deduct(conn, request, parcel, now)
    _mark_shipped(conn, request, parcel, now)
    _hold_if_overshipped(conn, int(request["order_id"]), reference, now)
    return int(request["order_id"])


def _hold_if_overshipped(conn: Connection, order_id: int, reference: str, now: datetime) -> None:
    """Units the channel canceled after release left with this shipment: a person decides (a return, or a
    charge); the order's fulfillment waits on requires_action with the units named."""
    beyond = shipments.overshipped(conn, order_id)
    if not beyond:
        return
    units = ", ".join(f"{key} ×{count}" for key, count in sorted(beyond.items()))
    reason = (
        f"shipment {reference} carried units canceled after release ({units}): open a return for them or charge"
        f" them, then release the hold (omshub orders release-fulfillment {order_id})"
    )
    log.warning("shipment.overshipped", order_id=order_id, shipment=reference, lines=units)
    fulfillment_holds.hold(conn, order_id, reason, now)


def _request(conn: Connection, reference: str) -> dict[str, Any] | None:
    query = (
        select(fulfillment_requests, stock_locations.c.code.label("location_code"))
        .join(stock_locations, stock_locations.c.id == fulfillment_requests.c.location_id)
        .where(fulfillment_requests.c.reference == reference)
    )
    row = conn.execute(query).mappings().one_or_none()
    return None if row is None else dict(row)


def _room(conn: Connection, order_id: int) -> dict[str, int]:
    """Units of each line of the order not recorded as shipped yet (canceled ones included: they may still leave)."""
    shipped = shipments.shipped_units(conn, order_id)
    query = select(order_lines.c.line_key, order_lines.c.quantity).where(order_lines.c.order_id == order_id)
    return {key: int(quantity) - shipped.get(key, 0) for key, quantity in conn.execute(query)}


def _parcel(
    requested: list[dict[str, Any]], shipped: tuple[tuple[str, int], ...], room: Mapping[str, int]
) -> dict[str, int]:
    """Shipped (SKU, units) onto the request's lines (line key → units), in line order for repeated SKUs: a note
    names SKUs, not lines, so each line takes no more than the request asked for it and than is left of it once
    earlier notes are counted (`room`)."""
    parcel: dict[str, int] = {}
    for sku, units in shipped:
        left = units
        for line in requested:
            key = line["line_key"]
            if line["sku"] == sku and left:
                take = min(left, min(int(line["quantity"]), room.get(key, 0)) - parcel.get(key, 0))
                if take > 0:
                    parcel[key] = parcel.get(key, 0) + take
                    left -= take
    return parcel


def _deduct(conn: Connection, request: dict[str, Any], parcel: dict[str, int], now: datetime) -> None:
    """The shipped units leave the location: what is still reserved for them there becomes a deduction (one
    ledger row each). Units the channel already reported fulfilled were deducted then, and are not again."""
    skus = {line["line_key"]: line["sku"] for line in request["lines"]}
    book = StockBook(conn, set(skus.values()), now)
    ref, location_id = f"order:{request['order_id']}", request["location_id"]
    rv = reservations.c
    held = dict(
        conn.execute(
            select(rv.line_key, rv.quantity).where(
                rv.order_id == request["order_id"], rv.location_id == location_id, rv.line_key.in_(list(parcel))
            )
        ).all()
    )
    taken = {key: min(units, int(held.get(key, 0))) for key, units in parcel.items()}
    for key, units in taken.items():
        if units:
            book.consume(skus[key], location_id, units, ref)
    book.flush()
    moved = [
        {"k_line": key, "k_item": book.item_ids[skus[key]], "k_units": units} for key, units in taken.items() if units
    ]
    if not moved:
        return
    conn.execute(
        update(reservations)
        .where(
            rv.order_id == request["order_id"],
            rv.line_key == bindparam("k_line"),
            rv.item_id == bindparam("k_item"),
            rv.location_id == location_id,
        )
        .values(quantity=rv.quantity - bindparam("k_units"), updated_at=now),
        [
            {"k_line": key, "k_item": book.item_ids[skus[key]], "k_units": units}
            for key, units in taken.items()
            if units
        ],
    )


def _mark_shipped(conn: Connection, request: dict[str, Any], parcel: dict[str, int], now: datetime) -> None:
    ol = order_lines.c
    hub = ol.hub_fulfilled_quantity + bindparam("k_units")
    conn.execute(
        update(order_lines)
        .where(ol.order_id == request["order_id"], ol.line_key == bindparam("k_line"))
        .values(
            hub_fulfilled_quantity=hub,
            fulfilled_quantity=case((ol.fulfilled_quantity > hub, ol.fulfilled_quantity), else_=hub),
            shipped_quantity=case((ol.shipped_quantity > hub, ol.shipped_quantity), else_=hub),
        ),
        [{"k_line": key, "k_units": units} for key, units in parcel.items()],
    )
    lines = conn.execute(
        select(ol.quantity, ol.canceled_quantity, ol.shipped_quantity, ol.holds_stock).where(
            ol.order_id == request["order_id"]
        )
    )
    status = shipments.shipping_status([dict(line) for line in lines.mappings()])
    not_held = orders.c.fulfillment_hold.is_(None)  # a held fulfillment waits for a person, who releases it
    conn.execute(
        update(orders)
        .where(orders.c.id == request["order_id"], not_held)
        .values(fulfillment_status=status.value, updated_at=now)
    )
    requested = {line["line_key"]: int(line["quantity"]) for line in request["lines"]}
    shipped_now = select(ol.line_key, ol.shipped_quantity).where(ol.order_id == request["order_id"])
    complete = all(shipped >= requested[key] for key, shipped in conn.execute(shipped_now) if key in requested)
    conn.execute(
        update(fulfillment_requests)
        .where(fulfillment_requests.c.id == request["id"])
        .values(status=RequestStatus.shipped if complete else RequestStatus.partially_shipped, updated_at=now)
    )
