"""End to end: the jobs run against the Medusa simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sandbox.medusa import DEFAULT_API_KEY
from sandbox.medusa.model import Level
from sandbox.server import RunningMedusa, start_medusa, wall_clock
from tests.e2e.support import hub_cli

SKUS = ("MUG-EMA-WHT", "TEA-SEN-100")


@pytest.fixture
def medusa() -> Iterator[RunningMedusa]:
    # the backend's clock runs two days behind: its orders are older than reconcile's one-day window
    backend = start_medusa(seed=5, stock={sku: 6 for sku in SKUS}, clock=lambda: wall_clock() - timedelta(days=2))
    yield backend
    backend.stop()


@pytest.fixture
def hub(medusa: RunningMedusa, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    state = medusa.state
    berlin, leipzig = state.location_id("Berlin warehouse"), state.location_id("Leipzig overflow")
    channels = f"""
[channels.store]
type = "medusa"
base_url = "{medusa.base_url}"
credentials = {{ api_key = "env:MEDUSA_KEY" }}
options = {{ sales_channel_id = "{state.sales_channel("Webshop").id}" }}
locations = ["berlin", "leipzig"]
location_ids = {{ berlin = "{berlin}", leipzig = "{leipzig}" }}
shortage_policy = "backorder"

[channels.store.jobs.pull-orders]
start = "2000-01-01T00:00:00Z"
"""
    stock = "MUG-EMA-WHT,berlin,10\nMUG-EMA-WHT,leipzig,4\nTEA-SEN-100,berlin,3\n"
    env = {"MEDUSA_KEY": DEFAULT_API_KEY}
    return hub_cli(tmp_path, channels, env=env, stock=stock, monkeypatch=monkeypatch, capsys=capsys)


def run_json(hub, *args: str) -> dict:
    code, out, err = hub(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def level(medusa: RunningMedusa, sku: str, location: str) -> Level:
    state = medusa.state
    item = state.variant(sku).inventory_item_id
    assert item is not None
    return state.levels[item, state.location_id(location)]


def available(medusa: RunningMedusa, sku: str, location: str) -> object:
    return level(medusa, sku, location).available_quantity


def test_only_the_configured_sales_channel_is_pulled_and_the_levels_pushed_are_what_medusa_shows(hub, medusa):
    web = medusa.generator.place_order({"MUG-EMA-WHT": 2}, sales_channel="Webshop")
    medusa.generator.place_order({"TEA-SEN-100": 1}, sales_channel="B2B")
    report = run_json(hub, "jobs", "run", "pull-orders", "--channel", "store")
    assert (report["status"], report["created"], report["quarantined"]) == ("success", 1, 0)
    [order] = run_json(hub, "orders", "list")
    assert order["external_id"] == web["id"] and order["payment_status"] == "authorized"
    pushed = run_json(hub, "jobs", "run", "push-inventory", "--channel", "store")
    assert pushed["status"] == "success" and pushed["pushed"] == 3
    # the hub holds 2 mugs for the web order at berlin: 10 - 2 = 8, though Medusa reserves them too
    assert available(medusa, "MUG-EMA-WHT", "Berlin warehouse") == 8
    assert available(medusa, "MUG-EMA-WHT", "Leipzig overflow") == 4
    assert available(medusa, "TEA-SEN-100", "Berlin warehouse") == 3 - 0
    assert run_json(hub, "jobs", "run", "push-inventory", "--channel", "store")["pushed"] == 0


def test_a_capture_reaches_the_hub_through_reconcile_and_a_shipment_reaches_medusa(hub, medusa):
    placed = medusa.generator.place_order({"MUG-EMA-WHT": 1}, sales_channel="Webshop")
    run_json(hub, "jobs", "run", "pull-orders", "--channel", "store")
    medusa.generator.capture(placed["id"])
    assert run_json(hub, "jobs", "run", "pull-orders", "--channel", "store")["updated"] == 0, "updated_at did not move"
    assert run_json(hub, "jobs", "run", "reconcile", "--channel", "store")["updated"] == 1
    [order] = run_json(hub, "orders", "list")
    assert order["payment_status"] == "captured"
    ref = f"store:{placed['id']}"
    ship = ("orders", "ship", ref, "--location", "berlin", "--line", "MUG-EMA-WHT=1", "--tracking", "JJD01")
    assert run_json(hub, *ship)["order_complete"] is True
    assert run_json(hub, "jobs", "run", "dispatch")["status"] == "success"
    stored = medusa.state.orders[placed["id"]]
    [fulfillment] = stored.fulfillments
    assert fulfillment.shipped_at is not None
    assert run_json(hub, "jobs", "run", "dispatch")["fetched"] == 0
    assert len(medusa.state.orders[placed["id"]].fulfillments) == 1


def test_verify_inventory_sets_back_a_level_changed_in_the_medusa_admin(hub, medusa):
    run_json(hub, "jobs", "run", "push-inventory", "--channel", "store")
    level(medusa, "TEA-SEN-100", "Berlin warehouse").stocked_quantity = 40  # typed into the Medusa admin
    report = run_json(hub, "jobs", "run", "verify-inventory", "--channel", "store")
    assert (report["updated"], report["pushed"]) == (1, 1)
    assert available(medusa, "TEA-SEN-100", "Berlin warehouse") == 3
