"""`POST /webhooks/{channel}` against the Shopify and WooCommerce simulators over real HTTP on 127.0.0.1: deliveries
signed over their exact bytes, refused when signed otherwise, handled once, and only ever a hint to fetch the order
again from the shop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from api.app import create_app
from api.webhooks import PER_LOOKUP, Refetches, serve
from cli.context import Hub, load_config_into_store
from config.settings import Config
from connectors.base import WebhookReceiver
from connectors.registry import connector_types
from core import bookmarks, stock_admin, webhooks
from core.runs import Trigger
from core.store.schema import orders, webhook_deliveries
from core.webhooks import Delivery
from sandbox.server import RunningSandbox, RunningWooCommerce, start, start_woocommerce
from sandbox.shopify import Faults
from sandbox.shopify.responses import json_response
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET
from tests.api.conftest import READER, SETTINGS

SHOP_SECRET = "shpss_0123456789abcdef0123456789abcdef"
WOO_SECRET = "woo webhook secret: 0123456789"
SKUS = ("MUG-EMA-WHT", "TEA-SEN-100")


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def as_sent(payload: dict[str, Any]) -> bytes:
    """The JSON bytes the simulators answer for this resource (both shops send the REST representation)."""
    return bytes(json_response(payload).body)


def shopify_delivery(
    order: dict[str, Any], delivery_id: str, *, topic: str = "orders/updated", secret: str = SHOP_SECRET
) -> dict[str, Any]:
    """What Shopify posts: the order's JSON and its headers, signed over the exact bytes sent."""
    body = as_sent(order)
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": "shop-berlin.myshopify.com",
        "X-Shopify-API-Version": "2024-10",
        "X-Shopify-Webhook-Id": delivery_id,
    }
    return {"content": body, "headers": headers}


def woo_delivery(
    payload: dict[str, Any], delivery_id: str, *, topic: str = "order.updated", secret: str = WOO_SECRET
) -> dict[str, Any]:
    """What WooCommerce posts: the resource's JSON and its headers, signed over the exact bytes sent."""
    body = as_sent(payload)
    resource, _, event = topic.partition(".")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
        "X-WC-Webhook-Source": "https://woo.example/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": sign(body, secret),
        "X-WC-Webhook-ID": "3",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }
    return {"content": body, "headers": headers}


@pytest.fixture
def shop(clock) -> Iterator[RunningSandbox]:
    sandbox = start(orders=0, seed=3, profile="berlin", clock=clock.now)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def woo(clock) -> Iterator[RunningWooCommerce]:
    site = start_woocommerce(seed=4, stock={sku: 9 for sku in SKUS}, clock=clock.now)
    yield site
    site.stop()


def shopify_channel(shop: RunningSandbox, **extra: Any) -> dict[str, Any]:
    return {
        "type": "shopify",
        "base_url": shop.base_url,
        "credentials": {"access_token": SecretStr(shop.token)},
        "locations": ["berlin", "leipzig"],
        "shortage_policy": "backorder",
        "jobs": {"pull-orders": {"start": "2000-01-01T00:00:00Z"}},
        **extra,
    }


def hub_with(engine, clock, channels: dict[str, Any]) -> Hub:
    h = Hub(
        config=Config.model_validate({**SETTINGS, "channels": channels}),
        engine=engine,
        clock=clock,
        types=connector_types(),
    )
    load_config_into_store(h)
    with engine.begin() as conn:
        for sku in SKUS:
            stock_admin.set_stocked(conn, sku, "berlin", 5, clock.now())
    return h


@pytest.fixture
def hub(engine, clock, shop, woo) -> Hub:
    """Channels shop (Shopify) and woo (WooCommerce) with webhook secrets; shop-unsigned without one; store
    (Medusa) and the import-only webshop; 5 of each SKU in berlin."""
    return hub_with(
        engine,
        clock,
        {
            "shop": shopify_channel(shop, webhook_secret=SecretStr(SHOP_SECRET)),
            "shop-unsigned": shopify_channel(shop),
            "woo": {
                "type": "woocommerce",
                "base_url": woo.base_url,
                "credentials": {"consumer_key": SecretStr(DEFAULT_KEY), "consumer_secret": SecretStr(DEFAULT_SECRET)},
                "webhook_secret": SecretStr(WOO_SECRET),
                "locations": ["berlin"],
                "shortage_policy": "backorder",
            },
            "store": {
                "type": "medusa",
                "base_url": "http://127.0.0.1:9",
                "credentials": {"api_key": SecretStr("sk_unused")},
                "locations": ["berlin"],
            },
            "webshop": {"locations": ["berlin"]},
        },
    )


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    """The API without a bearer token, as a shop calls it."""
    with TestClient(create_app(hub)) as c:
        yield c


