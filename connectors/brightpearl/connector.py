"""The Brightpearl connector: a fulfillment provider. Fulfillment requests become sales orders
(`POST order-service/sales-order`), shipments come back as goods-out notes, orders are cancelled by status, and
returns become sales credits against their sales orders (see credits).

A sales order carries the request's reference as `externalRef` with the configured
`installedIntegrationInstanceId`; Brightpearl refuses a second order with the same pair, and the hub finds an
order by the pair (`order-search`) before creating one and after a refusal. The POST itself is sent once: a
timeout after sending is an UnknownOutcome, resolved by the caller looking the reference up. Brightpearl's
throttling (503 with `brightpearl-next-throttle-period`) means the request was not executed and is waited out
and repeated by connectors.http.

Product ids are found by SKU (one search each) and remembered for `options.product_cache_seconds` in the
connector's ProductCache; a SKU is forgotten when Brightpearl refuses an order or credit naming its product.

With `options.stock_source`, Brightpearl's warehouses are also the hub's source of truth for stock: the
connector then offers `stock_source`, whose figures the pull-stock job sets the hub's stocked quantities from.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import httpx
import structlog

from connectors.base import ChannelSettings, ConnectorType
from connectors.brightpearl import credits, mapper, products, references, shipments, stock
from connectors.brightpearl.client import CREDENTIALS_FIX, BrightpearlClient, BrightpearlOptions, Calls
from connectors.brightpearl.product_cache import ProductCache
from connectors.brightpearl.references import ORDER_SEARCH
from connectors.brightpearl.schema import number
from core.errors import CredentialsRejected, FatalError, OmshubError, RequestRejected
from core.providers import FulfillmentAccepted, FulfillmentRequest, ProviderShipment, ReturnAccepted, ReturnRequest
from core.stock_source import StockReading, StockSource

SALES_ORDER = "order-service/sales-order"
CONTACT_SEARCH = "contact-service/contact-search"

log = structlog.get_logger("omshub.brightpearl")


class BrightpearlConnector:
    def __init__(
        self,
        settings: ChannelSettings,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        options = settings.options
        assert isinstance(options, BrightpearlOptions)
        self.settings, self.options = settings, options
        self.bp = BrightpearlClient(settings, options, transport, sleep=sleep)
        self.products = ProductCache(options.product_cache_seconds, options.product_cache_size, monotonic=monotonic)
        self.client = self.bp.http
        self.orders = None  # a provider, not a sales channel
        self.stock = None
        self.shipments = None
        self.payments = None
        self.fulfillment = self
        self.stock_source: StockSource | None = self if options.stock_source else None

    def create_fulfillment(self, request: FulfillmentRequest, *, time_left: float | None = None) -> FulfillmentAccepted:
        warehouse_id = self._warehouse(request.location)
        calls = self.bp.calls(time_left)
        existing = _find(calls, request.reference, self.options)
        if existing is not None:
            return existing
        customer = _customer(calls, request, self.options)
        found = products.ids(calls, [line.sku for line in request.lines], self.products)
        body = mapper.sales_order(request, self.options, warehouse_id=warehouse_id, contact_id=customer, products=found)
        try:
            order_id = number(calls.post(SALES_ORDER, body), f"POST {SALES_ORDER}")
        except RequestRejected:
            existing = _find(calls, request.reference, self.options)  # refused as a repeat of the pair
            if existing is None:
                self.products.forget(found)
                raise
            log.info("fulfillment.already_created", provider="brightpearl", reference=request.reference)
            return existing
        log.info("fulfillment.created", provider="brightpearl", reference=request.reference, order_id=order_id)
        return FulfillmentAccepted(request.reference, str(order_id))

    def find_fulfillment(self, reference: str, *, time_left: float | None = None) -> FulfillmentAccepted | None:
        return _find(self.bp.calls(time_left), reference, self.options)

    def cancel_fulfillment(self, accepted: FulfillmentAccepted, *, time_left: float | None = None) -> bool:
        """False once the order has a goods-out note (picked, packed or shipped): Brightpearl then refuses the
        cancelled status. A refusal for another reason (invoiced, paid) is raised with Brightpearl's message."""
        status = self.options.cancel_status_id
        if status is None:
            raise FatalError("options.cancel_status_id is not set: give the id of the account's cancelled status")
        calls = self.bp.calls(time_left)
        order_id = accepted.provider_ref
        notes = calls.search(shipments.GOODS_OUT_SEARCH, {"orderId": order_id})
        if any(str(row.get("orderId", order_id)) == order_id for page in notes for row in page):
            return False
        note = {"text": f"Cancelled by the hub (request {accepted.reference})", "isPublic": False}
        calls.put(f"order-service/order/{order_id}/status", {"orderStatusId": status, "orderNote": note})
        log.info("fulfillment.cancelled", provider="brightpearl", reference=accepted.reference, order_id=order_id)
        return True

    def create_return(self, request: ReturnRequest, *, time_left: float | None = None) -> ReturnAccepted:
        """A sales credit against the request's sales order, the goods coming back to its location's warehouse."""
        warehouse_id = self._warehouse(request.location)
        calls = self.bp.calls(time_left)
        return credits.create(calls, request, self.options, warehouse_id=warehouse_id, cache=self.products)

    def find_return(self, reference: str, *, time_left: float | None = None) -> ReturnAccepted | None:
        return credits.find(self.bp.calls(time_left), reference, self.options)

    def shipments_since(
        self, bookmark: str | None, *, time_left: float | None = None
    ) -> tuple[list[ProviderShipment], str | None]:
        locations = {int(warehouse): code for code, warehouse in self._warehouses().items()}
        return shipments.shipments_since(self.bp.calls(time_left), bookmark, self.options, locations)

    def stock_levels(
        self, skus: Sequence[str], *, items: Mapping[str, str], time_left: float | None = None
    ) -> StockReading:
        """Brightpearl's figures of `skus` at the warehouses location_ids maps (see stock)."""
        locations = {warehouse: code for code, warehouse in self._warehouses().items()}
        return stock.stock_levels(self.bp.calls(time_left), skus, items=items, locations=locations, cache=self.products)

    def check(self) -> list[str]:
        calls = self.bp.calls(None)
        params = {"installedIntegrationInstanceId": str(self.options.installed_integration_instance_id)}
        try:
            next(iter(calls.search(ORDER_SEARCH, params | {"columns": "orderId"})), None)
        except CredentialsRejected as exc:
            return [f"Brightpearl refused the credentials ({exc.status}); {CREDENTIALS_FIX}"]
        except OmshubError as exc:
            return [str(exc)]
        problems = _warehouse_problems(calls, self.settings.location_ids)
        if self.options.cancel_status_id is None:
            problems.append("options.cancel_status_id is not set: fulfillment requests cannot be cancelled")
        return problems

    def close(self) -> None:
        self.client.close()

    def _warehouse(self, location: str) -> int:
        warehouse = self._warehouses().get(location)
        if warehouse is None:
            raise FatalError(f"location {location!r} has no Brightpearl warehouse id in this provider's location_ids")
        return warehouse

    def _warehouses(self) -> dict[str, int]:
        try:
            return {code: int(warehouse) for code, warehouse in self.settings.location_ids.items()}
        except ValueError:
            raise FatalError("location_ids: Brightpearl warehouse ids are numbers") from None


