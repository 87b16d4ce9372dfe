"""A failed payment told to WooCommerce: a private order note (the shop's staff see it, the customer is not
e-mailed) naming the hub's reference, and an open order (pending, processing) set to `payment_failed_status`
(on-hold by default), so nobody ships it or waits for it unaware.

A note POST is not idempotent: the order's notes are read first, and a note already holding the reference is
not written again; the status is set only while the order is still open and not in it already.
"""

from __future__ import annotations

from typing import Any

from connectors.http import json_body
from connectors.woocommerce.client import WooClient
from connectors.woocommerce.shipments import notes_holding
from core.payment_failures import PaymentFailureNotice

OPEN = frozenset({"pending", "processing"})


def report(woo: WooClient, notice: PaymentFailureNotice, status: str | None, *, time_left: float | None) -> None:
    order = notice.order_external_id
    if not notes_holding(woo, order, notice.reference, time_left):
        body = {"note": notice.text, "customer_note": False}
        woo.sender(time_left)(woo.http, woo.request("POST", f"orders/{order}/notes", json=body))
    if status is not None:
        _set_status(woo, order, status, time_left)


def _set_status(woo: WooClient, order: str, status: str, time_left: float | None) -> None:
    read = woo.sender(time_left)
    current: Any = json_body(read(woo.http, woo.request("GET", f"orders/{order}", params={"_fields": "id,status"})))
    now = current.get("status") if isinstance(current, dict) else None
    if now in OPEN and now != status:
        woo.sender(time_left, idempotent=True)(woo.http, woo.request("PUT", f"orders/{order}", json={"status": status}))
