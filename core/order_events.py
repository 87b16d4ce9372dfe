"""The outbox events one intake decision produces for an order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.allocation import Pick
from core.order_store import StoredOrder, changed_fields
from core.outbox import Event
from core.stock_plan import StockOutcome


def order_events(
    order_id: int, row: Mapping[str, Any], before: StoredOrder | None, outcome: StockOutcome
) -> list[Event]:
    ref = {"order_id": order_id, "channel": row["channel"], "external_id": row["external_id"]}
    events = []
    if before is None:
        events.append(_event("order.placed", order_id, {**ref, "total": row["total"], "currency": row["currency"]}))
    else:
        changes = changed_fields(before.row, row)
        events.append(_event("order.updated", order_id, {**ref, "changes": changes}))
        if row["status"] == "canceled" and before.row["status"] != "canceled":
            events.append(_event("order.canceled", order_id, ref))
    for topic, picks in (
        ("inventory.reserved", outcome.reserved),
        ("inventory.released", outcome.released),
        ("inventory.consumed", outcome.consumed),
    ):
        if picks:
            events.append(_event(topic, order_id, {**ref, "items": [_pick(p) for p in picks]}))
    if outcome.backordered:
        items = [{"line_key": n.line_key, "sku": n.sku, "quantity": n.quantity} for n in outcome.backordered]
        events.append(_event("inventory.backordered", order_id, {**ref, "items": items}))
    was_held = before is not None and before.row["hold_reason"] is not None
    if outcome.held and not was_held:
        shortages = [
            {"line_key": s.line_key, "sku": s.sku, "requested": s.requested, "available": s.available}
            for s in outcome.shortages
        ]
        events.append(
            _event("order.requires_action", order_id, {**ref, "reason": row["hold_reason"], "shortages": shortages})
        )
    return events


def _event(topic: str, order_id: int, payload: dict[str, Any]) -> Event:
    return Event(topic, "order", str(order_id), payload)


def _pick(pick: Pick) -> dict[str, Any]:
    return {"line_key": pick.line_key, "sku": pick.sku, "location_id": pick.location_id, "quantity": pick.quantity}
