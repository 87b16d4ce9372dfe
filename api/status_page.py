"""The read-only status page at `/`, for operators in a browser: channel health, recent runs, dead letters,
orders on hold and the lowest stock, rendered on the server (read scope; Basic auth accepted, see `api.auth`).

Each section reads at most `SHOWN` rows (and counts the rest in the same query). Held orders are found through
the orders' (channel, status) index, so the page's own queries grow with the open orders and the stock levels,
not with the order history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from sqlalchemy import Connection, Select, func, select

from api.auth import BrowserReader
from api.collector import FAILED, OPEN
from api.state import State
from core import runs
from core.outbox import OutboxStatus
from core.store.schema import inventory_items, inventory_levels, orders, outbox, stock_locations
from jobs.status import channel_status

router = APIRouter()

SHOWN = 20
"""Rows per section."""
REFRESH_SECONDS = 60
FAILED_STATUSES = frozenset(s.value for s in FAILED)


@dataclass(frozen=True, slots=True)
class Counted:
    """The first rows of a section, and how many there are in all."""

    rows: list[dict[str, Any]]
    total: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """The hub's state in one word (ok, attention, failing) and the reasons for it."""

    level: str
    reasons: list[str]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def status_page(state: State, caller: BrowserReader) -> HTMLResponse:
    """The status page (HTML), refreshed by the browser every minute."""
    hub = state.hub
    now = hub.clock.now()
    with hub.engine.connect() as conn:
        channels = channel_status(conn, hub.catalog(), now)
        recent = runs.history(conn, limit=SHOWN)
        dead, held = dead_letters(conn), held_orders(conn, list(hub.config.channels))
        stock = lowest_stock(conn)
    failed = sum(run["status"] in FAILED_STATUSES for run in recent)
    sections = {"channels": channels, "runs": recent, "dead": dead, "held": held, "stock": stock}
    page = _render(hub.config.hub.timezone, now, verdict(channels, failed, dead, held), failed_runs=failed, **sections)
    return HTMLResponse(page)


def dead_letters(conn: Connection) -> Counted:
    """The newest dead letters with the error they died of."""
    ob = outbox.c
    newest = select(ob.id, ob.topic, ob.aggregate_type, ob.aggregate_id, ob.attempts, ob.last_error, ob.finished_at)
    return _counted(conn, newest.where(ob.status == OutboxStatus.dead.value).order_by(ob.id.desc()))


def held_orders(conn: Connection, channels: Sequence[str]) -> Counted:
    """Orders of `channels` held with a reason, oldest first: open ones (short of stock, a payment) and any whose
    fulfillment waits on a person (goods that left after a cancel, a change the warehouse could not take); naming
    the channels lets the lookup use the (channel, status) index, the fulfillment holds have one of their own."""
    o = orders.c
    query = select(o.id, o.channel, o.external_id, o.display_number, o.status, o.payment_status, o.fulfillment_status)
    open_held = o.status.in_([s.value for s in OPEN]) & o.hold_reason.is_not(None)
    held = o.channel.in_(channels) & (open_held | o.fulfillment_hold.is_not(None))
    reason = func.coalesce(o.hold_reason, o.fulfillment_hold).label("hold_reason")
    listed = query.add_columns(reason, o.placed_at, o.updated_at).where(held)
    return _counted(conn, listed.order_by(o.placed_at, o.id))


def lowest_stock(conn: Connection) -> list[dict[str, Any]]:
    """The SKU × location levels with the fewest units available (stocked less reserved); the levels are
    picked before their names are joined, so the sort reads one narrow table."""
    lv = inventory_levels.c
    available = (lv.stocked - lv.reserved).label("available")
    lowest = (
        select(lv.item_id, lv.location_id, lv.stocked, lv.reserved, available, lv.incoming)
        .order_by(available, lv.item_id, lv.location_id)
        .limit(SHOWN)
        .subquery()
    )
    query = (
        select(inventory_items.c.sku, stock_locations.c.code.label("location"))
        .add_columns(lowest.c.stocked, lowest.c.reserved, lowest.c.available, lowest.c.incoming)
        .select_from(lowest)
        .join(inventory_items, inventory_items.c.id == lowest.c.item_id)
        .join(stock_locations, stock_locations.c.id == lowest.c.location_id)
        .order_by(lowest.c.available, inventory_items.c.sku, stock_locations.c.code)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def verdict(channels: list[dict[str, Any]], failed_runs: int, dead: Counted, held: Counted) -> Verdict:
    """Failing when a channel is stale, a fulfillment request is late or a delivery is dead; attention when
    something waits for a person (quarantine, held orders, lapsing authorizations) or a recent run failed."""
    failing = [
        f"{c['channel']} is stale: no successful pull within three intervals" for c in channels if c["state"] == "stale"
    ]
    failing += [
        f"{c['channel']}: {_many(c['unacknowledged'], 'fulfillment request')} not accepted by the provider in time"
        for c in channels
        if c["unacknowledged"]
    ]
    failing += [_many(dead.total, "dead letter")] if dead.total else []
    attention = [
        f"{c['channel']}: {_many(c['quarantined'], 'quarantined record')}" for c in channels if c["quarantined"]
    ]
    attention += [f"{_many(held.total, 'order')} on hold"] if held.total else []
    lapsing = sum(c["expiring_authorizations"] or 0 for c in channels)
    attention += [f"{_many(lapsing, 'payment authorization')} lapsing soon"] if lapsing else []
    attention += [f"{_many(failed_runs, 'recent run')} not successful"] if failed_runs else []
    return Verdict("failing" if failing else "attention" if attention else "ok", failing + attention)


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def ago(moment: datetime, now: datetime) -> str:
    """'just now', '5 min ago', '3 h 10 min ago', '2 d 4 h ago' (to the minute)."""
    minutes = int((now - moment).total_seconds() // 60)
    return f"{span(timedelta(minutes=minutes))} ago" if minutes > 0 else "just now"


def span(delta: timedelta) -> str:
    """A duration in its two largest units: '0.4 s', '42 s', '3 min 5 s', '2 h 10 min', '4 d 3 h'."""
    seconds = delta.total_seconds()
    if seconds < 10:
        return f"{max(seconds, 0):.1f} s"
    whole = int(seconds)
    days, hours, minutes = whole // 86400, whole // 3600 % 24, whole // 60 % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {whole % 60} s" if whole % 60 else f"{minutes} min"
    return f"{whole} s"


def _local(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """The time in the hub's zone; with its date unless it is today there."""
    here = moment.astimezone(zone)
    return here.strftime("%H:%M" if here.date() == now.astimezone(zone).date() else "%Y-%m-%d %H:%M")


def _counted(conn: Connection, query: Select[Any]) -> Counted:
    """The first rows of `query` and, counted in the same pass, how many it has in all."""
    names = list(query.selected_columns.keys())
    found = conn.execute(query.add_columns(func.count().over()).limit(SHOWN)).all()
    return Counted([dict(zip(names, row[:-1], strict=True)) for row in found], int(found[0][-1]) if found else 0)


def _render(timezone: str, now: datetime, state: Verdict, **sections: Any) -> str:
    zone = ZoneInfo(timezone)
    return _template().render(
        **sections,
        verdict=state,
        now=now,
        zone=timezone,
        refresh=REFRESH_SECONDS,
        span=span,
        ago=lambda moment: ago(moment, now),
        local=lambda moment: _local(moment, zone, now),
        exact=lambda moment: moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
    )


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("api", "templates"), autoescape=True, undefined=StrictUndefined, trim_blocks=True
    )
    return environment.get_template("status.html")
