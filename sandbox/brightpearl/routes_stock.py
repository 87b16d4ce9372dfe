"""Products and their stock under /public-api/{account}/: product GET, product availability, stock corrections."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandbox.brightpearl.errors import id_set, not_found, ok
from sandbox.brightpearl.routes_orders import PREFIX, json_object
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.stock import availability_json, correct
from sandbox.brightpearl.wire import product_json


def stock_routes(state: BrightpearlState) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    @router.get("/product-service/product/{ids}")
    async def products(ids: str) -> Response:
        wanted = id_set(ids)
        with state.lock:
            found = [product_json(p) for _, p in sorted(state.products.items()) if wanted is None or p.id in wanted]
        if not found:
            raise not_found(f"No products found for {ids}")
        return ok(found)

    @router.get("/warehouse-service/product-availability/{ids}")
    async def availability(ids: str) -> Response:
        found = availability_json(state, id_set(ids))
        if not found:
            raise not_found(f"No stock-tracked products found for {ids}")
        return ok(found)

    @router.post("/warehouse-service/warehouse/{warehouse_id}/stock-correction")
    async def stock_correction(warehouse_id: int, request: Request) -> Response:
        return ok(correct(state, warehouse_id, await json_object(request)))

    return router
