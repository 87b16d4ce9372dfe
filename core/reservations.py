"""Reservation rows: one per (order, line, item, location), quantity = units held there now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection

from core.inventory import StockBook
from core.stock_plan import StockOutcome
from core.store.schema import reservations
from core.store.upsert import upsert

Held = Mapping[tuple[str, str, int], int]
"""Reserved quantity by (line key, sku, location id)."""


def write_reservations(
    conn: Connection,
    book: StockBook,
    before: Mapping[int, Held],
    outcomes: Mapping[int, StockOutcome],
    now: datetime,
) -> None:
    """Write the reservation rows the outcomes touched, with their resulting quantities."""
    rows = []
    for order_id, outcome in outcomes.items():
        held = dict(before.get(order_id, {}))
        for picks, sign in ((outcome.reserved, 1), (outcome.released, -1), (outcome.consumed, -1)):
            for p in picks:
                key = (p.line_key, p.sku, p.location_id)
                held[key] = held.get(key, 0) + sign * p.quantity
        touched = {(p.line_key, p.sku, p.location_id) for p in (*outcome.reserved, *outcome.released, *outcome.consumed)}
        rows += [
            {
                "order_id": order_id,
                "line_key": key,
                "item_id": book.item_ids[sku],
                "location_id": loc,
                "quantity": held[key, sku, loc],
                "created_at": now,
                "updated_at": now,
            }
            for key, sku, loc in sorted(touched)
        ]
    upsert(
        conn,
        reservations,
        rows,
        keys=["order_id", "line_key", "item_id", "location_id"],
        set_={"quantity": lambda ex: ex.quantity, "updated_at": lambda ex: ex.updated_at},
    )
