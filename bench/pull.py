"""Pull orders from the Shopify sandbox through the real connector, mapper and intake into SQLite.

    python bench/pull.py [--orders 20000] [--page-size 250]

The sandbox runs in its own process (so its memory is not counted) on 127.0.0.1, with a Plus-sized
call limit (bucket 400, 20 calls/s; a standard plan's 2 calls/s caps any client near 500 orders/s); the hub pulls
every order with the pull-orders job through the runner into a fresh SQLite file. Prints one JSON
line: orders/s over the run, peak RSS of the hub process in MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

import run  # noqa: E402
from cli.context import load_config_into_store  # noqa: E402
from config.runtime import tune_runtime  # noqa: E402
from core.runs import Trigger  # noqa: E402
from core.store import migrate  # noqa: E402

TOKEN = "shpat_bench_token"
CONFIG = """
[hub]
database_url = "sqlite:///{db}"
log_format = "json"

[locations.berlin]
[locations.leipzig]

[channels.shop]
type = "shopify"
base_url = "http://127.0.0.1:{port}"
credentials = {{ access_token = "env:BENCH_SHOP_TOKEN" }}
locations = ["berlin", "leipzig"]
location_ids = {{ berlin = "61728104729", leipzig = "61728209458" }}
shortage_policy = "backorder"
options = {{ page_size = {page_size}, leak_rate = 20 }}

[channels.shop.jobs.pull-orders]
start = "2000-01-01T00:00:00Z"
deadline = "1h"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sandbox(port: int, orders: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        str(ROOT / "run.py"),
        "sandbox",
        "--port",
        str(port),
        "--orders",
        str(orders),
        "--rate",
        "0",
        "--bucket",
        "400",
        "--leak-rate",
        "20",
        "--seed",
        "1",
        "--token",
        TOKEN,
    ]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            httpx.get(
                f"http://127.0.0.1:{port}/admin/api/2024-10/locations.json",
                headers={"X-Shopify-Access-Token": TOKEN},
                timeout=2,
            ).raise_for_status()
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise RuntimeError("the sandbox exited during start-up") from None
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the sandbox did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=250)
    args = parser.parse_args()
    port = free_port()
    sandbox = start_sandbox(port, args.orders)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["BENCH_SHOP_TOKEN"] = TOKEN
            config = Path(tmp) / "omshub.toml"
            config.write_text(CONFIG.format(db=Path(tmp) / "hub.db", port=port, page_size=args.page_size))
            hub = run.build_hub(str(config))
            migrate.upgrade(hub.engine)
            load_config_into_store(hub)
            job = hub.catalog().get("pull-orders", "shop")
            tune_runtime()
            started = time.perf_counter()
            report = hub.runner().run(
                job.key, job.work, trigger=Trigger.manual, deadline=job.schedule.deadline, bookmark=job.bookmark()
            )
            elapsed = time.perf_counter() - started
            hub.close()
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    counts = report.counts
    print(
        json.dumps(
            {
                "benchmark": "pull",
                "orders": args.orders,
                "status": report.status.value,
                "fetched": counts.fetched,
                "created": counts.created,
                "quarantined": counts.quarantined,
                "seconds": round(elapsed, 2),
                "orders_per_s": round(counts.fetched / elapsed),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
