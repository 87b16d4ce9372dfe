"""Shopify and WooCommerce webhook deliveries: the signature over the exact raw bytes, then what they are about."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from pydantic import SecretStr

from connectors.base import PING, BadSignature, MalformedWebhook, WebhookNotice
from connectors.shopify import webhooks as shopify
from connectors.woocommerce import webhooks as woocommerce

SECRET = "hush-0123456789abcdef"
ORDER = {"id": 5612000000001, "name": "#1001", "updated_at": "2026-11-20T10:00:00+01:00", "line_items": []}


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def raw(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def shopify_headers(body: bytes, topic: str = "orders/updated", **extra: str) -> dict[str, str]:
    return {
        "x-shopify-topic": topic,
        "x-shopify-hmac-sha256": sign(body),
        "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "x-shopify-shop-domain": "shop-eu.myshopify.com",
        **extra,
    }


def woo_headers(body: bytes, topic: str = "order.updated", resource: str = "order", **extra: str) -> dict[str, str]:
    return {
        "x-wc-webhook-topic": topic,
        "x-wc-webhook-resource": resource,
        "x-wc-webhook-event": topic.partition(".")[2],
        "x-wc-webhook-signature": sign(body),
        "x-wc-webhook-id": "3",
        "x-wc-webhook-delivery-id": "8b6cc7e5d3a1f0c2e4b6a8d0f2e4c6a8",
        **extra,
    }


@pytest.mark.parametrize(
    ("topic", "payload", "external_id"),
    [
        ("orders/updated", ORDER, "5612000000001"),
        ("orders/delete", {"id": 5612000000001}, "5612000000001"),
        ("refunds/create", {"id": 912000000001, "order_id": 5612000000001}, "5612000000001"),
        ("fulfillments/update", {"id": 5104000000001, "order_id": 5612000000001}, "5612000000001"),
        ("products/update", {"id": 8104000000001, "title": "Mug"}, None),
    ],
)
def test_a_signed_shopify_delivery_names_its_delivery_topic_and_order(topic, payload, external_id):
    body = raw(payload)
    notice = shopify.read(shopify_headers(body, topic), body, SecretStr(SECRET))
    assert notice == WebhookNotice("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", topic, external_id)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (lambda body: shopify_headers(raw({**ORDER, "name": "#1002"})), "does not match"),
        (
            lambda body: shopify_headers(body, **{"x-shopify-hmac-sha256": sign(body, "another-secret")}),
            "does not match",
        ),
        (lambda body: shopify_headers(body, **{"x-shopify-hmac-sha256": sign(body).lower()}), "does not match"),
        (lambda body: {k: v for k, v in shopify_headers(body).items() if k != "x-shopify-hmac-sha256"}, "missing"),
    ],
    ids=["another body", "another secret", "mangled", "unsigned"],
)
def test_a_shopify_delivery_signed_otherwise_is_refused(headers, reason):
    body = raw(ORDER)
    with pytest.raises(BadSignature, match=f"X-Shopify-Hmac-Sha256 .*{reason}"):
        shopify.read(headers(body), body, SecretStr(SECRET))


def test_the_signature_covers_the_exact_bytes_not_the_json_they_encode():
    body = raw(ORDER)
    spaced = json.dumps(ORDER, indent=2).encode()
    with pytest.raises(BadSignature):
        shopify.read(shopify_headers(body), spaced, SecretStr(SECRET))


def test_the_signature_is_checked_before_the_body_is_read():
    with pytest.raises(BadSignature):
        shopify.read(shopify_headers(b"{}", **{"x-shopify-hmac-sha256": "x"}), b"not json at all", SecretStr(SECRET))


@pytest.mark.parametrize(
    ("drop", "body", "names"),
    [
        ("x-shopify-webhook-id", raw(ORDER), "X-Shopify-Webhook-Id"),
        ("x-shopify-topic", raw(ORDER), "X-Shopify-Topic"),
        (None, b"[1, 2]", "order id in 'id'"),
        (None, raw({"id": "#1001"}), "order id in 'id'"),
        (None, raw({"id": -4}), "order id in 'id'"),
        (None, raw({"id": "9" * 5000}), "order id in 'id'"),
        (None, b'{"id": 99999999999999999999999}', "order id in 'id'"),
        (None, b"\xff\xfe", "not JSON"),
    ],
)
def test_a_signed_shopify_delivery_that_does_not_say_what_it_is_about_is_malformed(drop, body, names):
    headers = {k: v for k, v in shopify_headers(body).items() if k != drop}
    with pytest.raises(MalformedWebhook, match=names):
        shopify.read(headers, body, SecretStr(SECRET))


@pytest.mark.parametrize(
    ("topic", "resource", "payload", "external_id"),
    [
        ("order.updated", "order", {"id": 9050, "status": "processing"}, "9050"),
        ("order.created", "order", {"id": 9051, "status": "pending"}, "9051"),
        ("order.deleted", "order", {"id": 9050}, "9050"),
        ("product.updated", "product", {"id": 120, "sku": "MUG-EMA-WHT"}, None),
        (
            "action.woocommerce_payment_complete",
            "action",
            {"action": "woocommerce_payment_complete", "arg": 9050},
            None,
        ),
    ],
)
def test_a_signed_woocommerce_delivery_names_its_delivery_topic_and_order(topic, resource, payload, external_id):
    body = raw(payload)
    notice = woocommerce.read(woo_headers(body, topic, resource), body, SecretStr(SECRET))
    assert notice == WebhookNotice("8b6cc7e5d3a1f0c2e4b6a8d0f2e4c6a8", topic, external_id)


def test_the_woocommerce_ping_is_recognised_without_a_signature():
    notice = woocommerce.read(
        {"user-agent": "WooCommerce/9.4 Hookshot (WordPress/6.7)"}, b"webhook_id=3", SecretStr(SECRET)
    )
    assert notice == WebhookNotice(None, PING, None)


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        ({}, raw({"id": 9050}), "X-WC-Webhook-Signature header is missing"),
        ({}, b"webhook_id=3&id=9050", "missing"),
        ({"x-wc-webhook-signature": sign(b"webhook_id=4")}, b"webhook_id=3", "does not match"),
        (woo_headers(raw({"id": 9051})), raw({"id": 9050}), "does not match"),
    ],
    ids=["unsigned order", "ping with more", "signed ping, other body", "another body"],
)
def test_a_woocommerce_delivery_signed_otherwise_is_refused(headers, body, reason):
    with pytest.raises(BadSignature, match=reason):
        woocommerce.read(headers, body, SecretStr(SECRET))


def test_a_signed_woocommerce_delivery_without_its_delivery_id_is_malformed():
    body = raw({"id": 9050})
    headers = {k: v for k, v in woo_headers(body).items() if k != "x-wc-webhook-delivery-id"}
    with pytest.raises(MalformedWebhook, match="X-WC-Webhook-Delivery-ID header must be given"):
        woocommerce.read(headers, body, SecretStr(SECRET))


def test_without_the_resource_header_the_topic_says_what_the_delivery_is_about():
    body = raw({"id": 9050})
    headers = {k: v for k, v in woo_headers(body).items() if k != "x-wc-webhook-resource"}
    assert woocommerce.read(headers, body, SecretStr(SECRET)).external_id == "9050"
