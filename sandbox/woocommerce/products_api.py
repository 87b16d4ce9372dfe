"""`products`, `products/{id}/variations`, their batch endpoints and `system_status` under /wp-json/wc/v3/."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from sandbox.shopify.responses import json_response
from sandbox.woocommerce.batch import invalid_id, run_batch, update_item
from sandbox.woocommerce.catalog import Item
from sandbox.woocommerce.errors import invalid_param
from sandbox.woocommerce.listing import Paging, id_list, page_response, parse_fields, project
from sandbox.woocommerce.orders_api import PREFIX, json_object
from sandbox.woocommerce.resources import item_json, system_status_json
from sandbox.woocommerce.store import WooState

TYPES = ("simple", "grouped", "external", "variable")


def products_router(state: WooState, count: Any) -> APIRouter:
    router = APIRouter(prefix=PREFIX, dependencies=[Depends(count)])

    def product(item_id: Any) -> Item | None:
        item = state.item(item_id) if isinstance(item_id, int) else None
        return item if item is not None and item.kind != "variation" else None

    @router.get("/products")
    async def list_products(request: Request) -> Response:
        paging, params = Paging.read(request.query_params), request.query_params
        wanted, sku, kind = id_list(params, "include"), params.get("sku"), params.get("type")
        if kind is not None and kind not in TYPES:
            raise invalid_param("type", f"type is not one of {', '.join(TYPES)}.")
        skus = None if sku is None else {s.strip() for s in sku.split(",")}
        items = [
            item
            for item in sorted(state.items(), key=lambda i: (i.created, i.id), reverse=True)
            if (item.kind != "variation" or skus is not None)
            and (skus is None or item.sku in skus)
            and (wanted is None or item.id in wanted)
            and (kind is None or item.kind == kind)
        ]
        with state.lock:
            rows = [item_json(state, item) for item in items]
        return page_response(request, rows, paging)

    @router.get("/products/{product_id:int}")
    async def get_product(product_id: int, request: Request) -> Response:
        item = state.item(product_id)
        if item is None:
            raise invalid_id("product")
        return json_response(project(item_json(state, item), parse_fields(request.query_params.get("_fields"))))

    @router.api_route("/products/{product_id:int}", methods=["PUT", "POST", "PATCH"])
    async def update_product(product_id: int, request: Request) -> Response:
        body = {**await json_object(request), "id": product_id}
        return json_response(update_item(state, body, lookup=product, kind="product"))

    @router.post("/products/batch")
    async def batch_products(request: Request) -> Response:
        return json_response(run_batch(state, await json_object(request), lookup=product, kind="product"))

    @router.get("/system_status")
    async def system_status() -> Response:
        return json_response(system_status_json(state))

    _variations(router, state)
    return router


def _variations(router: APIRouter, state: WooState) -> None:
    def variations_of(product_id: int) -> Any:
        parent = state.item(product_id)
        if parent is None or parent.kind == "variation":
            raise invalid_id("product")

        def lookup(item_id: Any) -> Item | None:
            item = state.item(item_id) if isinstance(item_id, int) else None
            return item if item is not None and item.parent_id == product_id else None

        return lookup

    @router.get("/products/{product_id:int}/variations")
    async def list_variations(product_id: int, request: Request) -> Response:
        variations_of(product_id)
        paging, wanted = Paging.read(request.query_params), id_list(request.query_params, "include")
        parent = state.item(product_id)
        children = [state.item(i) for i in (parent.children if parent else ())]
        with state.lock:
            rows = [item_json(state, c) for c in children if c is not None and (wanted is None or c.id in wanted)]
        return page_response(request, rows, paging)

    @router.get("/products/{product_id:int}/variations/{variation_id:int}")
    async def get_variation(product_id: int, variation_id: int) -> Response:
        item = variations_of(product_id)(variation_id)
        if item is None:
            raise invalid_id("product_variation")
        return json_response(item_json(state, item))

    @router.api_route("/products/{product_id:int}/variations/{variation_id:int}", methods=["PUT", "POST", "PATCH"])
    async def update_variation(product_id: int, variation_id: int, request: Request) -> Response:
        body = {**await json_object(request), "id": variation_id}
        lookup = variations_of(product_id)
        return json_response(update_item(state, body, lookup=lookup, kind="product_variation"))

    @router.post("/products/{product_id:int}/variations/batch")
    async def batch_variations(product_id: int, request: Request) -> Response:
        lookup = variations_of(product_id)
        return json_response(run_batch(state, await json_object(request), lookup=lookup, kind="product_variation"))
