"""Plan an inventory push for three channels over a large catalogue after 1% of levels changed; print one JSON line.

    python bench/push.py [--skus 50000] [--changed 0.01]

The store holds SKUS items stocked at two locations; three channels publish them: `shop` per
location (both mapped), `market` pooled at one location with a share and a buffer, `web` pooled
channel-wide. Every channel is first told everything (recorded as pushed), then 1% of the levels
change through the stock admin code. Figures: seconds to plan all three channels' pushes (read the
levels and the last pushed values, apply the rules, keep what changed), what each channel would be
sent, and the HTTP calls the Shopify connector makes to send `shop`'s share (one call per level:
Shopify's REST API sets one level per request), counted on an in-process transport.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import ChannelSettings
from connectors.shopify.connector import ShopifyConnector, ShopifyOptions
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
    calls = count_shopify_calls(planned["shop"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "benchmark": "push",
                "skus": args.skus,
                "levels_changed": int(len(levels) * args.changed),
                "plan_seconds": round(plan_seconds, 3),
                "to_send": {name: len(changed) for name, changed in planned.items()},
                "shopify_http_calls": calls,
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


def count_shopify_calls(levels: list[publish.Published]) -> int:
    """Send `levels` through the real connector (item ids already bound) and count the requests."""
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, json={"inventory_level": json.loads(request.content)})

    settings = ChannelSettings(
        name="shop",
        base_url="https://bench.myshopify.com",
        credentials={"access_token": SecretStr("shpat_bench")},
        options=ShopifyOptions(leak_rate=10_000),
        location_ids={"berlin": "1", "leipzig": "2"},
    )
    connector = ShopifyConnector(settings, transport=httpx.MockTransport(answer), sleep=lambda _s: None)
    items = {level.sku: str(1000 + i) for i, level in enumerate(levels)}
    connector.push_levels(levels, items=items)
    connector.close()
    return calls


if __name__ == "__main__":
    main()
