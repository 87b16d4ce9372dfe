"""What happens to an order after it is placed. Each change returns a new copy with `updated_at` bumped.

Quantity reductions are refunds, as in Shopify: a return or a refund of paid units carries a refund
transaction; an order edit on an unpaid order and a cancellation of unpaid units carry none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.shopify.current import UNPAID, line_states, refresh
from sandbox.shopify.refunds import IdSource, Removal, refund_record, shipping_refund, transaction

Order = dict[str, Any]
CANCEL_REASONS = ("customer", "fraud", "inventory", "declined", "other", "staff")
ANNOTATIONS = ("note", "tags")
"""What the hub may change of an order with `PUT orders/{id}.json` here."""
PAID = ("paid", "partially_refunded")


@dataclass(frozen=True, slots=True)
class Tracking:
    company: str
    number: str
    url: str


def pay(order: Order, *, now: str) -> Order:
    if order["financial_status"] not in UNPAID:
        raise ValueError(f"order {order['id']} is {order['financial_status']}, not awaiting payment")
    changed = _copy(order, now)
    changed["financial_status"] = "paid"
    refresh(changed)
    _archive_if_done(changed, now)
    return changed


def fulfill(
    order: Order, *, now: str, ids: IdSource, location_id: int, tracking: Tracking | None, line_ids: Sequence[int] = ()
) -> Order:
    """Ship every unit still to be fulfilled (of `line_ids` only, when given)."""
    states = line_states(order)
    wanted = [
        ln for ln in order["line_items"] if states[ln["id"]].fulfillable and (not line_ids or ln["id"] in line_ids)
    ]
    if order["cancelled_at"] is not None or not wanted:
        raise ValueError(f"order {order['id']} has nothing left to fulfil")
    changed = _copy(order, now)
    number = len(changed["fulfillments"]) + 1
    changed["fulfillments"].append(
        {
            "id": (fulfillment_id := ids("fulfillment")),
            "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
            "order_id": order["id"],
            "name": f"{order['name']}.{number}",
            "status": "success",
            "service": "manual",
            "shipment_status": None,
            "location_id": location_id,
            "created_at": now,
            "updated_at": now,
            "tracking_company": None if tracking is None else tracking.company,
            "tracking_number": None if tracking is None else tracking.number,
            "tracking_numbers": [] if tracking is None else [tracking.number],
            "tracking_url": None if tracking is None else tracking.url,
            "tracking_urls": [] if tracking is None else [tracking.url],
            "line_items": [_fulfilled_line(ln, states[ln["id"]].fulfillable) for ln in wanted],
        }
    )
    refresh(changed)
    _archive_if_done(changed, now)
    return changed


def refund(order: Order, removal: Removal, *, now: str, ids: IdSource, location_id: int) -> Order:
    """Give the buyer money back for units of one line (returned, or not yet shipped)."""
    return refund_units(order, [removal], now=now, ids=ids, location_id=location_id)


def refund_units(order: Order, removals: list[Removal], *, now: str, ids: IdSource, location_id: int | None) -> Order:
    """Give the buyer money back for units of lines (returned, or not yet shipped): one refund, one transaction."""
    if order["financial_status"] not in PAID:
        raise ValueError(f"order {order['id']} is {order['financial_status']}; only paid orders are refunded")
    changed = _copy(order, now)
    record = refund_record(changed, removals, now=now, ids=ids, location_id=location_id)
    record["transactions"] = [transaction(changed, record, now=now, ids=ids)]
    changed["refunds"].append(record)
    refresh(changed)
    nothing_left = Decimal(changed["current_total_price"]) == 0
    changed["financial_status"] = "refunded" if nothing_left else "partially_refunded"
    return changed


def take_back(order: Order, removals: list[Removal], *, now: str, ids: IdSource) -> Order:
    """Units of lines taken back without money changing hands: a refund without transactions."""
    if order["cancelled_at"] is not None:
        raise ValueError(f"order {order['id']} is cancelled; its units were all taken back already")
    changed = _copy(order, now)
    changed["refunds"].append(refund_record(changed, removals, now=now, ids=ids, location_id=None))
    refresh(changed)
    return changed


def edit_quantity(order: Order, removal: Removal, *, now: str, ids: IdSource, location_id: int) -> Order:
    """An order edit that removes units before payment: recorded as a refund without money."""
    if order["financial_status"] not in UNPAID or removal.restock_type != "cancel":
        raise ValueError(f"order {order['id']} can only be edited before payment, removing unshipped units")
    changed = _copy(order, now)
    changed["refunds"].append(refund_record(changed, [removal], now=now, ids=ids, location_id=location_id))
    refresh(changed)
    return changed


def cancel(order: Order, reason: str, *, now: str, ids: IdSource, location_id: int) -> Order:
    """Cancel an unshipped order: every unit and the shipping go back; paid money is refunded, the rest voided."""
    if order["cancelled_at"] is not None or order["fulfillment_status"] is not None:
        raise ValueError(f"order {order['id']} is already cancelled or (partly) shipped")
    changed = _copy(order, now)
    states = line_states(changed)
    removals = [Removal(ln, s.current, "cancel") for ln, s in states.items() if s.current]
    record = refund_record(changed, removals, now=now, ids=ids, location_id=location_id)
    record["order_adjustments"] = shipping_refund(changed, record["id"], ids=ids)
    paid = changed["financial_status"] in PAID
    record["transactions"] = [transaction(changed, record, now=now, ids=ids)] if paid else []
    changed["refunds"].append(record)
    changed.update(cancelled_at=now, cancel_reason=reason, closed_at=now)
    changed["financial_status"] = "refunded" if paid else "voided"
    refresh(changed)
    return changed


def annotate(order: Order, fields: dict[str, Any], *, now: str) -> Order:
    """Set the order's note and/or tags (a comma-separated string, kept as Shopify keeps it: trimmed, no repeats)."""
    unknown = sorted(set(fields) - {"id", *ANNOTATIONS})
    if unknown or fields.get("id", order["id"]) != order["id"]:
        raise ValueError(f"only {', '.join(ANNOTATIONS)} of order {order['id']} can be changed here, not {unknown}")
    changed = _copy(order, now)
    if "note" in fields:
        if fields["note"] is not None and not isinstance(fields["note"], str):
            raise ValueError("note must be a string")
        changed["note"] = fields["note"]
    if "tags" in fields:
        if not isinstance(fields["tags"], str):
            raise ValueError("tags must be a comma-separated string")
        changed["tags"] = ", ".join(dict.fromkeys(tag.strip() for tag in fields["tags"].split(",") if tag.strip()))
    return changed


def _copy(order: Order, now: str) -> Order:
    changed: Order = _clone(order)
    changed["updated_at"] = now
    return changed


def _clone(value: Any) -> Any:
    """Copy a JSON tree; its leaves (str, int, Decimal, None) are immutable and shared."""
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def _archive_if_done(order: Order, now: str) -> None:
    """Shopify archives (closes) an order once it is paid and fully fulfilled."""
    done = order["fulfillment_status"] == "fulfilled" and order["financial_status"] not in UNPAID
    if done and order["closed_at"] is None:
        order["closed_at"] = now


def _fulfilled_line(line: dict[str, Any], quantity: int) -> dict[str, Any]:
    keys = ("id", "variant_id", "product_id", "sku", "title", "variant_title", "name", "price", "price_set")
    return {**{k: line[k] for k in keys}, "quantity": quantity}