def order_in_hub(client: TestClient, channel: str, external_id: object) -> dict[str, Any]:
    answer = client.get(f"/orders/{channel}:{external_id}", headers=READER)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def orders_in_hub(hub: Hub) -> list[tuple[str, str, str]]:
    with hub.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(orders.c.channel, orders.c.external_id, orders.c.status))]


def delivery(hub: Hub, channel: str, delivery_id: str) -> dict[str, Any] | None:
    wd = webhook_deliveries.c
    with hub.engine.connect() as conn:
        row = conn.execute(select(webhook_deliveries).where(wd.channel == channel, wd.delivery_id == delivery_id))
        found = row.mappings().one_or_none()
    return None if found is None else dict(found)


def metric(client: TestClient, name: str, **labels: str) -> float:
    text = client.get("/metrics", headers=READER).text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


# Shopify


def test_a_signed_shopify_delivery_fetches_the_order_from_the_shop_and_takes_it_in(client, hub, shop):
    placed = shop.generator.buy({"MUG-EMA-WHT": 2})
    answer = client.post("/webhooks/shop", **shopify_delivery(placed, "7a1c4f0e-0001", topic="orders/create"))
    assert answer.status_code == 202
    assert answer.json() == {
        "outcome": "accepted",
        "delivery_id": "7a1c4f0e-0001",
        "topic": "orders/create",
        "external_id": str(placed["id"]),
    }
    order = order_in_hub(client, "shop", placed["id"])
    assert order["display_number"] == placed["name"] and [ln["quantity"] for ln in order["lines"]] == [2]
    assert order["reservations"] and order["reservations"][0]["sku"] == "MUG-EMA-WHT"
    recorded = delivery(hub, "shop", "7a1c4f0e-0001")
    assert recorded is not None and (recorded["outcome"], recorded["attempts"]) == ("created", 1)
    assert recorded["external_id"] == str(placed["id"]) and recorded["finished_at"] is not None
    assert metric(client, "omshub_api_webhooks_total", channel="shop", outcome="accepted") == 1
    assert metric(client, "omshub_api_webhook_refetches_total", channel="shop", result="created") == 1
    with hub.engine.connect() as conn:
        assert bookmarks.load(conn, "shop", "orders") is None, "the pull's bookmark is left alone"


def test_a_shopify_delivery_signed_otherwise_is_refused_401_counted_and_changes_nothing(client, hub, shop):
    placed = shop.generator.buy({"MUG-EMA-WHT": 1})
    good = shopify_delivery(placed, "7a1c4f0e-0002")
    unsigned = {k: v for k, v in good["headers"].items() if k != "X-Shopify-Hmac-Sha256"}
    attempts = [
        shopify_delivery(placed, "7a1c4f0e-0002", secret="another app's secret"),
        {"content": good["content"].replace(b'"name":"', b'"name":"X'), "headers": good["headers"]},
        {"content": good["content"], "headers": unsigned},
    ]
    for attempt in attempts:
        answer = client.post("/webhooks/shop", **attempt)
        assert answer.status_code == 401
        assert "X-Shopify-Hmac-Sha256" in answer.json()["detail"]
        assert "channels.shop.webhook_secret" in answer.json()["detail"]
    assert orders_in_hub(hub) == [] and delivery(hub, "shop", "7a1c4f0e-0002") is None
    assert metric(client, "omshub_api_webhooks_total", channel="shop", outcome="bad_signature") == 3
    assert client.post("/webhooks/shop", **good).status_code == 202, "the same delivery, signed right, is taken"


def test_a_redelivered_shopify_delivery_is_answered_200_and_not_handled_again(client, hub, shop, clock):
    placed = shop.generator.buy({"MUG-EMA-WHT": 1})
    assert client.post("/webhooks/shop", **shopify_delivery(placed, "7a1c4f0e-0003")).status_code == 202
    before = order_in_hub(client, "shop", placed["id"])["status"]
    clock.advance(timedelta(minutes=1))
    shop.generator.change(placed["id"], "cancel")
    again = client.post("/webhooks/shop", **shopify_delivery(placed, "7a1c4f0e-0003"))
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert order_in_hub(client, "shop", placed["id"])["status"] == before != "canceled", "not fetched again"
    recorded = delivery(hub, "shop", "7a1c4f0e-0003")
    assert recorded is not None and (recorded["outcome"], recorded["attempts"]) == ("created", 1)
    assert metric(client, "omshub_api_webhooks_total", channel="shop", outcome="duplicate") == 1
    later = client.post("/webhooks/shop", **shopify_delivery(placed, "7a1c4f0e-0004", topic="orders/cancelled"))
    assert later.status_code == 202 and order_in_hub(client, "shop", placed["id"])["status"] == "canceled"
    assert metric(client, "omshub_api_webhook_refetches_total", channel="shop", result="updated") == 1


