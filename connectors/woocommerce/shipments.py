"""Shipments told to WooCommerce: a customer note naming carrier, tracking and the hub's reference, and the
order marked completed once everything has shipped.

WooCommerce has no tracking field in core, so the note is what the customer sees (and is e-mailed); it is
also what a read-back finds: the order's notes holding the reference, and the tracking numbers they name. A
note POST is not idempotent: the notes are read first, a note already holding the reference is not written
again, and a repeat only notes the numbers no earlier note of the reference names.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.http import json_body
from connectors.woocommerce.client import WooClient, records_list
from core.errors import FatalError
from core.shipments import OnChannel, ShipmentNotice, Tracking

_CLOSED = frozenset({"cancelled", "refunded", "failed", "trash"})


def report(woo: WooClient, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel:
    ours = _our_notes(woo, notice, time_left)
    missing = tuple(t for t in notice.tracking if not _named(t.number, ours))
    if not ours or missing:
        body = {"note": note_text(notice.reference, missing), "customer_note": True}
        path = f"orders/{notice.order_external_id}/notes"
        created = json_body(woo.sender(time_left)(woo.http, woo.request("POST", path, json=body)))
        ours += [text for text in [_text(created)] if notice.reference in text]  # the note as WooCommerce kept it
    if notice.order_complete:
        _complete(woo, notice.order_external_id, time_left)
    return _shown(notice, ours)


def read_back(woo: WooClient, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel:
    """The shipment as the order's notes show it."""
    return _shown(notice, _our_notes(woo, notice, time_left))


def note_text(reference: str, tracking: tuple[Tracking, ...]) -> str:
    """ "Your order has shipped: DHL 00340434161234567890 (https://…). Reference: SHP-…" """
    parcels = "; ".join(_parcel(t) for t in tracking)
    shipped = f"Your order has shipped: {parcels}." if parcels else "Your order has shipped."
    return f"{shipped} Reference: {reference}"


def _our_notes(woo: WooClient, notice: ShipmentNotice, time_left: float | None) -> list[str]:
    """The texts of the order's notes that hold the notice's reference."""
    return notes_holding(woo, notice.order_external_id, notice.reference, time_left)


def notes_holding(woo: WooClient, order: str, reference: str, time_left: float | None) -> list[str]:
    """The texts of the order's notes (customer notes and private ones) that hold `reference`."""
    read = woo.sender(time_left)
    notes = records_list(json_body(read(woo.http, woo.request("GET", f"orders/{order}/notes"))), "GET notes")
    return [text for text in map(_text, notes) if reference in text]


def _shown(notice: ShipmentNotice, ours: list[str]) -> OnChannel:
    numbers = frozenset(t.number for t in notice.tracking if _named(t.number, ours))
    return OnChannel(found=bool(ours), tracking=numbers)


def _named(number: str, texts: list[str]) -> bool:
    """Whether a text names the tracking number as a whole (not as part of a longer one)."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(number)}(?![\w-])")
    return any(pattern.search(text) for text in texts)


def _text(note: Any) -> str:
    return str(note.get("note", "")) if isinstance(note, dict) else ""


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
