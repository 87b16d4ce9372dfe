"""Shopify webhooks: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body keyed by the app's client
secret; `X-Shopify-Webhook-Id` names the delivery (the same on every retry) and `X-Shopify-Topic` says what
happened. The order a delivery is about is read from its body: `id` for the `orders/*` topics (`orders/delete`
sends only that), `order_id` for `refunds/*` and `fulfillments/*`; other topics are about no order.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr

from connectors.base import WebhookNotice, check_signature, webhook_header, webhook_order_id

SIGNATURE = "X-Shopify-Hmac-Sha256"
DELIVERY = "X-Shopify-Webhook-Id"
TOPIC = "X-Shopify-Topic"
_ORDER_KEY = {"orders": "id", "refunds": "order_id", "fulfillments": "order_id"}
"""The first part of a topic → where its body names the order."""


def read(headers: Mapping[str, str], body: bytes, secret: SecretStr) -> WebhookNotice:
    """Verify a delivery (header names in lower case) and say what it is about; see connectors.base."""
    check_signature(body, headers.get(SIGNATURE.lower()), secret, header=SIGNATURE)
    delivery, topic = webhook_header(headers, DELIVERY), webhook_header(headers, TOPIC, limit=100)
    key = _ORDER_KEY.get(topic.partition("/")[0])
    return WebhookNotice(delivery, topic, None if key is None else webhook_order_id(body, key))
