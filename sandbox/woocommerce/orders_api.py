"""`orders`, `orders/{id}`, `orders/{id}/notes` and `orders/{id}/refunds` under /wp-json/wc/v3/."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from sandbox.shopify.responses import json_response
from sandbox.woocommerce import lifecycle
from sandbox.woocommerce.errors import WooError, invalid_param
from sandbox.woocommerce.listing import Paging, page_response, parse_fields, project
from sandbox.woocommerce.order_query import STATUSES, parse_order_query
from sandbox.woocommerce.store import Order, WooState

PREFIX = "/wp-json/wc/v3"
INVALID_ORDER = ("woocommerce_rest_shop_order_invalid_id", "Invalid ID.")


def orders_router(state: WooState, count: Any) -> APIRouter:
    router = APIRouter(prefix=PREFIX, dependencies=[Depends(count)])
    walks: dict[tuple[int, str], list[Order]] = {}

    @router.get("/orders")
    async def list_orders(request: Request) -> Response:
        paging = Paging.read(request.query_params)
        query = parse_order_query(request.query_params, state.time)
        # The rows of one query serve every page of its walk until an order changes.
        filters = {k: v for k, v in request.query_params.multi_items() if k not in ("page", "_fields")}
        key = (state.version, repr(sorted(filters.items())))
        rows = walks.get(key)
        if rows is None:
            found = [(query.key(index), order) for index, order in state.orders() if query.matches(index)]
            rows = [order for _, order in sorted(found, key=itemgetter(0))]
            walks.clear()
            walks[key] = rows
        return page_response(request, rows, paging)

    @router.get("/orders/{order_id:int}")
    async def get_order(order_id: int, request: Request) -> Response:
        return json_response(project(_order(state, order_id), parse_fields(request.query_params.get("_fields"))))

    @router.api_route("/orders/{order_id:int}", methods=["PUT", "POST", "PATCH"])
    async def update_order(order_id: int, request: Request) -> Response:
        _order(state, order_id)
        body = await json_object(request)
        status = body.get("status")
        if status is None:
            return json_response(_order(state, order_id))
        if status not in STATUSES:
            raise invalid_param("status", f"status is not one of {', '.join(STATUSES)}.")
        return json_response(lifecycle.change_status(state, order_id, status, at=state.time.now()))

    @router.delete("/orders/{order_id:int}")
    async def trash_order(order_id: int) -> Response:
        _order(state, order_id)
        return json_response(lifecycle.change_status(state, order_id, "trash", at=state.time.now()))

    _notes_and_refunds(router, state)
    return router


def _notes_and_refunds(router: APIRouter, state: WooState) -> None:
    @router.get("/orders/{order_id:int}/notes")
    async def list_notes(order_id: int, request: Request) -> Response:
        _order(state, order_id)
        kind = request.query_params.get("type", "any")
        notes = state.notes(order_id)
        if kind in ("customer", "internal"):
            notes = [n for n in notes if n["customer_note"] == (kind == "customer")]
        return json_response(notes)

    @router.post("/orders/{order_id:int}/notes")
    async def add_note(order_id: int, request: Request) -> Response:
        _order(state, order_id)
        body = await json_object(request)
        text, customer = body.get("note"), body.get("customer_note", False)
        if not isinstance(text, str) or not text:
            raise WooError(400, "rest_missing_callback_param", "Missing parameter(s): note", params={"note": "note"})
        note = lifecycle.add_note(
            state, order_id, text, at=state.time.now(), customer_note=customer is True, author="admin"
        )
        return json_response(note, 201)

    @router.get("/orders/{order_id:int}/refunds")
    async def list_refunds(order_id: int, request: Request) -> Response:
        _order(state, order_id)
        paging = Paging.read(request.query_params)
        return page_response(request, state.refunds(order_id), paging)


def _order(state: WooState, order_id: int) -> Order:
    order = state.order(order_id)
    if order is None:
        raise WooError(404, *INVALID_ORDER)
    return order


async def json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.") from None
    if not isinstance(body, dict):
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
    return body
