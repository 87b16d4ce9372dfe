"""Read models for operators: orders, levels, locations, quarantine, runs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from core.errors import InvalidRequest, NotFound
from core.runs import RunStatus
from core.store.schema import (
    fulfillment_requests,
    inventory_items,
    inventory_levels,
    job_runs,
    order_lines,
    orders,
    outbox,
    quarantine,
    reservations,
    shipments,
    stock_locations,
)

ORDER_SUMMARY = [
    orders.c.id,
    orders.c.channel,
    orders.c.external_id,
    orders.c.display_number,
    orders.c.status,
    orders.c.payment_status,
    orders.c.fulfillment_status,
    orders.c.currency,
    orders.c.total,
    orders.c.placed_at,
    orders.c.updated_at,
    orders.c.hold_reason,
    orders.c.fulfillment_hold,
]


def list_orders(
    conn: Connection,
    *,
    channel: str | None = None,
    status: str | None = None,
    limit: int = 50,
    updated_since: datetime | None = None,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Orders newest first (by hub id); `before_id` continues a listing after the last id it returned."""
    query = select(*ORDER_SUMMARY).order_by(orders.c.id.desc()).limit(limit)
    if channel:
        query = query.where(orders.c.channel == channel)
    if status:
        query = query.where(orders.c.status == status)
    if updated_since is not None:
        query = query.where(orders.c.updated_at >= updated_since)
    if before_id is not None:
        query = query.where(orders.c.id < before_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def get_order(conn: Connection, ref: str) -> dict[str, Any]:
    """An order with its lines and reservations, by hub id or CHANNEL:EXTERNAL_ID."""
    query = select(orders)
    if ref.isdigit():
        query = query.where(orders.c.id == int(ref))
    elif ":" in ref:
        channel, ext = ref.split(":", 1)
        query = query.where(orders.c.channel == channel, orders.c.external_id == ext)
    else:
        raise NotFound(f"{ref!r} is neither a hub order id (e.g. 42) nor CHANNEL:EXTERNAL_ID (e.g. webshop:1001)")
    row = conn.execute(query).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no order {ref}")
    order = dict(row)
    lines = select(order_lines).where(order_lines.c.order_id == order["id"]).order_by(order_lines.c.position)
    order["lines"] = [dict(r) for r in conn.execute(lines).mappings()]
    held = (
        select(
            reservations.c.line_key,
            inventory_items.c.sku,
            stock_locations.c.code.label("location"),
            reservations.c.quantity,
        )
        .join(inventory_items, inventory_items.c.id == reservations.c.item_id)
        .join(stock_locations, stock_locations.c.id == reservations.c.location_id)
        .where(reservations.c.order_id == order["id"], reservations.c.quantity > 0)
        .order_by(reservations.c.line_key, stock_locations.c.code)
    )
    order["reservations"] = [dict(r) for r in conn.execute(held).mappings()]
    return order


def order_line(lines: list[dict[str, Any]], ref: str) -> dict[str, Any]:
    """The line of an order's `lines` that `ref` names: its line key, or its SKU when only one line has it."""
    matches = [ln for ln in lines if ln["line_key"] == ref] or [ln for ln in lines if ln["sku"] == ref]
    if len(matches) != 1:
        found = "no line" if not matches else "several lines"
        raise InvalidRequest(f"{ref!r} matches {found} of the order; name the line by its line_key")
    return matches[0]


def list_locations(conn: Connection) -> list[dict[str, Any]]:
    query = select(stock_locations).order_by(stock_locations.c.code)
    return [dict(r) for r in conn.execute(query).mappings()]


def list_levels(conn: Connection, *, sku: str | None = None, location: str | None = None) -> list[dict[str, Any]]:
    lv = inventory_levels.c
    query = (
        select(
            inventory_items.c.sku,
            stock_locations.c.code.label("location"),
            lv.stocked,
            lv.reserved,
            (lv.stocked - lv.reserved).label("available"),
            lv.incoming,
        )
        .join(inventory_items, inventory_items.c.id == lv.item_id)
        .join(stock_locations, stock_locations.c.id == lv.location_id)
        .order_by(inventory_items.c.sku, stock_locations.c.code)
    )
    if sku:
        query = query.where(inventory_items.c.sku == sku)
    if location:
        query = query.where(stock_locations.c.code == location)
    return [dict(r) for r in conn.execute(query).mappings()]


def list_quarantine(
    conn: Connection, *, channel: str | None = None, include_resolved: bool = False
) -> list[dict[str, Any]]:
    q = quarantine.c
    query = select(q.id, q.channel, q.external_id, q.reason, q.first_seen, q.last_seen, q.times_seen, q.resolved_at)
    if channel:
        query = query.where(q.channel == channel)
    if not include_resolved:
        query = query.where(q.resolved_at.is_(None))
    return [dict(r) for r in conn.execute(query.order_by(q.id)).mappings()]


def get_quarantined(conn: Connection, entry_id: int) -> dict[str, Any]:
    row = conn.execute(select(quarantine).where(quarantine.c.id == entry_id)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no quarantine entry {entry_id}")
    return dict(row)


def order_fulfillment(conn: Connection, order_id: int) -> dict[str, list[dict[str, Any]]]:
    """The order's fulfillment requests (to providers) and its recorded shipments, oldest first."""
    fr = fulfillment_requests.c
    location = stock_locations.c.code.label("location")
    requests = (
        select(fr.reference, fr.provider, location, fr.status, fr.provider_ref, fr.lines, fr.created_at, fr.updated_at)
        .join(stock_locations, stock_locations.c.id == fr.location_id)
        .where(fr.order_id == order_id)
        .order_by(fr.id)
    )
    sh = shipments.c
    parcels = (
        select(sh.reference, location, sh.lines, sh.tracking, sh.created_at)
        .join(stock_locations, stock_locations.c.id == sh.location_id)
        .where(sh.order_id == order_id)
        .order_by(sh.id)
    )
    return {
        "requests": [dict(r) for r in conn.execute(requests).mappings()],
        "shipments": [dict(r) for r in conn.execute(parcels).mappings()],
    }


def order_history(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    """The events recorded for the order (placed, updated, reserved, requested, ...), oldest first."""
    ob = outbox.c
    query = (
        select(ob.id, ob.topic, ob.status, ob.created_at, ob.finished_at, ob.payload)
        .where(ob.aggregate_type == "order", ob.aggregate_id == str(order_id))
        .order_by(ob.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def get_run(conn: Connection, run_id: int) -> dict[str, Any]:
    row = conn.execute(select(job_runs).where(job_runs.c.id == run_id)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no run {run_id}")
    return dict(row)


def intake_states(conn: Connection, channel: str, external_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Id, status and hold reason of the channel's orders with these external ids."""
    wanted = list(external_ids)
    if not wanted:
        return {}
    o = orders.c
    query = select(o.external_id, o.id, o.status, o.hold_reason).where(o.channel == channel, o.external_id.in_(wanted))
    return {row["external_id"]: dict(row) for row in conn.execute(query).mappings()}


def running_run_id(conn: Connection, key: tuple[str, str], holder: str) -> int | None:
    """The run of (job, channel) that `holder` has going, if any."""
    job, channel = key
    r = job_runs.c
    query = select(func.max(r.id)).where(
        r.job == job, r.channel == channel, r.holder == holder, r.status == RunStatus.running.value
    )
    found = conn.execute(query).scalar_one_or_none()
    return None if found is None else int(found)
