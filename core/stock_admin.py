"""Operator stock changes (set, adjust) and the ledger check."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from core import kits
from core.channels import location_ids
from core.errors import OmshubError
from core.inventory import RESERVED, STOCKED, Movement, write_movements
from core.store.bulk import fetch_all, in_list
from core.store.schema import inventory_items, inventory_levels, reservations, stock_movements
from core.store.upsert import insert_ignore


@dataclass(frozen=True, slots=True)
class LevelChange:
    sku: str
    location: str
    stocked_before: int
    stocked_after: int
    reserved: int

    @property
    def oversold(self) -> int:
        """Units reserved beyond what is now stocked (a count found less than was promised)."""
        return max(self.reserved - self.stocked_after, 0)


def set_stocked(conn: Connection, sku: str, location: str, quantity: int, now: datetime) -> LevelChange:
    """Set the stocked quantity (a stock count); the difference goes to the ledger."""
    item_id, loc_id, stocked, reserved = _lock_level(conn, sku, location)
    return _change(conn, (sku, location, item_id, loc_id), stocked, reserved, quantity - stocked, "manual.set", now)


def adjust_stocked(conn: Connection, sku: str, location: str, delta: int, now: datetime) -> LevelChange:
    """Add (or with a negative delta, remove) stocked units."""
    item_id, loc_id, stocked, reserved = _lock_level(conn, sku, location)
    return _change(conn, (sku, location, item_id, loc_id), stocked, reserved, delta, "manual.adjust", now)


class Restock(NamedTuple):
    """Returned units of a SKU that go back on the shelf at a location."""

    sku: str
    location: str
    units: int
    reference: str


def restock(conn: Connection, wanted: Sequence[Restock], now: datetime) -> None:
    """Returned units back on the shelf (a bundle's components, for a bundle SKU), one ledger row each; the
    levels are found (or made) and locked together."""
    if not wanted:
        return
    found = kits.load(conn, {r.sku for r in wanted})
    parts = [(part, r.location, n, r.reference) for r in wanted for part, n in kits.expand(found, r.sku, r.units)]
    levels = _lock_levels(conn, {(part, location) for part, location, _count, _ref in parts})
    moves = []
    for part, location, count, reference in parts:
        item_id, loc_id, _stocked, _reserved = levels[part, location]
        moves.append(Movement(item_id, loc_id, STOCKED, count, "return.restocked", reference))
    write_movements(conn, moves, now)


def _change(
    conn: Connection,
    where: tuple[str, str, int, int],
    stocked: int,
    reserved: int,
    delta: int,
    reason: str,
    now: datetime,
) -> LevelChange:
    sku, location, item_id, loc_id = where
    if stocked + delta < 0:
        raise OmshubError(f"{sku} at {location}: stocked would be {stocked + delta}; stocked cannot go below 0")
    if delta:
        write_movements(conn, [Movement(item_id, loc_id, STOCKED, delta, reason, "operator")], now)
    return LevelChange(sku, location, stocked, stocked + delta, reserved)


def _lock_level(conn: Connection, sku: str, location: str) -> tuple[int, int, int, int]:
    return _lock_levels(conn, [(sku, location)])[sku, location]


def _lock_levels(
    conn: Connection, wanted: Collection[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """(item id, location id, stocked, reserved) of each (SKU, location code), the item and the level made when
    missing; on PostgreSQL the level rows are locked, in key order, for the transaction."""
    codes = location_ids(conn)
    for sku, location in wanted:
        if location not in codes:
            raise OmshubError(f"unknown stock location {location!r}; add it under [locations] in the config file")
        if not sku.strip():
            raise OmshubError("SKU must not be empty")
    skus = sorted({sku for sku, _location in wanted})
    insert_ignore(conn, inventory_items, [{"sku": sku} for sku in skus], keys=["sku"])
    condition, param = in_list(conn, "sku", skus)
    item_ids = dict(fetch_all(conn, f"SELECT sku, id FROM inventory_items WHERE {condition}", (param,)))
    keys = sorted((item_ids[sku], codes[location]) for sku, location in wanted)
    fresh = [{"item_id": item, "location_id": loc, "stocked": 0, "reserved": 0, "incoming": 0} for item, loc in keys]
    insert_ignore(conn, inventory_levels, fresh, keys=["item_id", "location_id"])
    by_item, items = in_list(conn, "item_id", sorted({item for item, _loc in keys}))
    at_location, places = in_list(conn, "location_id", sorted({loc for _item, loc in keys}))
    lock = " ORDER BY item_id, location_id FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    sql = f"SELECT item_id, location_id, stocked, reserved FROM inventory_levels WHERE {by_item} AND {at_location}"
    found = fetch_all(conn, sql + lock, (items, places))
    levels = {(item, loc): (stocked, reserved) for item, loc, stocked, reserved in found}
    return {
        (sku, location): (item_ids[sku], codes[location], *levels[item_ids[sku], codes[location]])
        for sku, location in wanted
    }


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    sku: str
    location_id: int
    field: str
    level: int
    expected: int
    source: str

    def describe(self) -> str:
        where = f"{self.sku} @ location {self.location_id}"
        return f"{where}: {self.field} is {self.level}, {self.source} says {self.expected}"


def check(conn: Connection) -> list[LedgerProblem]:
    """Every level against its ledger (stocked and reserved) and against open reservations."""
    mv = stock_movements.c
    ledger = {
        (item, loc, fld): total
        for item, loc, fld, total in conn.execute(
            select(mv.item_id, mv.location_id, mv.field, func.sum(mv.delta)).group_by(
                mv.item_id, mv.location_id, mv.field
            )
        )
    }
    rv = reservations.c
    held = dict(
        ((item, loc), total)
        for item, loc, total in conn.execute(
            select(rv.item_id, rv.location_id, func.sum(rv.quantity)).group_by(rv.item_id, rv.location_id)
        )
    )
    lv = inventory_levels.c
    rows = conn.execute(
        select(inventory_items.c.sku, lv.item_id, lv.location_id, lv.stocked, lv.reserved).join(inventory_items)
    )
    problems = []
    for sku, item, loc, stocked, reserved in rows:
        for fld, level, expected, source in (
            (STOCKED, stocked, ledger.get((item, loc, STOCKED), 0), "the ledger"),
            (RESERVED, reserved, ledger.get((item, loc, RESERVED), 0), "the ledger"),
            (RESERVED, reserved, held.get((item, loc), 0), "the reservations"),
        ):
            if level != expected:
                problems.append(LedgerProblem(sku, loc, fld, level, expected, source))
    return problems
