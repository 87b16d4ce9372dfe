"""Post synthetic orders to a running `omshub serve` through POST /orders/batch; print one JSON line.

    python bench/api.py [--orders 20000] [--batch 500] [--skus 2000]

The orders are bench/ingest.py's (three lines, one channel reserving from two locations). First the same
orders go through the direct intake in this process (pages of 250, as the API takes them) into a fresh SQLite
file, timed as bench/ingest.py times it. Then `omshub serve` starts in its own process on 127.0.0.1 (a free
port) over another fresh, migrated SQLite file, with a temporary configuration holding one operator token; once
/readyz answers, one httpx client (keep-alive) posts the batches one after another, each a JSON body made before
the clock starts; the server is stopped by its pid. Figures: orders/s through the API (wall time of the posts)
and per second of the server's CPU time, the direct orders/s and per CPU second, and the API's rates as shares
of the direct ones (the CPU-time share is the steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.ingest import per_location, prepare, synthetic_order, timed_intake  # noqa: E402
from bench.pull import free_port  # noqa: E402
from config.runtime import tune_runtime  # noqa: E402

PAGE = 250
"""Orders per transaction, in the direct intake as in the API's."""
TOKEN = "bench-api-token-0123456789abcdef"
CONFIG = """
[hub]
database_url = "sqlite:///{db}"
log_format = "json"

[locations.first]
name = "First"
[locations.second]
name = "Second"

[channels.bench]
locations = ["first", "second"]

[api]
bind = "127.0.0.1:{port}"
tokens = {{ bench = {{ token = "env:BENCH_API_TOKEN", scope = "operator" }} }}
"""


def direct_rates(folder: Path, orders: list[dict[str, Any]], skus: int) -> tuple[float, float]:
    """Orders per second and per CPU second through the intake in this process, pages of `PAGE`, as
    bench/ingest.py measures them."""
    engine = prepare(f"sqlite:///{folder / 'direct.db'}", skus, per_location(len(orders), skus))
    pages = (orders[first : first + PAGE] for first in range(0, len(orders), PAGE))
    created, elapsed, cpu = timed_intake(engine, pages)
    engine.dispose()
    if created != len(orders):
        raise RuntimeError(f"the direct intake created {created} of {len(orders)} orders")
    return created / elapsed, created / cpu


@contextmanager
def server(folder: Path, skus: int, orders: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`omshub serve` over a fresh, stocked SQLite file; yields its base URL and process, stops it on the way out."""
    prepare(f"sqlite:///{folder / 'api.db'}", skus, per_location(orders, skus)).dispose()
    port = free_port()
    config = folder / "omshub.toml"
    config.write_text(CONFIG.format(db=folder / "api.db", port=port), encoding="utf-8")
    log = (folder / "serve.log").open("wb")
    command = [sys.executable, str(ROOT / "run.py"), "--config", str(config), "serve"]
    proc = subprocess.Popen(command, env={**os.environ, "BENCH_API_TOKEN": TOKEN}, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, folder / "serve.log")
        yield base, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"omshub serve exited during start-up:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("omshub serve was not ready within 60 s")


def post_all(base: str, bodies: list[bytes]) -> tuple[int, float]:
    """Post every batch over one keep-alive connection; (orders created, seconds)."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    created = 0
    with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
        started = time.perf_counter()
        for body in bodies:
            answer = client.post("/orders/batch", params={"channel": "bench"}, content=body)
            answer.raise_for_status()
            created += int(answer.json()["created"])
        return created, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="orders per request (at most 1,000)")
    parser.add_argument("--skus", type=int, default=2000)
    args = parser.parse_args()
    orders = [synthetic_order(n, args.skus) for n in range(args.orders)]
    bodies = [json.dumps(orders[i : i + args.batch]).encode() for i in range(0, args.orders, args.batch)]
    tune_runtime()  # as run.py does for the hub process (the server's included)
    with tempfile.TemporaryDirectory() as tmp:
        direct, direct_cpu = direct_rates(Path(tmp), orders, args.skus)
        with server(Path(tmp), args.skus, args.orders) as (base, proc):
            cpu_before = cpu_seconds(proc.pid)
            created, elapsed = post_all(base, bodies)
            server_cpu = cpu_seconds(proc.pid) - cpu_before
    rate, rate_cpu = created / elapsed, created / server_cpu
    print(
        json.dumps(
            {
                "benchmark": "api",
                "store": "sqlite",
                "orders": args.orders,
                "created": created,
                "batch": args.batch,
                "requests": len(bodies),
                "api_seconds": round(elapsed, 2),
                "api_orders_per_s": round(rate),
                "api_orders_per_server_cpu_s": round(rate_cpu),
                "direct_orders_per_s": round(direct),
                "direct_orders_per_cpu_s": round(direct_cpu),
                "api_share_of_direct": round(rate / direct, 2),
                "api_share_of_direct_cpu": round(rate_cpu / direct_cpu, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
