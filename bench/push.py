"""Plan an inventory push for three channels over a large catalogue after 1% of levels changed; print one JSON line.

    python bench/push.py [--skus 50000] [--changed 0.01]

The store holds SKUS items stocked at two locations; three channels publish them: `shop` (Shopify) per
location (both mapped), `market` (Medusa) pooled at one location with a share and a buffer, `web`
(WooCommerce) pooled channel-wide. Every channel is first told everything (recorded as pushed), then
1% of the levels change through the stock admin code. Figures: seconds to plan all three channels'
pushes (read the levels and the last pushed values, apply the rules, keep what changed), what each
channel would be sent, and the HTTP calls each real connector makes to send its share, counted on an
in-process transport that answers like the channel (item ids already bound): Shopify sets one level
per request; WooCommerce writes up to 100 products per batch; Medusa reads the current reservations
of up to 100 items per request, then writes up to 100 levels per batch.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import ChannelSettings
from connectors.medusa.connector import MedusaConnector, MedusaOptions
from connectors.shopify.connector import ShopifyConnector, ShopifyOptions
from connectors.woocommerce.client import WooCommerceOptions
from connectors.woocommerce.connector import WooCommerceConnector
from core import channels, publish, stock_admin
from core.channels import ChannelSpec, LocationSpec
from core.publish import PublishPlan, PublishRule
from core.store import migrate
from core.store.bulk import fetch_all, insert_tuples
from core.store.engine import make_engine
from core.store.schema import inventory_items, inventory_levels

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LOCATIONS = ("berlin", "leipzig")
PLANS = {
    "shop": (PublishPlan.per_location(LOCATIONS, LOCATIONS), PublishRule(buffer=1)),
    "market": (PublishPlan.pooled(LOCATIONS, "berlin"), PublishRule(buffer=2, share=80)),
    "web": (PublishPlan.pooled(LOCATIONS), PublishRule()),
}


def seed(engine: object, skus: int) -> None:
    """Items and levels written in bulk (the stock admin path would take minutes for 100,000 levels)."""
    with engine.begin() as conn:  # type: ignore[attr-defined]
        specs = [ChannelSpec(name, LOCATIONS) for name in PLANS]
        channels.sync(conn, [LocationSpec(code, code.title()) for code in LOCATIONS], specs)
        insert_tuples(conn, inventory_items, ("sku",), [(f"SKU-{i:06d}",) for i in range(skus)])
        items = fetch_all(conn, "SELECT id FROM inventory_items ORDER BY id", ())
        locations = fetch_all(conn, "SELECT id FROM stock_locations ORDER BY code", ())
        rows = [(item, loc, 20 + item % 30, 0, 0) for (item,) in items for (loc,) in locations]
        insert_tuples(conn, inventory_levels, ("item_id", "location_id", "stocked", "reserved", "incoming"), rows)
        for name, (plan, rule) in PLANS.items():
            publish.record_pushed(conn, name, publish.to_publish(conn, name, plan, rule), NOW)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--changed", type=float, default=0.01, help="fraction of levels changed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        seed(engine, args.skus)
        rng = random.Random(1)
        levels = [(f"SKU-{i:06d}", loc) for i in range(args.skus) for loc in LOCATIONS]
        with engine.begin() as conn:
            for sku, loc in rng.sample(levels, int(len(levels) * args.changed)):
                stock_admin.adjust_stocked(conn, sku, loc, -rng.randint(1, 5), NOW)
        started = time.perf_counter()
        with engine.connect() as conn:
            planned = {name: publish.to_publish(conn, name, plan, rule) for name, (plan, rule) in PLANS.items()}
        plan_seconds = time.perf_counter() - started
        engine.dispose()
    calls = {
        "shop": count_calls(shopify_connector, planned["shop"]),
        "market": count_calls(medusa_connector, planned["market"]),
        "web": count_calls(woocommerce_connector, planned["web"]),
    }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "benchmark": "push",
                "skus": args.skus,
                "levels_changed": int(len(levels) * args.changed),
                "plan_seconds": round(plan_seconds, 3),
                "to_send": {name: len(changed) for name, changed in planned.items()},
                "http_calls": calls,
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


Build = Callable[[httpx.MockTransport], Any]


def count_calls(build: Build, levels: list[publish.Published]) -> int:
    """Send `levels` through a real connector (item ids already bound) and count the requests it makes."""
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return _answer(request)

    connector = build(httpx.MockTransport(answer))
    result = connector.push_levels(levels, items={level.sku: str(1000 + i) for i, level in enumerate(levels)})
    connector.close()
    assert len(result.pushed) == len(levels), result.failed[:3]
    return calls


def _answer(request: httpx.Request) -> httpx.Response:
    """What each channel answers to a stock write (or Medusa's read of the current reservations)."""
    path = request.url.path
    if path.endswith("inventory_levels/set.json"):
        return httpx.Response(200, json={"inventory_level": json.loads(request.content)})
    if path.endswith("/products/batch"):
        return httpx.Response(200, json={"update": json.loads(request.content)["update"]})
    if path.endswith("/admin/inventory-items"):
        ids = request.url.params.get_list("id[]")
        levels = [{"location_id": "sloc_berlin", "reserved_quantity": 0, "available_quantity": 0}]
        items = [{"id": item, "location_levels": levels} for item in ids]
        return httpx.Response(200, json={"inventory_items": items, "count": len(items), "offset": 0, "limit": len(ids)})
    return httpx.Response(200, json={})


def _settings(name: str, options: Any, credentials: dict[str, str], location_ids: dict[str, str]) -> ChannelSettings:
    secrets = {key: SecretStr(value) for key, value in credentials.items()}
    return ChannelSettings(name, "https://bench.example", secrets, options, location_ids)


def shopify_connector(transport: httpx.MockTransport) -> ShopifyConnector:
    settings = _settings(
        "shop", ShopifyOptions(leak_rate=10_000), {"access_token": "shpat_bench"}, {"berlin": "1", "leipzig": "2"}
    )
    return ShopifyConnector(settings, transport=transport, sleep=lambda _s: None)


def medusa_connector(transport: httpx.MockTransport) -> MedusaConnector:
    settings = _settings("market", MedusaOptions(), {"api_key": "sk_bench"}, {"berlin": "sloc_berlin"})
    return MedusaConnector(settings, transport=transport, sleep=lambda _s: None)


def woocommerce_connector(transport: httpx.MockTransport) -> WooCommerceConnector:
    secrets = {"consumer_key": "ck_bench", "consumer_secret": "cs_bench"}
    settings = _settings("web", WooCommerceOptions(), secrets, {})
    return WooCommerceConnector(settings, transport=transport, sleep=lambda _s: None)


if __name__ == "__main__":
    main()
