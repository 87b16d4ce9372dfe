"""Ingest synthetic orders into a fresh SQLite file through the real intake; print one JSON line.

    python bench/ingest.py [--orders 100000] [--page 250] [--skus 2000] [--url sqlite:///path]

Each order has three lines; the channel reserves from two locations (the first fills up, later
orders spill into the second). Figures: orders/s through intake (the time spent in `ingest`, which
includes validating each order; making the synthetic dicts is left out), the same per second of this
process's CPU time (steadier on a shared machine), wall time, and peak RSS in MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.runtime import tune_runtime
from core import channels, stock_admin
from core.channels import ChannelSpec, LocationSpec
from core.clock import SystemClock
from core.intake import ingest
from core.store import migrate
from core.store.engine import make_engine

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic_order(n: int, skus: int) -> dict[str, Any]:
    placed = T0 + timedelta(seconds=n)
    lines = []
    for i in range(3):
        sku = f"SKU-{(n * 7 + i * 13) % skus:05d}"
        lines.append(
            {
                "line_id": str(i + 1),
                "sku": sku,
                "title": f"Product {sku}",
                "quantity": 1 + (n + i) % 3,
                "unit_price": 1999 + i * 500,
                "tax_lines": [{"title": "VAT", "rate": "0.19", "amount": 380 * (1 + (n + i) % 3)}],
            }
        )
    return {
        "external_id": str(1_000_000 + n),
        "display_number": f"#{n}",
        "payment_status": "authorized",
        "currency": "EUR",
        "placed_at": placed.isoformat(),
        "customer": {"email": f"buyer{n}@example.com", "first_name": "Ada", "last_name": "Buyer"},
        "shipping_address": {"address_1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country_code": "DE"},
        "lines": lines,
        "shipping_total": 495,
    }


def prepare(url: str, skus: int, per_location: int) -> Any:
    engine = make_engine(url)
    migrate.upgrade(engine)
    clock = SystemClock()
    locations = [LocationSpec("first", "First"), LocationSpec("second", "Second")]
    with engine.begin() as conn:
        channels.sync(conn, locations, [ChannelSpec("bench", ("first", "second"))])
        for s in range(skus):
            for loc in ("first", "second"):
                stock_admin.set_stocked(conn, f"SKU-{s:05d}", loc, per_location, clock.now())
    return engine


def per_location(orders: int, skus: int) -> int:
    """Stock per SKU and location: enough for every order with room to spare, but the first location alone
    runs out mid-way."""
    return orders * 6 // skus * 3 // 5 + 1


def timed_intake(engine: Any, pages: Iterable[list[dict[str, Any]]]) -> tuple[int, float, float]:
    """Take `pages` in through the intake; orders created, and the seconds and CPU seconds the intake took."""
    clock = SystemClock()
    created, elapsed, cpu = 0, 0.0, 0.0
    for page in pages:
        before, before_cpu = time.perf_counter(), time.process_time()
        created += ingest(engine, "bench", page, clock=clock).created
        elapsed += time.perf_counter() - before
        cpu += time.process_time() - before_cpu
    return created, elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=250)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = prepare(url, args.skus, per_location(args.orders, args.skus))
        tune_runtime()  # as run.py does for the hub process
        pages = (
            [synthetic_order(n, args.skus) for n in range(first, min(first + args.page, args.orders))]
            for first in range(0, args.orders, args.page)
        )
        started = time.perf_counter()
        created, elapsed, cpu = timed_intake(engine, pages)
        wall = time.perf_counter() - started
        engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "benchmark": "ingest",
                "store": url.split(":", 1)[0],
                "orders": args.orders,
                "created": created,
                "page_size": args.page,
                "intake_seconds": round(elapsed, 2),
                "wall_seconds": round(wall, 2),
                "orders_per_s": round(created / elapsed),
                "orders_per_cpu_s": round(created / cpu),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
