"""The daemon against the sandbox: scheduled runs happen, a stop request ends it cleanly, a restart resumes."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import run
from cli.context import Hub, load_config_into_store
from core import bookmarks, runs
from core.store import migrate
from core.store.schema import job_leases
from jobs.daemon import Daemon
from sandbox.server import RunningSandbox, start
from sandbox.shopify import Faults


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    sandbox = start(orders=40, seed=11, profile="berlin", rate=5.0)
    yield sandbox
    sandbox.stop()


EVERY_JOB = """
[channels.shop.jobs.pull-orders]
every = "1s"
start = "2000-01-01T00:00:00Z"

[channels.shop.jobs.push-inventory]
every = "1s"

[jobs.dispatch]
every = "1s"
"""


def write_config(path: Path, shop: RunningSandbox, jobs: str = EVERY_JOB) -> Path:
    ids = {loc.name: loc.id for loc in shop.state.locations.values()}
    path.write_text(
        f"""
[hub]
database_url = "sqlite:///{path.parent / "hub.db"}"
log_format = "json"

[locations.berlin]

[channels.shop]
type = "shopify"
base_url = "{shop.base_url}"
credentials = {{ access_token = "env:SHOP_TOKEN" }}
locations = ["berlin"]
location_ids = {{ berlin = "{ids["Lager Berlin"]}" }}
{jobs}""",
        encoding="utf-8",
    )
    return path


def serve_until(hub: Hub, done: object, timeout: float = 20) -> None:
    stop = threading.Event()
    daemon = Daemon(hub.catalog(), hub.runner(stop), timezone="UTC")
    thread = threading.Thread(target=daemon.serve, args=(stop,), kwargs={"grace": timedelta(seconds=10)})
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not done():  # type: ignore[operator]
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive(), "the daemon did not stop within its grace period"


def test_the_daemon_runs_every_job_on_schedule_stops_cleanly_and_resumes(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOP_TOKEN", shop.token)
    monkeypatch.delenv("OMSHUB_DATABASE_URL", raising=False)
    config = write_config(tmp_path / "omshub.toml", shop)
    hub = run.build_hub(str(config))
    migrate.upgrade(hub.engine)
    load_config_into_store(hub)

    def statuses() -> dict[str, set[str]]:
        with hub.engine.connect() as conn:
            rows = runs.history(conn, limit=500)
        seen: dict[str, set[str]] = {}
        for row in rows:
            seen.setdefault(row["job"], set()).add(row["status"])
        return seen

    serve_until(
        hub, lambda: all("success" in statuses().get(j, set()) for j in ("pull-orders", "dispatch", "push-inventory"))
    )
    assert {"pull-orders", "push-inventory", "dispatch"} <= set(statuses())
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(job_leases)).scalar_one() == 0
        first_mark = bookmarks.load(conn, "shop", "orders")
        assert not any(r["status"] == "running" for r in runs.history(conn, limit=500))
    assert first_mark is not None

    def moved() -> bool:
        with hub.engine.connect() as conn:
            return bookmarks.load(conn, "shop", "orders") != first_mark

    serve_until(hub, moved)
    assert moved(), "a restarted daemon resumes from the committed bookmark and moves it on"
    hub.close()


def test_two_daemons_on_one_database_never_run_the_same_job_at_once(tmp_path, monkeypatch):
    """Two daemon processes, the same schedule, runs slower than the interval: one runs, the other records skipped."""
    slow = start(orders=30, seed=5, profile="berlin", faults=Faults(slow=1.0, delay=0.7))
    try:
        pull_only = """
[channels.shop.jobs.pull-orders]
every = "1s"
start = "2000-01-01T00:00:00Z"
overlap = "1h"
"""
        config = write_config(tmp_path / "omshub.toml", slow, pull_only)
        monkeypatch.setenv("SHOP_TOKEN", slow.token)
        monkeypatch.delenv("OMSHUB_DATABASE_URL", raising=False)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        assert run.main(["--config", str(config), "db", "upgrade"]) == 0
        command = [sys.executable, str(Path(run.__file__)), "--config", str(config), "daemon", "--grace", "10s"]
        logs = [tmp_path / f"daemon-{i}.log" for i in range(2)]
        daemons = [subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT) for log in logs]
        hub = run.build_hub(str(config))
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not _both_ran_and_one_skipped(hub):
                time.sleep(0.3)
        finally:
            for daemon in daemons:
                daemon.send_signal(signal.SIGTERM)
            codes = [daemon.wait(timeout=30) for daemon in daemons]
        assert codes == [0, 0], [log.read_text()[-2000:] for log in logs]
        with hub.engine.connect() as conn:
            history = [r for r in runs.history(conn, limit=1000) if r["job"] == "pull-orders"]
        hub.close()
    finally:
        slow.stop()
    assert _both_ran_and_one_skipped_in(history)
    worked = sorted((r["started_at"], r["finished_at"]) for r in history if r["status"] != "skipped")
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(worked)), (
        "two runs of pull-orders overlapped"
    )
    assert all(r["error_category"] == "lease_held" for r in history if r["status"] == "skipped")


def _both_ran_and_one_skipped(hub: Hub) -> bool:
    with hub.engine.connect() as conn:
        return _both_ran_and_one_skipped_in(runs.history(conn, limit=1000))


def _both_ran_and_one_skipped_in(history: list[dict]) -> bool:
    holders = {r["holder"] for r in history}
    return (
        len(holders) == 2
        and any(r["status"] == "skipped" for r in history)
        and any(r["status"] == "success" for r in history)
    )
