"""Variants, inventory items and their location levels, stock locations and sales channels."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandbox.medusa import stock
from sandbox.medusa.body import read_object
from sandbox.medusa.errors import InvalidData, NotFound, json_response
from sandbox.medusa.fields import shape
from sandbox.medusa.model import InventoryItem, Variant
from sandbox.medusa.query import page, refuse_unknown, values
from sandbox.medusa.state import MedusaState
from sandbox.medusa.stock_json import (
    CHANNEL_FIELDS,
    ITEM_FIELDS,
    LOCATION_FIELDS,
    VARIANT_FIELDS,
    channel_json,
    item_json,
    level_json,
    location_json,
    variant_json,
)

ITEM_PARAMS = frozenset(
    {"id", "sku", "q", "title", "offset", "limit", "fields", "order", "location_levels", "requires_shipping"}
)
LEVEL_PATH = "/inventory-items/{item_id}/location-levels/{location_id}"
BATCH_PATH = "/inventory-items/location-levels/batch"


def stock_routes(state: MedusaState) -> APIRouter:
    router = APIRouter(prefix="/admin")

    @router.get("/product-variants")
    async def list_variants(request: Request) -> Response:
        params = request.query_params
        ids, skus, window = values(params, "id"), values(params, "sku"), page(params, 50)
        with state.lock:
            found = [v for v in state.variants.values() if _wanted(v, ids, skus, params.get("q"))]
            shown = [shape(variant_json(v), params.get("fields"), VARIANT_FIELDS) for v in window.cut(found)]
        return json_response(window.envelope("variants", found, shown))

    @router.get("/inventory-items")
    async def list_items(request: Request) -> Response:
        params = request.query_params
        refuse_unknown(params, ITEM_PARAMS)
        ids, skus, window = values(params, "id"), values(params, "sku"), page(params, 20)
        places = values(params, "location_levels[location_id]")
        with state.lock:
            found = [
                i
                for i in state.inventory_items.values()
                if _wanted(i, ids, skus, params.get("q")) and _stocked_at(state, i, places)
            ]
            shown = [shape(item_json(state, i), params.get("fields"), ITEM_FIELDS) for i in window.cut(found)]
        return json_response(window.envelope("inventory_items", found, shown))

    @router.get("/inventory-items/{item_id}")
    async def get_item(item_id: str, request: Request) -> Response:
        with state.lock:
            return _item_response(state, item_id, request)

    @router.post(LEVEL_PATH)
    async def update_level(item_id: str, location_id: str, request: Request) -> Response:
        body = await read_object(request)
        with state.lock:
            endpoint = f"POST /admin{LEVEL_PATH}"
            stock.set_stocked(state, item_id, location_id, body.get("stocked_quantity"), endpoint=endpoint)
            if "incoming_quantity" in body:
                level = stock.existing_level(state, item_id, location_id)
                level.incoming_quantity = stock.quantity_value(body["incoming_quantity"], "incoming_quantity")
            return _item_response(state, item_id, request, extra=("location_levels",))

    @router.post(BATCH_PATH)
    async def batch_levels(request: Request) -> Response:
        body = await read_object(request)
        with state.lock:
            return json_response(_batch(state, body))

    @router.get("/stock-locations")
    async def list_locations(request: Request) -> Response:
        params, window = request.query_params, page(request.query_params, 50)
        with state.lock:
            found = list(state.locations.values())
            shown = [shape(location_json(loc), params.get("fields"), LOCATION_FIELDS) for loc in window.cut(found)]
        return json_response(window.envelope("stock_locations", found, shown))

    @router.get("/sales-channels")
    async def list_channels(request: Request) -> Response:
        params, window = request.query_params, page(request.query_params, 50)
        with state.lock:
            found = list(state.sales_channels.values())
            shown = [shape(channel_json(state, c), params.get("fields"), CHANNEL_FIELDS) for c in window.cut(found)]
        return json_response(window.envelope("sales_channels", found, shown))

    @router.get("/sales-channels/{channel_id}")
    async def get_channel(channel_id: str, request: Request) -> Response:
        with state.lock:
            channel = state.sales_channels.get(channel_id)
            if channel is None:
                raise NotFound(f"Sales channel with id: {channel_id} was not found")
            shown = shape(channel_json(state, channel), request.query_params.get("fields"), CHANNEL_FIELDS)
        return json_response({"sales_channel": shown})

    return router


def _item_response(state: MedusaState, item_id: str, request: Request, *, extra: tuple[str, ...] = ()) -> Response:
    item = state.inventory_items.get(item_id)
    if item is None:
        raise NotFound(f"Inventory item with id: {item_id} was not found")
    fields = request.query_params.get("fields")
    return json_response({"inventory_item": shape(item_json(state, item), fields, (*ITEM_FIELDS, *extra))})


def _batch(state: MedusaState, body: dict[str, Any]) -> dict[str, Any]:
    """Creates, updates and deletes in one call; all of them or, on the first refusal, none."""
    endpoint = f"POST /admin{BATCH_PATH}"
    saved = {key: replace(level) for key, level in state.levels.items()}
    try:
        created = [
            stock.create_level(state, *_level_key(row), row.get("stocked_quantity"), endpoint=endpoint)
            for row in _rows(body, "create")
        ]
        updated = [
            stock.set_stocked(state, *_level_key(row), row.get("stocked_quantity"), endpoint=endpoint)
            for row in _rows(body, "update")
        ]
        deleted = [_delete(state, level_id) for level_id in _rows(body, "delete")]
    except Exception:
        state.levels = saved
        raise
    return {
        "created": [level_json(lv) for lv in created],
        "updated": [level_json(lv) for lv in updated],
        "deleted": deleted,
    }


def _rows(body: dict[str, Any], name: str) -> list[Any]:
    rows = body.get(name, [])
    if not isinstance(rows, list):
        raise InvalidData(f"Invalid request: Expected type: 'array' for field '{name}'")
    return rows


def _level_key(row: Any) -> tuple[str, str]:
    if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in ("inventory_item_id", "location_id")):
        raise InvalidData("Invalid request: each level needs inventory_item_id and location_id")
    return row["inventory_item_id"], row["location_id"]


def _delete(state: MedusaState, level_id: Any) -> str:
    if not isinstance(level_id, str):
        raise InvalidData("Invalid request: Expected type: 'string' for field 'delete'")
    stock.delete_level(state, level_id)
    return level_id


def _wanted(thing: Variant | InventoryItem, ids: list[str] | None, skus: list[str] | None, q: str | None) -> bool:
    if ids is not None and thing.id not in ids:
        return False
    if skus is not None and thing.sku not in skus:
        return False
    return q is None or q.lower() in f"{thing.sku} {thing.title}".lower()


def _stocked_at(state: MedusaState, item: InventoryItem, places: list[str] | None) -> bool:
    return places is None or any((item.id, place) in state.levels for place in places)
