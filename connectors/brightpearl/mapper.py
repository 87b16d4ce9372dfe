"""Pure translations between the hub's fulfillment requests and returns and Brightpearl's sales orders, sales
credits and goods-out notes.

Money leaves as strings of major units with four decimals ("39.9800"), the form Brightpearl itself answers in;
row `net` and `tax` are for the whole row (all units), which is what the hub's lines carry for tax and what
the unit price times the quantity gives for net. Lines that hold no stock (gift wrap, insurance) are rows
without a product, like the shipping row: Brightpearl's order carries their money, and no goods-out note
ships them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.brightpearl.client import BrightpearlOptions
from connectors.brightpearl.schema import GoodsOutNote, OrderRow, SalesOrder
from core.errors import FatalError
from core.money import to_major
from core.providers import (
    FulfillmentCharge,
    FulfillmentLine,
    FulfillmentRequest,
    ProviderShipment,
    ReturnLine,
    ReturnRequest,
)
from core.shipments import Tracking

_FOUR_PLACES = Decimal("0.0001")
_ADDRESS_LINES = ("addressLine1", "addressLine2", "addressLine3", "addressLine4", "postalCode", "countryIsoCode")


def amount(minor: int, currency: str) -> str:
    """Minor units as Brightpearl's 4-dp major-unit string: 3998 EUR → "39.9800", 1500 JPY → "1500.0000"."""
    return str(to_major(minor, currency).quantize(_FOUR_PLACES))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def address(ship_to: Mapping[str, Any] | None, *, name: str | None, email: str | None) -> dict[str, str]:
    """The canonical address as a Brightpearl address object; empty fields are left out."""
    to = ship_to or {}
    full = " ".join(str(part) for part in (to.get("first_name"), to.get("last_name")) if part) or name
    country = to.get("country_code")
    fields = {
        "addressFullName": full,
        "companyName": to.get("company"),
        "addressLine1": to.get("address_1"),
        "addressLine2": to.get("address_2"),
        "addressLine3": to.get("city"),
        "addressLine4": to.get("province"),
        "postalCode": to.get("postal_code"),
        "countryIsoCode": str(country).upper() if country else None,
        "telephone": to.get("phone"),
        "email": email,
    }
    return {key: str(value) for key, value in fields.items() if value}


def sales_order(
    request: FulfillmentRequest,
    options: BrightpearlOptions,
    *,
    warehouse_id: int,
    contact_id: int,
    products: Mapping[str, int],
) -> dict[str, Any]:
    """The `POST order-service/sales-order` body; `products` maps the SKUs Brightpearl knows to product ids."""
    delivery: dict[str, Any] = {"address": address(request.ship_to, name=request.name, email=request.email)}
    if options.shipping_method_id is not None:
        delivery["shippingMethodId"] = options.shipping_method_id
    body: dict[str, Any] = {
        "externalRef": request.reference,
        "installedIntegrationInstanceId": options.installed_integration_instance_id,
        "ref": request.display_number or request.order_external_id,
        "placedOn": iso(request.placed_at),
        "customer": {"id": contact_id},
        "currency": {"code": request.currency.upper()},
        "warehouseId": warehouse_id,
        "delivery": delivery,
        "rows": [line_row(line, request.currency, options.tax_code, products.get(line.sku)) for line in request.lines],
    }
    optional = {"channelId": options.channel_id, "priceListId": options.price_list_id}
    body |= {key: value for key, value in (optional | {"statusId": options.order_status_id}).items() if value}
    body["rows"] += [charge_row(charge, request.currency, options.tax_code) for charge in request.charges]
    if request.shipping_net > 0:
        body["rows"].append(shipping_row(request, options))
    return body


def sales_credit(
    request: ReturnRequest,
    options: BrightpearlOptions,
    *,
    parent: SalesOrder,
    warehouse_id: int,
    products: Mapping[str, int],
) -> dict[str, Any]:
    """The `POST order-service/sales-credit` body: the returned lines credited against the sales order `parent`
    (for its customer, under its reference, in its currency), the goods coming back to `warehouse_id`."""
    contact_id = parent.contact_id
    if contact_id is None:
        raise FatalError(f"{request.reference}: Brightpearl answered sales order {parent.id} without its customer")
    currency = parent.currency.code.upper() if parent.currency is not None else request.currency.upper()
    if currency != request.currency.upper():
        raise FatalError(
            f"{request.reference}: sales order {parent.id} is in {currency}, the return in {request.currency.upper()}"
        )
    body: dict[str, Any] = {
        "parentId": parent.id,
        "externalRef": request.reference,
        "installedIntegrationInstanceId": options.installed_integration_instance_id,
        "customer": {"id": contact_id},
        "currency": {"code": currency},
        "warehouseId": warehouse_id,
        "rows": [line_row(line, request.currency, options.tax_code, products.get(line.sku)) for line in request.lines],
    }
    optional = {"ref": parent.ref, "channelId": options.channel_id, "priceListId": options.price_list_id}
    return body | {key: value for key, value in (optional | {"statusId": options.credit_status_id}).items() if value}


