"""Intake under generated histories: pages, re-reads, older versions, cancellations and stock counts.

A hypothesis state machine drives a real store through random sequences of operations on a small
universe (three SKUs, two locations, a `hold` channel and a `backorder` channel, four external ids
each) and checks the store's invariants after every step against a plain model of what was sent.
A crash injected late in a page must leave every table as it was.
"""

from __future__ import annotations

import copy
import shutil
from abc import abstractmethod
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import count
from pathlib import Path
from typing import Any
from unittest import mock

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Connection, Engine, delete, func, select

from core import bookmarks, outbox, quarantine, stock_admin
from core.allocation import ShortagePolicy, Strategy
from core.bookmarks import Bookmark
from core.channels import ChannelSpec, LocationSpec, location_ids, sync
from core.clock import FixedClock
from core.errors import OmshubError
from core.intake import IntakeResult, ingest
from core.inventory import StockBook
from core.queries import list_levels
from core.store.engine import make_engine
from core.store.schema import (
    bindings,
    inventory_items,
    inventory_levels,
    metadata,
    order_lines,
    orders,
    reservations,
    stock_movements,
)
from core.store.schema import bookmarks as bookmarks_table
from core.store.schema import outbox as outbox_table
from core.store.schema import quarantine as quarantine_table
from tests.support import levels, line, order, setup_hub

SKUS = ("SKU-A", "SKU-B", "SKU-C")  # SKU-C has no stock level until an operator counts it
LOCATIONS = ("near", "far")
EXTERNAL_IDS = ("1", "2", "3", "4")
HOLD, BACKORDER = "web", "market"
CHANNELS = (HOLD, BACKORDER)
VERSIONED = {BACKORDER}
"""Channels that also send a version counter (it decides what is newer; it rises with updated_at here)."""
STATUSES = ("pending", "completed", "requires_action", "draft", "canceled")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CEST = timezone(timedelta(hours=2))

TRACKED = (
    orders,
    order_lines,
    reservations,
    inventory_items,
    inventory_levels,
    stock_movements,
    outbox_table,
    bindings,
    bookmarks_table,
    quarantine_table,
)

Key = tuple[str, str]
"""(channel, external id)"""


# --- payloads --------------------------------------------------------------------------------------


def line_key(payload_line: dict[str, Any]) -> str:
    line_id = payload_line.get("line_id")
    return line_id if line_id is not None else f"sku:{payload_line['sku']}"


