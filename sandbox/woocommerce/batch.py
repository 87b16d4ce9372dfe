"""Stock edits to products and variations, one at a time (`PUT`) or up to 100 per request (`POST .../batch`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.woocommerce.catalog import Item
from sandbox.woocommerce.errors import WooError, invalid_param
from sandbox.woocommerce.resources import item_json
from sandbox.woocommerce.store import WooState

BATCH_LIMIT = 100
Lookup = Callable[[Any], Item | None]


def invalid_id(kind: str) -> WooError:
    """`kind` is the post type: "product" or "product_variation"."""
    return WooError(404, f"woocommerce_rest_{kind}_invalid_id", "Invalid ID.")


def update_item(state: WooState, entry: Any, *, lookup: Lookup, kind: str) -> dict[str, Any]:
    """Apply one edit (`manage_stock`, `stock_quantity`; other fields are ignored) and return the item as it is now.

    The quantity only takes when stock is managed, already or by this same edit, as in WooCommerce.
    """
    if not isinstance(entry, dict):
        raise WooError(400, "rest_invalid_json", "The item is not a JSON object.")
    item = lookup(entry.get("id"))
    if item is None:
        raise invalid_id(kind)
    manage = entry.get("manage_stock")
    if manage is not None and not isinstance(manage, bool):
        raise invalid_param("manage_stock", "manage_stock is not of type boolean.")
    quantity = _quantity(entry["stock_quantity"]) if entry.get("stock_quantity") is not None else None
    with state.lock:
        changed = state.update_item(item.id, manage_stock=manage, stock_quantity=quantity)
        return item_json(state, changed)


def run_batch(state: WooState, body: Any, *, lookup: Lookup, kind: str) -> dict[str, Any]:
    """`{"create": [], "update": [], "delete": []}`; HTTP 200 with a per-item error for each refused entry."""
    if not isinstance(body, dict):
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
    actions = {name: body[name] for name in ("create", "update", "delete") if name in body}
    if not all(isinstance(entries, list) for entries in actions.values()):
        raise invalid_param("update", "update is not of type array.")
    if sum(len(entries) for entries in actions.values()) > BATCH_LIMIT:
        message = f"Unable to accept more than {BATCH_LIMIT} items for this request."
        raise WooError(413, "woocommerce_rest_request_entity_too_large", message)
    result: dict[str, Any] = {}
    for name, entries in actions.items():
        result[name] = [_one(state, name, entry, lookup=lookup, kind=kind) for entry in entries]
    return result


def _one(state: WooState, action: str, entry: Any, *, lookup: Lookup, kind: str) -> dict[str, Any]:
    entry_id = entry.get("id", 0) if isinstance(entry, dict) else entry
    try:
        if action == "update":
            return update_item(state, entry, lookup=lookup, kind=kind)
        raise WooError(400, f"woocommerce_rest_cannot_{action}", f"This shop does not allow {action} by API.")
    except WooError as refused:
        body = refused.body()
        body["data"]["status"] = 400 if refused.status == 404 else refused.status
        return {"id": entry_id if isinstance(entry_id, int) else 0, "error": body}


def _quantity(value: Any) -> int:
    """An integer, or a string or float holding one; anything else is refused."""
    if isinstance(value, bool):
        raise invalid_param("stock_quantity", "stock_quantity is not of type integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise invalid_param("stock_quantity", "stock_quantity is not of type integer.")
