"""The Shopify Admin REST API, as far as the hub uses it, served from a `ShopState` under /admin/api/{version}/."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from sandbox.shopify import changes
from sandbox.shopify.faults import FaultPlan, Faults
from sandbox.shopify.gate import Gate
from sandbox.shopify.paging import ListRequest, Row, only_fields, page_response, parse_fields
from sandbox.shopify.queries import parse_id_list, parse_integer, parse_order_query
from sandbox.shopify.ratelimit import CallLimit, LeakyBucket
from sandbox.shopify.refund_requests import RefundRefused, RefundRequest, read_refund
from sandbox.shopify.resources import inventory_item_json, level_json, location_json, product_json
from sandbox.shopify.responses import ApiError, json_response, on_api_error, on_http_error
from sandbox.shopify.state import InventoryError, ShopState

DEFAULT_TOKEN = "shpat_sandbox_token"
DEFAULT_SCOPES = (
    "read_orders",
    "read_all_orders",
    "write_orders",
    "read_products",
    "write_inventory",
    "read_locations",
)
PREFIX = "/admin/api/{version}"


def create_app(
    state: ShopState,
    *,
    faults: Faults | None = None,
    token: str = DEFAULT_TOKEN,
    call_limit: CallLimit = CallLimit(),
    scopes: Sequence[str] = DEFAULT_SCOPES,
) -> FastAPI:
    """A FastAPI app answering like one Shopify shop; `faults` injects misbehaviour, `call_limit` sizes the bucket,
    `scopes` are the access scopes granted to the token."""
    app = FastAPI(title="Shopify Admin REST sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    gate = Gate(
        token=token, bucket=LeakyBucket(call_limit, state.clock), faults=None if faults is None else FaultPlan(faults)
    )
    app.state.gate = gate
    app.add_middleware(BaseHTTPMiddleware, dispatch=gate)
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.include_router(_orders(state, scopes))
    app.include_router(_catalog(state))
    app.include_router(_inventory(state))
    app.include_router(_access(scopes))
    return app


def _access(scopes: Sequence[str]) -> APIRouter:
    router = APIRouter()

    @router.get("/admin/oauth/access_scopes.json")
    async def access_scopes() -> Response:
        return json_response({"access_scopes": [{"handle": handle} for handle in scopes]})

    return router


def _orders(state: ShopState, scopes: Sequence[str]) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    walks: dict[tuple[int, str], list[Row]] = {}

    @router.get("/orders.json")
    async def list_orders(request: Request) -> Response:
        listing = ListRequest.read(request.query_params, "orders")
        query = parse_order_query(listing.query, state.zone)
        # The filtered, sorted rows of one query are reused by every page of its walk until an order changes
        # (a page of a 20,000-order walk would otherwise filter and sort the whole shop again).
        key = (state.version, repr(sorted(listing.query.items())))
        rows = walks.get(key)
        if rows is None:
            found = [(query.key(index), order) for index, order in state.orders() if query.matches(index)]
            rows = sorted(found, key=itemgetter(0))
            walks.clear()
            walks[key] = rows
        return page_response(request, "orders", listing, rows)

    @router.get("/orders/count.json")
    async def count_orders(request: Request) -> Response:
        query = parse_order_query(request.query_params, state.zone)
        return json_response({"count": sum(1 for index, _ in state.orders() if query.matches(index))})

    @router.get("/orders/{order_id:int}.json")
    async def get_order(order_id: int, request: Request) -> Response:
        order = state.order(order_id)
        if order is None:
            raise ApiError(404, "Not Found")
        return json_response({"order": only_fields(order, parse_fields(request.query_params.get("fields")))})

    @router.put("/orders/{order_id:int}.json")
    async def update_order(order_id: int, request: Request) -> Response:
        if "write_orders" not in scopes:
            raise ApiError(403, "[API] This action requires merchant approval for write_orders scope.")
        body = await _json_object(request)
        fields = body.get("order")
        if not isinstance(fields, dict):
            raise ApiError(400, {"order": "Required parameter missing or invalid"})
        with state.lock:
            order = state.order(order_id)
            if order is None:
                raise ApiError(404, "Not Found")
            try:
                changed = changes.annotate(order, fields, now=state.timestamp())
            except ValueError as refused:
                raise ApiError(422, {"order": [str(refused)]}) from None
            state.save_order(changed)
        return json_response({"order": changed})

    @router.post("/orders/{order_id:int}/refunds.json")
    async def create_refund(order_id: int, request: Request) -> Response:
        """A refund of line items (see refund_requests); cancelled and returned units go back on the shelf."""
        if "write_orders" not in scopes:
            raise ApiError(403, "[API] This action requires merchant approval for write_orders scope.")
        body = await _json_object(request)
        with state.lock:
            order = state.order(order_id)
            if order is None:
                raise ApiError(404, "Not Found")
            try:
                asked = read_refund(body, order, state.locations)
                now, ids = state.timestamp(), state.new_id
                if asked.money:
                    changed = changes.refund_units(order, asked.removals, now=now, ids=ids, location_id=None)
                else:
                    changed = changes.take_back(order, asked.removals, now=now, ids=ids)
            except RefundRefused as refused:
                raise ApiError(422, {refused.field: [refused.message]}) from None
            except ValueError as refused:
                raise ApiError(422, {"base": [str(refused)]}) from None
            state.save_order(changed)
            _restock(state, order, asked)
        return json_response({"refund": changed["refunds"][-1]}, 201)

    return router


def _restock(state: ShopState, order: dict[str, Any], asked: RefundRequest) -> None:
    """Canceled and returned units back on the available level of their location, as Shopify restocks them."""
    variants = {line["id"]: line["variant_id"] for line in order["line_items"]}
    for removal in asked.removals:
        variant = state.variants.get(variants[removal.line_id])
        if removal.restock_type != "no_restock" and variant is not None and removal.location_id is not None:
            state.put_back(variant.inventory_item_id, removal.location_id, removal.quantity)


def _catalog(state: ShopState) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    @router.get("/locations.json")
    async def list_locations() -> Response:
        return json_response({"locations": [location_json(state, loc) for loc in state.locations.values()]})

    @router.get("/products.json")
    async def list_products(request: Request) -> Response:
        listing = ListRequest.read(request.query_params, "products")
        wanted = _wanted(listing.query, "ids")
        since_id = parse_integer(listing.query, "since_id") or 0
        rows: list[Row] = [
            ((p.id,), product_json(state, p))
            for p in sorted(state.products.values(), key=lambda p: p.id)
            if p.id > since_id and (wanted is None or p.id in wanted)
        ]
        return page_response(request, "products", listing, rows)

    @router.get("/inventory_items.json")
    async def list_inventory_items(request: Request) -> Response:
        listing = ListRequest.read(request.query_params, "inventory_items")
        wanted = _wanted(listing.query, "ids")
        if wanted is None:
            raise ApiError(400, {"ids": "ids is required"})
        items = sorted(
            (v for item_id, v in state.items.items() if item_id in wanted), key=lambda v: v.inventory_item_id
        )
        rows: list[Row] = [((v.inventory_item_id,), inventory_item_json(state, v)) for v in items]
        return page_response(request, "inventory_items", listing, rows)

    return router


def _inventory(state: ShopState) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    @router.get("/inventory_levels.json")
    async def list_levels(request: Request) -> Response:
        listing = ListRequest.read(request.query_params, "inventory_levels")
        items, locations = _wanted(listing.query, "inventory_item_ids"), _wanted(listing.query, "location_ids")
        if items is None and locations is None:
            raise ApiError(422, {"base": ["inventory_item_ids or location_ids must be given"]})
        levels = [
            lv
            for lv in state.level_list()
            if (items is None or lv.inventory_item_id in items) and (locations is None or lv.location_id in locations)
        ]
        rows: list[Row] = [((lv.inventory_item_id, lv.location_id), level_json(state, lv)) for lv in levels]
        return page_response(request, "inventory_levels", listing, sorted(rows, key=itemgetter(0)))

    @router.post("/inventory_levels/set.json")
    async def set_level(request: Request) -> Response:
        body = await _json_object(request)
        item, location, available = (_integer(body, name) for name in ("inventory_item_id", "location_id", "available"))
        try:
            level = state.set_level(item, location, available)
        except InventoryError as refused:
            raise ApiError(422, [str(refused)]) from None
        return json_response({"inventory_level": level_json(state, level)})

    return router


def _wanted(query: dict[str, str], name: str) -> set[int] | None:
    ids = parse_id_list(query.get(name), name)
    return None if ids is None else set(ids)


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object")
    return body


def _integer(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if type(value) is not int:
        raise ApiError(422, {name: ["is required and must be an integer"]})
    return value
