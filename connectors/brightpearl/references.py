"""What this integration instance created in Brightpearl, found by the hub's reference.

Sales orders and sales credits are both orders to `GET order-service/order-search`, told apart by
`orderTypeId` (1 a sales order, 3 a sales credit). Each carries the hub's reference as `externalRef` with the
configured `installedIntegrationInstanceId`, a pair Brightpearl keeps unique per kind: a second POST with the
same pair is refused instead of creating a duplicate.
"""

from __future__ import annotations

from connectors.brightpearl.client import BrightpearlOptions, Calls
from connectors.brightpearl.schema import number

ORDER_SEARCH = "order-service/order-search"
SALES_ORDER = 1
SALES_CREDIT = 3


def find(calls: Calls, reference: str, options: BrightpearlOptions, *, order_type: int) -> int | None:
    """The id of the order of `order_type` this integration instance created for `reference`, if any (the oldest,
    should there be several)."""
    params = {
        "externalRef": reference,
        "installedIntegrationInstanceId": str(options.installed_integration_instance_id),
        "orderTypeId": str(order_type),
        "columns": "orderId,externalRef",
    }
    rows = [row for page in calls.search(ORDER_SEARCH, params) for row in page]
    found = [number(row["orderId"], ORDER_SEARCH) for row in rows if row.get("externalRef") == reference]
    return min(found) if found else None