def test_an_old_delivery_changes_nothing_the_pull_would_not(client, hub, shop, clock):
    placed = shop.generator.buy({"MUG-EMA-WHT": 3})
    clock.advance(timedelta(minutes=1))
    shop.generator.change(placed["id"], "cancel")
    late = client.post("/webhooks/shop", **shopify_delivery(placed, "7a1c4f0e-0005", topic="orders/create"))
    assert late.status_code == 202
    order = order_in_hub(client, "shop", placed["id"])
    assert order["status"] == "canceled" and order["reservations"] == [], "the shop's order now, not the body's"
    report = hub.catalog().get("pull-orders", "shop").run(hub.runner(), trigger=Trigger.manual)
    assert (report.counts.fetched, report.counts.created, report.counts.updated) == (1, 0, 0)
    older = client.post("/webhooks/shop", **shopify_delivery(placed, "7a1c4f0e-0006", topic="orders/create"))
    assert older.status_code == 202
    recorded = delivery(hub, "shop", "7a1c4f0e-0006")
    assert recorded is not None and recorded["outcome"] == "unchanged"


def test_a_delivery_about_an_order_the_shop_no_longer_returns_changes_nothing(client, hub):
    answer = client.post("/webhooks/shop", **shopify_delivery({"id": 5612000999999}, "7a1c", topic="orders/delete"))
    assert answer.status_code == 202 and answer.json()["external_id"] == "5612000999999"
    recorded = delivery(hub, "shop", "7a1c")
    assert recorded is not None and recorded["outcome"] == "missing"
    assert orders_in_hub(hub) == []
    assert metric(client, "omshub_api_webhook_refetches_total", channel="shop", result="missing") == 1


def test_a_delivery_about_no_order_is_answered_200_and_ignored(client, hub):
    product = {"id": 8104000000001, "title": "Enamel mug", "variants": []}
    answer = client.post("/webhooks/shop", **shopify_delivery(product, "7a1c-p", topic="products/update"))
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"
    assert delivery(hub, "shop", "7a1c-p") is None
    assert metric(client, "omshub_api_webhooks_total", channel="shop", outcome="ignored") == 1


def test_a_failed_refetch_is_recorded_and_counted_and_handled_when_the_shop_sends_it_again(engine, clock):
    flaky = start(orders=0, seed=3, profile="berlin", clock=clock.now, faults=Faults(fail_on={1: 500}))
    try:
        channel = shopify_channel(flaky, webhook_secret=SecretStr(SHOP_SECRET), options={"max_attempts": 1})
        hub = hub_with(engine, clock, {"shop": channel})
        placed = flaky.generator.buy({"TEA-SEN-100": 1})
        with TestClient(create_app(hub)) as client:
            first = client.post("/webhooks/shop", **shopify_delivery(placed, "7a1c4f0e-0007"))
            assert first.status_code == 202, "the shop is answered; the pull will catch up"
            recorded = delivery(hub, "shop", "7a1c4f0e-0007")
            assert recorded is not None and recorded["outcome"] == "failed" and "answered 500" in recorded["error"]
            assert orders_in_hub(hub) == []
            assert metric(client, "omshub_api_webhook_refetches_total", channel="shop", result="failed") == 1
            again = client.post("/webhooks/shop", **shopify_delivery(placed, "7a1c4f0e-0007"))
            assert again.status_code == 202 and again.json()["outcome"] == "accepted"
            recorded = delivery(hub, "shop", "7a1c4f0e-0007")
            assert recorded is not None and (recorded["outcome"], recorded["attempts"], recorded["error"]) == (
                "created",
                2,
                None,
            )
    finally:
        flaky.stop()


