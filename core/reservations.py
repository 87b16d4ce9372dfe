"""Reservation rows: one per (order, line, item, location), quantity = units held there now (a bundle
line holds rows for its components)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, update

from core.inventory import StockBook
from core.kits import expand
from core.stock_plan import StockOutcome
from core.store.bulk import insert_tuples
from core.store.schema import reservations

_COLUMNS = ("order_id", "line_key", "item_id", "location_id", "quantity", "created_at", "updated_at")
Held = Mapping[tuple[str, str, int], int]
"""Reservation quantity by (line key, sku, location id), as the rows stand."""


def write_reservations(
    conn: Connection,
    book: StockBook,
    before: Mapping[int, Held],
    outcomes: Mapping[int, StockOutcome],
    now: datetime,
) -> None:
    """Write the reservation rows the outcomes touched, with their resulting quantities."""
    added: list[tuple[Any, ...]] = []
    changed: list[dict[str, Any]] = []
    item_ids = book.item_ids
    for order_id, outcome in outcomes.items():
        rows = before.get(order_id, {})
        moved: dict[tuple[str, str, int], int] = {}
        for picks, sign in ((outcome.reserved, 1), (outcome.released, -1), (outcome.consumed, -1)):
            for p in picks:
                for sku, units in expand(book.kits, p.sku, p.quantity):  # a bundle holds its components
                    where = (p.line_key, sku, p.location_id)
                    moved[where] = moved.get(where, 0) + sign * units
        for where in sorted(moved):
            key, sku, loc = where
            quantity = rows.get(where, 0) + moved[where]
            if where in rows:
                changed.append(
                    {"k_order": order_id, "k_line": key, "k_item": item_ids[sku], "k_location": loc, "k_qty": quantity}
                )
            else:
                added.append((order_id, key, item_ids[sku], loc, quantity, now, now))
    insert_tuples(conn, reservations, _COLUMNS, added)
    if changed:
        rv = reservations.c
        stmt = (
            update(reservations)
            .where(
                rv.order_id == bindparam("k_order"),
                rv.line_key == bindparam("k_line"),
                rv.item_id == bindparam("k_item"),
                rv.location_id == bindparam("k_location"),
            )
            .values(quantity=bindparam("k_qty"), updated_at=now)
        )
        conn.execute(stmt, changed)
