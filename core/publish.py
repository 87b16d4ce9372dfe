"""What a channel is told it can sell, and what it was last told.

A channel's policy says whose stock counts (`counted` locations), how it is offered (`PublishRule`:
safety stock held back, a share of the rest rounded down, a cap; never negative) and where it is
published: per location (each counted location that has an id in the channel gets the rule applied
to its own stock) or pooled (one value per SKU, the rule applied to the sum over the counted
locations, published at one channel location or, for channels without locations, channel-wide).
Only values that differ from the last confirmed push are sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, tuple_

from core import kits
from core.kits import Components, kit_available
from core.store.bulk import driver_sql, fetch_all, in_list
from core.store.schema import pushed_levels
from core.store.upsert import upsert

WHOLE_CHANNEL = "*"
"""The location of a value published to a channel that keeps no stock per location (WooCommerce)."""


@dataclass(frozen=True, slots=True)
class Published:
    sku: str
    location: str
    """The hub location code whose channel id receives the value, or WHOLE_CHANNEL."""
    available: int


@dataclass(frozen=True, slots=True)
class PublishRule:
    buffer: int = 0
    """Units held back from the channel (safety stock)."""
    share: int = 100
    """Percent of the rest offered to the channel, rounded down."""
    maximum: int | None = None
    """Never publish more than this."""

    def apply(self, available: int) -> int:
        value = max(available - self.buffer, 0) * self.share // 100
        return value if self.maximum is None else min(value, self.maximum)


@dataclass(frozen=True, slots=True)
class PublishPlan:
    counted: tuple[str, ...]
    """Hub locations whose stock counts for this channel."""
    targets: tuple[str, ...]
    """Per location: the counted locations the channel has ids for. Pooled: empty."""
    pooled_at: str | None = None
    """Pooled: the location (or WHOLE_CHANNEL) that receives the one value per SKU."""

    @classmethod
    def per_location(cls, counted: Sequence[str], mapped: Sequence[str]) -> PublishPlan:
        return cls(tuple(counted), tuple(code for code in counted if code in mapped))

    @classmethod
    def pooled(cls, counted: Sequence[str], at: str = WHOLE_CHANNEL) -> PublishPlan:
        return cls(tuple(counted), (), at)


def to_publish(conn: Connection, channel: str, plan: PublishPlan, rule: PublishRule) -> list[Published]:
    """Every value the channel should be told that differs from what it was last told."""
    last = last_pushed(conn, channel)
    planned = _planned(available_by_location(conn, plan.counted), plan, rule)
    return [Published(sku, at, value) for sku, at, value in planned if last.get((sku, at)) != value]


def plan_levels(available: dict[str, dict[str, int]], plan: PublishPlan, rule: PublishRule) -> list[Published]:
    """The values to publish, from available units by SKU and counted location (pure)."""
    return [Published(sku, at, value) for sku, at, value in _planned(available, plan, rule)]


def _planned(
    available: dict[str, dict[str, int]], plan: PublishPlan, rule: PublishRule
) -> Iterator[tuple[str, str, int]]:
    """(SKU, location, value) to publish; plain tuples, since a catalogue is many of them and few change."""
    apply = rule.apply
    if plan.pooled_at is not None:
        at = plan.pooled_at
        return ((sku, at, apply(sum(by_location.values()))) for sku, by_location in available.items())
    targets = plan.targets
    return (
        (sku, code, apply(by_location[code]))
        for sku, by_location in available.items()
        for code in targets
        if code in by_location
    )


def available_by_location(conn: Connection, locations: Sequence[str]) -> dict[str, dict[str, int]]:
    """Available units (stocked − reserved) by SKU and location code, for these locations, SKUs sorted."""
    condition, param = in_list(conn, "s.code", list(locations))
    sql = (
        "SELECT i.sku, s.code, l.stocked - l.reserved FROM inventory_levels l"
        " JOIN inventory_items i ON i.id = l.item_id JOIN stock_locations s ON s.id = l.location_id"
        f" WHERE {condition} ORDER BY i.sku, s.code"
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for sku, code, available in fetch_all(conn, sql, (param,)):  # plain tuples: a catalogue is many rows
        found[sku][code] = available
    bundles = kits.load_all(conn)
    if not bundles:
        return found
    for sku, kit in bundles.items():
        found[sku] = (
            _pooled_kit(kit.components, found, locations) if kit.pooled else _bundle_levels(kit.components, found)
        )
    return {sku: found[sku] for sku in sorted(found)}


def _pooled_kit(components: Components, found: dict[str, dict[str, int]], locations: Sequence[str]) -> dict[str, int]:
    """A kit whose components may come from anywhere: the kits their stock over all these locations makes,
    offered at the first location (so a pooled plan sums it once, and a per-location plan shows it there)."""
    totals = {(sku, WHOLE_CHANNEL): sum(found.get(sku, {}).values()) for sku, _units in components}
    return {code: kit_available(components, totals, WHOLE_CHANNEL) if i == 0 else 0 for i, code in enumerate(locations)}


def _bundle_levels(components: Components, found: dict[str, dict[str, int]]) -> dict[str, int]:
    """A bundle at each location where all its components are stocked: the bundles they make there."""
    where = set.intersection(*(set(found.get(sku, {})) for sku, _units in components))
    stock = {(sku, code): found[sku][code] for sku, _units in components for code in where}
    return {code: kit_available(components, stock, code) for code in sorted(where)}


def last_pushed(conn: Connection, channel: str) -> dict[tuple[str, str], int]:
    rows = fetch_all(conn, "SELECT sku, location, available FROM pushed_levels WHERE channel = ?", (channel,))
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


def forget_pushed(conn: Connection, channel: str, levels: Sequence[Published]) -> None:
    """Drop what the channel was told for these pairs, so the next push sends them again."""
    if levels:
        pl = pushed_levels.c
        pairs = [(p.sku, p.location) for p in levels]
        conn.execute(delete(pushed_levels).where(pl.channel == channel, tuple_(pl.sku, pl.location).in_(pairs)))


def forget_skus(conn: Connection, channel: str, skus: set[str]) -> None:
    """The channel sold or gave back units of these SKUs: what it shows now is its own count, no longer what
    it was told, so their values are sent again on the next push (once, however many orders came in)."""
    if not skus:
        return
    condition, param = in_list(conn, "sku", sorted(skus))
    sql = driver_sql(conn.dialect.name, f"DELETE FROM pushed_levels WHERE channel = ? AND {condition}")
    conn.exec_driver_sql(sql, (channel, param))
