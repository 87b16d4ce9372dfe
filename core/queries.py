"""Read models for operators: orders, levels, locations, quarantine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from core.errors import NotFound
from core.store.schema import (
    inventory_items,
    inventory_levels,
    order_lines,
    orders,
    quarantine,
    reservations,
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
    orders.c.hold_reason,
]


def list_orders(
    conn: Connection, *, channel: str | None = None, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    query = select(*ORDER_SUMMARY).order_by(orders.c.id.desc()).limit(limit)
    if channel:
        query = query.where(orders.c.channel == channel)
    if status:
        query = query.where(orders.c.status == status)
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
