"""The sandbox as a real HTTP server on 127.0.0.1, started and stopped from a test."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from core.clock import FixedClock
from sandbox.server import RunningSandbox, serve, start


@pytest.fixture
def sandbox(clock: FixedClock) -> Iterator[RunningSandbox]:
    running = start(seed=3, orders=60, clock=clock.now)
    yield running
    running.stop()


def test_start_serves_on_loopback_at_a_free_port_and_links_point_back_to_it(sandbox):
    headers = {"X-Shopify-Access-Token": sandbox.token}
    with httpx.Client(headers=headers, timeout=5) as client:
        pages = [client.get(f"{sandbox.api_url()}/orders.json", params={"status": "any", "limit": 25})]
        while "next" in pages[-1].links:
            pages.append(client.get(pages[-1].links["next"]["url"]))

    assert sandbox.base_url.startswith("http://127.0.0.1:") and not sandbox.base_url.endswith(":0")
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert sum(len(p.json()["orders"]) for p in pages) == 60
    assert pages[0].links["next"]["url"].startswith(sandbox.api_url())


def test_stop_closes_the_port(clock):
    running = start(orders=1, clock=clock.now)
    running.stop()

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.api_url()}/locations.json", timeout=1)


def test_the_order_feed_keeps_adding_orders_while_it_runs():
    running = start(orders=0, rate=200)
    try:
        deadline = time.monotonic() + 5
        while len(running.state.orders()) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        running.stop()

    assert len(running.state.orders()) >= 5


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_serve_refuses_to_listen_beyond_loopback(host):
    with pytest.raises(ValueError, match="loopback"):
        serve(host=host, orders=0)


def test_an_unknown_profile_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="quebec, berlin"):
        start(profile="atlantis")
