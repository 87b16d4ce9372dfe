"""Stock locations and sales channels as the store knows them (written from configuration)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from core.allocation import ChannelPolicy, ShortagePolicy, Strategy
from core.errors import FatalError
from core.non_stock import NonStockSkus
from core.store.schema import channel_locations, sales_channels, stock_locations
from core.store.upsert import upsert


@dataclass(frozen=True, slots=True)
class LocationSpec:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    name: str
    locations: tuple[str, ...]
    strategy: Strategy = Strategy.priority
    shortage_policy: ShortagePolicy = ShortagePolicy.hold
    allow_split: bool = True
    non_stock_skus: tuple[str, ...] = ()
    """SKU patterns of lines that hold no stock (see core.non_stock)."""


def sync(conn: Connection, locations: Sequence[LocationSpec], channels: Sequence[ChannelSpec]) -> None:
    """Make the store's locations and channels match the configuration (locations are never deleted)."""
    upsert(
        conn,
        stock_locations,
        [{"code": loc.code, "name": loc.name} for loc in locations],
        keys=["code"],
        set_={"name": lambda ex: ex.name},
    )
    ids = location_ids(conn)
    for ch in channels:
        row = {
            "name": ch.name,
            "allocation_strategy": ch.strategy.value,
            "shortage_policy": ch.shortage_policy.value,
            "allow_split": ch.allow_split,
            "non_stock_skus": list(ch.non_stock_skus),
        }
        upsert(conn, sales_channels, [row], keys=["name"], set_={k: v for k, v in row.items() if k != "name"})
        conn.execute(delete(channel_locations).where(channel_locations.c.channel == ch.name))
        links = [{"channel": ch.name, "location_id": ids[code], "priority": i} for i, code in enumerate(ch.locations)]
        if links:
            conn.execute(channel_locations.insert(), links)


def in_sync(conn: Connection, locations: Sequence[LocationSpec], channels: Sequence[ChannelSpec]) -> bool:
    """True when the store already holds these locations and channels as configured."""
    names = dict(conn.execute(select(stock_locations.c.code, stock_locations.c.name)).all())
    if any(names.get(loc.code) != loc.name for loc in locations):
        return False
    codes = location_codes(conn)
    links: dict[str, list[str]] = {}
    for channel, loc_id in conn.execute(
        select(channel_locations.c.channel, channel_locations.c.location_id).order_by(channel_locations.c.priority)
    ):
        links.setdefault(channel, []).append(codes[loc_id])
    stored = {
        row.name: ChannelSpec(
            row.name,
            tuple(links.get(row.name, [])),
            Strategy(row.allocation_strategy),
            ShortagePolicy(row.shortage_policy),
            row.allow_split,
            tuple(row.non_stock_skus),
        )
        for row in conn.execute(select(sales_channels))
    }
    return all(stored.get(ch.name) == ch for ch in channels)


def location_ids(conn: Connection) -> dict[str, int]:
    return {code: loc_id for code, loc_id in conn.execute(select(stock_locations.c.code, stock_locations.c.id))}


def location_codes(conn: Connection) -> Mapping[int, str]:
    return {loc_id: code for code, loc_id in location_ids(conn).items()}


def policy(conn: Connection, channel: str) -> ChannelPolicy:
    row = conn.execute(select(sales_channels).where(sales_channels.c.name == channel)).one_or_none()
    if row is None:
        raise FatalError(
            f"channel {channel!r} is not configured; add a [channels.{channel}] section to the config file"
        )
    locs = conn.execute(
        select(channel_locations.c.location_id)
        .where(channel_locations.c.channel == channel)
        .order_by(channel_locations.c.priority)
    ).scalars()
    return ChannelPolicy(
        name=channel,
        locations=tuple(locs),
        strategy=Strategy(row.allocation_strategy),
        shortage_policy=ShortagePolicy(row.shortage_policy),
        allow_split=row.allow_split,
        non_stock=NonStockSkus(row.non_stock_skus),
    )
