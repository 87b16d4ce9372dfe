"""Run the Shopify sandbox on 127.0.0.1: in the foreground (`serve`) or in background threads (`start`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

import uvicorn
from fastapi import FastAPI

from sandbox.brightpearl import BrightpearlGenerator, BrightpearlState, build_brightpearl
from sandbox.medusa import MedusaGenerator, MedusaState, build_medusa
from sandbox.shopify import DEFAULT_TOKEN, PROFILES, CallLimit, Faults, OrderGenerator, ShopState, create_app
from sandbox.shopify.state import Clock
from sandbox.stripe import StripeState, build_stripe
from sandbox.woocommerce import WooGenerator, WooState, build_woocommerce

LOOPBACK = ("127.0.0.1", "localhost", "::1")
G = TypeVar("G")
S = TypeVar("S")
API_VERSION = "2024-10"


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RunningSandbox:
    """A sandbox serving in background threads. `stop()` ends it; it is safe to call twice."""

    base_url: str  # http://127.0.0.1:PORT ; the API lives under /admin/api/{version}/
    token: str
    state: ShopState
    generator: OrderGenerator
    stop: Callable[[], None]

    def api_url(self, version: str = API_VERSION) -> str:
        return f"{self.base_url}/admin/api/{version}"


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    seed: int = 0,
    orders: int = 200,
    rate: float = 0.0,
    faults: Faults | None = None,
    token: str = DEFAULT_TOKEN,
    profile: str = "quebec",
    call_limit: CallLimit = CallLimit(),
) -> None:
    """Serve a simulated Shopify shop until interrupted (Ctrl-C).

    host: a loopback address only (127.0.0.1, localhost, ::1); port 0 picks a free port.
    seed: makes the catalogue, the order history and the fault draws repeatable.
    orders: orders created at start, spread over the 30 days before now.
    rate: events per second afterwards (mostly new orders, some payments, fulfilments, refunds,
        edits and cancellations of earlier ones); 0 keeps the shop still.
    faults: injected 429s, 500s, slow and malformed responses (see `Faults`).
    token: the `X-Shopify-Access-Token` the shop accepts.
    profile: "quebec" (CAD, taxes added, GST+QST) or "berlin" (EUR, taxes included).
    call_limit: the leaky bucket (40 calls, 2 per second on a standard plan; Plus shops get more).
    """
    if host not in LOOPBACK:
        raise ValueError(f"the sandbox only listens on a loopback address ({', '.join(LOOPBACK)}), not {host!r}")
    app, generator = _build(
        seed=seed, orders=orders, faults=faults, token=token, profile=profile, clock=wall_clock, call_limit=call_limit
    )
    feed = _Feed(generator.tick, rate)
    feed.start()
    try:
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, lifespan="off")).run()
    finally:
        feed.stop()


def start(
    *,
    port: int = 0,
    seed: int = 0,
    orders: int = 200,
    rate: float = 0.0,
    faults: Faults | None = None,
    token: str = DEFAULT_TOKEN,
    profile: str = "quebec",
    clock: Clock = wall_clock,
) -> RunningSandbox:
    """Start the sandbox on 127.0.0.1 in background threads and return once it accepts connections.

    Takes the same settings as `serve`; `clock` lets tests fix the shop's time and its call-limit bucket.
    """
    app, generator = _build(seed=seed, orders=orders, faults=faults, token=token, profile=profile, clock=clock)
    served = serve_in_background(app, port=port, tick=generator.tick, rate=rate)
    return RunningSandbox(served.base_url, token, generator.state, generator, served.stop)


@dataclass(frozen=True)
class Served:
    base_url: str
    stop: Callable[[], None]
    """Stops the feed and the server; safe to call twice."""


def serve_in_background(
    app: FastAPI, *, port: int = 0, tick: Callable[[], object] = lambda: None, rate: float = 0.0
) -> Served:
    """Serve any simulator app on 127.0.0.1 in a background thread, with `rate` calls of `tick` per second."""
    # With the protocol named, asyncio sets TCP_NODELAY on each connection: no 40 ms wait per small response.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="sandbox-http", daemon=True)
    thread.start()
    _wait_until_started(server, thread)
    feed = _Feed(tick, rate)
    feed.start()

    def stop() -> None:
        feed.stop()
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()

    return Served(f"http://127.0.0.1:{listener.getsockname()[1]}", stop)


@dataclass(frozen=True)
class RunningSimulator(Generic[G, S]):
    """A simulator serving in background threads: its generator (to place orders and change them) and
    state (what the shop holds), until `stop()`."""

    base_url: str
    generator: G
    state: S
    stop: Callable[[], None]


RunningMedusa = RunningSimulator[MedusaGenerator, MedusaState]
"""API key and admin login: see sandbox.medusa."""
RunningWooCommerce = RunningSimulator[WooGenerator, WooState]
"""API under /wp-json/wc/v3; keys: see sandbox.woocommerce."""


class Simulator(Protocol):
    def __call__(
        self, *, clock: Clock, seed: int, orders: int, stock: int | Mapping[str, int], faults: Faults | None
    ) -> tuple[FastAPI, Any]: ...


def start_simulator(
    build: Simulator,
    *,
    port: int = 0,
    seed: int = 0,
    orders: int = 0,
    rate: float = 0.0,
    stock: int | Mapping[str, int] = 20,
    clock: Clock = wall_clock,
    faults: Faults | None = None,
) -> RunningSimulator[Any, Any]:
    """Build a simulator (`build_woocommerce`, `build_medusa`) and serve it on 127.0.0.1; returns once it
    accepts connections."""
    app, generator = build(clock=clock, seed=seed, orders=orders, stock=stock, faults=faults)
    served = serve_in_background(app, port=port, tick=generator.tick, rate=rate)
    return RunningSimulator(served.base_url, generator, generator.state, served.stop)


def start_medusa(**settings: Any) -> RunningMedusa:
    """The Medusa simulator on 127.0.0.1 (settings as for `start_simulator`)."""
    return start_simulator(build_medusa, **settings)


def start_woocommerce(**settings: Any) -> RunningWooCommerce:
    """The WooCommerce simulator on 127.0.0.1 (settings as for `start_simulator`)."""
    return start_simulator(build_woocommerce, **settings)


RunningBrightpearl = RunningSimulator[BrightpearlGenerator, BrightpearlState]
"""Account "omshub" under /public-api/omshub/; app ref and token: see sandbox.brightpearl."""
RunningStripe = RunningSimulator[None, StripeState]
"""The API under /v1; secret key: see sandbox.stripe."""


def start_brightpearl(
    *, port: int = 0, rate: float = 0.0, clock: Clock = wall_clock, **settings: Any
) -> RunningBrightpearl:
    """The Brightpearl simulator on 127.0.0.1, its warehouse shipping `rate` times per second (settings as for
    `build_brightpearl`)."""
    app, generator = build_brightpearl(clock=clock, **settings)
    served = serve_in_background(app, port=port, tick=generator.tick, rate=rate)
    return RunningSimulator(served.base_url, generator, generator.state, served.stop)


def start_stripe(*, port: int = 0, clock: Clock = wall_clock, **settings: Any) -> RunningStripe:
    """The Stripe simulator on 127.0.0.1 (settings as for `build_stripe`)."""
    app, state = build_stripe(clock=clock, **settings)
    served = serve_in_background(app, port=port)
    return RunningSimulator(served.base_url, None, state, served.stop)


def _build(
    *,
    seed: int,
    orders: int,
    faults: Faults | None,
    token: str,
    profile: str,
    clock: Clock,
    call_limit: CallLimit = CallLimit(),
) -> tuple[FastAPI, OrderGenerator]:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    state = ShopState(clock=clock, profile=PROFILES[profile])
    generator = OrderGenerator(state, seed=seed)
    generator.populate(orders)
    return create_app(state, faults=faults, token=token, call_limit=call_limit), generator


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox HTTP server did not start")
        time.sleep(0.01)


class _Feed:
    """A thread that lets the shop live: `rate` events (calls of `tick`) per second until stopped."""

    def __init__(self, tick: Callable[[], object], rate: float) -> None:
        self._tick = tick
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-orders", daemon=True)

    def start(self) -> None:
        if self._interval:
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            self._tick()
