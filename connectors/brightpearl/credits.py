"""Returns as Brightpearl sales credits: `POST order-service/sales-credit`, a sales order's shape plus `parentId`.

A credit is raised against the sales order the units left under (`parentId`, read first with
`GET order-service/sales-order/{id}` for its customer, reference and currency) and names the warehouse the
goods come back to; its rows are built like the sales order's, one per returned line. It carries the return's
reference as `externalRef` with the configured `installedIntegrationInstanceId`, so it is found by the pair
(see references) before it is created and after a refusal, and Brightpearl refuses a second credit with the
same pair. The POST is sent once: a timeout after sending is an UnknownOutcome, resolved by the caller looking
the reference up. A credit puts no stock back by itself; the goods-in note booked when the parcel arrives does.
"""

from __future__ import annotations

import structlog

from connectors.brightpearl import mapper, products, references, shipments
from connectors.brightpearl.client import BrightpearlOptions, Calls
from connectors.brightpearl.product_cache import ProductCache
from connectors.brightpearl.schema import SalesOrder, number
from core.errors import FatalError, RequestRejected
from core.providers import ReturnAccepted, ReturnRequest

SALES_CREDIT = "order-service/sales-credit"

log = structlog.get_logger("omshub.brightpearl")


def create(
    calls: Calls, request: ReturnRequest, options: BrightpearlOptions, *, warehouse_id: int, cache: ProductCache
) -> ReturnAccepted:
    existing = find(calls, request.reference, options)
    if existing is not None:
        return existing
    parent = _parent(calls, request)
    found = products.ids(calls, [line.sku for line in request.lines], cache)
    body = mapper.sales_credit(request, options, parent=parent, warehouse_id=warehouse_id, products=found)
    try:
        credit_id = number(calls.post(SALES_CREDIT, body), f"POST {SALES_CREDIT}")
    except RequestRejected:
        existing = find(calls, request.reference, options)  # refused as a repeat of the pair
        if existing is None:
            cache.forget(found)
            raise
        log.info("return.already_created", provider="brightpearl", reference=request.reference)
        return existing
    log.info("return.created", provider="brightpearl", reference=request.reference, credit_id=credit_id)
    return ReturnAccepted(request.reference, str(credit_id))


def find(calls: Calls, reference: str, options: BrightpearlOptions) -> ReturnAccepted | None:
    """The sales credit this integration instance created for the return `reference`, if any."""
    credit_id = references.find(calls, reference, options, order_type=references.SALES_CREDIT)
    return None if credit_id is None else ReturnAccepted(reference, str(credit_id))


def _parent(calls: Calls, request: ReturnRequest) -> SalesOrder:
    """The sales order the returned units left under, as Brightpearl holds it."""
    order_id = number(request.fulfillment_provider_ref, f"{request.reference}: fulfillment_provider_ref")
    parent = shipments.read_orders(calls, [order_id]).get(order_id)
    if parent is None:
        raise FatalError(f"{request.reference}: Brightpearl has no sales order {order_id} to credit the return against")
    if parent.external_ref and parent.external_ref != request.fulfillment_reference:
        raise FatalError(
            f"{request.reference}: sales order {order_id} was created for {parent.external_ref!r},"
            f" not for {request.fulfillment_reference!r}"
        )
    return parent
