"""End to end: Shopify, WooCommerce and Medusa sell the same SKUs from the same two warehouses.

Each channel is offered a share of what is available (40 % / 30 % / 30 %), buyers in every shop buy
what their shop shows, and the hub pulls, reserves and pushes again. After every cycle nothing is
oversold (no reservation beyond stock, no order held or backordered) and every shop shows exactly
the level the hub's rule gives for its locations.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.medusa import DEFAULT_API_KEY
from sandbox.server import RunningMedusa, RunningSandbox, RunningWooCommerce, start, start_medusa, start_woocommerce
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET
from tests.e2e.support import hub_cli

SKUS = ("MUG-EMA-WHT", "TEA-SEN-100", "TUQ-MER-NAV")
STOCK = {"berlin": 7, "leipzig": 5}
SHARES = {"shop": 40, "woo": 30, "medusa": 30}
CHANNELS = tuple(SHARES)
LEIPZIG = "Leipzig overflow"


@dataclass
class Shops:
    shopify: RunningSandbox
    woo: RunningWooCommerce
    medusa: RunningMedusa


@pytest.fixture
def shops() -> Iterator[Shops]:
    started = Shops(
        start(seed=2, orders=0, profile="berlin"), start_woocommerce(seed=2, stock=0), start_medusa(seed=2, stock=0)
    )
    yield started
    for shop in (started.shopify, started.woo, started.medusa):
        shop.stop()


def channels_text(shops: Shops) -> str:
    shopify_ids = {loc.name: loc.id for loc in shops.shopify.state.locations.values()}
    medusa = shops.medusa.state
    return f"""
[channels.shop]
type = "shopify"
base_url = "{shops.shopify.base_url}"
credentials = {{ access_token = "env:SHOP_TOKEN" }}
locations = ["berlin", "leipzig"]
location_ids = {{ berlin = "{shopify_ids["Lager Berlin"]}", leipzig = "{shopify_ids["Lager Leipzig"]}" }}
jobs.pull-orders.start = "2000-01-01T00:00:00Z"
jobs.push-inventory.share = {SHARES["shop"]}

[channels.woo]
type = "woocommerce"
base_url = "{shops.woo.base_url}"
credentials = {{ consumer_key = "env:WOO_KEY", consumer_secret = "env:WOO_SECRET" }}
locations = ["berlin", "leipzig"]
jobs.pull-orders.start = "2000-01-01T00:00:00Z"
jobs.push-inventory.share = {SHARES["woo"]}

[channels.medusa]
type = "medusa"
base_url = "{shops.medusa.base_url}"
credentials = {{ api_key = "env:MEDUSA_KEY" }}
options = {{ sales_channel_id = "{medusa.sales_channel("Webshop").id}" }}
locations = ["berlin", "leipzig"]
location_ids = {{ berlin = "{medusa.location_id("Berlin warehouse")}", leipzig = "{medusa.location_id(LEIPZIG)}" }}
jobs.pull-orders.start = "2000-01-01T00:00:00Z"
jobs.push-inventory.share = {SHARES["medusa"]}
"""


@pytest.fixture
def hub(shops: Shops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    env = {
        "SHOP_TOKEN": shops.shopify.token,
        "WOO_KEY": DEFAULT_KEY,
        "WOO_SECRET": DEFAULT_SECRET,
        "MEDUSA_KEY": DEFAULT_API_KEY,
    }
    stock = "".join(f"{sku},{loc},{units}\n" for sku in SKUS for loc, units in STOCK.items())
    call = hub_cli(tmp_path, channels_text(shops), env=env, stock=stock, monkeypatch=monkeypatch, capsys=capsys)

    def call_json(*args: str) -> Any:
        code, out, err = call(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    return call_json


def hub_available(hub) -> dict[tuple[str, str], int]:
    return {(r["sku"], r["location"]): r["available"] for r in hub("inventory", "levels")}


def shown(shops: Shops) -> dict[str, dict[tuple[str, str], int]]:
    """What each shop offers now, by (SKU, hub location) — '*' for WooCommerce's one figure."""
    shopify = shops.shopify.state
    names = {
        loc.id: {"Lager Berlin": "berlin", "Lager Leipzig": "leipzig"}.get(loc.name)
        for loc in shopify.locations.values()
    }
    items = {v.inventory_item_id: v.sku for v in shopify.variants.values()}
    medusa = shops.medusa.state
    return {
        "shop": {
            (items[lv.inventory_item_id], names[lv.location_id] or ""): lv.available
            for lv in shopify.level_list()
            if items[lv.inventory_item_id] in SKUS and names[lv.location_id]
        },
        "woo": {(sku, "*"): shops.woo.state.stock_of(sku) or 0 for sku in SKUS},
        "medusa": {
            (sku, code): int(
                medusa.levels[medusa.variant(sku).inventory_item_id or "", medusa.location_id(name)].available_quantity
            )
            for sku in SKUS
            for code, name in (("berlin", "Berlin warehouse"), ("leipzig", "Leipzig overflow"))
        },
    }


def expected(available: dict[tuple[str, str], int]) -> dict[str, dict[tuple[str, str], int]]:
    per_location = {
        channel: {key: max(units, 0) * SHARES[channel] // 100 for key, units in available.items()}
        for channel in ("shop", "medusa")
    }
    pooled = {(sku, "*"): max(sum(available[sku, loc] for loc in STOCK), 0) * SHARES["woo"] // 100 for sku in SKUS}
    return {**per_location, "woo": pooled}


def buy_what_is_shown(shops: Shops, rng: random.Random) -> int:
    offered = shown(shops)
    sold = 0
    for sku in SKUS:
        shop_units = sum(v for (s, _loc), v in offered["shop"].items() if s == sku)
        if take := rng.randint(0, shop_units):
            shops.shopify.generator.buy({sku: take})
        if take_woo := rng.randint(0, offered["woo"][sku, "*"]):
            shops.woo.generator.place_order({sku: take_woo})
        best = max(offered["medusa"][sku, loc] for loc in STOCK)  # Medusa reserves a line at one location
        if take_medusa := rng.randint(0, best):
            shops.medusa.generator.place_order({sku: take_medusa}, sales_channel="Webshop")
        sold += take + take_woo + take_medusa
    return sold


def test_three_channels_selling_the_same_skus_never_oversell_and_always_show_the_hubs_level(hub, shops):
    rng = random.Random(11)
    sold = 0
    for _cycle in range(3):
        for channel in CHANNELS:
            assert hub("jobs", "run", "push-inventory", "--channel", channel)["status"] == "success"
        assert shown(shops) == expected(hub_available(hub))
        sold += buy_what_is_shown(shops, rng)
        for channel in CHANNELS:
            report = hub("jobs", "run", "pull-orders", "--channel", channel)
            assert report["status"] == "success" and report["quarantined"] == 0
        levels = hub("inventory", "levels")
        assert all(r["reserved"] <= r["stocked"] for r in levels), levels
        assert hub("orders", "list", "--status", "requires_action") == []
    assert sold > 0
    reserved = sum(r["reserved"] for r in hub("inventory", "levels"))
    assert reserved == sold, "every unit bought in any shop is reserved once in the hub"
    assert hub("inventory", "check") == []
