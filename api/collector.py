"""Metrics read from the store at scrape time, so every process serving /metrics reports the same truth.

Counters here are counts of rows that are never deleted (orders) or totals that only grow (runs, added up as each
finishes), so they only grow.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import structlog
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric, SummaryMetricFamily
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from core.clock import Clock
from core.fulfillment import RELEASABLE
from core.model import FulfillmentStatus, OrderStatus
from core.outbox import OutboxStatus
from core.runs import RunStatus, last_success
from core.store.schema import job_run_totals, orders, outbox, quarantine, reservations, stock_locations

log = structlog.get_logger("omshub.api")

UNSHIPPED = (
    FulfillmentStatus.not_fulfilled,
    FulfillmentStatus.partially_fulfilled,
    FulfillmentStatus.fulfilled,
    FulfillmentStatus.partially_shipped,
    FulfillmentStatus.requires_action,
)
OPEN = (OrderStatus.pending, OrderStatus.requires_action)
FAILED = (RunStatus.failed, RunStatus.partial, RunStatus.aborted)
RATE_LIMITED = "rate_limited"
"""The error category the runner gives a run that a throttling answer (HTTP 429, Brightpearl's 503) ended."""


class StoreCollector:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("omshub_store_up", "1 when the store answered this scrape, else 0")
        try:
            with self.engine.connect() as conn:
                found = [*_orders(conn), *_stock(conn), *_outbox(conn), *_runs(conn)]
                found.append(_oldest_unshipped(conn, self.clock.now()))
        except SQLAlchemyError as exc:
            log.warning("metrics.store_unavailable", error=type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from found


def _orders(conn: Connection) -> Iterator[Metric]:
    o = orders.c
    ingested = CounterMetricFamily(
        "omshub_orders_ingested", "Orders taken in, by channel (each order once)", labels=["channel"]
    )
    by_status = GaugeMetricFamily("omshub_orders", "Orders by channel and status", labels=["channel", "status"])
    for channel, status, count in conn.execute(select(o.channel, o.status, func.count()).group_by(o.channel, o.status)):
        by_status.add_metric([channel, status], count)
    for channel, count in conn.execute(select(o.channel, func.count()).group_by(o.channel)):
        ingested.add_metric([channel], count)
    q = quarantine.c
    held = GaugeMetricFamily(
        "omshub_quarantined", "Open (unresolved) quarantine entries by channel", labels=["channel"]
    )
    for channel, count in conn.execute(
        select(q.channel, func.count()).where(q.resolved_at.is_(None)).group_by(q.channel)
    ):
        held.add_metric([channel], count)
    yield from (ingested, by_status, held)


def _stock(conn: Connection) -> Iterator[Metric]:
    r = reservations.c
    reserved = GaugeMetricFamily(
        "omshub_reserved_units", "Units reserved for orders, by channel and location", labels=["channel", "location"]
    )
    query = (
        select(orders.c.channel, stock_locations.c.code, func.sum(r.quantity))
        .join(orders, orders.c.id == r.order_id)
        .join(stock_locations, stock_locations.c.id == r.location_id)
        .where(r.quantity > 0)
        .group_by(orders.c.channel, stock_locations.c.code)
    )
    for channel, location, units in conn.execute(query):
        reserved.add_metric([channel, location], int(units))
    yield reserved


def _outbox(conn: Connection) -> Iterator[Metric]:
    ob = outbox.c
    messages = GaugeMetricFamily(
        "omshub_outbox_messages", "Outbox rows waiting (pending) or dead-lettered (dead)", labels=["status", "topic"]
    )
    waiting = [OutboxStatus.pending.value, OutboxStatus.dead.value]
    query = select(ob.status, ob.topic, func.count()).where(ob.status.in_(waiting)).group_by(ob.status, ob.topic)
    for status, topic, count in conn.execute(query):
        messages.add_metric([status, topic], count)
    yield messages


def _runs(conn: Connection) -> Iterator[Metric]:
    """From the runs' totals, kept as each run finishes (core.runs), not from the whole history."""
    key = ["job", "channel"]
    runs = CounterMetricFamily("omshub_runs", "Job runs by how they ended", labels=[*key, "status"])
    failures = CounterMetricFamily(
        "omshub_run_failures", "Runs that failed, stopped part way or were aborted", labels=[*key, "error_category"]
    )
    throttled = CounterMetricFamily(
        "omshub_rate_limited_runs",
        "Runs ended by a throttling answer (HTTP 429) that outlasted the connector's retries",
        labels=["channel", "job"],
    )
    pushed = CounterMetricFamily("omshub_pushed", "Updates pushed out by runs (stock levels, ...)", labels=key)
    answers = CounterMetricFamily(
        "omshub_throttled_answers",
        "Throttling answers (HTTP 429, Brightpearl's 503) the calls of runs received, retried or not",
        labels=["channel", "job"],
    )
    duration = SummaryMetricFamily("omshub_run_duration_seconds", "Duration of finished runs", labels=key)
    t = job_run_totals.c
    for job, channel, status, count in conn.execute(
        select(t.job, t.channel, t.status, func.sum(t.runs)).group_by(t.job, t.channel, t.status)
    ):
        runs.add_metric([job, channel, status], count)
    by_category = select(t.job, t.channel, t.error_category, func.sum(t.runs)).where(
        t.status.in_([s.value for s in FAILED])
    )
    for job, channel, category, count in conn.execute(by_category.group_by(t.job, t.channel, t.error_category)):
        failures.add_metric([job, channel, category or "unknown"], count)
        if category == RATE_LIMITED:
            throttled.add_metric([channel, job], count)
    totals = select(t.job, t.channel, func.sum(t.runs), func.sum(t.seconds), func.sum(t.pushed), func.sum(t.throttled))
    for job, channel, count, seconds, units, slowed in conn.execute(totals.group_by(t.job, t.channel)):
        duration.add_metric([job, channel], count, float(seconds))
        pushed.add_metric([job, channel], int(units))
        answers.add_metric([channel, job], int(slowed))
    yield from (runs, failures, throttled, answers, pushed, duration, _last_success(conn))


def _last_success(conn: Connection) -> Metric:
    last = GaugeMetricFamily(
        "omshub_last_success_timestamp_seconds", "When each job last finished successfully", labels=["job", "channel"]
    )
    for (job, channel), finished in last_success(conn).items():
        last.add_metric([job, channel], finished.timestamp())
    return last


def _oldest_unshipped(conn: Connection, now: datetime) -> Metric:
    o = orders.c
    age = GaugeMetricFamily(
        "omshub_oldest_unshipped_paid_order_age_seconds",
        "Age (since placement) of the oldest open order that is paid or authorized and not shipped, by channel",
        labels=["channel"],
    )
    query = (
        select(o.channel, func.min(o.placed_at))
        .where(
            o.status.in_([s.value for s in OPEN]),
            o.payment_status.in_([s.value for s in RELEASABLE]),
            o.fulfillment_status.in_([s.value for s in UNSHIPPED]),
        )
        .group_by(o.channel)
    )
    for channel, placed in conn.execute(query):
        if placed is not None:
            age.add_metric([channel], max((now - placed).total_seconds(), 0.0))
    return age
