"""Orders with card authorizations through dispatch, the Brightpearl warehouse and Stripe; print one JSON line.

    python bench/dispatch.py [--orders 10000]

The Brightpearl and Stripe simulators run in their own processes on 127.0.0.1 (Brightpearl's request cap
raised: the real 200 per minute would make this a benchmark of the throttle; it ships every order it holds
once a second, a fifth of them in two notes). Stripe holds one authorization per order. The hub takes in
ORDERS authorized orders (two lines, one location, a PaymentIntent id each) into a fresh SQLite file, then
runs dispatch and pull-shipments in turn until every order is captured: each order becomes one fulfillment
request (contact, product and sales-order calls of the real connector), one authorization read, and one
capture per goods-out note (the account has multicapture). Figures: operations (requests accepted,
authorizations read, captures) per second of the whole run, and p50/p95 from an order's intake to its
request's acceptance and to its last capture.
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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

import run  # noqa: E402
from cli.context import Hub, load_config_into_store  # noqa: E402
from core import stock_admin  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from core.intake import ingest  # noqa: E402
from core.runs import Trigger  # noqa: E402
from core.store import migrate  # noqa: E402

APP_REF, TOKEN = "omshub_sandbox", "bp_sandbox_token_0123456789abcdef0123456789abcdef"
STRIPE_KEY = "sk_test_51OmsHubSandbox0000000000000000000000000000"
AMOUNT = 2100 + 2 * 890
WAREHOUSE = (
    "import sys, threading\n"
    "from datetime import timedelta\n"
    "from sandbox.brightpearl import build_brightpearl\n"
    "from sandbox.server import serve_in_background, wall_clock\n"
    "app, warehouse = build_brightpearl(clock=wall_clock, requests_per_minute=10**9, ship_after=timedelta(0))\n"
    "serve_in_background(app, port=int(sys.argv[1]), tick=warehouse.tick, rate=1.0)\n"
    "threading.Event().wait()\n"
)
PROCESSOR = (
    "import sys, uvicorn\n"
    "from sandbox.server import wall_clock\n"
    "from sandbox.stripe import build_stripe\n"
    "from sandbox.stripe.intents import NewIntent, create\n"
    "app, state = build_stripe(clock=wall_clock)\n"
    f"held = NewIntent({AMOUNT}, 'eur', 'manual', 'pm_card_visa', confirm=True)\n"
    "for i in range(int(sys.argv[2])):\n"
    "    create(state, held, intent_id=f'pi_bench{i:07d}')\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n"
)
CONFIG = """
[hub]
database_url = "sqlite:///{db}"
log_format = "json"

[locations.berlin]
[locations.leipzig]

[channels.web]
locations = ["berlin"]
payments = {{ processor = "stripe", capture = "on_shipment" }}

[providers.bp]
type = "brightpearl"
role = "fulfillment"
base_url = "http://127.0.0.1:{port}/public-api/omshub"
credentials = {{ app_ref = "env:BENCH_BP_APP", account_token = "env:BENCH_BP_TOKEN" }}
options = {{ installed_integration_instance_id = 7, cancel_status_id = 5 }}
location_ids = {{ berlin = "2", leipzig = "3" }}  # a split may ship from Leipzig

[providers.stripe]
type = "stripe"
role = "payment"
base_url = "http://127.0.0.1:{stripe_port}"
credentials = {{ secret_key = "env:BENCH_STRIPE_KEY" }}
options = {{ multicapture = true }}

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


def start(script: str, port: int, url: str, headers: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", script, str(port), *args], cwd=ROOT, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            httpx.get(url, headers=headers, timeout=2).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the simulator behind {url} did not start")


