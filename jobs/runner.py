"""The one way a job runs, scheduled or by hand.

The runner takes the (job, channel) lease, records the run, gives the job a `RunScope` (its
counts, bookmark, deadline and stop signal), and closes the run with a status and an error
category that says what reaction it needs. A held lease is recorded as `skipped`.
A dry run takes no lease and writes nothing: the job's database work is rolled back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Engine

from connectors.http import counting_throttles
from core import runs
from core.bookmarks import Bookmark
from core.clock import Clock
from core.errors import FatalError, RateLimited, RetryableError
from core.intake import IntakeResult, ingest, ingest_in
from core.runs import RunCounts, RunEnd, RunStatus, Trigger

log = structlog.get_logger("omshub.jobs")


class Aborted(Exception):
    """The run stopped before its work was done: deadline passed or shutdown requested."""

    def __init__(self, category: str, message: str) -> None:
        super().__init__(message)
        self.category = category


@dataclass
class RunScope:
    """What a job function gets: where it stands, and how to hand pages to the core."""

    job: str
    channel: str
    trigger: Trigger
    started_at: datetime
    deadline: datetime
    dry_run: bool
    engine: Engine
    clock: Clock
    stop: threading.Event
    bookmark_before: str | None = None
    bookmark_after: str | None = None
    counts: RunCounts = field(default_factory=RunCounts)
    renew: Callable[[], None] = lambda: None

    def check(self) -> None:
        """Call between pages: stops the run at its deadline or on shutdown, and keeps the lease."""
        if self.stop.is_set():
            raise Aborted("shutdown", "stopped by a shutdown request")
        if self.clock.now() >= self.deadline:
            raise Aborted("deadline", f"run deadline {self.deadline.isoformat()} passed")
        self.renew()

    def time_left(self) -> float:
        """Seconds until the run's deadline, for connectors to bound their retries."""
        return max((self.deadline - self.clock.now()).total_seconds(), 0.0)

    def ingest(self, page: Sequence[Any], bookmark: Bookmark | None) -> IntakeResult:
        """Hand one page to intake (its bookmark in the same transaction); a dry run rolls it back."""
        self.counts.fetched += len(page)
        if self.dry_run:
            with self.engine.connect() as conn, conn.begin() as tx:
                result = ingest_in(conn, self.channel, page, clock=self.clock, bookmark=bookmark)
                tx.rollback()
        else:
            result = ingest(self.engine, self.channel, page, clock=self.clock, bookmark=bookmark)
            if bookmark is not None:
                self.bookmark_after = bookmark.value
        for name in ("created", "updated", "unchanged", "quarantined"):
            setattr(self.counts, name, getattr(self.counts, name) + getattr(result, name))
        return result


Work = Callable[[RunScope], None]


@dataclass(frozen=True)
class RunReport:
    run_id: int | None
    status: RunStatus
    counts: RunCounts
    error_category: str | None = None
    error_message: str | None = None