def line_row(
    line: FulfillmentLine | ReturnLine, currency: str, tax_code: str, product_id: int | None
) -> dict[str, Any]:
    """One order or credit row; a SKU Brightpearl does not know becomes a free-text row named with its SKU."""
    row: dict[str, Any] = {"productId": product_id} if product_id is not None else {}
    return row | {
        "name": line.title if product_id is not None else f"{line.title} [{line.sku}]",
        "quantity": str(line.quantity),
        "taxCode": tax_code,
        "net": amount(line.unit_net * line.quantity, currency),
        "tax": amount(line.tax, currency),
        "externalRef": line.line_key,
    }


def charge_row(charge: FulfillmentCharge, currency: str, tax_code: str) -> dict[str, Any]:
    """A line that holds no stock, as a row without a product: its name, units and whole net and tax."""
    return {
        "name": charge.title,
        "quantity": str(charge.quantity),
        "taxCode": tax_code,
        "net": amount(charge.net, currency),
        "tax": amount(charge.tax, currency),
        "externalRef": charge.line_key,
    }


def shipping_row(request: FulfillmentRequest, options: BrightpearlOptions) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": "Shipping",
        "quantity": "1",
        "taxCode": options.shipping_tax_code or options.tax_code,
        "net": amount(request.shipping_net, request.currency),
        "tax": amount(request.shipping_tax, request.currency),
    }
    if options.shipping_nominal_code is not None:
        row["nominalCode"] = options.shipping_nominal_code
    return row


def postal_address(request: FulfillmentRequest) -> dict[str, str]:
    """The `POST contact-service/postal-address` body: the address lines of the shipping address."""
    lines = address(request.ship_to, name=None, email=None)
    return {key: value for key, value in lines.items() if key in _ADDRESS_LINES}


def contact(request: FulfillmentRequest, email: str, address_id: int) -> dict[str, Any]:
    """The `POST contact-service/contact` body of a new customer, its one address for every purpose."""
    to = request.ship_to or {}
    first, last = to.get("first_name"), to.get("last_name")
    if not (first or last) and request.name:
        first, _, last = request.name.partition(" ")
    return {
        "firstName": first or "",
        "lastName": last or email,
        "postAddressIds": {"DEF": address_id, "BIL": address_id, "DEL": address_id},
        "communication": {"emails": {"PRI": {"email": email}}},
        "relationshipToAccount": {"isSupplier": False, "isStaff": False},
    }


def shipment(note_id: str, note: GoodsOutNote, order: SalesOrder, locations: Mapping[int, str]) -> ProviderShipment:
    """A shipped goods-out note as the hub's shipment: (SKU, units) per order row, its warehouse as a location."""
    location = locations.get(note.warehouse_id)
    if location is None:
        raise FatalError(
            f"goods-out note {note_id} left Brightpearl warehouse {note.warehouse_id}, which no location_ids entry"
            " maps to a hub location; add it to this provider's location_ids"
        )
    units: dict[str, int] = {}
    for row_id, products in note.order_rows.items():
        sku = _row_sku(note_id, _order_row(order, row_id, products))
        units[sku] = units.get(sku, 0) + sum(product.quantity for product in products)
    reference = note.shipping.reference
    return ProviderShipment(
        provider_ref=note_id,
        request_reference=order.external_ref or "",
        location=location,
        lines=tuple(units.items()),
        tracking=(Tracking(reference),) if reference else (),
        shipped_at=note.status.shipped_on,
    )


def _order_row(order: SalesOrder, row_id: str, products: Iterable[Any]) -> OrderRow | None:
    by_id = {str(row.id): row for row in order.rows}
    if row_id in by_id:
        return by_id[row_id]
    product_ids = {product.product_id for product in products} - {None}
    return next((row for row in order.rows if row.product_id in product_ids), None)


def _row_sku(note_id: str, row: OrderRow | None) -> str:
    sku = None if row is None else row.sku or row.external_ref
    if sku is None:
        raise FatalError(f"goods-out note {note_id} ships a row its sales order does not list with a SKU")
    return sku


def next_bookmark(notes: Iterable[GoodsOutNote], previous: str | None, *, hold: timedelta) -> str | None:
    """The latest creation time seen; held back to the oldest unshipped note created within `hold` of it, so a
    note shipped after later notes were created is still read (its shipment would otherwise never be seen)."""
    created = [(note.created_on, note.status.shipped) for note in notes if note.created_on is not None]
    if not created:
        return previous
    latest = max(moment for moment, _shipped in created)
    waiting = [moment for moment, shipped in created if not shipped and latest - moment <= hold]
    return iso(min(waiting, default=latest))
