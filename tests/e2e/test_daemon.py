"""The daemon against the sandbox: scheduled runs happen, a stop request ends it cleanly, a restart resumes."""

from __future__ import annotations

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


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    sandbox = start(orders=40, seed=11, profile="berlin", rate=5.0)
    yield sandbox
    sandbox.stop()


def write_config(path: Path, shop: RunningSandbox) -> Path:
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

[channels.shop.jobs.pull-orders]
every = "1s"
start = "2000-01-01T00:00:00Z"

[channels.shop.jobs.push-inventory]
every = "1s"

[jobs.dispatch]
every = "1s"
""",
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
