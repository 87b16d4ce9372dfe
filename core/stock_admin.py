"""Operator stock changes (set, adjust) and the ledger check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from core import kits
from core.channels import location_ids
from core.errors import OmshubError
from core.inventory import RESERVED, STOCKED, Movement, write_movements
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


def restock(conn: Connection, sku: str, location: str, units: int, reference: str, now: datetime) -> None:
    """Returned units back on the shelf (a bundle's components, for a bundle SKU), one ledger row each."""
    for part, count in kits.expand(kits.load(conn, {sku}), sku, units):
        item_id, loc_id, _stocked, _reserved = _lock_level(conn, part, location)
        write_movements(conn, [Movement(item_id, loc_id, STOCKED, count, "return.restocked", reference)], now)


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
    loc_id = location_ids(conn).get(location)
    if loc_id is None:
        raise OmshubError(f"unknown stock location {location!r}; add it under [locations] in the config file")
    if not sku.strip():
        raise OmshubError("SKU must not be empty")
    insert_ignore(conn, inventory_items, [{"sku": sku}], keys=["sku"])
    item_id = conn.execute(select(inventory_items.c.id).where(inventory_items.c.sku == sku)).scalar_one()
    level = {"item_id": item_id, "location_id": loc_id, "stocked": 0, "reserved": 0, "incoming": 0}
    insert_ignore(conn, inventory_levels, [level], keys=["item_id", "location_id"])
    query = select(inventory_levels.c.stocked, inventory_levels.c.reserved).where(
        inventory_levels.c.item_id == item_id, inventory_levels.c.location_id == loc_id
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    stocked, reserved = conn.execute(query).one()
    return item_id, loc_id, stocked, reserved


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
