"""A failed payment told to Medusa v2: the order's metadata gets `omshub_payment_failed`, the reason and the
hub's reference in words, which the admin shows with the order (Medusa has no order notes of its own).

The order's metadata is read first and written whole with the key added (`POST /admin/orders/{id}`), so the
shop's own keys stay whatever Medusa does with the keys it is sent; an order whose key already names the
reference is not written again.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from connectors.http import json_body
from connectors.medusa.shipments import order_of
from core.payment_failures import PaymentFailureNotice

Send = Callable[[httpx.Client, httpx.Request], httpx.Response]
FAILURE_KEY = "omshub_payment_failed"


def report(client: httpx.Client, notice: PaymentFailureNotice, *, read: Send, write: Send) -> None:
    path = f"/admin/orders/{notice.order_external_id}"
    answer = read(client, client.build_request("GET", path, params={"fields": "id,metadata"}))
    metadata = order_of(json_body(answer), f"GET {path}").get("metadata") or {}
    if notice.reference in str(metadata.get(FAILURE_KEY, "")):
        return
    body = {"metadata": {**metadata, FAILURE_KEY: notice.text}}
    write(client, client.build_request("POST", path, params={"fields": "id,metadata"}, json=body))