@pytest.mark.parametrize(
    ("channel", "says"),
    [
        ("nowhere", "channel 'nowhere' is not configured; add [channels.nowhere]"),
        ("webshop", "channel 'webshop' takes no webhooks: its connector (none: import-only) has no webhooks"),
        ("store", "channel 'store' takes no webhooks: its connector (medusa) has no webhooks"),
        ("shop-unsigned", 'set channels.shop-unsigned.webhook_secret = "env:VARIABLE"'),
    ],
)
def test_a_channel_that_takes_no_webhooks_answers_404_saying_why(client, shop, channel, says):
    placed = shop.generator.buy({"MUG-EMA-WHT": 1})
    answer = client.post(f"/webhooks/{channel}", **shopify_delivery(placed, "7a1c4f0e-0008"))
    assert answer.status_code == 404 and says in answer.json()["detail"]
    refused = metric(client, "omshub_api_webhooks_total", channel=channel, outcome="refused")
    assert refused == (0 if channel == "nowhere" else 1), "configured channels are counted, unknown names are not"


def test_a_signed_delivery_that_does_not_name_itself_is_refused_400_saying_what_is_missing(client, hub, shop):
    placed = shop.generator.buy({"MUG-EMA-WHT": 1})
    sent = shopify_delivery(placed, "7a1c4f0e-0009")
    del sent["headers"]["X-Shopify-Webhook-Id"]
    answer = client.post("/webhooks/shop", **sent)
    assert answer.status_code == 400 and "X-Shopify-Webhook-Id header must be given" in answer.json()["detail"]
    assert orders_in_hub(hub) == []
    assert metric(client, "omshub_api_webhooks_total", channel="shop", outcome="malformed") == 1


# WooCommerce


def test_a_signed_woocommerce_delivery_fetches_the_order_from_the_shop_and_takes_it_in(client, hub, woo):
    placed = woo.generator.place_order({"MUG-EMA-WHT": 2, "TEA-SEN-100": 1})
    answer = client.post("/webhooks/woo", **woo_delivery(placed, "d2f0c6b1a4e3", topic="order.created"))
    assert answer.status_code == 202 and answer.json()["external_id"] == str(placed["id"])
    order = order_in_hub(client, "woo", placed["id"])
    assert sorted((ln["sku"], ln["quantity"]) for ln in order["lines"]) == [("MUG-EMA-WHT", 2), ("TEA-SEN-100", 1)]
    recorded = delivery(hub, "woo", "d2f0c6b1a4e3")
    assert recorded is not None and (recorded["topic"], recorded["outcome"]) == ("order.created", "created")
    assert metric(client, "omshub_api_webhook_refetches_total", channel="woo", result="created") == 1


def test_the_woocommerce_ping_is_answered_200_and_nothing_else_happens(client, hub, woo):
    calls = sum(woo.state.calls.values())
    ping = {"content": b"webhook_id=3", "headers": {"User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"}}
    answer = client.post("/webhooks/woo", **ping)
    assert answer.status_code == 200 and answer.json()["outcome"] == "ping"
    assert sum(woo.state.calls.values()) == calls and orders_in_hub(hub) == []
    assert metric(client, "omshub_api_webhooks_total", channel="woo", outcome="ping") == 1


def test_a_woocommerce_delivery_signed_otherwise_is_refused_401_counted_and_changes_nothing(client, hub, woo):
    placed = woo.generator.place_order({"MUG-EMA-WHT": 1})
    good = woo_delivery(placed, "d2f0c6b1a4e4")
    unsigned = {k: v for k, v in good["headers"].items() if k != "X-WC-Webhook-Signature"}
    for attempt in (
        woo_delivery(placed, "d2f0c6b1a4e4", secret="the consumer secret"),
        {"content": good["content"] + b" ", "headers": good["headers"]},
        {"content": good["content"], "headers": unsigned},
    ):
        answer = client.post("/webhooks/woo", **attempt)
        assert answer.status_code == 401 and "X-WC-Webhook-Signature" in answer.json()["detail"]
    assert orders_in_hub(hub) == [] and delivery(hub, "woo", "d2f0c6b1a4e4") is None
    assert metric(client, "omshub_api_webhooks_total", channel="woo", outcome="bad_signature") == 3


def test_a_repeated_woocommerce_delivery_fetches_nothing(client, hub, woo):
    placed = woo.generator.place_order({"MUG-EMA-WHT": 1})
    client.post("/webhooks/woo", **woo_delivery(placed, "d2f0c6b1a4e5"))
    fetched = woo.state.calls["GET orders"]
    again = client.post("/webhooks/woo", **woo_delivery(placed, "d2f0c6b1a4e5"))
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert woo.state.calls["GET orders"] == fetched
    assert metric(client, "omshub_api_webhook_refetches_total", channel="woo", result="created") == 1


