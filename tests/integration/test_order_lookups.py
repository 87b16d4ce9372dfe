"""Shopify and WooCommerce orders looked up by id (`fetch_orders`, as webhooks and reconcile use it), against the
simulators over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr

from connectors.base import ChannelSettings, OrderLookup, WebhookReceiver
from connectors.shopify.connector import ShopifyConnector, ShopifyOptions
from connectors.woocommerce.client import WooCommerceOptions
from connectors.woocommerce.connector import WooCommerceConnector
from core.model import CanonicalOrder
from sandbox.server import RunningSandbox, RunningWooCommerce, start, start_woocommerce
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET


@pytest.fixture
def shop(clock) -> Iterator[RunningSandbox]:
    sandbox = start(orders=0, seed=5, profile="berlin", clock=clock.now)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def woo(clock) -> Iterator[RunningWooCommerce]:
    site = start_woocommerce(seed=5, stock=20, clock=clock.now)
    yield site
    site.stop()


def shopify(shop: RunningSandbox, **options: int) -> ShopifyConnector:
    credentials = {"access_token": SecretStr(shop.token)}
    return ShopifyConnector(ChannelSettings("shop", shop.base_url, credentials, ShopifyOptions(**options), {}))


def woocommerce(woo: RunningWooCommerce, **options: int) -> WooCommerceConnector:
    credentials = {"consumer_key": SecretStr(DEFAULT_KEY), "consumer_secret": SecretStr(DEFAULT_SECRET)}
    return WooCommerceConnector(ChannelSettings("woo", woo.base_url, credentials, WooCommerceOptions(**options), {}))


def by_id(orders: list) -> dict[str, CanonicalOrder]:
    assert all(isinstance(o, CanonicalOrder) for o in orders)
    return {o.external_id: o for o in orders}


def test_both_shop_connectors_take_webhooks_and_look_orders_up(shop, woo):
    for connector in (shopify(shop), woocommerce(woo)):
        assert isinstance(connector, WebhookReceiver) and isinstance(connector, OrderLookup)
        connector.close()


def test_shopify_returns_the_orders_asked_for_in_any_status_and_leaves_out_the_rest(shop, clock):
    kept, canceled, other = (shop.generator.buy({"MUG-EMA-WHT": 1}) for _ in range(3))
    clock.advance(timedelta(minutes=1))
    shop.generator.change(canceled["id"], "cancel")
    connector = shopify(shop, page_size=1)
    wanted = [str(kept["id"]), str(canceled["id"]), str(kept["id"]), "5612000999999", "#1001"]
    page = connector.fetch_orders(wanted)
    connector.close()
    found = by_id(page.orders)
    assert sorted(found) == sorted([str(kept["id"]), str(canceled["id"])]) and page.fetched == 2
    assert found[str(canceled["id"])].status.value == "canceled"
    assert str(other["id"]) not in found
    assert page.last_changed == clock.now()


def test_woocommerce_returns_the_orders_asked_for_with_their_refunds_but_not_those_in_the_trash(woo, clock):
    refunded = woo.generator.place_order({"MUG-EMA-WHT": 2})
    trashed = woo.generator.place_order({"TEA-SEN-100": 1})
    clock.advance(timedelta(minutes=1))
    woo.generator.refund(refunded["id"], {"MUG-EMA-WHT": 1})
    woo.generator.trash(trashed["id"])
    connector = woocommerce(woo, page_size=1)
    page = connector.fetch_orders([str(refunded["id"]), str(trashed["id"]), "not-a-woo-id"])
    connector.close()
    found = by_id(page.orders)
    assert list(found) == [str(refunded["id"])]
    assert found[str(refunded["id"])].payment_status.value == "partially_refunded"
    assert woo.state.calls["GET orders/{order_id}/refunds"] == 1


def test_ids_that_cannot_be_the_shops_orders_are_not_asked_for(shop, woo):
    for connector in (shopify(shop), woocommerce(woo)):
        page = connector.fetch_orders(["#1001", "not-an-id"])
        connector.close()
        assert (page.orders, page.fetched, page.last_changed) == ([], 0, None)
    assert woo.state.calls["GET orders"] == 0
