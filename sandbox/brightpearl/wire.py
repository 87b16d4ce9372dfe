"""The JSON Brightpearl answers for sales orders and credits, goods-out notes, warehouses and products."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.brightpearl.errors import when
from sandbox.brightpearl.model import GoodsOutNote, OrderRow, Product, SalesOrder, Warehouse, four_dp

Json = dict[str, Any]
STATUS_NAMES = {1: "Draft / Quote", 2: "New web order", 3: "Awaiting payment", 4: "Invoiced", 5: "Cancelled"}
CANCELLED = 5
CREDIT_STATUS_NAMES = {6: "Pending return", 7: "Credit complete"}
NEW_CREDIT = 6
ORDER_TYPE_IDS = {"SO": 1, "SC": 3}  # and 2 PO, 4 PC, which the simulator does not keep


def row_json(row: OrderRow) -> Json:
    return {
        "id": row.id,
        "productId": row.product_id,
        "name": row.name,
        "sku": row.sku,
        "quantity": four_dp(row.quantity),
        "taxCode": row.tax_code,
        "net": four_dp(row.net),
        "tax": four_dp(row.tax),
        "externalRef": row.external_ref,
    }


def sales_order_json(order: SalesOrder, shipping_status: str) -> Json:
    net = sum((r.net for r in order.rows), Decimal(0))
    tax = sum((r.tax for r in order.rows), Decimal(0))
    return {
        "id": order.id,
        "customer": {"id": order.customer_id},
        "delivery": dict(order.delivery),
        "ref": order.ref,
        "externalRef": order.external_ref,
        "installedIntegrationInstanceId": order.installed_integration_instance_id,
        "placedOn": when(order.placed_on),
        "createdOn": when(order.created_on),
        "updatedOn": when(order.updated_on),
        "parentId": order.parent_id,
        "statusId": order.status_id,
        "statusName": (CREDIT_STATUS_NAMES if order.type_code == "SC" else STATUS_NAMES).get(order.status_id, ""),
        "isCanceled": order.status_id == CANCELLED,
        "warehouseId": order.warehouse_id,
        "channelId": order.channel_id,
        "currency": {"code": order.currency},
        "shippingStatusCode": shipping_status,
        "orderPaymentStatus": "NOT_APPLICABLE",
        "total": {"net": four_dp(net), "tax": four_dp(tax), "total": four_dp(net + tax)},
        "rows": [row_json(r) for r in order.rows],
    }


def note_json(note: GoodsOutNote) -> Json:
    shipped_on = when(note.shipped_on)
    done = {"printed": note.shipped, "picked": note.shipped, "packed": note.shipped, "shipped": note.shipped}
    status: Json = {}
    for step, flag in done.items():
        status.update({step: flag, f"{step}On": shipped_on, f"{step}ById": 4 if flag else 0})
    rows: dict[str, list[Json]] = {}
    for line in note.lines:
        item = {"productId": line.product_id, "quantity": line.quantity, "locationId": 1, "externalRef": ""}
        rows.setdefault(str(line.row_id), []).append(item)
    return {
        "orderId": note.order_id,
        "warehouseId": note.warehouse_id,
        "externalRef": "",
        "transfer": False,
        "priority": False,
        "status": status,
        "shipping": {"reference": note.tracking_reference, "boxes": note.boxes, "shippingMethodId": 4, "weight": ""},
        "releaseDate": when(note.created_on),
        "createdOn": when(note.created_on),
        "createdBy": 4,
        "orderRows": rows,
        "sequence": note.sequence,
        "events": [{"eventCode": e.code, "occured": when(e.occured), "eventOwnerId": e.owner_id} for e in note.events],
        "labelUri": "",
        "lastEventVersion": len(note.events),
    }


def warehouse_json(warehouse: Warehouse) -> Json:
    return {
        "id": warehouse.id,
        "name": warehouse.name,
        "typeCode": "OWN",
        "typeDescription": "Own warehouse",
        "address": {"addressLine3": warehouse.name, "countryIsoCode": "DEU"},
    }


def product_json(product: Product) -> Json:
    return {
        "id": product.id,
        "identity": {"sku": product.sku, "isbn": "", "ean": "", "upc": "", "mpn": "", "barcode": ""},
        "productTypeId": 1,
        "stock": {"stockTracked": product.stock_tracked, "weight": {"magnitude": "0.0000"}},
        "salesChannels": [{"salesChannelName": "Brightpearl", "productName": product.name}],
        "createdOn": when(product.created_on),
        "updatedOn": when(product.created_on),
    }