def paid_order(i: int) -> dict[str, object]:
    address = {"first_name": "Kim", "last_name": f"Buyer {i}", "address_1": "Torstr. 1", "city": "Berlin",
               "postal_code": "10119", "country_code": "DE"}  # fmt: skip
    return {
        "external_id": f"B{i}",
        "currency": "EUR",
        "placed_at": datetime.now(UTC).isoformat(),
        "payment_status": "authorized",
        "payment_reference": f"pi_bench{i:07d}",
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
    bp_port, stripe_port = free_port(), free_port()
    bp_headers = {"brightpearl-app-ref": APP_REF, "brightpearl-account-token": TOKEN}
    bp_url = f"http://127.0.0.1:{bp_port}/public-api/omshub/warehouse-service/warehouse/2"
    warehouse = start(WAREHOUSE, bp_port, bp_url, bp_headers)
    stripe_url = f"http://127.0.0.1:{stripe_port}/v1/balance"
    processor = start(PROCESSOR, stripe_port, stripe_url, {"Authorization": f"Bearer {STRIPE_KEY}"}, str(args.orders))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            figures = run_hub(Path(tmp), bp_port, stripe_port, args.orders)
    finally:
        for proc in (warehouse, processor):
            proc.terminate()
            proc.wait(10)
    print(json.dumps({"benchmark": "dispatch", "orders": args.orders, **figures}))


def run_hub(tmp: Path, bp_port: int, stripe_port: int, orders: int) -> dict[str, object]:
    os.environ.update(BENCH_BP_APP=APP_REF, BENCH_BP_TOKEN=TOKEN, BENCH_STRIPE_KEY=STRIPE_KEY)
    config = tmp / "omshub.toml"
    config.write_text(CONFIG.format(db=tmp / "hub.db", port=bp_port, stripe_port=stripe_port), encoding="utf-8")
    hub = run.build_hub(str(config))
    migrate.upgrade(hub.engine)
    load_config_into_store(hub)
    clock = SystemClock()
    with hub.engine.begin() as conn:
        for sku in SKUS:
            stock_admin.set_stocked(conn, sku, "berlin", 10 * orders, clock.now())
    for start in range(0, orders, 250):
        ingest(hub.engine, "web", [paid_order(i) for i in range(start, min(start + 250, orders))], clock=clock)
    catalog = hub.catalog()
    dispatch, shipments = catalog.get("dispatch", None), catalog.get("pull-shipments", "bp")
    started, statuses, failures = time.perf_counter(), set(), 0
    while captured(hub) < orders and failures < 5 and time.perf_counter() - started < 3600:
        reports = [job.run(hub.runner(), trigger=Trigger.manual) for job in (dispatch, shipments)]
        statuses |= {report.status.value for report in reports}
        failures = failures + 1 if any(report.status.value == "failed" for report in reports) else 0
    elapsed = time.perf_counter() - started
    with hub.engine.connect() as conn:
        accepted = conn.exec_driver_sql(
            "SELECT o.created_at, r.updated_at FROM fulfillment_requests r JOIN orders o ON o.id = r.order_id"
            " WHERE r.status IN ('accepted', 'partially_shipped', 'shipped')"
        ).all()
        settled = conn.exec_driver_sql(
            "SELECT o.created_at, max(p.updated_at) FROM payment_operations p JOIN orders o ON o.id = p.order_id"
            " WHERE p.kind = 'capture' AND p.status = 'succeeded' GROUP BY o.id"
        ).all()
        ops = conn.exec_driver_sql("SELECT count(*) FROM payment_operations WHERE status = 'succeeded'").scalar_one()
    hub.close()
    to_accept, to_capture = _waits(accepted), _waits(settled)
    operations = len(accepted) + int(ops)
    return {
        "statuses": sorted(statuses),
        "requests_accepted": len(accepted),
        "payment_operations": int(ops),
        "orders_captured": len(settled),
        "seconds": round(elapsed, 2),
        "operations_per_s": round(operations / elapsed, 1),
        "p50_placed_to_accepted_s": _at(to_accept, 0.5),
        "p95_placed_to_accepted_s": _at(to_accept, 0.95),
        "p95_placed_to_captured_s": _at(to_capture, 0.95),
    }


def captured(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        query = "SELECT count(*) FROM orders WHERE payment_status = 'captured'"
        return int(conn.exec_driver_sql(query).scalar_one())


def _waits(rows: Sequence[Any]) -> list[float]:
    return sorted((_moment(done) - _moment(placed)).total_seconds() for placed, done in rows)


def _at(waits: list[float], share: float) -> float | None:
    return round(waits[min(int(len(waits) * share), len(waits) - 1)], 2) if waits else None


def _moment(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


if __name__ == "__main__":
    main()
