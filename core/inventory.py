"""Stock levels and the movement ledger. The only code that changes levels.

`StockBook` holds the levels of the SKUs a unit of work touches, locked for its transaction
(SQLite: the writer lock taken by BEGIN IMMEDIATE; PostgreSQL: row locks taken in one statement in
(item, location) order, so two transactions cannot deadlock). Items without a level at any location
have nothing to reserve and are not loaded. Changes are made in memory and
written at the end with one UPDATE per level and one ledger row per change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection

from core import kits
from core.store.bulk import execute_many, fetch_all, in_list, insert_tuples
from core.store.schema import stock_movements

STOCKED = "stocked"
RESERVED = "reserved"
_MOVEMENT_COLUMNS = ("item_id", "location_id", "field", "delta", "reason", "reference", "created_at")


class Movement(NamedTuple):
    item_id: int
    location_id: int
    field: str
    delta: int
    reason: str
    reference: str


class StockBook:
    def __init__(self, conn: Connection, skus: Iterable[str], now: datetime) -> None:
        self._conn = conn
        self._now = now
        self.item_ids: dict[str, int] = {}
        self._available: dict[tuple[str, int], int] = {}
        self._moves: list[Movement] = []
        wanted = set(skus)
        self.kits = kits.load(conn, wanted)
        """The bundles among the SKUs: reserving, releasing or consuming one moves its components."""
        wanted.update(kits.components_of(self.kits))
        self._load(sorted(wanted))

    def _load(self, skus: list[str]) -> None:
        if not skus:
            return
        condition, param = in_list(self._conn, "i.sku", skus)
        # PostgreSQL: lock the rows in key order, so two transactions cannot deadlock. SQLite: the
        # writer lock is already held, and the order does not matter.
        lock = " ORDER BY l.item_id, l.location_id FOR UPDATE OF l" if self._conn.dialect.name == "postgresql" else ""
        sql = (
            "SELECT i.sku, l.item_id, l.location_id, l.stocked, l.reserved"
            f" FROM inventory_levels l JOIN inventory_items i ON i.id = l.item_id WHERE {condition}{lock}"
        )
        for sku, item_id, location_id, stocked, reserved in fetch_all(self._conn, sql, (param,)):
            self.item_ids[sku] = item_id
            self._available[sku, location_id] = stocked - reserved

    @property
    def available(self) -> Mapping[tuple[str, int], int]:
        """Available units (stocked − reserved) by (sku, location id), as changed so far."""
        return self._available

    def reserve(self, sku: str, location_id: int, quantity: int, reference: str) -> None:
        if sku not in self.kits:  # the common case (a plain SKU), without building its list of parts
            self._available[sku, location_id] -= quantity
            self._move(sku, location_id, RESERVED, quantity, "order.reserved", reference)
            return
        for part, units in kits.expand(self.kits, sku, quantity):
            self._available[part, location_id] -= units
            self._move(part, location_id, RESERVED, units, "order.reserved", reference)

    def release(self, sku: str, location_id: int, quantity: int, reference: str) -> None:
        for part, units in kits.expand(self.kits, sku, quantity):
            self._available[part, location_id] = self._available.get((part, location_id), 0) + units
            self._move(part, location_id, RESERVED, -units, "order.released", reference)

    def consume(self, sku: str, location_id: int, quantity: int, reference: str) -> None:
        """Reserved units left the building: both stocked and reserved go down."""
        for part, units in kits.expand(self.kits, sku, quantity):
            self._move(part, location_id, RESERVED, -units, "order.fulfilled", reference)
            self._move(part, location_id, STOCKED, -units, "order.fulfilled", reference)

    def _move(self, sku: str, location_id: int, field: str, delta: int, reason: str, reference: str) -> None:
        self._moves.append(Movement(self.item_ids[sku], location_id, field, delta, reason, reference))

    def flush(self) -> None:
        """Write the level changes and their ledger rows."""
        write_movements(self._conn, self._moves, self._now)
        self._moves = []


def write_movements(conn: Connection, moves: list[Movement], now: datetime) -> None:
    if not moves:
        return
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for m in moves:
        totals[m.item_id, m.location_id][0 if m.field == STOCKED else 1] += m.delta
    execute_many(
        conn,
        "UPDATE inventory_levels SET stocked = stocked + ?, reserved = reserved + ?"
        " WHERE item_id = ? AND location_id = ?",
        [(d[0], d[1], item, loc) for (item, loc), d in sorted(totals.items())],
    )
    rows = [(m.item_id, m.location_id, m.field, m.delta, m.reason, m.reference, now) for m in moves]
    insert_tuples(conn, stock_movements, _MOVEMENT_COLUMNS, rows)
