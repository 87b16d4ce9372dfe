"""Orders under /admin/orders: list, one, update (metadata), fulfil, ship, cancel, complete; and payment capture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandbox.medusa import ordering
from sandbox.medusa.body import read_object
from sandbox.medusa.errors import InvalidData, json_response
from sandbox.medusa.fields import shape
from sandbox.medusa.model import Order
from sandbox.medusa.order_json import order_json
from sandbox.medusa.query import TimeFilter, page, sort_order, time_filters, values
from sandbox.medusa.state import MedusaState

LIST_FIELDS = (
    "id",
    "display_id",
    "custom_display_id",
    "status",
    "version",
    "summary",
    "total",
    "metadata",
    "locale",
    "created_at",
    "updated_at",
)
NOT_IN_DETAIL = frozenset({"email", "currency_code", "sales_channel_id", "customer_id", "fulfillments"})
HIDDEN = frozenset({"items.variant"})  # `*items` leaves the nested variant out; the single order shows it
SORTABLE = ("created_at", "updated_at", "display_id", "id")
DEFAULT_LIMIT = 15
UPDATABLE = frozenset({"metadata"})
"""What POST /admin/orders/{id} takes here (Medusa also takes email and addresses, which the hub never sends)."""


def order_routes(state: MedusaState) -> APIRouter:
    router = APIRouter(prefix="/admin")

    @router.get("/orders")
    async def list_orders(request: Request) -> Response:
        params = request.query_params
        window, filters = page(params, DEFAULT_LIMIT), time_filters(params)
        field, descending = sort_order(params, SORTABLE, "-created_at")
        wanted = {name: values(params, name) for name in ("id", "sales_channel_id", "status")}
        with state.lock:
            found = [o for o in state.orders.values() if _matches(o, filters, wanted)]
            found.sort(key=lambda o: (getattr(o, field), o.id), reverse=descending)
            shown = [_shown(order_json(o), params.get("fields"), LIST_FIELDS) for o in window.cut(found)]
        return json_response(window.envelope("orders", found, shown))

    @router.get("/orders/{order_id}")
    async def get_order(order_id: str, request: Request) -> Response:
        with state.lock:
            return _one(state.order(order_id), request)

    @router.post("/orders/{order_id}")
    async def update_order(order_id: str, request: Request) -> Response:
        body = await read_object(request)
        unknown = sorted(set(body) - UPDATABLE)
        if unknown:
            raise InvalidData(f"Invalid request: Unrecognized fields: {', '.join(repr(k) for k in unknown)}")
        metadata = body.get("metadata", {})
        if not isinstance(metadata, dict):
            raise InvalidData("Invalid request: Expected type: 'object' for field 'metadata'")
        with state.lock:
            return _one(ordering.update_metadata(state, order_id, metadata), request)

    @router.post("/orders/{order_id}/fulfillments")
    async def create_fulfillment(order_id: str, request: Request) -> Response:
        body = await read_object(request)
        items = _fulfillment_items(body.get("items"))
        location = body.get("location_id")
        if location is not None and not isinstance(location, str):
            raise InvalidData("Invalid request: Expected type: 'string' for field 'location_id'")
        with state.lock:
            ordering.fulfill(state, order_id, location_id=location, items=items, metadata=body.get("metadata"))
            return _one(state.order(order_id), request, extra=("fulfillments",))

    @router.post("/orders/{order_id}/fulfillments/{fulfillment_id}/shipments")
    async def create_shipment(order_id: str, fulfillment_id: str, request: Request) -> Response:
        body = await read_object(request)
        labels = body.get("labels", [])
        if not isinstance(labels, list):
            raise InvalidData("Invalid request: Expected type: 'array' for field 'labels'")
        with state.lock:
            order = ordering.ship(state, order_id, fulfillment_id, labels=labels)
            return _one(order, request, extra=("fulfillments",))

    @router.post("/orders/{order_id}/cancel")
    async def cancel_order(order_id: str, request: Request) -> Response:
        with state.lock:
            return _one(ordering.cancel(state, order_id), request)

    @router.post("/orders/{order_id}/complete")
    async def complete_order(order_id: str, request: Request) -> Response:
        with state.lock:
            return _one(ordering.complete(state, order_id), request)

    @router.post("/payments/{payment_id}/capture")
    async def capture_payment(payment_id: str) -> Response:
        with state.lock:
            order = next((o for o in state.orders.values() if o.payment.id == payment_id), None)
            if order is None:
                raise InvalidData(f"Payment with id: {payment_id} was not found")
            ordering.capture(state, order.id)
            payment = next(iter(order_json(order)["payment_collections"]))["payments"][0]
        return json_response({"payment": payment})

    return router


COMPUTED = ("payment_status", "fulfillment_status")
"""Aggregated from payment collections and fulfillments on every read, whatever `fields` says."""


def detail_fields(full: dict[str, Any], extra: tuple[str, ...] = ()) -> list[str]:
    """The single order's default: items with their variant, addresses, shipping methods, payments, totals."""
    return [key for key in full if key not in NOT_IN_DETAIL] + ["items.variant", *extra]


def _one(order: Order, request: Request, *, extra: tuple[str, ...] = ()) -> Response:
    full = order_json(order)
    return json_response({"order": _shown(full, request.query_params.get("fields"), detail_fields(full, extra))})


def _shown(full: dict[str, Any], fields: str | None, defaults: Sequence[str]) -> Any:
    """The order as `fields` selects it, plus the statuses Medusa's order workflows always compute."""
    return {**shape(full, fields, defaults, HIDDEN), **{key: full[key] for key in COMPUTED}}


def _matches(order: Order, filters: list[TimeFilter], wanted: dict[str, list[str] | None]) -> bool:
    if not all(f.matches(getattr(order, f.field)) for f in filters):
        return False
    given = {"id": order.id, "sales_channel_id": order.sales_channel_id, "status": order.status}
    return all(allowed is None or given[name] in allowed for name, allowed in wanted.items())


def _fulfillment_items(raw: Any) -> dict[str, int] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in raw):
        raise InvalidData("Invalid request: Expected items as [{id, quantity}]")
    items: dict[str, int] = {}
    for item in raw:
        quantity = item.get("quantity")
        if type(quantity) is not int:
            raise InvalidData("Invalid request: Expected type: 'number' for field 'items.quantity'")
        items[item["id"]] = items.get(item["id"], 0) + quantity
    return items
