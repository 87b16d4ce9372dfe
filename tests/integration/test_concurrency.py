"""Several processes on one store: no oversell, no double claim, and a killed writer loses nothing."""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import signal
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from core import bookmarks, channels, outbox, stock_admin
from core.bookmarks import Bookmark
from core.channels import ChannelSpec, LocationSpec
from core.clock import SystemClock
from core.intake import ingest
from core.outbox import Event
from core.store.engine import make_engine
from core.store.schema import bindings, orders, reservations
from core.store.schema import outbox as outbox_table
from tests.support import levels, line, order

pytestmark = pytest.mark.slow
spawn = multiprocessing.get_context("spawn")
PAGE = 20


def _reserve_one(url: str, channel: str, external_id: str, barrier: Any) -> None:
    engine = make_engine(url)
    barrier.wait()
    ingest(engine, channel, [order(external_id, line("LAST", 1))], clock=SystemClock())
    engine.dispose()


def test_concurrent_orders_for_the_last_unit_reserve_it_exactly_once(store_url, engine, clock):
    with engine.begin() as conn:
        channels.sync(
            conn, [LocationSpec("near", "Near")], [ChannelSpec("web", ("near",)), ChannelSpec("pos", ("near",))]
        )
        stock_admin.set_stocked(conn, "LAST", "near", 1, clock.now())
    contenders = 6
    barrier = spawn.Barrier(contenders)
    procs = [
        spawn.Process(target=_reserve_one, args=(store_url, ("web", "pos")[i % 2], f"order-{i}", barrier))
        for i in range(contenders)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert levels(engine)[("LAST", "near")] == (1, 1)
    with engine.connect() as conn:
        held = conn.execute(select(func.count()).where(orders.c.hold_reason.is_not(None))).scalar_one()
        reserved = conn.execute(select(func.sum(reservations.c.quantity))).scalar_one()
        assert stock_admin.check(conn) == []
    assert (held, reserved) == (contenders - 1, 1)


def _drain(url: str, worker: str, results: Any) -> None:
    engine = make_engine(url)
    clock = SystemClock()
    empty = 0
    while empty < 3:
        with engine.begin() as conn:
            batch = outbox.claim(conn, worker, clock.now(), limit=7)
        if not batch:
            empty += 1
            time.sleep(0.02)
            continue
        empty = 0
        results.put([m.id for m in batch])
        time.sleep(0.001)
        with engine.begin() as conn:
            outbox.complete(conn, [m.id for m in batch], clock.now())
    engine.dispose()


def test_two_consumers_share_the_outbox_without_claiming_a_row_twice(store_url, engine, clock):
    with engine.begin() as conn:
        outbox.append(conn, [Event("order.placed", "order", str(i), {}) for i in range(300)], clock.now())
    results = spawn.Queue()
    procs = [spawn.Process(target=_drain, args=(store_url, f"w{i}", results)) for i in range(2)]
    for p in procs:
        p.start()
    claimed: list[int] = []
    while any(p.is_alive() for p in procs) or not results.empty():
        try:
            claimed += results.get(timeout=0.2)
        except queue.Empty:
            continue
    for p in procs:
        p.join(10)
        assert p.exitcode == 0
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 300
    with engine.connect() as conn:
        assert outbox.counts(conn) == {"done": 300}


def _ingest_until_killed(url: str) -> None:
    engine = make_engine(url)
    clock = SystemClock()
    with engine.connect() as conn:
        done = bookmarks.load(conn, "web", "orders")
    page = int(done) + 1 if done is not None else 0
    while True:
        batch = [order(f"{page}-{i}", line("SKU-A", 1), line("SKU-B", 2)) for i in range(PAGE)]
        ingest(engine, "web", batch, clock=clock, bookmark=Bookmark("orders", str(page)))
        page += 1


def _wait_for_pages(engine: Any, at_least: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            value = bookmarks.load(conn, "web", "orders")
        if value is not None and int(value) >= at_least:
            return
        time.sleep(0.01)
    raise AssertionError("the writer made no progress")


def test_killing_the_writer_at_any_instant_leaves_whole_pages_and_a_resumable_bookmark(store_url, engine, clock):
    with engine.begin() as conn:
        channels.sync(conn, [LocationSpec("near", "Near")], [ChannelSpec("web", ("near",))])
        stock_admin.set_stocked(conn, "SKU-A", "near", 10**9, clock.now())
        stock_admin.set_stocked(conn, "SKU-B", "near", 10**9, clock.now())
    rng = random.Random(20261126)
    reached = 0
    for _ in range(3):
        writer = spawn.Process(target=_ingest_until_killed, args=(store_url,))
        writer.start()
        _wait_for_pages(engine, reached + 2)
        time.sleep(rng.uniform(0, 0.05))
        os.kill(writer.pid or 0, signal.SIGKILL)
        writer.join(10)
        with engine.connect() as conn:
            reached = int(bookmarks.load(conn, "web", "orders") or -1)
            n_orders = conn.execute(select(func.count()).select_from(orders)).scalar_one()
            n_bound = conn.execute(select(func.count()).select_from(bindings)).scalar_one()
            n_events = conn.execute(select(func.count()).select_from(outbox_table)).scalar_one()
            assert stock_admin.check(conn) == []
        pages = reached + 1
        assert (n_orders, n_bound, n_events) == (pages * PAGE, pages * PAGE, 2 * pages * PAGE)
        assert levels(engine)[("SKU-B", "near")] == (10**9, 2 * pages * PAGE)
