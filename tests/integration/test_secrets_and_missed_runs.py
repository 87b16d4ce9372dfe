"""Secrets never reach logs or stored records; runs the scheduler missed are recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import respx
import structlog
from pydantic import SecretStr

from config import logging as log_setup
from connectors.base import ChannelSettings
from connectors.shopify.connector import ShopifyConnector, ShopifyOptions
from core import runs
from core.runs import Trigger
from jobs.catalog import Catalog
from jobs.daemon import Daemon
from jobs.pull_orders import pull_orders
from jobs.runner import Runner
from tests.fakes import FakeConnector, FakeOrderSource
from tests.support import setup_hub

TOKEN = "shpat_very_secret_value_42"
BASE = "https://shop-eu.myshopify.com"


@respx.mock
def test_a_failing_connector_leaves_no_token_in_logs_or_run_history(engine, clock, capsys):
    setup_hub(engine)
    log_setup.configure("json")
    respx.get(f"{BASE}/admin/api/2024-10/orders.json").mock(
        return_value=httpx.Response(
            403, json={"errors": f"token {TOKEN} lacks read_orders"}, headers={"X-Echo-Token": TOKEN}
        )
    )
    settings = ChannelSettings("web", BASE, {"access_token": SecretStr(TOKEN)}, ShopifyOptions(), {})
    source = ShopifyConnector(settings, sleep=lambda s: None)
    structlog.get_logger("test").info("connector.configured", access_token=TOKEN, url=f"https://user:{TOKEN}@x/")
    report = Runner(engine, clock, holder="t").run(
        ("pull-orders", "web"),
        lambda scope: pull_orders(scope, source, overlap=timedelta(0), safety_lag=timedelta(0)),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )
    assert report.status.value == "failed"
    with engine.connect() as conn:
        stored = json.dumps(runs.history(conn), default=str)
    out, err = capsys.readouterr()
    assert "credentials" in stored
    for text in (stored, out, err):
        assert TOKEN not in text


def test_a_run_the_scheduler_missed_is_recorded_as_missed(engine, clock):
    setup_hub(engine)
    config = SimpleNamespace(
        channels={},
        jobs=SimpleNamespace(
            dispatch=SimpleNamespace(
                batch=10,
                max_attempts=8,
                retry_delay=timedelta(seconds=30),
                every=timedelta(seconds=5),
                cron=None,
                scheduled=True,
                deadline=timedelta(minutes=1),
            ),
            check_tracking=SimpleNamespace(
                checks=5,
                interval=timedelta(minutes=10),
                every=None,
                cron=None,
                scheduled=False,
                deadline=timedelta(minutes=1),
            ),
        ),
        hub=SimpleNamespace(timezone="UTC"),
        providers={},
        routing=SimpleNamespace(fulfillment={}, rules=[]),
    )
    daemon = Daemon(
        Catalog(config, engine, {"web": FakeConnector(orders=FakeOrderSource([]))}),  # type: ignore[arg-type]
        Runner(engine, clock, holder="t"),
        timezone="UTC",
    )
    due = datetime(2026, 11, 20, 11, 59, tzinfo=UTC)
    daemon._missed(SimpleNamespace(job_id="dispatch", scheduled_run_time=due))
    with engine.connect() as conn:
        [row] = runs.history(conn)
    assert (row["job"], row["status"], row["trigger"]) == ("dispatch", "missed", "scheduled")
    assert due.isoformat() in row["error_message"]
