"""Two processes dispatch from one database at once: they share the outbox and nothing is sent twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import run
from core import shipments
from core.shipments import ShipmentReport, Tracking
from core.store.engine import make_engine
from sandbox.server import start_woocommerce
from sandbox.shopify import Faults
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET
from tests.support import setup_hub

PARCELS = 24


def test_two_dispatchers_share_the_outbox_and_tell_the_shop_about_each_shipment_once(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock
):
    shop = start_woocommerce(seed=3, stock={"MUG-EMA-WHT": 100}, faults=Faults(seed=3, slow=1.0, delay=0.05))
    try:
        config = write_config(tmp_path, store_url, shop.base_url)
        for name, value in (("WOO_KEY", DEFAULT_KEY), ("WOO_SECRET", DEFAULT_SECRET)):
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("OMSHUB_DATABASE_URL", raising=False)
        placed = [shop.generator.place_order({"MUG-EMA-WHT": 1})["id"] for _ in range(PARCELS)]
        engine = make_engine(store_url)
        setup_hub(engine, channel="web", stock={("MUG-EMA-WHT", "near"): 100})
        assert run.main(["--config", str(config), "jobs", "run", "pull-orders", "--channel", "web"]) == 0
        with engine.begin() as conn:
            for i, order_id in enumerate(placed):
                parcel = ShipmentReport(f"web:{order_id}", "near", {"MUG-EMA-WHT": 1}, (Tracking(f"JJD{i:04d}"),))
                shipments.record(conn, parcel, clock.now())
        engine.dispose()
        command = [
            sys.executable,
            str(Path(run.__file__)),
            "--config",
            str(config),
            "jobs",
            "run",
            "dispatch",
            "--json",
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        workers = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [worker.communicate(timeout=120) for worker in workers]
    finally:
        shop.stop()
    assert [worker.returncode for worker in workers] == [0, 0], [err[-2000:] for _out, err in outputs]
    reports = [json.loads(out) for out, _err in outputs]
    assert all(r["status"] == "success" and r["fetched"] > 0 for r in reports), (
        f"both should have delivered: {reports}; outbox: {outbox_summary(store_url)}"
    )
    assert shop.state.calls["GET orders/{order_id}/notes"] == PARCELS, "each notice was handled by one process"
    assert shop.state.calls["POST orders/{order_id}/notes"] == PARCELS
    assert all(len([n for n in shop.state.notes(order_id) if n["customer_note"]]) == 1 for order_id in placed)


def outbox_summary(store_url: str) -> list[tuple[object, ...]]:
    """The outbox by status, due time and lease, to explain a failure."""
    engine = make_engine(store_url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT status, topic, min(available_at), max(claimed_until), count(*) FROM outbox GROUP BY status, topic"
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def write_config(folder: Path, store_url: str, shop_url: str) -> Path:
    config = folder / "omshub.toml"
    config.write_text(
        f"""
[hub]
database_url = "{store_url}"
log_format = "json"

[locations.near]
[locations.far]

[channels.web]
type = "woocommerce"
base_url = "{shop_url}"
credentials = {{ consumer_key = "env:WOO_KEY", consumer_secret = "env:WOO_SECRET" }}
locations = ["near", "far"]

[channels.web.jobs.pull-orders]
start = "2000-01-01T00:00:00Z"

[jobs.dispatch]
batch = 4                      # small claims, so the two processes take turns
""",
        encoding="utf-8",
    )
    return config