class Runner:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        holder: str,
        stop: threading.Event | None = None,
        lease_ttl: timedelta = timedelta(minutes=2),
    ) -> None:
        self.engine, self.clock, self.holder = engine, clock, holder
        self.stop = stop or threading.Event()
        self.lease_ttl = lease_ttl
        self._renewed: dict[tuple[str, str], datetime] = {}

    def run(
        self,
        key: tuple[str, str],
        work: Work,
        *,
        trigger: Trigger,
        deadline: timedelta,
        bookmark: str | None = None,
        dry_run: bool = False,
    ) -> RunReport:
        """Run `work` holding the (job, channel) lease; a run that finds it held is recorded as skipped."""
        scope = self._scope(key, trigger=trigger, deadline=deadline, bookmark=bookmark, dry_run=dry_run)
        if dry_run:
            return self._dry(scope, work)
        now = scope.started_at
        with self.engine.begin() as conn:
            if not runs.acquire_lease(conn, key, self.holder, now, self.lease_ttl):
                end = RunEnd(
                    RunStatus.skipped,
                    RunCounts(),
                    error_category="lease_held",
                    error_message=f"another run holds the lease on {key[0]} for {key[1] or 'all channels'}",
                )
                run_id = runs.record_outcome(conn, key, trigger=trigger, holder=self.holder, now=now, end=end)
                log.info("run.skipped", job=key[0], channel=key[1], run_id=run_id)
                return RunReport(run_id, end.status, end.counts, end.error_category, end.error_message)
            runs.close_abandoned(conn, key, now)
            run_id = runs.start_run(conn, key, trigger=trigger, holder=self.holder, now=now, bookmark=bookmark)
        self._renewed[key] = now
        scope.renew = lambda: self._renew(key)
        try:
            end = self._bound(scope, work, run_id)
        finally:
            with self.engine.begin() as conn:
                runs.release_lease(conn, key, self.holder)
        return self._finish(run_id, end)

    def run_shared(
        self,
        key: tuple[str, str],
        work: Work,
        *,
        trigger: Trigger,
        deadline: timedelta,
        bookmark: str | None = None,
        dry_run: bool = False,
    ) -> RunReport:
        """Run `work` alongside runs of the same job in other processes, without a lease: for work that claims
        its items one by one (dispatch leases outbox rows with FOR UPDATE SKIP LOCKED), so daemons share it.
        Runs of the key still marked running long past their deadline are closed as abandoned first."""
        scope = self._scope(key, trigger=trigger, deadline=deadline, bookmark=bookmark, dry_run=dry_run)
        if dry_run:
            return self._dry(scope, work)
        now = scope.started_at
        with self.engine.begin() as conn:
            runs.close_abandoned(conn, key, now, started_before=now - 2 * deadline)
            run_id = runs.start_run(conn, key, trigger=trigger, holder=self.holder, now=now, bookmark=bookmark)
        return self._finish(run_id, self._bound(scope, work, run_id))

    def _scope(
        self, key: tuple[str, str], *, trigger: Trigger, deadline: timedelta, bookmark: str | None, dry_run: bool
    ) -> RunScope:
        now = self.clock.now()
        return RunScope(
            job=key[0],
            channel=key[1],
            trigger=trigger,
            started_at=now,
            deadline=now + deadline,
            dry_run=dry_run,
            engine=self.engine,
            clock=self.clock,
            stop=self.stop,
            bookmark_before=bookmark,
        )

    def _dry(self, scope: RunScope, work: Work) -> RunReport:
        end = self._execute(scope, work)
        return RunReport(None, end.status, end.counts, end.error_category, end.error_message)

    def _bound(self, scope: RunScope, work: Work, run_id: int) -> RunEnd:
        with structlog.contextvars.bound_contextvars(run_id=run_id, job=scope.job, channel=scope.channel):
            return self._execute(scope, work)

    def _finish(self, run_id: int, end: RunEnd) -> RunReport:
        with self.engine.begin() as conn:
            runs.finish_run(conn, run_id, end, self.clock.now())
        return RunReport(run_id, end.status, end.counts, end.error_category, end.error_message)

    def _execute(self, scope: RunScope, work: Work) -> RunEnd:
        log.info("run.started", trigger=scope.trigger.value, dry_run=scope.dry_run)
        try:
            _counting_throttles(scope, work)
        except Aborted as exc:
            return self._end(scope, RunStatus.aborted, exc.category, exc)
        except RetryableError as exc:
            status = RunStatus.partial if scope.bookmark_after != scope.bookmark_before else RunStatus.failed
            return self._end(scope, status, _category(exc), exc)
        except FatalError as exc:
            return self._end(scope, RunStatus.failed, "fatal", exc)
        except Exception as exc:  # an unexpected bug: recorded, the daemon goes on
            log.exception("run.crashed")
            return self._end(scope, RunStatus.failed, "internal", exc)
        return self._end(scope, RunStatus.success, None, None)

    def _end(self, scope: RunScope, status: RunStatus, category: str | None, exc: Exception | None) -> RunEnd:
        message = None if exc is None else f"{type(exc).__name__}: {exc}"
        log.info("run.finished", status=status.value, error_category=category, error=message, **scope.counts.as_row())
        return RunEnd(status, scope.counts, scope.bookmark_after, category, message)

    def _renew(self, key: tuple[str, str]) -> None:
        """Extend the lease once a quarter of its time has passed (not on every page)."""
        now = self.clock.now()
        if now - self._renewed.get(key, datetime.min.replace(tzinfo=now.tzinfo)) < self.lease_ttl / 4:
            return
        with self.engine.begin() as conn:
            if not runs.renew_lease(conn, key, self.holder, now, self.lease_ttl):
                raise Aborted("lease_lost", "the lease expired and another run took it")
        self._renewed[key] = now


def _counting_throttles(scope: RunScope, work: Work) -> None:
    """Run `work`, counting in the run the throttling answers its calls receive (retried or not)."""
    with counting_throttles() as throttles:
        try:
            work(scope)
        finally:
            scope.counts.throttled += throttles.seen


def _category(exc: RetryableError) -> str:
    return "rate_limited" if isinstance(exc, RateLimited) else "retryable"