def test_a_woocommerce_order_moved_to_the_trash_stays_as_the_hub_last_saw_it(client, hub, woo, clock):
    placed = woo.generator.place_order({"TEA-SEN-100": 2})
    client.post("/webhooks/woo", **woo_delivery(placed, "d2f0c6b1a4e6", topic="order.created"))
    before = order_in_hub(client, "woo", placed["id"])
    clock.advance(timedelta(minutes=1))
    woo.generator.trash(placed["id"])
    gone = client.post("/webhooks/woo", **woo_delivery({"id": placed["id"]}, "d2f0c6b1a4e7", topic="order.deleted"))
    assert gone.status_code == 202
    recorded = delivery(hub, "woo", "d2f0c6b1a4e7")
    assert recorded is not None and recorded["outcome"] == "missing"
    after = order_in_hub(client, "woo", placed["id"])
    assert (after["status"], after["updated_at"]) == (before["status"], before["updated_at"])


def test_a_woocommerce_delivery_about_a_product_is_ignored(client, hub, woo):
    product = {"id": 120, "sku": "MUG-EMA-WHT", "stock_quantity": 8}
    answer = client.post("/webhooks/woo", **woo_delivery(product, "d2f0c6b1a4e8", topic="product.updated"))
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"
    assert delivery(hub, "woo", "d2f0c6b1a4e8") is None


def test_the_webhook_endpoint_is_in_the_openapi_document_without_a_bearer_token(client):
    operation = client.get("/openapi.json", headers=READER).json()["paths"]["/webhooks/{channel}"]["post"]
    assert "security" not in operation and {"200", "202", "401", "404"} <= set(operation["responses"])
    assert "application/json" in operation["requestBody"]["content"]


def test_the_webhook_secret_comes_from_the_environment_never_from_the_file(monkeypatch):
    monkeypatch.setenv("SHOP_EU_WEBHOOK_SECRET", SHOP_SECRET)
    channel = {"locations": ["berlin"], "webhook_secret": "env:SHOP_EU_WEBHOOK_SECRET"}
    config = Config.model_validate({**SETTINGS, "channels": {"shop-eu": channel}})
    secret = config.channels["shop-eu"].webhook_secret
    assert secret is not None and secret.get_secret_value() == SHOP_SECRET and SHOP_SECRET not in repr(config)
    with pytest.raises(ValueError, match="environment references such as 'env:SHOP_EU_TOKEN'"):
        Config.model_validate({**SETTINGS, "channels": {"shop-eu": {**channel, "webhook_secret": SHOP_SECRET}}})


def test_deliveries_that_arrive_while_their_channel_is_served_are_fetched_together(client, hub, woo):
    refetches = Refetches()
    client.app.state.webhook_refetches = refetches
    placed = [woo.generator.place_order({"MUG-EMA-WHT": 1}) for _ in range(4)]
    first = Delivery("woo", "burst-0", "order.created", str(placed[0]["id"]))
    with hub.engine.begin() as conn:
        webhooks.claim(conn, first, hub.clock.now())
    assert refetches.add(first), "from here on a thread serves woo"
    for i, order in enumerate(placed[1:], start=1):
        answer = client.post("/webhooks/woo", **woo_delivery(order, f"burst-{i}", topic="order.created"))
        assert answer.status_code == 202 and answer.json()["outcome"] == "accepted"
    assert orders_in_hub(hub) == [], "they wait for the thread serving the channel"
    lookups = woo.state.calls["GET orders"]
    receiver = hub.connectors()["woo"]
    assert isinstance(receiver, WebhookReceiver)
    serve(client.app.state.api, receiver, refetches, "woo")
    assert woo.state.calls["GET orders"] == lookups + 1, "one lookup for the four orders"
    for i in range(4):
        recorded = delivery(hub, "woo", f"burst-{i}")
        assert recorded is not None and recorded["outcome"] == "created"
    assert len(orders_in_hub(hub)) == 4
    assert refetches.add(first), "the channel is free again"


def test_a_channel_is_served_by_one_thread_a_lookup_at_a_time():
    refetches = Refetches()
    burst = [Delivery("shop", f"d-{i}", "orders/updated", str(5612000000000 + i)) for i in range(PER_LOOKUP + 1)]
    assert refetches.add(burst[0]) and not any(refetches.add(d) for d in burst[1:])
    assert refetches.add(Delivery("woo", "w-1", "order.updated", "9050")), "each channel has its own"
    assert refetches.take("shop") == burst[:PER_LOOKUP]
    assert refetches.take("shop") == burst[PER_LOOKUP:]
    assert refetches.take("shop") == []
    assert refetches.add(burst[0]), "served out, the channel needs a thread again"
    refetches.add(burst[1])
    assert refetches.abandon("shop") == burst[:2] and refetches.add(burst[2])
