"""End to end: an order captured at placement whose authorization lapsed in the Stripe simulator; the hub puts
it on requires_action and tells its channel, once, over real HTTP on 127.0.0.1: the WooCommerce simulator gets a
private note and the order on hold, the Shopify one a tag and a note line, the Medusa one the order's metadata.
Replaying the dead capture tries Stripe again and tells the channel nothing new."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.medusa import DEFAULT_API_KEY
from sandbox.server import RunningStripe, start, start_medusa, start_stripe, start_woocommerce
from sandbox.shopify import DEFAULT_TOKEN
from sandbox.stripe import DEFAULT_SECRET_KEY
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET
from tests.e2e.support import Call, hub_cli

SKU = "MUG-EMA-WHT"
TOTAL = 5000


@dataclass
class Channel:
    """A channel simulator: its configuration, the id of one of its orders, and what it shows of that order."""

    section: str
    env: dict[str, str]
    external_id: str
    shows: Callable[[], Any]
    stop: Callable[[], None]


def woocommerce() -> Channel:
    shop = start_woocommerce(seed=4, stock={SKU: 9})
    placed = shop.generator.place_order({SKU: 1})
    order_id = int(placed["id"])

    def shows() -> Any:
        order = shop.state.order(order_id)
        ours = [n["note"] for n in shop.state.notes(order_id) if "cap-1-1" in n["note"] and not n["customer_note"]]
        return None if order is None else (order["status"], ours)

    section = f'type = "woocommerce"\nbase_url = "{shop.base_url}"\n'
    section += 'credentials = { consumer_key = "env:WOO_KEY", consumer_secret = "env:WOO_SECRET" }\n'
    env = {"WOO_KEY": DEFAULT_KEY, "WOO_SECRET": DEFAULT_SECRET}
    return Channel(section, env, str(order_id), shows, shop.stop)


def shopify() -> Channel:
    shop = start(orders=20, seed=7)
    order_id = next(order["id"] for _, order in shop.state.orders() if order["cancelled_at"] is None)

    def shows() -> Any:
        order = shop.state.order(order_id) or {}
        return order.get("tags"), (order.get("note") or "").count("cap-1-1")

    section = f'type = "shopify"\nbase_url = "{shop.base_url}"\ncredentials = {{ access_token = "env:SHOP_TOKEN" }}\n'
    return Channel(section, {"SHOP_TOKEN": DEFAULT_TOKEN}, str(order_id), shows, shop.stop)


def medusa() -> Channel:
    backend = start_medusa(seed=5, stock={SKU: 6})
    placed = backend.generator.place_order({SKU: 1})

    def shows() -> Any:
        return backend.state.orders[placed["id"]].metadata

    section = f'type = "medusa"\nbase_url = "{backend.base_url}"\ncredentials = {{ api_key = "env:MEDUSA_KEY" }}\n'
    return Channel(section, {"MEDUSA_KEY": DEFAULT_API_KEY}, placed["id"], shows, backend.stop)


@pytest.fixture
def stripe() -> Iterator[RunningStripe]:
    running = start_stripe()
    yield running
    running.stop()


@pytest.fixture(params=[woocommerce, shopify, medusa], ids=["woocommerce", "shopify", "medusa"])
def channel(request: pytest.FixtureRequest) -> Iterator[Channel]:
    made: Channel = request.param()
    yield made
    made.stop()


def authorize(stripe: RunningStripe) -> str:
    form = {"amount": str(TOTAL), "currency": "eur", "capture_method": "manual", "confirm": "true"}
    form["payment_method"] = "pm_card_visa"
    auth = {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"}
    answer = httpx.post(f"{stripe.base_url}/v1/payment_intents", data=form, headers=auth)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def make_hub(channel: Channel, stripe: RunningStripe, folder: Path, monkeypatch, capsys) -> Call:
    config = f"""
[channels.shop]
{channel.section}locations = ["berlin"]
payments = {{ processor = "stripe", capture = "on_placement" }}

[providers.stripe]
type = "stripe"
role = "payment"
base_url = "{stripe.base_url}"
credentials = {{ secret_key = "env:STRIPE_KEY" }}
"""
    env = {**channel.env, "STRIPE_KEY": DEFAULT_SECRET_KEY}
    return hub_cli(folder, config, env=env, stock=f"{SKU},berlin,10\n", monkeypatch=monkeypatch, capsys=capsys)


def run_json(hub: Call, *args: str) -> Any:
    code, out, err = hub(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_a_lapsed_authorization_is_told_to_the_channel_once(channel, stripe, tmp_path, monkeypatch, capsys):
    hub = make_hub(channel, stripe, tmp_path, monkeypatch, capsys)
    pi = authorize(stripe)
    placed = {
        "external_id": channel.external_id,
        "payment_status": "authorized",
        "payment_reference": pi,
        "currency": "EUR",
        "placed_at": "2026-11-20T09:14:03+01:00",
        "lines": [{"line_id": "l1", "sku": SKU, "title": "Enamel mug", "quantity": 2, "unit_price": TOTAL // 2}],
    }
    (tmp_path / "order.json").write_text(json.dumps(placed), encoding="utf-8")
    code, _out, err = hub("orders", "import", str(tmp_path / "order.json"), "--channel", "shop")
    assert code == 0, err
    stripe.state.expire_authorization(pi)

    run_json(hub, "jobs", "run", "dispatch")
    shown = channel.shows()
    order = run_json(hub, "orders", "show", f"shop:{channel.external_id}")
    assert order["status"] == "requires_action" and "authorization expired before cap-1-1" in order["hold_reason"]
    [letter] = run_json(hub, "dlq", "list")
    assert letter["topic"] == "payment.operation_requested"

    code, _out, err = hub("dlq", "replay", str(letter["id"]))
    assert code == 0, err
    run_json(hub, "jobs", "run", "dispatch")
    assert channel.shows() == shown, "the replayed capture lapsed again; the channel was told nothing new"
    assert stripe.state.calls.get("POST /v1/payment_intents/{id}/capture") is None  # lapsed: never sent
    if "woocommerce" in channel.section:
        assert shown[0] == "on-hold" and len(shown[1]) == 1 and "authorization was canceled" in shown[1][0]
    elif "shopify" in channel.section:
        assert shown[0].endswith("payment-failed") and shown[1] == 1
    else:
        assert "cap-1-1" in shown["omshub_payment_failed"]
