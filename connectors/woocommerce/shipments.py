"""Shipments told to WooCommerce: a customer note naming carrier, tracking and the hub's reference, and the
order marked completed once everything has shipped.

WooCommerce has no tracking field in core, so the note is what the customer sees (and is e-mailed). A note
POST is not idempotent: the order's notes are read first and a note already holding the reference is not
written again.
"""

from __future__ import annotations

from typing import Any

from connectors.http import json_body
from connectors.woocommerce.client import WooClient, records_list
from core.errors import FatalError
from core.shipments import ShipmentNotice, Tracking

_CLOSED = frozenset({"cancelled", "refunded", "failed", "trash"})


def report(woo: WooClient, notice: ShipmentNotice, *, time_left: float | None = None) -> None:
    order = notice.order_external_id
    read = woo.sender(time_left)
    notes = records_list(json_body(read(woo.http, woo.request("GET", f"orders/{order}/notes"))), "GET notes")
    if not any(notice.reference in str(note.get("note", "")) for note in notes if isinstance(note, dict)):
        body = {"note": note_text(notice), "customer_note": True}
        woo.sender(time_left)(woo.http, woo.request("POST", f"orders/{order}/notes", json=body))
    if notice.order_complete:
        _complete(woo, order, time_left)


def note_text(notice: ShipmentNotice) -> str:
    """ "Your order has shipped: DHL 00340434161234567890 (https://…). Reference: SHP-…" """
    parcels = "; ".join(_parcel(tracking) for tracking in notice.tracking)
    shipped = f"Your order has shipped: {parcels}." if parcels else "Your order has shipped."
    return f"{shipped} Reference: {notice.reference}"


def _parcel(tracking: Tracking) -> str:
    text = f"{tracking.carrier} {tracking.number}" if tracking.carrier else tracking.number
    return f"{text} ({tracking.url})" if tracking.url else text


def _complete(woo: WooClient, order: str, time_left: float | None) -> None:
    """Mark the order completed, unless it already is; a cancelled or refunded order is not reopened."""
    read = woo.sender(time_left)
    current: Any = json_body(read(woo.http, woo.request("GET", f"orders/{order}", params={"_fields": "id,status"})))
    status = current.get("status") if isinstance(current, dict) else None
    if status == "completed":
        return
    if status in _CLOSED:
        raise FatalError(f"WooCommerce order {order} is {status}: shipped, but not marked completed there")
    read(woo.http, woo.request("PUT", f"orders/{order}", json={"status": "completed"}))