def _find(calls: Calls, reference: str, options: BrightpearlOptions) -> FulfillmentAccepted | None:
    """The sales order created for `reference` by this integration instance, if any."""
    order_id = references.find(calls, reference, options, order_type=references.SALES_ORDER)
    return None if order_id is None else FulfillmentAccepted(reference, str(order_id))


def _customer(calls: Calls, request: FulfillmentRequest, options: BrightpearlOptions) -> int:
    """The contact of the order's email, created (with the shipping address) when Brightpearl has none."""
    email = request.email
    if not email:
        if options.guest_contact_id is None:
            raise FatalError(
                f"{request.reference} has no email to find its Brightpearl contact by; set options.guest_contact_id"
            )
        return options.guest_contact_id
    rows = [row for page in calls.search(CONTACT_SEARCH, {"primaryEmail": email}) for row in page]
    same = [row for row in rows if str(row.get("primaryEmail", email)).lower() == email.lower()]
    if same:
        return min(number(row["contactId"], CONTACT_SEARCH) for row in same)
    address_id = number(calls.post("contact-service/postal-address", mapper.postal_address(request)), "address")
    return number(calls.post("contact-service/contact", mapper.contact(request, email, address_id)), "contact")


def _warehouse_problems(calls: Calls, location_ids: Mapping[str, str]) -> list[str]:
    if not location_ids:
        return ["location_ids is empty: map each hub location to the id of a Brightpearl warehouse"]
    problems = [
        f"location_ids.{code} = {value!r}: a Brightpearl warehouse id is a number"
        for code, value in location_ids.items()
        if not value.isdigit()
    ]
    numeric = {code: value for code, value in location_ids.items() if value.isdigit()}
    listed = calls.get_set(f"warehouse-service/warehouse/{','.join(sorted(set(numeric.values())))}") if numeric else []
    known = {str(warehouse.get("id")) for warehouse in listed or [] if isinstance(warehouse, dict)}
    missing = [code for code, value in numeric.items() if value not in known]
    return problems + [f"location_ids.{code} = {numeric[code]}: no such Brightpearl warehouse" for code in missing]


BRIGHTPEARL = ConnectorType(
    name="brightpearl",
    options=BrightpearlOptions,
    credentials=("app_ref", "account_token"),
    build=BrightpearlConnector,
    roles=frozenset({"fulfillment"}),
)