def open_lines(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload's lines that still have units to fulfil (the dicts themselves, to edit in place)."""
    return [ln for ln in payload["lines"] if ln["quantity"] > ln["fulfilled_quantity"] + ln["canceled_quantity"]]


def named_lines(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload's lines with a line id (their SKU can change without changing the line)."""
    return [ln for ln in payload["lines"] if "line_id" in ln]


def stamp_of(payload: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(payload["updated_at"]).astimezone(UTC)


def version_of(stamp: datetime) -> int:
    return 10 + (stamp - T0) // timedelta(minutes=1)


def restamp(payload: dict[str, Any], stamp: datetime) -> None:
    payload["updated_at"] = stamp.isoformat()
    if "upstream_version" in payload:
        payload["upstream_version"] = version_of(stamp)


def expected_totals(payload: dict[str, Any]) -> dict[str, int]:
    """The order arithmetic, done here independently of core.totals."""
    lines = payload["lines"]
    subtotal = sum(ln["quantity"] * ln["unit_price"] for ln in lines)
    discount = sum(ln["discount"] for ln in lines) + payload["order_discount"]
    tax = sum(t["amount"] for ln in lines for t in ln["tax_lines"]) + payload["shipping_tax"]
    shipping = payload["shipping_total"]
    total = subtotal - discount + shipping + (0 if payload["taxes_included"] else tax)
    return {
        "subtotal": subtotal,
        "discount_total": discount,
        "shipping_total": shipping,
        "tax_total": tax,
        "total": total,
    }


@st.composite
def payload_line(draw: st.DrawFn, line_id: str | None, sku: str | None) -> dict[str, Any]:
    quantity = draw(st.integers(1, 4), label="quantity")
    canceled = fulfilled = 0
    if draw(st.booleans(), label="partly canceled or fulfilled already"):
        canceled = draw(st.integers(0, quantity))
        fulfilled = draw(st.integers(0, quantity - canceled))
    price = draw(st.sampled_from([0, 250, 999, 1999]))
    taxes = draw(st.lists(st.integers(0, 300), max_size=1))
    result: dict[str, Any] = {
        "title": sku or "gift wrap",
        "quantity": quantity,
        "unit_price": price,
        "discount": draw(st.integers(0, min(quantity * price, 400))),
        "tax_lines": [{"title": "VAT", "rate": "0.19", "amount": amount} for amount in taxes],
        "fulfilled_quantity": fulfilled,
        "canceled_quantity": canceled,
    }
    if line_id is not None:
        result["line_id"] = line_id
    if sku is not None:
        result["sku"] = sku
    return result


_identities = st.tuples(st.sampled_from(["L1", "L2", None]), st.sampled_from([*SKUS[:2], *SKUS, None])).filter(
    lambda ident: ident != (None, None)
)


@st.composite
def fresh_lines(draw: st.DrawFn) -> list[dict[str, Any]]:
    """1-3 lines with distinct keys (a line id, or without one the SKU)."""
    idents = draw(st.lists(_identities, min_size=1, max_size=3, unique_by=lambda ident: ident[0] or f"sku:{ident[1]}"))
    return [draw(payload_line(line_id, sku)) for line_id, sku in idents]


@st.composite
def edited_line(draw: st.DrawFn, old: dict[str, Any]) -> dict[str, Any] | None:
    """The line as the channel shows it after an edit, a fulfilment, a cancellation, or None when removed."""
    new = copy.deepcopy(old)
    quantity, fulfilled, canceled = old["quantity"], old["fulfilled_quantity"], old["canceled_quantity"]
    still_open = quantity - fulfilled - canceled
    how = draw(st.sampled_from(["keep", "fulfil units", "cancel units", "change quantity", "change sku", "remove"]))
    if how == "remove":
        return None
    if how == "fulfil units" and still_open:
        new["fulfilled_quantity"] = fulfilled + draw(st.integers(1, still_open), label="fulfilled now")
    elif how == "cancel units" and still_open:
        new["canceled_quantity"] = canceled + draw(st.integers(1, still_open), label="canceled now")
    elif how == "change quantity":
        new["quantity"] = draw(st.integers(max(1, fulfilled + canceled), 4), label="new quantity")
        new["discount"] = min(old["discount"], new["quantity"] * old["unit_price"])
    elif how == "change sku" and "line_id" in old:
        new["sku"] = new["title"] = draw(st.sampled_from([s for s in SKUS if s != old.get("sku")]), label="new sku")
    return new


@st.composite
def edited_lines(draw: st.DrawFn, old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The previous version's lines, each kept, edited or removed, and sometimes one more."""
    result = [ln for ln in (draw(edited_line(old_line)) for old_line in old) if ln is not None]
    if not result:
        result.append(copy.deepcopy(old[0]))
    if draw(st.booleans(), label="add a line"):
        extra = draw(fresh_lines())[0]
        if line_key(extra) not in {line_key(ln) for ln in result}:
            result.append(extra)
    return result


@st.composite
def order_payload(
    draw: st.DrawFn,
    external_id: str,
    changed_at: datetime,
    lines: st.SearchStrategy[list[dict[str, Any]]],
    status: st.SearchStrategy[str],
    *,
    versioned: bool,
) -> dict[str, Any]:
    chosen = draw(lines)
    nets = sum(ln["quantity"] * ln["unit_price"] - ln["discount"] for ln in chosen)
    shipping = draw(st.sampled_from([0, 495]))
    payload: dict[str, Any] = {
        "external_id": external_id,
        "currency": "EUR",
        "placed_at": T0.isoformat(),
        "updated_at": changed_at.astimezone(draw(st.sampled_from([UTC, CEST]))).isoformat(),
        "status": draw(status, label="status"),
        "payment_status": draw(st.sampled_from(["not_paid", "authorized", "captured"])),
        "lines": chosen,
        "order_discount": draw(st.integers(0, min(nets, 300))),
        "shipping_total": shipping,
        "shipping_tax": draw(st.sampled_from([0, 94])) if shipping else 0,
        "taxes_included": draw(st.booleans()),
    }
    if versioned:
        payload["upstream_version"] = version_of(changed_at)
    stated = draw(st.sampled_from(["none", "total", "all"]))
    if stated == "total":
        payload["totals"] = {"total": expected_totals(payload)["total"]}
    elif stated == "all":
        payload["totals"] = expected_totals(payload)
    return payload


# --- reading the store -----------------------------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table intake writes, as the driver returns it."""
    with engine.connect() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t.name}")), key=repr)
            for t in TRACKED
        }


def order_state(conn: Connection, order_id: int) -> tuple[Any, ...]:
    row = conn.execute(select(orders).where(orders.c.id == order_id)).one()
    lines = conn.execute(select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.id))
    held = conn.execute(select(reservations).where(reservations.c.order_id == order_id).order_by(reservations.c.id))
    return tuple(row), [tuple(r) for r in lines], [tuple(r) for r in held]


def order_ids(conn: Connection, channel: str) -> dict[str, int]:
    query = select(orders.c.external_id, orders.c.id).where(orders.c.channel == channel)
    return {ext: order_id for ext, order_id in conn.execute(query)}


def on_hold(conn: Connection, channel: str) -> set[str]:
    query = select(orders.c.external_id).where(orders.c.channel == channel, orders.c.hold_reason.is_not(None))
    return set(conn.execute(query).scalars())


def held_by_order(conn: Connection) -> dict[int, dict[tuple[str, str, int], int]]:
    """Reservation quantity by order id and (line key, sku, location id)."""
    rv = reservations.c
    query = select(rv.order_id, rv.line_key, inventory_items.c.sku, rv.location_id, rv.quantity).join(
        inventory_items, inventory_items.c.id == rv.item_id
    )
    result: dict[int, dict[tuple[str, str, int], int]] = defaultdict(dict)
    for order_id, key, sku, loc, qty in conn.execute(query):
        result[order_id][key, sku, loc] = qty
    return result


def last_event_id(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(outbox_table.c.id), 0))).scalar_one()


