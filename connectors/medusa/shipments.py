"""Shipments back to Medusa v2: a fulfillment from the stock location, then its shipment with tracking labels.

Creating a fulfillment is not idempotent, so the order's fulfillments are read first and the one whose
metadata carries the notice's reference is reused; its shipment is skipped once it has shipped_at. What the
channel holds of a shipment is that fulfillment: shipped or not, and the tracking numbers of its labels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from connectors.http import json_body
from core.errors import FatalError
from core.shipments import OnChannel, ShipmentNotice

Send = Callable[[httpx.Client, httpx.Request], httpx.Response]
REFERENCE_KEY = "omshub_reference"
FULFILLMENT_FIELDS = "id,*fulfillments,*fulfillments.labels"
"""An order with its fulfillments and their labels (`*fulfillments` alone leaves the labels out)."""


def report(
    client: httpx.Client, notice: ShipmentNotice, location_id: str, *, read: Send, write: Send
) -> OnChannel | None:
    order_path = f"/admin/orders/{notice.order_external_id}"
    items = _items(notice)
    fulfillment = _ours(client, order_path, notice.reference, read)
    if fulfillment is None:
        body = {"location_id": location_id, "items": items, "metadata": {REFERENCE_KEY: notice.reference}}
        write(client, client.build_request("POST", f"{order_path}/fulfillments", json=body))
        fulfillment = _ours(client, order_path, notice.reference, read)
        if fulfillment is None:
            raise FatalError(f"{order_path}: the fulfillment created for {notice.reference} is not on the order")
    if fulfillment.get("shipped_at"):
        return _shown(notice, fulfillment)
    labels = [
        {"tracking_number": t.number, "tracking_url": t.url or "", "label_url": ""} for t in notice.tracking
    ]  # Medusa requires all three strings per label; the hub has no label document to link
    path = f"{order_path}/fulfillments/{fulfillment['id']}/shipments"
    params = {"fields": FULFILLMENT_FIELDS}
    answer = write(client, client.build_request("POST", path, params=params, json={"items": items, "labels": labels}))
    shipped = _find(order_of(json_body(answer), path), notice.reference)
    return None if shipped is None else _shown(notice, shipped)


def read_back(client: httpx.Client, notice: ShipmentNotice, *, read: Send) -> OnChannel:
    """The shipment as the order's fulfillment created for it shows it."""
    fulfillment = _ours(client, f"/admin/orders/{notice.order_external_id}", notice.reference, read)
    return OnChannel(found=False) if fulfillment is None else _shown(notice, fulfillment)


def _shown(notice: ShipmentNotice, fulfillment: dict[str, Any]) -> OnChannel:
    labels = {str(label.get("tracking_number")) for label in fulfillment.get("labels") or [] if isinstance(label, dict)}
    numbers = frozenset(t.number for t in notice.tracking if t.number in labels)
    return OnChannel(found=bool(fulfillment.get("shipped_at")), tracking=numbers)


def _items(notice: ShipmentNotice) -> list[dict[str, Any]]:
    missing = [line.sku or "?" for line in notice.lines if line.line_id is None]
    if missing:
        raise FatalError(f"shipment {notice.reference}: Medusa fulfils by line item id; lines {missing} have none")
    return [{"id": line.line_id, "quantity": line.quantity} for line in notice.lines]


def _ours(client: httpx.Client, order_path: str, reference: str, read: Send) -> dict[str, Any] | None:
    """The order's live fulfillment created for `reference`, if any."""
    request = client.build_request("GET", order_path, params={"fields": FULFILLMENT_FIELDS})
    return _find(order_of(json_body(read(client, request)), f"GET {order_path}"), reference)


def order_of(body: Any, what: str) -> dict[str, Any]:
    """The order of an `{"order": …}` answer to `what`."""
    order = body.get("order") if isinstance(body, dict) else None
    if not isinstance(order, dict):
        raise FatalError(f"{what} answered without an 'order'")
    return order


def _find(order: dict[str, Any], reference: str) -> dict[str, Any] | None:
    for fulfillment in order.get("fulfillments") or []:
        metadata = fulfillment.get("metadata") or {}
        if metadata.get(REFERENCE_KEY) == reference and not fulfillment.get("canceled_at"):
            return dict(fulfillment)
    return None
