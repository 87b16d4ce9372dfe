"""`POST orders/{id}/refunds.json`: the request body read into removals, refused where Shopify would refuse it.

Each refund line item names a line, its units and a `restock_type`: `cancel` takes back units not fulfilled yet,
`return` units that were fulfilled, both restocked at their `location_id` (required for them); `no_restock` takes
back units without restocking them, unfulfilled ones first. `legacy_restock` is only ever read, never accepted.
A request with `transactions` gives money back; one without only takes the units back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sandbox.shopify.current import LineState, line_states
from sandbox.shopify.refunds import Removal, RestockType
from sandbox.shopify.state import Location

Order = dict[str, Any]
RESTOCK_TYPES: tuple[RestockType, ...] = ("no_restock", "cancel", "return")


class RefundRefused(ValueError):
    """A refund request Shopify would answer with 422; `field` is where the problem is."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class RefundRequest:
    removals: list[Removal]
    money: bool
    """True when the request carries transactions: the refund gives money back."""


def read_refund(body: Mapping[str, Any], order: Order, locations: Mapping[int, Location]) -> RefundRequest:
    refund = body.get("refund")
    if not isinstance(refund, dict):
        raise RefundRefused("refund", "Required parameter missing or invalid")
    items = refund.get("refund_line_items")
    if not isinstance(items, list) or not items:
        raise RefundRefused("refund_line_items", "name at least one line item with its quantity")
    if order["cancelled_at"] is not None:
        raise RefundRefused("order", "is cancelled; its units were all taken back already")
    states = line_states(order)
    removals = [_removal(item, f"refund_line_items[{i}]", states, locations) for i, item in enumerate(items)]
    named = [r.line_id for r in removals]
    if len(set(named)) != len(named):
        raise RefundRefused("refund_line_items", "a line item is named twice; give each line item once")
    transactions = refund.get("transactions")
    if transactions is not None and not isinstance(transactions, list):
        raise RefundRefused("transactions", "must be a list")
    return RefundRequest(removals, bool(transactions))


def _removal(item: Any, where: str, states: Mapping[int, LineState], locations: Mapping[int, Location]) -> Removal:
    if not isinstance(item, dict):
        raise RefundRefused(where, "must be an object with line_item_id, quantity and restock_type")
    line_id, quantity, kind = item.get("line_item_id"), item.get("quantity"), item.get("restock_type", "no_restock")
    if not isinstance(line_id, int) or isinstance(line_id, bool) or line_id not in states:
        raise RefundRefused(f"{where}.line_item_id", f"{line_id!r} is not a line item of this order")
    state = states[line_id]
    if type(quantity) is not int or quantity < 1:
        raise RefundRefused(f"{where}.quantity", "must be a whole number of at least 1")
    if kind not in RESTOCK_TYPES:
        raise RefundRefused(f"{where}.restock_type", f"{kind!r} is not one of {', '.join(RESTOCK_TYPES)}")
    restock_type = cast(RestockType, kind)
    most = {
        "cancel": state.fulfillable,
        "return": min(state.returnable, state.current),
        "no_restock": state.current,
    }[restock_type]
    if quantity > most:
        raise RefundRefused(f"{where}.quantity", f"{quantity} exceeds the {most} unit(s) a {kind} can take back")
    return Removal(line_id, quantity, restock_type, _location(item, where, restock_type, locations))


def _location(item: dict[str, Any], where: str, kind: RestockType, locations: Mapping[int, Location]) -> int | None:
    location_id = item.get("location_id")
    if kind == "no_restock" and location_id is None:
        return None
    location = locations.get(location_id) if type(location_id) is int else None
    if location is None or not location.active:
        raise RefundRefused(f"{where}.location_id", f"{location_id!r} is not an active location of the shop")
    return location.id
