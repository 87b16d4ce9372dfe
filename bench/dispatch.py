"""Release paid orders to the Brightpearl sandbox through dispatch; print one JSON line.

    python bench/dispatch.py [--orders 10000]

The Brightpearl simulator runs in its own process on 127.0.0.1 (its request cap raised: the real 200 per
minute would make this a benchmark of the throttle). The hub takes in ORDERS paid orders (two lines, one
location) into a fresh SQLite file, then runs dispatch until the outbox is drained: each order becomes one
fulfillment request, sent by the real connector (reference look-up before the first send is not needed; contact
search or creation, product search per line, the sales-order POST). Figures: fulfillment requests accepted
per second of dispatch, and the p50/p95 time from an order's intake to its request's acceptance.
Payments are not part of it yet (capture is not wired to orders).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

import run  # noqa: E402
from cli.context import load_config_into_store  # noqa: E402
from core import stock_admin  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from core.intake import ingest  # noqa: E402
from core.runs import Trigger  # noqa: E402
from core.store import migrate  # noqa: E402

APP_REF, TOKEN = "omshub_sandbox", "bp_sandbox_token_0123456789abcdef0123456789abcdef"
SERVE = (
    "import sys, uvicorn\n"
    "from datetime import timedelta\n"
    "from sandbox.brightpearl import build_brightpearl\n"
    "from sandbox.server import wall_clock\n"
    "app, _ = build_brightpearl(clock=wall_clock, requests_per_minute=10**9, ship_after=timedelta(days=1))\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n"
)
CONFIG = """
[hub]
database_url = "sqlite:///{db}"
log_format = "json"

[locations.berlin]

[channels.web]
locations = ["berlin"]

[providers.bp]
type = "brightpearl"
role = "fulfillment"
base_url = "http://127.0.0.1:{port}/public-api/omshub"
credentials = {{ app_ref = "env:BENCH_BP_APP", account_token = "env:BENCH_BP_TOKEN" }}
options = {{ installed_integration_instance_id = 7, cancel_status_id = 5 }}
location_ids = {{ berlin = "2" }}

[routing]
fulfillment = {{ berlin = "bp" }}

[jobs.dispatch]
deadline = "2h"
"""
SKUS = ("MUG-EMA-WHT", "TEA-SEN-100")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_warehouse(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], cwd=ROOT, stderr=subprocess.DEVNULL)
    headers = {"brightpearl-app-ref": APP_REF, "brightpearl-account-token": TOKEN}
    for _ in range(200):
        try:
            url = f"http://127.0.0.1:{port}/public-api/omshub/warehouse-service/warehouse/2"
            httpx.get(url, headers=headers, timeout=2).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the Brightpearl sandbox did not start")


def paid_order(i: int) -> dict[str, object]:
    address = {"first_name": "Kim", "last_name": f"Buyer {i}", "address_1": "Torstr. 1", "city": "Berlin",
               "postal_code": "10119", "country_code": "DE"}  # fmt: skip
    return {
        "external_id": f"B{i}",
        "currency": "EUR",
        "placed_at": datetime.now(UTC).isoformat(),
        "payment_status": "captured",
        "customer": {"email": f"buyer{i % 500}@example.com", "first_name": "Kim", "last_name": f"Buyer {i}"},
        "shipping_address": address,
        "lines": [
            {"line_id": "1", "sku": SKUS[0], "title": "Mug", "quantity": 1, "unit_price": 2100},
            {"line_id": "2", "sku": SKUS[1], "title": "Tea", "quantity": 2, "unit_price": 890},
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    args = parser.parse_args()
    port = free_port()
    warehouse = start_warehouse(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.update(BENCH_BP_APP=APP_REF, BENCH_BP_TOKEN=TOKEN)
            config = Path(tmp) / "omshub.toml"
            config.write_text(CONFIG.format(db=Path(tmp) / "hub.db", port=port), encoding="utf-8")
            hub = run.build_hub(str(config))
            migrate.upgrade(hub.engine)
            load_config_into_store(hub)
            clock = SystemClock()
            with hub.engine.begin() as conn:
                for sku in SKUS:
                    stock_admin.set_stocked(conn, sku, "berlin", 10 * args.orders, clock.now())
            for start in range(0, args.orders, 250):
                ingest(
                    hub.engine, "web", [paid_order(i) for i in range(start, min(start + 250, args.orders))], clock=clock
                )
            job = hub.catalog().get("dispatch", None)
            started = time.perf_counter()
            report = job.run(hub.runner(), trigger=Trigger.manual)
            elapsed = time.perf_counter() - started
            with hub.engine.connect() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT o.created_at, r.updated_at FROM fulfillment_requests r JOIN orders o ON o.id = r.order_id"
                    " WHERE r.status = 'accepted'"
                ).all()
            hub.close()
    finally:
        warehouse.terminate()
        warehouse.wait(10)
    waits = sorted((_moment(done) - _moment(placed)).total_seconds() for placed, done in rows)
    print(
        json.dumps(
            {
                "benchmark": "dispatch",
                "orders": args.orders,
                "status": report.status.value,
                "requests_accepted": len(waits),
                "dispatch_seconds": round(elapsed, 2),
                "requests_per_s": round(len(waits) / elapsed, 1),
                "p50_placed_to_accepted_s": round(waits[len(waits) // 2], 2) if waits else None,
                "p95_placed_to_accepted_s": round(waits[int(len(waits) * 0.95)], 2) if waits else None,
            }
        )
    )


def _moment(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


if __name__ == "__main__":
    main()
