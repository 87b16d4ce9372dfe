"""An API over a hub on the `engine` fixture (SQLite, and PostgreSQL when configured), driven in process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from api.app import create_app
from cli.context import Hub, load_config_into_store
from config.settings import Config
from core import outbox, stock_admin
from core.outbox import OutboxRetry
from core.store.schema import outbox as outbox_table

OPERATOR_TOKEN = "operator-token-0123456789abcdef"
READ_TOKEN = "read-token-0123456789abcdef"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
READER = {"Authorization": f"Bearer {READ_TOKEN}"}

SETTINGS: dict[str, Any] = {
    "locations": {"berlin": {}, "leipzig": {}},
    "channels": {
        "webshop": {"locations": ["berlin", "leipzig"], "shortage_policy": "hold"},
        "pos": {"locations": ["berlin"]},
    },
    "api": {
        "max_body_bytes": 64 * 1024,
        "tokens": {
            "ops": {"token": SecretStr(OPERATOR_TOKEN), "scope": "operator"},
            "dashboard": {"token": SecretStr(READ_TOKEN), "scope": "read"},
        },
    },
}


@pytest.fixture
def hub(engine, clock) -> Hub:
    """Locations berlin and leipzig, import-only channels webshop and pos; 5 TEE and 2 MUG in berlin."""
    return _stocked(Hub(config=Config.model_validate(SETTINGS), engine=engine, clock=clock))


@pytest.fixture
def api(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub), headers=OPERATOR) as client:
        yield client


def canonical(external_id: str = "1001", *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A canonical order as a shop system would post it."""
    return {
        "external_id": external_id,
        "currency": "EUR",
        "placed_at": "2026-11-20T09:00:00+01:00",
        "lines": list(lines) or [item("TEE", 1)],
        **extra,
    }


def item(sku: str, quantity: int, unit_price: int = 2500, **extra: Any) -> dict[str, Any]:
    return {
        "line_id": extra.pop("line_id", sku),
        "sku": sku,
        "title": sku,
        "quantity": quantity,
        "unit_price": unit_price,
        **extra,
    }


def dead_letter(hub: Hub, order_id: int) -> int:
    """An outbox row about the order whose one allowed delivery failed."""
    now = hub.clock.now()
    with hub.engine.begin() as conn:
        event = outbox.Event("shipment.created", "order", str(order_id), {"channel": "webshop", "reference": "S1"})
        outbox.append(conn, [event], now)
        letter_id = int(conn.execute(select(func.max(outbox_table.c.id))).scalar_one())
        outbox.fail(conn, letter_id, "503 Service Unavailable from shop.example", now, OutboxRetry(max_attempts=1))
    return letter_id


def settle(api: TestClient) -> None:
    """Wait for the job runs the API started."""
    assert api.app.state.api.jobs.wait(timedelta(seconds=30))  # type: ignore[attr-defined]


SETTLED: dict[str, Any] = {
    **SETTINGS,
    "channels": {
        **SETTINGS["channels"],
        "webshop": {"locations": ["berlin"], "payments": {"processor": "cards", "capture": "manual"}},
    },
    "providers": {"cards": {"type": "stripe", "role": "payment", "base_url": "https://api.stripe.example"}},
}
"""The webshop's money is settled by the hub through the processor `cards`."""


@pytest.fixture
def settled(engine, clock) -> Hub:
    """As `hub`, with the webshop's money settled through `cards` (no connector is ever called)."""
    return _stocked(Hub(Config.model_validate(SETTLED), engine, clock, _connectors={}, _providers={}))


@pytest.fixture
def settled_api(settled: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(settled), headers=OPERATOR) as client:
        yield client


def _stocked(h: Hub) -> Hub:
    load_config_into_store(h)
    with h.engine.begin() as conn:
        stock_admin.set_stocked(conn, "TEE", "berlin", 5, h.clock.now())
        stock_admin.set_stocked(conn, "MUG", "berlin", 2, h.clock.now())
    return h
