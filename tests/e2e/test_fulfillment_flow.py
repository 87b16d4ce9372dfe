"""End to end: an order paid in WooCommerce goes to Brightpearl, ships from its warehouse, and the shop hears
about it; every step over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.brightpearl import DEFAULT_APP_REF, DEFAULT_TOKEN
from sandbox.server import RunningBrightpearl, RunningWooCommerce, start_brightpearl, start_woocommerce
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET
from tests.e2e.support import Call, hub_cli


@dataclass
class Systems:
    shop: RunningWooCommerce
    warehouse: RunningBrightpearl


@pytest.fixture
def systems() -> Iterator[Systems]:
    both = Systems(start_woocommerce(seed=6, stock={"MUG-EMA-WHT": 20, "TEA-SEN-100": 20}), start_brightpearl(seed=6))
    yield both
    both.shop.stop()
    both.warehouse.stop()


@pytest.fixture
def hub(systems: Systems, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Call:
    channels = f"""
[channels.woo]
type = "woocommerce"
base_url = "{systems.shop.base_url}"
credentials = {{ consumer_key = "env:WOO_KEY", consumer_secret = "env:WOO_SECRET" }}
locations = ["berlin", "leipzig"]
jobs.pull-orders.start = "2000-01-01T00:00:00Z"

[providers.bp]
type = "brightpearl"
role = "fulfillment"
base_url = "{systems.warehouse.base_url}/public-api/omshub"
credentials = {{ app_ref = "env:BP_APP", account_token = "env:BP_TOKEN" }}
options = {{ installed_integration_instance_id = 7, cancel_status_id = 5 }}
location_ids = {{ berlin = "2", leipzig = "3" }}

[routing]
fulfillment = {{ berlin = "bp", leipzig = "bp" }}
"""
    env = {"WOO_KEY": DEFAULT_KEY, "WOO_SECRET": DEFAULT_SECRET, "BP_APP": DEFAULT_APP_REF, "BP_TOKEN": DEFAULT_TOKEN}
    stock = "MUG-EMA-WHT,berlin,10\nTEA-SEN-100,leipzig,5\n"
    return hub_cli(tmp_path, channels, env=env, stock=stock, monkeypatch=monkeypatch, capsys=capsys)


def run_json(hub: Call, *args: str) -> dict:
    code, out, err = hub(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_a_paid_order_is_sent_to_the_warehouse_once_and_its_shipment_comes_back_to_the_hub_and_the_shop(hub, systems):
    placed = systems.shop.generator.place_order({"MUG-EMA-WHT": 2, "TEA-SEN-100": 1})  # paid by card: processing
    assert run_json(hub, "jobs", "run", "pull-orders", "--channel", "woo")["created"] == 1
    first = run_json(hub, "jobs", "run", "dispatch")
    assert first["status"] == "success" and first["created"] == 2, "one request per warehouse"
    assert run_json(hub, "jobs", "run", "dispatch")["created"] == 0
    orders = list(systems.warehouse.state.orders.values())
    assert sorted(o.external_ref for o in orders) == ["ful-1-berlin-bp", "ful-1-leipzig-bp"]
    assert {o.warehouse_id for o in orders} == {2, 3}
    for sales_order in orders:
        systems.warehouse.generator.ship_now(sales_order.id)
    pulled = run_json(hub, "jobs", "run", "pull-shipments", "--channel", "bp")
    assert (pulled["status"], pulled["created"]) == ("success", 2)
    assert run_json(hub, "jobs", "run", "pull-shipments", "--channel", "bp")["created"] == 0
    levels = {(r["sku"], r["location"]): (r["stocked"], r["reserved"]) for r in run_json(hub, "inventory", "levels")}
    assert levels == {("MUG-EMA-WHT", "berlin"): (8, 0), ("TEA-SEN-100", "leipzig"): (4, 0)}
    [order] = run_json(hub, "orders", "list")
    assert order["fulfillment_status"] == "shipped"
    run_json(hub, "jobs", "run", "dispatch")
    notes = [n for n in systems.shop.state.notes(placed["id"]) if n["customer_note"]]
    assert len(notes) == 2
    assert systems.shop.state.order(placed["id"])["status"] == "completed"
