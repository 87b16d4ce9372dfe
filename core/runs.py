"""Job leases and run history.

A lease on (job, channel) makes sure one run at a time does that work, across processes and
machines sharing the database; it expires, so a crashed holder frees it. Every run, scheduled or
manual, leaves a row: what ran, why, how it ended, what it counted and how far it read. A finished
run is also added to its (job, channel, status, error category) totals in the same transaction, which
status and metrics read instead of the ever-growing history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, func, select, true, update

from core.store.schema import job_leases, job_run_totals, job_runs
from core.store.upsert import dialect_insert


class Trigger(StrEnum):
    scheduled = "scheduled"
    manual = "manual"
    backfill = "backfill"


class RunStatus(StrEnum):
    running = "running"
    success = "success"
    partial = "partial"
    failed = "failed"
    skipped = "skipped"
    aborted = "aborted"
    missed = "missed"


@dataclass(slots=True)
class RunCounts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    pushed: int = 0
    throttled: int = 0
    """Answers that asked the hub to slow down (HTTP 429, Brightpearl's throttling 503), retried or not."""

    def as_row(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RunEnd:
    status: RunStatus
    counts: RunCounts
    bookmark_after: str | None = None
    error_category: str | None = None
    error_message: str | None = None


def acquire_lease(conn: Connection, key: tuple[str, str], holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lease on (job, channel) unless another holder has it and it has not expired."""
    job, channel = key
    stmt = dialect_insert(conn, job_leases).values(
        job=job, channel=channel, holder=holder, acquired_at=now, expires_at=now + ttl
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["job", "channel"],
        set_={"holder": holder, "acquired_at": now, "expires_at": now + ttl},
        where=(job_leases.c.expires_at < now) | (job_leases.c.holder == holder),
    ).returning(job_leases.c.holder)
    return conn.execute(stmt).first() is not None


def renew_lease(conn: Connection, key: tuple[str, str], holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend a lease this holder still has; False when it was lost (expired and taken)."""
    job, channel = key
    result = conn.execute(
        update(job_leases)
        .where(job_leases.c.job == job, job_leases.c.channel == channel, job_leases.c.holder == holder)
        .values(expires_at=now + ttl)
    )
    return result.rowcount == 1


def release_lease(conn: Connection, key: tuple[str, str], holder: str) -> None:
    job, channel = key
    conn.execute(
        delete(job_leases).where(
            job_leases.c.job == job, job_leases.c.channel == channel, job_leases.c.holder == holder
        )
    )


def close_abandoned(
    conn: Connection, key: tuple[str, str], now: datetime, *, started_before: datetime | None = None
) -> None:
    """Close as aborted the runs of `key` still marked running (those started before `started_before`, when
    given). Holding the lease, every such run lost its lease without finishing (its process died); for jobs
    run without a lease, a run still going long past its deadline is taken for dead."""
    job, channel = key
    stale = job_runs.c.started_at < started_before if started_before is not None else true()
    end = RunEnd(
        RunStatus.aborted,
        RunCounts(),
        error_category="abandoned",
        error_message="the process running it stopped without finishing; its lease expired",
    )
    found = conn.execute(
        select(job_runs.c.id).where(
            job_runs.c.job == job,
            job_runs.c.channel == channel,
            job_runs.c.status == RunStatus.running.value,
            stale,
        )
    )
    for run_id in found.scalars().all():
        _end(conn, run_id, end, now, reported={})


def start_run(
    conn: Connection, key: tuple[str, str], *, trigger: Trigger, holder: str, now: datetime, bookmark: str | None
) -> int:
    job, channel = key
    row = {
        "job": job,
        "channel": channel,
        "trigger": trigger.value,
        "status": RunStatus.running.value,
        "holder": holder,
        "started_at": now,
        "bookmark_before": bookmark,
        **RunCounts().as_row(),
    }
    return int(conn.execute(job_runs.insert().values(row).returning(job_runs.c.id)).scalar_one())


def finish_run(conn: Connection, run_id: int, end: RunEnd, now: datetime) -> None:
    """End the run with how it ended and what it counted. A run closed already (taken for abandoned by another
    process after its lease expired) stays as it was closed: it is counted once."""
    _end(conn, run_id, end, now, reported={"bookmark_after": end.bookmark_after, **end.counts.as_row()})


def _end(conn: Connection, run_id: int, end: RunEnd, now: datetime, *, reported: Mapping[str, Any]) -> None:
    """Close the run's row if it is still running, and add the run to its totals."""
    r = job_runs.c
    ended = {
        "status": end.status.value,
        "finished_at": now,
        "error_category": end.error_category,
        "error_message": end.error_message,
        **reported,
    }
    closed = update(job_runs).where(r.id == run_id, r.status == RunStatus.running.value).values(ended)
    found = conn.execute(closed.returning(r.job, r.channel, r.started_at, r.pushed, r.throttled)).one_or_none()
    if found is None:
        return
    job, channel, started, pushed, throttled = found
    row = {
        "job": job,
        "channel": channel,
        "status": end.status.value,
        "error_category": end.error_category or "",
        "runs": 1,
        "seconds": (now - started).total_seconds(),
        "pushed": pushed,
        "throttled": throttled,
        "last_finished_at": now,
        "last_run_id": run_id,
    }
    t = job_run_totals.c
    added = dialect_insert(conn, job_run_totals).values(row)
    later = func.greatest if conn.dialect.name == "postgresql" else func.max  # two arguments: the larger one
    conn.execute(
        added.on_conflict_do_update(
            index_elements=["job", "channel", "status", "error_category"],
            set_={
                "runs": t.runs + 1,
                "seconds": t.seconds + added.excluded.seconds,
                "pushed": t.pushed + added.excluded.pushed,
                "throttled": t.throttled + added.excluded.throttled,
                "last_finished_at": later(t.last_finished_at, added.excluded.last_finished_at),
                "last_run_id": later(t.last_run_id, added.excluded.last_run_id),
            },
        )
    )


def record_outcome(
    conn: Connection, key: tuple[str, str], *, trigger: Trigger, holder: str, now: datetime, end: RunEnd
) -> int:
    """A run that did no work (skipped because the lease is held, or missed by the scheduler)."""
    run_id = start_run(conn, key, trigger=trigger, holder=holder, now=now, bookmark=None)
    finish_run(conn, run_id, end, now)
    return run_id


def history(
    conn: Connection, *, channel: str | None = None, job: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    query = select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
    if channel:
        query = query.where(job_runs.c.channel == channel)
    if job:
        query = query.where(job_runs.c.job == job)
    return [dict(r) for r in conn.execute(query).mappings()]


def last_finished(conn: Connection, job: str) -> dict[str, dict[str, Any]]:
    """Each channel's latest finished run of `job` that got to the end (success or partial), by channel."""
    done = [RunStatus.success.value, RunStatus.partial.value]
    t = job_run_totals.c
    latest = (
        select(t.channel, func.max(t.last_run_id).label("id"))
        .where(t.job == job, t.status.in_(done))
        .group_by(t.channel)
        .subquery()
    )
    query = select(job_runs).join(latest, latest.c.id == job_runs.c.id)
    return {row["channel"]: dict(row) for row in conn.execute(query).mappings()}


def last_success(conn: Connection) -> dict[tuple[str, str], datetime]:
    """When each (job, channel) last finished successfully."""
    t = job_run_totals.c
    query = (
        select(t.job, t.channel, func.max(t.last_finished_at))
        .where(t.status == RunStatus.success.value)
        .group_by(t.job, t.channel)
    )
    return {(job, channel): finished for job, channel, finished in conn.execute(query)}
