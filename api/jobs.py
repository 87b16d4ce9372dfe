"""Jobs triggered over the API: each runs in a thread of its own through the same catalog, runner and lease
as `omshub jobs run`, and the request is answered as soon as the run has an id.

Each triggered run gets a holder name of its own (`host:pid:api-N`): a lease is re-entrant for its holder,
so two triggers of one job sharing a holder would both run; with their own names the second is recorded as
skipped while the first holds the lease, as it would be from another process.
"""

from __future__ import annotations

import itertools
import os
import queue
import socket
import threading
import time
from dataclasses import dataclass, replace
from datetime import timedelta

import structlog

from cli.context import Hub
from core import queries
from core.runs import RunStatus, Trigger
from jobs.runner import Runner, RunScope, Work

log = structlog.get_logger("omshub.api")


@dataclass(frozen=True, slots=True)
class Started:
    run_id: int | None
    job: str
    channel: str
    status: RunStatus
    """running, or how it ended when it ended without running (skipped: another run holds the lease)."""


class Jobs:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.stop = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self._holder = f"{socket.gethostname()}:{os.getpid()}:api"

    def start(self, job: str, channel: str | None) -> Started:
        """Start `job` (for `channel`); returns once the run is recorded. Unknown jobs raise FatalError."""
        definition = self.hub.catalog().get(job, channel)
        runner = Runner(self.hub.engine, self.hub.clock, holder=f"{self._holder}-{next(self._serial)}", stop=self.stop)
        handoff: queue.Queue[Started | BaseException] = queue.Queue()

        def announce(scope: RunScope) -> None:
            with self.hub.engine.connect() as conn:
                run_id = queries.running_run_id(conn, definition.key, runner.holder)
            handoff.put(Started(run_id, scope.job, scope.channel, RunStatus.running))

        def run() -> None:
            try:
                report = replace(definition, work=_announcing(definition.work, announce)).run(
                    runner, trigger=Trigger.manual
                )
                handoff.put(Started(report.run_id, *definition.key, report.status))
            except BaseException as exc:  # the request waiting for the handoff gets it, if it still waits
                log.exception("api.run_crashed", job=definition.key[0], channel=definition.key[1])
                handoff.put(exc)
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=f"api-run-{definition.id}", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()
        first = handoff.get()
        if isinstance(first, BaseException):
            raise first
        return first

    def wait(self, timeout: timedelta) -> bool:
        """Wait for the runs going now to end; False when some are still going after `timeout`."""
        with self._lock:
            going = list(self._threads)
        deadline = time.monotonic() + timeout.total_seconds()
        for thread in going:
            thread.join(max(deadline - time.monotonic(), 0))
        return not any(t.is_alive() for t in going)

    def shut_down(self, grace: timedelta) -> bool:
        """Ask running jobs to stop after their current page, and wait for them up to `grace`."""
        self.stop.set()
        return self.wait(grace)


def _announcing(work: Work, announce: Work) -> Work:
    def announced(scope: RunScope) -> None:
        announce(scope)
        work(scope)

    return announced
