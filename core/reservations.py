"""Reservation rows: one per (order, line, item, location), quantity = units held there now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, update

from core.inventory import StockBook
from core.stock_plan import StockOutcome
from core.store.bulk import insert_rows
from core.store.schema import reservations

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
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for order_id, outcome in outcomes.items():
        rows = before.get(order_id, {})
        held = dict(rows)
        for picks, sign in ((outcome.reserved, 1), (outcome.released, -1), (outcome.consumed, -1)):
            for p in picks:
                where = (p.line_key, p.sku, p.location_id)
                held[where] = held.get(where, 0) + sign * p.quantity
        touched = {
            (p.line_key, p.sku, p.location_id) for p in (*outcome.reserved, *outcome.released, *outcome.consumed)
        }
        for key, sku, loc in sorted(touched):
            row = {
                "order_id": order_id,
                "line_key": key,
                "item_id": book.item_ids[sku],
                "location_id": loc,
                "quantity": held[key, sku, loc],
                "updated_at": now,
            }
            (changed if (key, sku, loc) in rows else added).append(row)
    insert_rows(conn, reservations, [{**row, "created_at": now} for row in added])
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
            .values(quantity=bindparam("k_quantity"), updated_at=bindparam("k_now"))
        )
        conn.execute(
            stmt,
            [
                {
                    "k_order": r["order_id"],
                    "k_line": r["line_key"],
                    "k_item": r["item_id"],
                    "k_location": r["location_id"],
                    "k_quantity": r["quantity"],
                    "k_now": now,
                }
                for r in changed
            ],
        )