def available(conn: Connection) -> dict[tuple[str, str], int]:
    return {(r["sku"], r["location"]): r["available"] for r in list_levels(conn)}


def wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


# --- crashes ---------------------------------------------------------------------------------------


class SimulatedCrash(Exception):
    pass


CRASH_POINTS = {
    "after levels and ledger are written": (StockBook, "flush"),
    "after outbox events are written": (outbox, "append"),
    "after quarantine is written": (quarantine, "put"),
    "after quarantine is resolved": (quarantine, "resolve"),
    "after the bookmark is saved": (bookmarks, "save"),
}


@contextmanager
def crash_after(point: str) -> Iterator[None]:
    """Let the step at `point` do its writes, then fail as a killed process would, mid-transaction."""
    owner, name = CRASH_POINTS[point]
    original = getattr(owner, name)

    def crashing(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        raise SimulatedCrash(point)

    with mock.patch.object(owner, name, crashing):
        yield


# --- the state machine -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Version:
    payload: dict[str, Any]
    stamp: datetime


@dataclass(frozen=True, slots=True)
class Expected:
    created: set[str]
    updated: set[str]
    unchanged: set[str]
    newest: dict[str, Version]


class IntakeMachine(RuleBasedStateMachine):
    """A model of what the channels sent and the operator counted, checked against the store."""

    def __init__(self) -> None:
        super().__init__()
        self.engine = self.open_store()
        self.clock = FixedClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
        self.ticks = count(1)
        self.current: dict[Key, Version] = {}
        self.sent: dict[Key, list[dict[str, Any]]] = defaultdict(list)
        self.pages: list[tuple[str, list[dict[str, Any]]]] = []
        self.cancellations: Counter[Key] = Counter()
        self.counted: dict[tuple[str, str], int] = defaultdict(int)
        """Units operators added or removed at each (sku, location); channels' fulfilments take the rest."""
        self.oversold: set[tuple[str, str]] = set()
        """Levels an operator counted below what is reserved (available < 0 is allowed there)."""

    @abstractmethod
    def open_store(self) -> Engine:
        """The store this history runs on (each test says which)."""

    @abstractmethod
    def close_store(self) -> None:
        """Give the store back after the history."""

    def teardown(self) -> None:
        self.close_store()

    # --- set-up and operations ---

    @initialize(
        hold_strategy=st.sampled_from(Strategy),
        hold_split=st.booleans(),
        backorder_strategy=st.sampled_from(Strategy),
        backorder_split=st.booleans(),
        stock=st.fixed_dictionaries({(sku, loc): st.integers(0, 8) for sku in SKUS[:2] for loc in LOCATIONS}),
    )
    def configure_the_hub(self, hold_strategy, hold_split, backorder_strategy, backorder_split, stock):
        specs = [
            ChannelSpec(HOLD, ("near", "far"), hold_strategy, ShortagePolicy.hold, hold_split),
            ChannelSpec(BACKORDER, ("far", "near"), backorder_strategy, ShortagePolicy.backorder, backorder_split),
        ]
        with self.engine.begin() as conn:
            sync(conn, [LocationSpec(code, code.title()) for code in LOCATIONS], specs)
            for (sku, loc), qty in stock.items():
                stock_admin.set_stocked(conn, sku, loc, qty, self.clock.now())
        self.counted.update(stock)

    @rule(data=st.data())
    def a_channel_sends_a_page(self, data):
        channel = data.draw(st.sampled_from(CHANNELS), label="channel")
        page = self.draw_page(data, channel)
        self.ingest_and_check(channel, page)
        if data.draw(st.booleans(), label="read the same page again at once"):
            again = self.ingest_and_check(channel, page)  # checks that no table changed
            assert (again.created, again.updated, again.unchanged) == (0, 0, len({i["external_id"] for i in page}))

    @precondition(lambda self: bool(self.current))
    @rule(data=st.data())
    def a_channel_cancels_an_order(self, data):
        channel, ext = data.draw(st.sampled_from(sorted(self.current)), label="order")
        payload = copy.deepcopy(self.current[channel, ext].payload)
        restamp(payload, self.next_stamp(data))
        payload["status"] = "canceled"
        self.ingest_and_check(channel, [payload])

    @precondition(lambda self: bool(self.current))
    @rule(data=st.data())
    def a_channel_edits_an_order(self, data):
        channel, ext = data.draw(st.sampled_from(sorted(self.current)), label="order")
        known = self.current[channel, ext]
        lines = edited_lines(known.payload["lines"])
        status = st.sampled_from([known.payload["status"], "pending"])
        payload = order_payload(ext, self.next_stamp(data), lines, status, versioned=channel in VERSIONED)
        self.ingest_and_check(channel, [data.draw(payload)])

    @precondition(lambda self: any(open_lines(v.payload) for v in self.current.values()))
    @rule(data=st.data())
    def a_channel_fulfils_units(self, data):
        candidates = sorted(key for key, v in self.current.items() if open_lines(v.payload))
        channel, ext = data.draw(st.sampled_from(candidates), label="order")
        payload = copy.deepcopy(self.current[channel, ext].payload)
        fulfilled = data.draw(st.sampled_from(open_lines(payload)), label="line")
        still_open = fulfilled["quantity"] - fulfilled["canceled_quantity"] - fulfilled["fulfilled_quantity"]
        fulfilled["fulfilled_quantity"] += data.draw(st.integers(1, still_open), label="units")
        restamp(payload, self.next_stamp(data))
        self.ingest_and_check(channel, [payload])

    @precondition(lambda self: any(named_lines(v.payload) for v in self.current.values()))
    @rule(data=st.data())
    def a_channel_swaps_the_sku_of_a_line(self, data):
        candidates = sorted(key for key, v in self.current.items() if named_lines(v.payload))
        channel, ext = data.draw(st.sampled_from(candidates), label="order")
        payload = copy.deepcopy(self.current[channel, ext].payload)
        swapped = data.draw(st.sampled_from(named_lines(payload)), label="line")
        swapped["sku"] = swapped["title"] = data.draw(st.sampled_from([s for s in SKUS if s != swapped.get("sku")]))
        restamp(payload, self.next_stamp(data))
        self.ingest_and_check(channel, [payload])

    @precondition(lambda self: bool(self.pages))
    @rule(data=st.data())
    def an_earlier_page_is_read_again(self, data):
        channel, page = data.draw(st.sampled_from(self.pages), label="earlier page")
        result = self.ingest_and_check(channel, page)  # checks that no table changed
        assert (result.created, result.updated) == (0, 0)

    @rule(sku=st.sampled_from(SKUS), location=st.sampled_from(LOCATIONS), data=st.data())
    def an_operator_changes_stock(self, sku, location, data):
        stocked, reserved = levels(self.engine).get((sku, location), (0, 0))
        how = data.draw(st.sampled_from(["set", "adjust", "remove more than stocked"]), label="how")
        floor = reserved if data.draw(st.booleans(), label="keep what is reserved") else 0
        if how == "remove more than stocked":
            before = snapshot(self.engine)
            with pytest.raises(OmshubError, match="cannot go below 0"), self.engine.begin() as conn:
                stock_admin.adjust_stocked(conn, sku, location, -(stocked + 1), self.clock.now())
            assert snapshot(self.engine) == before
        elif how == "set":
            self.count_stock(sku, location, data.draw(st.integers(floor, floor + 4), label="count"))
        else:
            delta = data.draw(st.integers(floor - stocked, max(3, floor - stocked)), label="delta")
            with self.engine.begin() as conn:
                change = stock_admin.adjust_stocked(conn, sku, location, delta, self.clock.now())
            self.record_stock_change(change, stocked + delta)

    @rule(data=st.data())
    def an_operator_counts_fewer_units_than_are_reserved(self, data):
        reserved_levels = sorted(where for where, (_stocked, reserved) in levels(self.engine).items() if reserved)
        if reserved_levels:
            sku, location = data.draw(st.sampled_from(reserved_levels), label="level")
            reserved = levels(self.engine)[sku, location][1]
            self.count_stock(sku, location, data.draw(st.integers(0, reserved - 1), label="count"))

    def count_stock(self, sku: str, location: str, units: int) -> None:
        with self.engine.begin() as conn:
            change = stock_admin.set_stocked(conn, sku, location, units, self.clock.now())
        self.record_stock_change(change, units)

    def record_stock_change(self, change: stock_admin.LevelChange, expected: int) -> None:
        stocked, reserved = levels(self.engine)[change.sku, change.location]
        assert (change.stocked_after, change.reserved) == (expected, reserved) and stocked == expected
        self.counted[change.sku, change.location] += change.stocked_after - change.stocked_before
        if change.oversold:
            self.oversold.add((change.sku, change.location))
        else:
            self.oversold.discard((change.sku, change.location))

    @rule(data=st.data(), point=st.sampled_from(sorted(CRASH_POINTS)))
    def a_crash_late_in_a_page_leaves_the_store_untouched(self, data, point):
        channel = data.draw(st.sampled_from(CHANNELS), label="channel")
        page: list[Any] = self.draw_page(data, channel)
        if data.draw(st.booleans(), label="with a payload for quarantine"):
            page.append({"external_id": "bad", "currency": "EUR", "lines": []})
        before = snapshot(self.engine)
        self.clock.advance(timedelta(minutes=1))
        with crash_after(point), pytest.raises(SimulatedCrash):
            ingest(
                self.engine, channel, page, clock=self.clock, bookmark=Bookmark("orders", self.clock.now().isoformat())
            )
        assert snapshot(self.engine) == before

    # --- drawing pages ---

    def next_stamp(self, data: st.DataObject) -> datetime:
        """A moment later than every version drawn so far (ticks are minutes; jitter stays below one)."""
        micros = data.draw(st.integers(0, 59_999_999), label="jitter (µs)")
        return T0 + timedelta(minutes=next(self.ticks), microseconds=micros)

    def draw_page(self, data: st.DataObject, channel: str) -> list[dict[str, Any]]:
        size = data.draw(st.integers(1, 4), label="page size")
        return [self.draw_item(data, channel) for _ in range(size)]

    def draw_item(self, data: st.DataObject, channel: str) -> dict[str, Any]:
        ext = data.draw(st.sampled_from(EXTERNAL_IDS), label="external id")
        known = self.current.get((channel, ext))
        kinds = ["newer"]
        if known is not None:
            kinds.append("older or equal")
        if self.sent[channel, ext]:
            kinds.append("verbatim repeat")
        kind = data.draw(st.sampled_from(kinds), label="version")
        if kind == "verbatim repeat":
            return copy.deepcopy(data.draw(st.sampled_from(self.sent[channel, ext]), label="earlier payload"))
        if kind == "older or equal":
            assert known is not None
            stamp = known.stamp - timedelta(minutes=data.draw(st.integers(0, 2), label="minutes older"))
        else:
            stamp = self.next_stamp(data)
        if known is None:
            statuses = st.sampled_from(["pending", *STATUSES])
            return data.draw(order_payload(ext, stamp, fresh_lines(), statuses, versioned=channel in VERSIONED))
        same = known.payload["status"]
        fresh = data.draw(st.integers(0, 3), label="fresh lines instead of edits") == 0
        lines = fresh_lines() if fresh else edited_lines(known.payload["lines"])
        statuses = st.sampled_from([same, same, *STATUSES])
        return data.draw(order_payload(ext, stamp, lines, statuses, versioned=channel in VERSIONED))

    # --- ingesting with step-wise checks ---

    def expect(self, channel: str, page: list[dict[str, Any]]) -> Expected:
        newest: dict[str, Version] = {}
        for item in page:
            seen = newest.get(item["external_id"])
            if seen is None or stamp_of(item) > seen.stamp:
                newest[item["external_id"]] = Version(item, stamp_of(item))
        created, updated, unchanged = set(), set(), set()
        for ext, version in newest.items():
            known = self.current.get((channel, ext))
            if known is None:
                created.add(ext)
            elif version.stamp > known.stamp:
                updated.add(ext)
            else:
                unchanged.add(ext)
        return Expected(created, updated, unchanged, newest)

    def ingest_and_check(self, channel: str, page: list[dict[str, Any]]) -> IntakeResult:
        expected = self.expect(channel, page)
        quiet = not expected.created and not expected.updated
        before = snapshot(self.engine) if quiet else None
        with self.engine.connect() as conn:
            ids = order_ids(conn, channel)
            untouched = {ext: order_state(conn, ids[ext]) for ext in expected.unchanged}
            available_before = available(conn)
            held_before = held_by_order(conn)
            mark = last_event_id(conn)

        self.clock.advance(timedelta(minutes=1))
        result = ingest(self.engine, channel, page, clock=self.clock)

        counts = (result.created, result.updated, result.unchanged, result.quarantined)
        assert counts == (len(expected.created), len(expected.updated), len(expected.unchanged), 0)
        with self.engine.connect() as conn:
            ids = order_ids(conn, channel)
            assert result.order_ids == {ext: ids[ext] for ext in expected.newest}
            for ext, state in untouched.items():
                assert order_state(conn, ids[ext]) == state, f"{channel}:{ext} was not newer but changed"
            available_after = available(conn)
            if channel == HOLD:
                for where, units in available_after.items():
                    assert units >= min(available_before.get(where, 0), 0), f"a hold channel oversold {where}"
                held = {ids[ext] for ext in (expected.created | expected.updated) & on_hold(conn, channel)}
                self.check_held_orders_took_nothing_new(conn, held, held_before, mark)
        if before is not None:
            assert snapshot(self.engine) == before, "a page with nothing newer changed the store"
        self.record(channel, page, expected)
        self.oversold = {where for where in self.oversold if available_after.get(where, 0) < 0}
        return result

    def check_held_orders_took_nothing_new(
        self, conn: Connection, held: set[int], held_before: dict[int, dict[tuple[str, str, int], int]], mark: int
    ) -> None:
        held_after = held_by_order(conn)
        for order_id in held:
            before = held_before.get(order_id, {})
            for where, qty in held_after.get(order_id, {}).items():
                assert qty <= before.get(where, 0), f"held order {order_id} reserved more at {where}"
        new_reservations = conn.execute(
            select(outbox_table.c.aggregate_id).where(
                outbox_table.c.id > mark, outbox_table.c.topic == "inventory.reserved"
            )
        )
        assert {int(i) for i in new_reservations.scalars()} & held == set()

    def record(self, channel: str, page: list[dict[str, Any]], expected: Expected) -> None:
        for item in page:
            if item not in self.sent[channel, item["external_id"]]:
                self.sent[channel, item["external_id"]].append(copy.deepcopy(item))
        for ext in expected.created | expected.updated:
            version = expected.newest[ext]
            before = self.current.get((channel, ext))
            if before is not None and version.payload["status"] == "canceled" != before.payload["status"]:
                self.cancellations[channel, ext] += 1
            self.current[channel, ext] = Version(copy.deepcopy(version.payload), version.stamp)
        self.pages.append((channel, copy.deepcopy(page)))

    # --- invariants after every step ---

    @invariant()
    def the_store_keeps_its_invariants(self):
        view = StoreView.read(self.engine)
        assert [p.describe() for p in view.ledger_problems] == []
        negative = {where for where, (stocked, reserved) in view.levels.items() if stocked < reserved}
        assert negative <= self.oversold, "available stock went below zero where no operator counted below reserved"
        self.check_one_row_and_one_binding_per_order(view)
        for key, version in self.current.items():
            row = view.orders[key]
            self.check_newest_version_is_shown(row, view.lines[row.id], version)
            self.check_holdings(key, row, view.lines[row.id], view.held.get(row.id, {}))
            self.check_totals(row, view.lines[row.id], version)
        self.check_events_account_for_stock(view)

    def check_one_row_and_one_binding_per_order(self, view: StoreView) -> None:
        rows = [(r.channel, r.external_id, r.id) for r in view.order_rows]
        assert sorted((channel, ext) for channel, ext, _ in rows) == sorted(self.current)
        assert sorted(view.bindings) == sorted(rows)

    def check_newest_version_is_shown(self, row: Any, lines: list[Any], version: Version) -> None:
        payload = version.payload
        assert (row.upstream_updated_at, row.upstream_version) == (version.stamp, payload.get("upstream_version"))
        on_hold = row.hold_reason is not None
        assert row.status == ("requires_action" if on_hold and payload["status"] == "pending" else payload["status"])
        stored = [(ln.line_key, ln.sku, ln.quantity, ln.fulfilled_quantity, ln.canceled_quantity) for ln in lines]
        sent = [
            (line_key(p), p.get("sku"), p["quantity"], p["fulfilled_quantity"], p["canceled_quantity"])
            for p in payload["lines"]
        ]
        assert stored == sent

    def check_holdings(self, key: Key, row: Any, lines: list[Any], held: dict[tuple[str, str, int], int]) -> None:
        """Per line: reserved + backordered == open quantity; less only while on hold; nothing when canceled."""
        channel, ext = key
        holds_stock = row.status not in ("canceled", "draft")
        on_hold = row.hold_reason is not None
        assert not (on_hold and channel == BACKORDER), f"{channel}:{ext} is held on a backorder channel"
        reserved_by_line: Counter[tuple[str, str]] = Counter()
        for (key_, sku, _loc), qty in held.items():
            reserved_by_line[key_, sku] += qty
        short_lines = 0
        for ln in lines:
            reserved = reserved_by_line.pop((ln.line_key, ln.sku), 0) if ln.sku is not None else 0
            open_qty = ln.quantity - ln.canceled_quantity - ln.fulfilled_quantity
            holding = reserved + ln.backordered_quantity
            where = f"{channel}:{ext} line {ln.line_key} ({row.status}, {reserved} reserved)"
            if channel == HOLD:
                assert ln.backordered_quantity == 0, f"{where} is backordered on a hold channel"
            if not holds_stock or ln.sku is None:
                assert holding == 0, f"{where} holds {holding}"
            elif on_hold:
                assert holding <= open_qty, f"{where} holds {holding} of {open_qty} open while on hold"
            else:
                assert holding == open_qty, f"{where} holds {holding} reserved+backordered, {open_qty} open"
            short_lines += holds_stock and ln.sku is not None and holding < open_qty
        leftovers = {where: qty for where, qty in reserved_by_line.items() if qty}
        assert leftovers == {}, f"{channel}:{ext} keeps reservations for lines or SKUs it no longer has"
        assert not on_hold or short_lines > 0, f"{channel}:{ext} is on hold with every line served"

    def check_totals(self, row: Any, lines: list[Any], version: Version) -> None:
        tax = 0 if row.taxes_included else row.tax_total
        assert row.total == row.subtotal - row.discount_total + row.shipping_total + tax
        assert row.discount_total == sum(ln.discount + ln.order_discount_share for ln in lines)
        assert row.subtotal == sum(ln.quantity * ln.unit_price for ln in lines)
        assert row.tax_total == sum(ln.tax_total for ln in lines) + row.shipping_tax
        expected = expected_totals(version.payload)
        assert {name: getattr(row, name) for name in expected} == expected

    def check_events_account_for_stock(self, view: StoreView) -> None:
        """inventory.* events add up to the reserved levels; operator counts minus consumption give stocked."""
        reserved: Counter[tuple[str, str]] = Counter()
        consumed: Counter[tuple[str, str]] = Counter()
        per_order: Counter[tuple[str, str]] = Counter()
        sign = {"inventory.reserved": 1, "inventory.released": -1, "inventory.consumed": -1}
        for topic, aggregate_id, payload in view.events:
            per_order[topic, aggregate_id] += 1
            for item in payload["items"] if topic in sign else []:
                where = (item["sku"], view.location_codes[item["location_id"]])
                reserved[where] += sign[topic] * item["quantity"]
                if topic == "inventory.consumed":
                    consumed[where] += item["quantity"]
        for where, (stocked, reserved_now) in view.levels.items():
            assert reserved_now == reserved[where], f"{where}: events say {reserved[where]} reserved"
            assert stocked == self.counted[where] - consumed[where], f"{where}: operator counts minus consumption"
        for row in view.order_rows:
            assert per_order["order.placed", str(row.id)] == 1
            assert per_order["order.canceled", str(row.id)] == self.cancellations[row.channel, row.external_id]


@dataclass(slots=True)
class StoreView:
    """Everything the invariants look at, read in one go."""

    ledger_problems: list[Any]
    levels: dict[tuple[str, str], tuple[int, int]]
    location_codes: dict[int, str]
    order_rows: list[Any]
    orders: dict[Key, Any]
    lines: dict[int, list[Any]]
    held: dict[int, dict[tuple[str, str, int], int]]
    bindings: list[tuple[str, str, int]]
    events: list[tuple[str, str, dict[str, Any]]]

    @classmethod
    def read(cls, engine: Engine) -> StoreView:
        with engine.connect() as conn:
            codes = {loc_id: code for code, loc_id in location_ids(conn).items()}
            lv = inventory_levels.c
            level_rows = conn.execute(
                select(inventory_items.c.sku, lv.location_id, lv.stocked, lv.reserved).join(inventory_items)
            )
            order_rows = list(conn.execute(select(orders)))
            lines: dict[int, list[Any]] = defaultdict(list)
            for ln in conn.execute(select(order_lines).order_by(order_lines.c.order_id, order_lines.c.position)):
                lines[ln.order_id].append(ln)
            bound = conn.execute(
                select(bindings.c.system, bindings.c.external_id, bindings.c.internal_id).where(
                    bindings.c.kind == "order"
                )
            )
            events = conn.execute(select(outbox_table.c.topic, outbox_table.c.aggregate_id, outbox_table.c.payload))
            return cls(
                ledger_problems=stock_admin.check(conn),
                levels={(sku, codes[loc]): (stocked, reserved) for sku, loc, stocked, reserved in level_rows},
                location_codes=codes,
                order_rows=order_rows,
                orders={(r.channel, r.external_id): r for r in order_rows},
                lines=lines,
                held=held_by_order(conn),
                bindings=[tuple(b) for b in bound],
                events=[tuple(e) for e in events],
            )


# --- the tests -------------------------------------------------------------------------------------

MACHINE_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_intake_keeps_its_invariants_through_generated_histories(sqlite_template: Path, tmp_path: Path):
    """The heavy run: many short histories, each on a fresh SQLite copy of the migrated template."""
    numbers = count()

    class OnFreshSqlite(IntakeMachine):
        def open_store(self) -> Engine:
            self.path = tmp_path / f"hub-{next(numbers)}.db"
            shutil.copy(sqlite_template, self.path)
            return make_engine(f"sqlite:///{self.path}")

        def close_store(self) -> None:
            self.engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    run_state_machine_as_test(
        OnFreshSqlite, settings=settings(MACHINE_SETTINGS, max_examples=50, stateful_step_count=20)
    )


def test_intake_keeps_its_invariants_on_every_store(engine: Engine):
    """A shorter run on each store (PostgreSQL too, when configured); the store is emptied per example."""

    class OnTheFixtureStore(IntakeMachine):
        def open_store(self) -> Engine:
            wipe(engine)
            return engine

        def close_store(self) -> None:
            pass

    run_state_machine_as_test(
        OnTheFixtureStore, settings=settings(MACHINE_SETTINGS, max_examples=12, stateful_step_count=10)
    )


@pytest.mark.parametrize("point", sorted(CRASH_POINTS))
def test_a_crash_late_in_a_page_leaves_every_table_as_it_was(engine: Engine, clock: FixedClock, point: str):
    setup_hub(engine, stock={("SKU-A", "near"): 3, ("SKU-A", "far"): 2, ("SKU-B", "near"): 1})
    first = [order("1001", line("SKU-A", 2)), order("1002", line("SKU-B", 1))]
    ingest(engine, "web", first, clock=clock, bookmark=Bookmark("orders", "2026-11-20T09:00:00Z"))
    page = [
        order("1001", line("SKU-A", 4, fulfilled_quantity=1), minutes=5, payment_status="captured"),
        order("1002", line("SKU-B", 1), minutes=5, status="canceled"),
        order("1003", line("SKU-A", 1), line("SKU-B", 2), minutes=5),
        order("1004", line("SKU-A", 1, 1000), totals={"total": 999}),
    ]
    later = Bookmark("orders", "2026-11-20T10:00:00Z")
    before = snapshot(engine)

    with crash_after(point), pytest.raises(SimulatedCrash):
        ingest(engine, "web", page, clock=clock, bookmark=later)

    assert snapshot(engine) == before
    retried = ingest(engine, "web", page, clock=clock, bookmark=later)
    assert (retried.created, retried.updated, retried.unchanged, retried.quarantined) == (1, 2, 0, 1)
    assert levels(engine)[("SKU-A", "near")] == (2, 2) and levels(engine)[("SKU-A", "far")] == (2, 1)
    with engine.connect() as conn:
        assert stock_admin.check(conn) == []
        assert bookmarks.load(conn, "web", "orders") == later.value
