"""The daemon: APScheduler 3 fires the configured jobs, the runner runs them.

Stable job ids (`pull-orders:shop-eu`, `dispatch`), `coalesce=True` and `max_instances=1`, an
explicit misfire grace time, the hub's time zone. A missed run is recorded in run history. On
SIGTERM/SIGINT the scheduler stops firing, the running jobs finish their current page (the runner
aborts them at the next page boundary), leases are released and the process exits 0.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import structlog
from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from config.channels import JobConfig
from core import runs
from core.runs import RunCounts, RunEnd, RunStatus, Trigger
from jobs.catalog import Catalog, JobDef
from jobs.runner import Runner

log = structlog.get_logger("omshub.daemon")
MISFIRE_GRACE = timedelta(minutes=10)


def trigger_for(schedule: JobConfig, timezone: str) -> BaseTrigger | None:
    if not schedule.scheduled:
        return None
    if schedule.cron is not None:
        return CronTrigger.from_crontab(schedule.cron, timezone=timezone)
    assert schedule.every is not None
    return IntervalTrigger(seconds=schedule.every.total_seconds(), timezone=timezone)


def next_run(definition: JobDef, timezone: str, now: datetime) -> datetime | None:
    trigger = trigger_for(definition.schedule, timezone)
    return None if trigger is None else trigger.get_next_fire_time(None, now)


class Daemon:
    def __init__(self, catalog: Catalog, runner: Runner, *, timezone: str) -> None:
        self.catalog, self.runner, self.timezone = catalog, runner, timezone
        self.definitions = {d.id: d for d in catalog.all()}
        self.scheduler = BackgroundScheduler(timezone=timezone)
        for definition in self.definitions.values():
            trigger = trigger_for(definition.schedule, timezone)
            if trigger is not None:
                self.scheduler.add_job(
                    self.fire,
                    trigger,
                    args=[definition.id],
                    id=definition.id,
                    name=definition.id,
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
                    replace_existing=True,
                )
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)

    def fire(self, job_id: str) -> None:
        self.definitions[job_id].run(self.runner, trigger=Trigger.scheduled)

    def serve(self, stop: threading.Event, *, grace: timedelta) -> None:
        """Run until `stop` is set; then let running jobs end their page within `grace`."""
        self.scheduler.start()
        log.info("daemon.started", jobs=sorted(j.id for j in self.scheduler.get_jobs()))
        stop.wait()
        log.info("daemon.stopping", grace_seconds=grace.total_seconds())
        self.runner.stop.set()
        self.scheduler.pause()
        closer = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True)
        closer.start()
        closer.join(grace.total_seconds())
        log.info("daemon.stopped", clean=not closer.is_alive())

    def _missed(self, event: JobExecutionEvent) -> None:
        definition = self.definitions.get(event.job_id)
        if definition is None:
            return
        when = event.scheduled_run_time
        end = RunEnd(
            RunStatus.missed,
            RunCounts(),
            error_category="missed",
            error_message=f"the run due at {_iso(when)} was missed (scheduler busy or asleep)",
        )
        with self.runner.engine.begin() as conn:
            runs.record_outcome(
                conn,
                definition.key,
                trigger=Trigger.scheduled,
                holder=self.runner.holder,
                now=self.runner.clock.now(),
                end=end,
            )
        log.warning("run.missed", job=definition.key[0], channel=definition.key[1], due=_iso(when))


def _iso(moment: Any) -> str:
    return moment.isoformat() if isinstance(moment, datetime) else str(moment)
