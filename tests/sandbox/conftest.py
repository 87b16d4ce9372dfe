"""A simulated shop on a fixed clock, and httpx clients talking to its app through the ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from core.clock import FixedClock
from sandbox.shopify import DEFAULT_SCOPES, DEFAULT_TOKEN, CallLimit, Faults, OrderGenerator, ShopState, create_app

API = "/admin/api/2024-10"
AUTH = {"X-Shopify-Access-Token": DEFAULT_TOKEN}
ROOMY = CallLimit(size=100_000)  # most tests are not about throttling
Connect = Callable[..., httpx.AsyncClient]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def generator(clock: FixedClock) -> OrderGenerator:
    generator = OrderGenerator(ShopState(clock=clock.now), seed=7)
    generator.populate(60)
    return generator


@pytest.fixture
def shop(generator: OrderGenerator) -> ShopState:
    return generator.state


@pytest.fixture
async def connect(shop: ShopState) -> AsyncIterator[Connect]:
    """Open clients on an app over `shop`, with any `create_app` options; all are closed afterwards."""
    opened: list[httpx.AsyncClient] = []

    def open_client(
        *, faults: Faults | None = None, call_limit: CallLimit = ROOMY, scopes: Any = DEFAULT_SCOPES, **headers: str
    ) -> httpx.AsyncClient:
        app = create_app(shop, faults=faults, call_limit=call_limit, scopes=scopes)
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://shop.test", headers={**AUTH, **headers})
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        await client.aclose()


@pytest.fixture
def client(connect: Connect) -> httpx.AsyncClient:
    return connect()


async def walk(client: httpx.AsyncClient, path: str, params: dict[str, Any] | None = None) -> list[httpx.Response]:
    """Every page of a list, following `rel="next"` links verbatim."""
    pages = [await client.get(f"{API}/{path}", params=params)]
    while "next" in pages[-1].links:
        assert pages[-1].status_code == 200, pages[-1].text
        pages.append(await client.get(pages[-1].links["next"]["url"]))
    return pages


def ids(pages: list[httpx.Response], root: str = "orders") -> list[int]:
    return [item["id"] for page in pages for item in page.json()[root]]
