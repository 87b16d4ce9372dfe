"""A fulfillment provider as the source of truth for stock: its figures set the hub's stocked quantities.

The provider reports, per SKU and hub location, what it can still promise (`available`: what it holds less
what it has allocated to sales orders). The hub's available quantity (stocked − reserved) must come out as
that figure less the hub's reservations the provider does not know yet, so

    stocked = max(available, 0) + units reserved for requests the provider had accepted when it was read

A request the provider accepted (`accepted`, or `partially_shipped`: its goods-out notes not all taken in
yet) has its units allocated or already shipped there, so they are out of the provider's figure and are
added back, since the hub still holds them reserved. Every other reservation (orders not sent yet, or sent
with an unknown outcome: `requested`) counts as unknown to the provider and lowers the hub's available
quantity: the hub may show less than there is, never more. So does a request accepted after the reading
began (its units were not out of the figure yet). This assumes the provider allocates an order's units when
it accepts it, as Brightpearl does with stock on hand.

A negative figure (the provider promised more than it holds) counts as 0: the shortfall is its allocations',
which are the provider's to resolve, and a stocked quantity never goes below 0. Levels that already hold the
target are not written; each changed one is a ledger row naming the provider.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection, select

from core.channels import location_ids
from core.errors import FatalError
from core.fulfillment import RequestStatus
from core.inventory import STOCKED, Movement, write_movements
from core.stock_admin import LevelChange
from core.store.bulk import fetch_all, in_list
from core.store.schema import bundle_components, fulfillment_requests, inventory_items, inventory_levels, reservations
from core.store.upsert import insert_ignore

KNOWN_TO_PROVIDER = (RequestStatus.accepted, RequestStatus.partially_shipped)
REASON = "stock_source.set"


@dataclass(frozen=True, slots=True)
class ProviderLevel:
    sku: str
    location: str
    """The hub location code the provider's warehouse is mapped to."""
    available: int
    """What the provider can still promise from there (on hand less allocated); may be negative."""


@dataclass(slots=True)
class StockReading:
    """The provider's figures for the SKUs asked about, and what it does not keep stock of."""

    levels: list[ProviderLevel] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """SKUs the provider has no product for: left as they are."""
    untracked: list[str] = field(default_factory=list)
    """SKUs of products the provider does not keep stock of: left as they are."""
    resolved: dict[str, str] = field(default_factory=dict)
    """SKU → the provider's product id, looked up during this reading; the caller binds them."""
    forgotten: set[str] = field(default_factory=set)
    """SKUs whose bound product id the provider no longer has; the caller drops their bindings."""


@runtime_checkable
class StockSource(Protocol):
    def stock_levels(
        self, skus: Sequence[str], *, items: Mapping[str, str], time_left: float | None = None
    ) -> StockReading:
        """The figures of `skus` at every hub location mapped to one of the provider's warehouses. `items` maps
        SKU → the provider's product id as bound earlier; the others are looked up (see `resolved`)."""


@dataclass(frozen=True, slots=True)
class Applied:
    changed: list[LevelChange]
    unchanged: int


def skus_to_read(conn: Connection) -> list[str]:
    """Every SKU the hub keeps stock of; bundles hold none of their own (their components do)."""
    bundles = select(bundle_components.c.bundle_sku)
    query = select(inventory_items.c.sku).where(inventory_items.c.sku.not_in(bundles)).order_by(inventory_items.c.sku)
    return list(conn.execute(query).scalars())


def apply(
    conn: Connection, provider: str, levels: Sequence[ProviderLevel], *, as_of: datetime, now: datetime
) -> Applied:
    """Set the stocked quantity of each level from the provider's figure read at `as_of` (see the module)."""
    locations = _locations(conn, provider, {level.location for level in levels})
    items = _item_ids(conn, {level.sku for level in levels})
    wanted = [(level, items[level.sku], locations[level.location]) for level in levels if level.sku in items]
    current = _lock_levels(conn, sorted({item for _level, item, _loc in wanted}), sorted(set(locations.values())))
    known = known_reservations(conn, provider, as_of)
    changes, moves, unchanged = [], [], 0
    reference = f"stock-source:{provider}"
    for level, item_id, loc_id in wanted:
        stocked, reserved = current.get((item_id, loc_id), (0, 0))
        target = max(level.available, 0) + known.get((item_id, loc_id), 0)
        if target == stocked:
            unchanged += 1
            continue
        changes.append(LevelChange(level.sku, level.location, stocked, target, reserved))
        moves.append(Movement(item_id, loc_id, STOCKED, target - stocked, REASON, reference))
    new = [(m.item_id, m.location_id) for m in moves if (m.item_id, m.location_id) not in current]
    rows = [{"item_id": item, "location_id": loc, "stocked": 0, "reserved": 0, "incoming": 0} for item, loc in new]
    insert_ignore(conn, inventory_levels, rows, keys=["item_id", "location_id"])
    write_movements(conn, moves, now)
    return Applied(changes, unchanged)


def known_reservations(conn: Connection, provider: str, as_of: datetime) -> dict[tuple[int, int], int]:
    """Units reserved, by (item id, location id), for the provider's requests it had accepted at `as_of`."""
    fr, rv = fulfillment_requests.c, reservations.c
    query = (
        select(rv.item_id, rv.location_id, rv.line_key, rv.quantity, fr.lines)
        .join(fulfillment_requests, (fr.order_id == rv.order_id) & (fr.location_id == rv.location_id))
        .where(
            fr.provider == provider,
            fr.status.in_([status.value for status in KNOWN_TO_PROVIDER]),
            fr.updated_at <= as_of,
            rv.quantity > 0,
        )
    )
    held: dict[tuple[int, int], int] = defaultdict(int)
    for item_id, loc_id, line_key, quantity, lines in conn.execute(query):
        if any(line["line_key"] == line_key for line in lines):
            held[item_id, loc_id] += int(quantity)
    return dict(held)


def _locations(conn: Connection, provider: str, codes: Iterable[str]) -> dict[str, int]:
    known = location_ids(conn)
    missing = sorted(set(codes) - set(known))
    if missing:
        raise FatalError(
            f"providers.{provider}.location_ids names {missing}, which are not stock locations;"
            " add them under [locations] or remove them from location_ids"
        )
    return {code: known[code] for code in codes}


def _item_ids(conn: Connection, skus: set[str]) -> dict[str, int]:
    if not skus:
        return {}
    condition, param = in_list(conn, "sku", sorted(skus))
    return {
        sku: item_id
        for sku, item_id in fetch_all(conn, f"SELECT sku, id FROM inventory_items WHERE {condition}", (param,))
    }


def _lock_levels(conn: Connection, item_ids: list[int], loc_ids: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """(stocked, reserved) by (item id, location id), the rows locked in key order (PostgreSQL; SQLite holds the
    writer lock) so that reservations made meanwhile wait for this transaction."""
    if not item_ids or not loc_ids:
        return {}
    items, item_param = in_list(conn, "item_id", item_ids)
    locs, loc_param = in_list(conn, "location_id", loc_ids)
    lock = " ORDER BY item_id, location_id FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    sql = f"SELECT item_id, location_id, stocked, reserved FROM inventory_levels WHERE {items} AND {locs}{lock}"
    return {
        (item, loc): (stocked, reserved)
        for item, loc, stocked, reserved in fetch_all(conn, sql, (item_param, loc_param))
    }
