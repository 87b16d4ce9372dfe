"""End to end: the CLI runs the jobs against the Shopify sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import bindings
from core.store.engine import make_engine
from sandbox.server import RunningSandbox, start
from tests.e2e.support import Call, hub_cli

LOCATIONS = {"berlin": "Lager Berlin", "leipzig": "Lager Leipzig"}


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    sandbox = start(orders=60, seed=7, profile="berlin")
    yield sandbox
    sandbox.stop()


@pytest.fixture
def hub(shop: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    push = """shortage_policy = "backorder"

[channels.shop.jobs.push-inventory]
every = "1m"
buffer = 1
"""
    stock = "MUG-EMA-WHT,berlin,40\nMUG-EMA-WHT,leipzig,5\nTEA-SEN-100,berlin,3\n"
    return shop_hub(shop, tmp_path, monkeypatch, capsys, stock=stock, extra=push)


def shop_hub(shop: RunningSandbox, tmp_path: Path, monkeypatch, capsys, *, stock: str, extra: str = "") -> Call:
    """A hub whose channel `shop` pulls from the simulated shop every minute (its locations mapped), with the
    channel settings `extra` after them."""
    ids = {loc.name: loc.id for loc in shop.state.locations.values()}
    channels = f"""
[channels.shop]
type = "shopify"
base_url = "{shop.base_url}"
credentials = {{ access_token = "env:SHOP_TOKEN" }}
locations = ["berlin", "leipzig"]
location_ids = {{ berlin = "{ids["Lager Berlin"]}", leipzig = "{ids["Lager Leipzig"]}" }}
{extra}
[channels.shop.jobs.pull-orders]
every = "1m"
start = "2000-01-01T00:00:00Z"
"""
    return hub_cli(
        tmp_path, channels, env={"SHOP_TOKEN": shop.token}, stock=stock, monkeypatch=monkeypatch, capsys=capsys
    )


def test_pull_orders_takes_in_the_whole_shop_once_and_again_changes_nothing(hub, shop):
    code, out, _ = hub("jobs", "run", "pull-orders", "--channel", "shop", "--json")
    first = json.loads(out)
    assert code == 0 and first["status"] == "success"
    assert first["fetched"] == 60 and first["created"] + first["quarantined"] == 60
    code, out, _ = hub("jobs", "run", "pull-orders", "--channel", "shop", "--json")
    second = json.loads(out)
    assert second["created"] == 0 and second["updated"] == 0
    code, out, _ = hub("orders", "list", "--channel", "shop", "--limit", "500", "--json")
    assert len(json.loads(out)) == first["created"]


def test_changes_made_in_the_shop_arrive_as_updates(hub, shop):
    hub("jobs", "run", "pull-orders", "--channel", "shop")
    for _ in range(15):
        shop.generator.random_change()
    code, out, _ = hub("jobs", "run", "pull-orders", "--channel", "shop", "--json")
    report = json.loads(out)
    assert code == 0 and report["updated"] + report["created"] > 0


def test_push_inventory_sets_the_published_levels_in_the_shop_and_only_changes_next_time(hub, shop, tmp_path):
    code, out, _ = hub("jobs", "run", "push-inventory", "--channel", "shop", "--json")
    report = json.loads(out)
    assert code == 0 and report["status"] == "success" and report["pushed"] >= 3
    levels = {(lv.inventory_item_id, lv.location_id): lv.available for lv in shop.state.level_list()}
    items = {v.sku: v.inventory_item_id for v in shop.state.variants.values()}
    berlin = next(loc.id for loc in shop.state.locations.values() if loc.name == "Lager Berlin")
    assert levels[(items["MUG-EMA-WHT"], berlin)] == 39
    assert levels[(items["TEA-SEN-100"], berlin)] == 2
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with engine.connect() as conn:
        bound = bindings.channel_items(conn, "shop")
    engine.dispose()
    assert bound == {sku: str(items[sku]) for sku in ("MUG-EMA-WHT", "TEA-SEN-100")}, "the hub's SKUs the shop lists"
    code, out, _ = hub("jobs", "run", "push-inventory", "--channel", "shop", "--json")
    assert json.loads(out)["pushed"] == 0


def test_verify_inventory_finds_a_level_changed_by_hand_in_the_shop_and_sets_it_back(hub, shop):
    hub("jobs", "run", "push-inventory", "--channel", "shop")
    items = {v.sku: v.inventory_item_id for v in shop.state.variants.values()}
    berlin = next(loc.id for loc in shop.state.locations.values() if loc.name == "Lager Berlin")
    shop.state.set_level(items["TEA-SEN-100"], berlin, 50)  # someone typed a number into the shop's admin
    code, out, _ = hub("jobs", "run", "verify-inventory", "--channel", "shop", "--json")
    report = json.loads(out)
    assert code == 0 and report["status"] == "success"
    assert (report["updated"], report["pushed"]) == (1, 1) and report["unchanged"] >= 2
    levels = {(lv.inventory_item_id, lv.location_id): lv.available for lv in shop.state.level_list()}
    assert levels[(items["TEA-SEN-100"], berlin)] == 2
    _code, out, _ = hub("status", "--json")
    [channel] = json.loads(out)
    assert channel["drift"] == 1 and channel["verified_at"] is not None


def test_a_dry_run_writes_nothing_here_or_in_the_shop(hub, shop):
    before = {(lv.inventory_item_id, lv.location_id): lv.available for lv in shop.state.level_list()}
    code, out, _ = hub("jobs", "run", "pull-orders", "--channel", "shop", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["created"] > 0
    code, out, _ = hub("jobs", "run", "push-inventory", "--channel", "shop", "--dry-run", "--json")
    assert code == 0
    after = {(lv.inventory_item_id, lv.location_id): lv.available for lv in shop.state.level_list()}
    assert after == before
    code, out, _ = hub("orders", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = hub("jobs", "history", "--json")
    assert json.loads(out) == []


def test_status_channels_check_and_history_tell_ops_what_happened(hub, shop):
    code, _, _ = hub("status")
    assert code == 1, "a channel that never pulled is stale"
    hub("jobs", "run", "pull-orders", "--channel", "shop")
    code, out, _ = hub("status", "--json")
    assert code == 0 and json.loads(out)[0]["state"] == "ok"
    code, out, _ = hub("channels", "check", "shop")
    assert code == 0 and "shop: ok" in out
    code, out, _ = hub("jobs", "history", "--channel", "shop", "--json")
    assert [r["status"] for r in json.loads(out)] == ["success"]
    code, out, _ = hub("jobs", "list", "--json")
    assert {r["id"] for r in json.loads(out)} >= {"pull-orders:shop", "push-inventory:shop", "dispatch"}


def test_a_backfill_is_idempotent_and_leaves_the_pull_bookmark_alone(hub, shop):
    args = ("backfill", "--channel", "shop", "--from", "2000-01-01", "--to", "2100-01-01", "--json")
    code, out, _ = hub(*args)
    assert code == 0 and json.loads(out)["created"] > 0
    code, out, _ = hub(*args)
    assert code == 0 and json.loads(out)["created"] == 0
    code, out, _ = hub("jobs", "run", "pull-orders", "--channel", "shop", "--json")
    assert json.loads(out)["fetched"] == 60, "the incremental pull still starts from its own bookmark"
