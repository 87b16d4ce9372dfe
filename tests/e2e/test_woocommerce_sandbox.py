"""End to end: the jobs run against the WooCommerce simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.server import RunningWooCommerce, start_woocommerce
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET
from tests.e2e.support import hub_cli

SKUS = ("MUG-EMA-WHT", "TEA-SEN-100")


@pytest.fixture
def shop() -> Iterator[RunningWooCommerce]:
    woo = start_woocommerce(seed=4, stock={sku: 9 for sku in SKUS})
    yield woo
    woo.stop()


@pytest.fixture
def hub(shop: RunningWooCommerce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    channels = f"""
[channels.woo]
type = "woocommerce"
base_url = "{shop.base_url}"
credentials = {{ consumer_key = "env:WOO_KEY", consumer_secret = "env:WOO_SECRET" }}
locations = ["berlin", "leipzig"]
shortage_policy = "backorder"

[channels.woo.jobs.pull-orders]
start = "2000-01-01T00:00:00Z"

[channels.woo.jobs.push-inventory]
share = 50
"""
    env = {"WOO_KEY": DEFAULT_KEY, "WOO_SECRET": DEFAULT_SECRET}
    stock = "MUG-EMA-WHT,berlin,10\nMUG-EMA-WHT,leipzig,5\nTEA-SEN-100,berlin,3\n"
    return hub_cli(tmp_path, channels, env=env, stock=stock, monkeypatch=monkeypatch, capsys=capsys)


def run_json(hub, *args: str) -> dict:
    code, out, err = hub(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_orders_refunds_and_cancellations_made_in_the_shop_reach_the_hub(hub, shop):
    paid = shop.generator.place_order({"MUG-EMA-WHT": 2})
    kept = shop.generator.place_order({"TEA-SEN-100": 1})
    report = run_json(hub, "jobs", "run", "pull-orders", "--channel", "woo")
    assert (report["status"], report["created"], report["quarantined"]) == ("success", 2, 0)
    shop.generator.cancel(kept["id"])
    shop.generator.refund(paid["id"], {"MUG-EMA-WHT": 1})
    report = run_json(hub, "jobs", "run", "pull-orders", "--channel", "woo")
    assert report["updated"] == 2
    orders = {o["external_id"]: o for o in run_json(hub, "orders", "list")}
    assert orders[str(kept["id"])]["status"] == "canceled"
    assert orders[str(paid["id"])]["payment_status"] == "partially_refunded"
    levels = {(r["sku"], r["location"]): r["reserved"] for r in run_json(hub, "inventory", "levels")}
    assert levels[("MUG-EMA-WHT", "berlin")] == 1 and levels[("TEA-SEN-100", "berlin")] == 0


def test_push_inventory_publishes_the_channel_wide_share_in_one_batch(hub, shop):
    before = shop.state.calls["POST products/batch"] + sum(
        n for key, n in shop.state.calls.items() if key.endswith("variations/batch")
    )
    report = run_json(hub, "jobs", "run", "push-inventory", "--channel", "woo")
    assert report["status"] == "success" and report["pushed"] == 2
    assert shop.state.stock_of("MUG-EMA-WHT") == 7  # half of 15, rounded down
    assert shop.state.stock_of("TEA-SEN-100") == 1
    after = shop.state.calls["POST products/batch"] + sum(
        n for key, n in shop.state.calls.items() if key.endswith("variations/batch")
    )
    assert after - before <= 2, "one batch per endpoint, not one call per SKU"
    assert run_json(hub, "jobs", "run", "push-inventory", "--channel", "woo")["pushed"] == 0


def test_a_shipment_is_told_as_one_customer_note_and_completes_the_order(hub, shop):
    placed = shop.generator.place_order({"MUG-EMA-WHT": 1})
    run_json(hub, "jobs", "run", "pull-orders", "--channel", "woo")
    ship = ("orders", "ship", f"woo:{placed['id']}", "--location", "berlin", "--line", "MUG-EMA-WHT=1")
    notice = run_json(hub, *ship, "--tracking", "JJD0099", "--carrier", "DHL")
    assert notice["order_complete"] is True
    assert run_json(hub, "jobs", "run", "dispatch")["status"] == "success"
    notes = [note for note in shop.state.notes(placed["id"]) if note["customer_note"]]
    assert len(notes) == 1 and "JJD0099" in notes[0]["note"] and notice["reference"] in notes[0]["note"]
    assert run_json(hub, "jobs", "run", "dispatch")["fetched"] == 0
    assert shop.state.order(placed["id"])["status"] == "completed"
    report = run_json(hub, "jobs", "run", "pull-orders", "--channel", "woo")
    assert report["updated"] == 1
    levels = {(r["sku"], r["location"]): (r["stocked"], r["reserved"]) for r in run_json(hub, "inventory", "levels")}
    assert levels[("MUG-EMA-WHT", "berlin")] == (9, 0), "the completed order's unit left the books"


def test_verify_inventory_sets_back_a_stock_figure_edited_in_the_shop(hub, shop):
    run_json(hub, "jobs", "run", "push-inventory", "--channel", "woo")
    item = shop.state.item_by_sku("TEA-SEN-100")
    assert item is not None
    shop.state.update_item(item.id, manage_stock=None, stock_quantity=30)
    report = run_json(hub, "jobs", "run", "verify-inventory", "--channel", "woo")
    assert (report["updated"], report["pushed"]) == (1, 1)
    assert shop.state.stock_of("TEA-SEN-100") == 1
