"""Channel health for `omshub status` and monitoring: last success, lag, quarantine, dead letters, the
levels the last verify-inventory run found drifted in the channel (re-pushed in that run), orders whose
payment authorization lapses soon while they wait to ship, and fulfillment requests no provider accepted in
time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from config.channels import JobConfig
from core import fulfillment, payments, runs
from core.outbox import OutboxStatus
from core.store.schema import outbox, quarantine
from jobs.catalog import PULL, VERIFY, Catalog
from jobs.daemon import trigger_for

STALE_AFTER_INTERVALS = 3


def channel_status(conn: Connection, catalog: Catalog, now: datetime) -> list[dict[str, Any]]:
    successes = runs.last_success(conn)
    verified = runs.last_finished(conn, VERIFY)
    held: dict[str, int] = dict(
        conn.execute(
            select(quarantine.c.channel, func.count())
            .where(quarantine.c.resolved_at.is_(None))
            .group_by(quarantine.c.channel)
        ).all()
    )
    dead = conn.execute(select(func.count()).where(outbox.c.status == OutboxStatus.dead.value)).scalar_one()
    within = {name: p.acknowledge_within for name, p in catalog.config.providers.items()}
    rows = []
    for name, channel in catalog.config.channels.items():
        last = successes.get((PULL, name))
        interval = _interval(channel.jobs.pull_orders, catalog.config.hub.timezone, now)
        rows.append(
            {
                "channel": name,
                "last_success": last,
                "lag": None if last is None else _round(now - last),
                "quarantined": held.get(name, 0),
                "dead_letters": dead,
                "drift": verified[name]["updated"] if name in verified else None,
                "verified_at": verified[name]["finished_at"] if name in verified else None,
                "expiring_authorizations": None
                if channel.payments is None
                else payments.expiring_authorizations(
                    conn,
                    name,
                    timedelta(days=channel.payments.authorization_days),
                    now,
                    warn=timedelta(hours=channel.payments.expiry_warning_hours),
                ),
                "unacknowledged": fulfillment.unacknowledged(conn, name, within, now),
                "state": _state(channel.type, interval, last, now),
            }
        )
    return rows


def _state(kind: str | None, interval: timedelta | None, last: datetime | None, now: datetime) -> str:
    if kind is None or interval is None:
        return "not scheduled"
    if last is None or now - last > STALE_AFTER_INTERVALS * interval:
        return "stale"
    return "ok"


def _interval(schedule: JobConfig, timezone: str, now: datetime) -> timedelta | None:
    """The time between two scheduled runs (for cron: between the next two)."""
    trigger = trigger_for(schedule, timezone)
    if trigger is None:
        return None
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1))
    return None if first is None or second is None else second - first


def _round(delta: timedelta) -> timedelta:
    return timedelta(seconds=int(delta.total_seconds()))
