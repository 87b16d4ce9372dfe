"""What a channel is told it can sell, and what it was last told.

Published quantity per (SKU, location) = available at that location − buffer, capped at maximum,
never negative. Only pairs whose published value differs from the last confirmed push are sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from core.store.schema import inventory_items, inventory_levels, pushed_levels, stock_locations
from core.store.upsert import upsert


@dataclass(frozen=True, slots=True)
class Published:
    sku: str
    location: str
    available: int


def rule(available: int, *, buffer: int, maximum: int | None) -> int:
    value = max(available - buffer, 0)
    return value if maximum is None else min(value, maximum)


def to_publish(
    conn: Connection, channel: str, locations: Sequence[str], *, buffer: int, maximum: int | None
) -> list[Published]:
    """Every (SKU, location) of these locations whose published value changed since the last push."""
    lv = inventory_levels.c
    query = (
        select(inventory_items.c.sku, stock_locations.c.code, lv.stocked - lv.reserved)
        .join(inventory_items, inventory_items.c.id == lv.item_id)
        .join(stock_locations, stock_locations.c.id == lv.location_id)
        .where(stock_locations.c.code.in_(list(locations)))
        .order_by(inventory_items.c.sku, stock_locations.c.code)
    )
    last = last_pushed(conn, channel)
    changed = []
    for sku, location, available in conn.execute(query):
        value = rule(available, buffer=buffer, maximum=maximum)
        if last.get((sku, location)) != value:
            changed.append(Published(sku, location, value))
    return changed


def last_pushed(conn: Connection, channel: str) -> dict[tuple[str, str], int]:
    pl = pushed_levels.c
    rows = conn.execute(select(pl.sku, pl.location, pl.available).where(pl.channel == channel))
    return {(sku, location): available for sku, location, available in rows}


def record_pushed(conn: Connection, channel: str, levels: Sequence[Published], now: datetime) -> None:
    rows = [
        {"channel": channel, "sku": p.sku, "location": p.location, "available": p.available, "pushed_at": now}
        for p in levels
    ]
    upsert(
        conn,
        pushed_levels,
        rows,
        keys=["channel", "sku", "location"],
        set_={"available": lambda ex: ex.available, "pushed_at": lambda ex: ex.pushed_at},
    )
