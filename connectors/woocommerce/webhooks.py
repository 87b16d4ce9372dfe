"""WooCommerce webhooks: `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw body keyed by the webhook's
secret; `X-WC-Webhook-Delivery-ID` names the delivery, `X-WC-Webhook-Topic` (`order.updated`) and
`X-WC-Webhook-Resource` (`order`) say what it is about, and the body is the resource as the REST API shows it
(only its `id` once deleted). When a webhook is created, WooCommerce first posts the unsigned form body
`webhook_id=N` to check the address and wants a 200: that ping is recognised, and nothing else goes unsigned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import SecretStr

from connectors.base import PING, WebhookNotice, check_signature, webhook_header, webhook_order_id

SIGNATURE = "X-WC-Webhook-Signature"
DELIVERY = "X-WC-Webhook-Delivery-ID"
TOPIC = "X-WC-Webhook-Topic"
RESOURCE = "X-WC-Webhook-Resource"
_PING = re.compile(rb"webhook_id=[0-9]{1,20}")


def read(headers: Mapping[str, str], body: bytes, secret: SecretStr) -> WebhookNotice:
    """Verify a delivery (header names in lower case) and say what it is about; see connectors.base."""
    given = headers.get(SIGNATURE.lower())
    if given is None and _PING.fullmatch(body):
        return WebhookNotice(None, PING, None)
    check_signature(body, given, secret, header=SIGNATURE)
    delivery, topic = webhook_header(headers, DELIVERY), webhook_header(headers, TOPIC, limit=100)
    resource = headers.get(RESOURCE.lower()) or topic.partition(".")[0]
    return WebhookNotice(delivery, topic, webhook_order_id(body, "id") if resource == "order" else None)
