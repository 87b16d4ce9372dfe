"""contact-service, product-service and order-service (sales orders, sales credits, order search) under
/public-api/{account}/."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandbox.brightpearl.errors import bad_request, id_set, not_found, ok
from sandbox.brightpearl.model import Contact, SalesOrder
from sandbox.brightpearl.orders import create_sales_credit, create_sales_order, set_status
from sandbox.brightpearl.search import Column, search
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.wire import ORDER_TYPE_IDS, sales_order_json
from sandbox.shopify.responses import json_response

Json = dict[str, Any]
PREFIX = "/public-api/{account}"
MAX_ORDERS_PER_GET = 200

CONTACT_COLUMNS = (
    Column("contactId", "INTEGER", lambda c: c.id),
    Column("primaryEmail", "STRING", lambda c: c.email),
    Column("firstName", "STRING", lambda c: c.first_name),
    Column("lastName", "STRING", lambda c: c.last_name),
    Column("companyName", "STRING", lambda c: c.company),
    Column("createdOn", "PERIOD", lambda c: c.created_on),
    Column("updatedOn", "PERIOD", lambda c: c.updated_on),
)
PRODUCT_COLUMNS = (
    Column("productId", "INTEGER", lambda p: p.id),
    Column("productName", "STRING", lambda p: p.name),
    Column("SKU", "STRING", lambda p: p.sku),
    Column("stockTracked", "BOOLEAN", lambda p: p.stock_tracked),
    Column("createdOn", "PERIOD", lambda p: p.created_on),
    Column("updatedOn", "PERIOD", lambda p: p.created_on),
)


def order_columns(state: BrightpearlState) -> tuple[Column, ...]:
    return (
        Column("orderId", "INTEGER", lambda o: o.id),
        Column("orderTypeId", "INTEGER", lambda o: ORDER_TYPE_IDS[o.type_code]),
        Column("parentOrderId", "INTEGER", lambda o: o.parent_id),
        Column("contactId", "INTEGER", lambda o: o.customer_id),
        Column("orderStatusId", "INTEGER", lambda o: o.status_id),
        Column("reference", "STRING", lambda o: o.ref),
        Column("externalRef", "STRING", lambda o: o.external_ref),
        Column("installedIntegrationInstanceId", "INTEGER", lambda o: o.installed_integration_instance_id),
        Column("warehouseId", "INTEGER", lambda o: o.warehouse_id),
        Column("shippingStatusCode", "STRING", state.shipping_status),
        Column("placedOn", "PERIOD", lambda o: o.placed_on),
        Column("createdOn", "PERIOD", lambda o: o.created_on),
        Column("updatedOn", "PERIOD", lambda o: o.updated_on),
    )


async def json_object(request: Request) -> Json:
    try:
        body = await request.json()
    except ValueError:
        raise bad_request("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    return body


def order_routes(state: BrightpearlState) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    orders_searched = order_columns(state)

    @router.get("/contact-service/contact-search")
    async def contact_search(request: Request) -> Response:
        with state.lock:
            found = search(CONTACT_COLUMNS, list(state.contacts.values()), request.query_params)
        return ok(found, reference={})

    @router.post("/contact-service/contact")
    async def create_contact(request: Request) -> Response:
        contact = _new_contact(state, await json_object(request))
        return ok(contact.id)

    @router.post("/contact-service/postal-address")
    async def create_address(request: Request) -> Response:
        body = await json_object(request)
        if not body.get("addressLine1"):
            raise bad_request("addressLine1 is required")
        with state.lock:
            address_id = state.new_id("address")
            state.addresses[address_id] = body
        return ok(address_id)

    @router.get("/product-service/product-search")
    async def product_search(request: Request) -> Response:
        return ok(search(PRODUCT_COLUMNS, list(state.products.values()), request.query_params), reference={})

    @router.post("/order-service/sales-order")
    async def create_order(request: Request) -> Response:
        return ok(create_sales_order(state, await json_object(request)).id)

    @router.get("/order-service/sales-order/{ids}")
    async def get_orders(ids: str) -> Response:
        with state.lock:
            found = _by_ids(state.orders.values(), ids, "sales orders")
            return ok([sales_order_json(o, state.shipping_status(o)) for o in found])

    @router.post("/order-service/sales-credit")
    async def create_credit(request: Request) -> Response:
        return ok(create_sales_credit(state, await json_object(request)).id)

    @router.get("/order-service/sales-credit/{ids}")
    async def get_credits(ids: str) -> Response:
        with state.lock:
            return ok([sales_order_json(c, "NST") for c in _by_ids(state.credits.values(), ids, "sales credits")])

    @router.get("/order-service/order-search")
    async def order_search(request: Request) -> Response:
        """Sales orders and sales credits alike (`orderTypeId` 1 and 3)."""
        with state.lock:
            rows = [*state.orders.values(), *state.credits.values()]
            ref = request.query_params.get("externalRef")
            if ref is not None:  # the common look-up by reference, without sorting every order first
                rows = [o for o in rows if (o.external_ref or "").lower() == ref.lower()]
            every = _sorted(rows)
            found = search(orders_searched, every, request.query_params)
        return ok(found, reference={})

    @router.put("/order-service/order/{order_id}/status")
    async def order_status(order_id: int, request: Request) -> Response:
        set_status(state, order_id, await json_object(request))
        return json_response({})

    return router


def _by_ids(every: Iterable[SalesOrder], ids: str, what: str) -> list[SalesOrder]:
    """The orders (or credits) of an id set, by id; 404 when none of them exists."""
    wanted = id_set(ids, limit=MAX_ORDERS_PER_GET)
    found = [o for o in _sorted(every) if wanted is None or o.id in wanted]
    if not found:
        raise not_found(f"No {what} found for {ids}")
    return found


def _new_contact(state: BrightpearlState, body: Json) -> Contact:
    emails = ((body.get("communication") or {}).get("emails") or {}).get("PRI") or {}
    email, last = emails.get("email"), body.get("lastName")
    if not isinstance(last, str) or not last:
        raise bad_request("lastName is required")
    with state.lock:
        now = state.now()
        contact = Contact(
            id=state.new_id("contact"),
            first_name=str(body.get("firstName") or ""),
            last_name=last,
            email=str(email or ""),
            created_on=now,
            updated_on=now,
            company=str((body.get("organisation") or {}).get("name") or ""),
        )
        state.contacts[contact.id] = contact
        return contact


def _sorted(orders: Any) -> list[SalesOrder]:
    return sorted(orders, key=lambda o: o.id)
