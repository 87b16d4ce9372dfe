"""Sales orders and sales credits pushed by the hub: validated, each kind unique per (externalRef,
installedIntegrationInstanceId). A credit names its sales order as `parentId` (a string of digits, or a number)
and takes that order's warehouse and currency unless it gives its own."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.brightpearl.errors import BrightpearlError, bad_request, parse_moment
from sandbox.brightpearl.model import OrderRow, SalesOrder
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.wire import CANCELLED, CREDIT_STATUS_NAMES, NEW_CREDIT, STATUS_NAMES

Json = dict[str, Any]


def create_sales_order(state: BrightpearlState, body: Json) -> SalesOrder:
    """Store the order the body describes. Refused whole when any part is invalid."""
    with state.lock:
        order = _new(state, body, state.orders.values(), "An order", status_id=_status(body.get("statusId", 2)))
        order.delivery = dict(body.get("delivery") or {})
        state.orders[order.id] = order
        return order


def create_sales_credit(state: BrightpearlState, body: Json) -> SalesOrder:
    """Store the sales credit the body describes (an order of type SC). Refused whole when any part is invalid."""
    with state.lock:
        parent = _parent(state, body.get("parentId"))
        status_id = _credit_status(body.get("statusId", NEW_CREDIT))
        credit = _new(state, body, state.credits.values(), "A sales credit", status_id=status_id, parent=parent)
        credit.type_code, credit.parent_id = "SC", parent.id if parent else None
        state.credits[credit.id] = credit
        return credit


def _new(
    state: BrightpearlState,
    body: Json,
    same_kind: Iterable[SalesOrder],
    kind: str,
    *,
    status_id: int,
    parent: SalesOrder | None = None,
) -> SalesOrder:
    """An order or credit from its body, checked whole; a credit takes its parent's warehouse and currency
    unless it gives its own."""
    customer_id = _customer_id(state, body)
    external_ref = str(body.get("externalRef") or "")
    instance = _instance(state, body.get("installedIntegrationInstanceId"))
    _refuse_duplicate(same_kind, external_ref, instance, kind)
    rows = [_row(state, n, raw) for n, raw in enumerate(_list(body, "rows"))]
    now = state.now()
    return SalesOrder(
        id=state.new_id("order"),
        customer_id=customer_id,
        rows=rows,
        created_on=now,
        updated_on=now,
        placed_on=parse_moment(body["placedOn"], "placedOn") if body.get("placedOn") else now,
        warehouse_id=_warehouse(state, body.get("warehouseId", parent.warehouse_id if parent else None)),
        currency=str((body.get("currency") or {}).get("code") or (parent.currency if parent else "EUR")),
        ref=str(body.get("ref") or ""),
        external_ref=external_ref,
        installed_integration_instance_id=instance,
        status_id=status_id,
        channel_id=body.get("channelId"),
    )


def set_status(state: BrightpearlState, order_id: int, body: Json) -> None:
    """Change an order's status; cancelling is refused once a goods-out note exists."""
    with state.lock:
        order = state.order(order_id)
        status = _status(body.get("orderStatusId"))
        if status == CANCELLED and state.notes_of(order_id):
            raise bad_request(
                f"Order {order_id} cannot be cancelled: it has goods-out notes. Delete them first.", "ORDC-017"
            )
        order.status_id = status
        order.updated_on = state.now()
        note = body.get("orderNote")
        if isinstance(note, dict) and note.get("text"):
            order.notes.append(str(note["text"]))


def _customer_id(state: BrightpearlState, body: Json) -> int:
    raw = (body.get("customer") or {}).get("id", body.get("customerId"))
    if not isinstance(raw, int):
        raise bad_request("customer.id is required")
    if raw not in state.contacts:
        raise bad_request(f"Contact {raw} does not exist")
    return raw


def _instance(state: BrightpearlState, raw: object) -> int | None:
    if raw is None:
        return None
    if raw != state.installed_integration_instance_id:
        raise bad_request(f"Installed integration instance {raw} does not exist")
    return state.installed_integration_instance_id


def _refuse_duplicate(kept: Iterable[SalesOrder], external_ref: str, instance: int | None, kind: str) -> None:
    if not external_ref or instance is None:
        return
    for order in kept:
        if (order.external_ref, order.installed_integration_instance_id) == (external_ref, instance):
            raise bad_request(
                f"{kind} with externalRef '{external_ref}' already exists for installed integration instance "
                f"{instance} (order {order.id})",
                "ORDC-032",
            )


def _parent(state: BrightpearlState, raw: object) -> SalesOrder | None:
    """The sales order a credit names as its parent (none named: a credit on its own)."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise bad_request(f"parentId: '{raw}' is not an order id")
    parent = state.orders.get(int(raw))
    if parent is None:
        kind = "a sales credit, not a sales order" if int(raw) in state.credits else "not found"
        raise bad_request(f"parentId: order {raw} is {kind}", "ORDC-040")
    return parent


def _row(state: BrightpearlState, n: int, raw: Any) -> OrderRow:
    if not isinstance(raw, dict):
        raise bad_request(f"rows[{n}] must be an object")
    product_id, name = raw.get("productId"), raw.get("name")
    if product_id is None and not name:
        raise bad_request(f"rows[{n}] needs a productId or a name")
    product = None if product_id is None else state.products.get(product_id)
    if product_id is not None and product is None:
        raise bad_request(f"rows[{n}].productId: product {product_id} does not exist")
    return OrderRow(
        id=state.new_id("row"),
        product_id=product_id,
        name=str(name or (product.name if product else "")),
        sku=product.sku if product else "",
        quantity=_decimal(raw.get("quantity"), f"rows[{n}].quantity", positive=True),
        net=_decimal(raw.get("net", "0"), f"rows[{n}].net"),
        tax=_decimal(raw.get("tax", "0"), f"rows[{n}].tax"),
        tax_code=str(raw.get("taxCode") or "T20"),
        external_ref=str(raw.get("externalRef") or ""),
    )


def _decimal(raw: Any, name: str, *, positive: bool = False) -> Decimal:
    """Numbers arrive as strings of at most four decimal places."""
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise bad_request(f"{name} must be a number written as a string")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise bad_request(f"{name}: '{raw}' is not a number") from None
    if not value.is_finite() or value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise bad_request(f"{name}: '{raw}' has more than four decimal places")
    if positive and value <= 0:
        raise bad_request(f"{name} must be greater than zero")
    return value


def _list(body: Json, name: str) -> list[Any]:
    raw = body.get(name)
    if not isinstance(raw, list) or not raw:
        raise bad_request(f"{name} must be a non-empty list")
    return raw


def _warehouse(state: BrightpearlState, raw: object) -> int:
    if raw is None:
        return next(iter(state.warehouses))
    if raw not in state.warehouses:
        raise bad_request(f"Warehouse {raw} does not exist")
    return int(str(raw))


def _credit_status(raw: object) -> int:
    if not isinstance(raw, int) or raw not in CREDIT_STATUS_NAMES:
        raise BrightpearlError(400, "ORDC-015", f"Sales credit status {raw} does not exist")
    return raw


def _status(raw: object) -> int:
    if not isinstance(raw, int) or raw not in STATUS_NAMES:
        raise BrightpearlError(400, "ORDC-015", f"Order status {raw} does not exist")
    return raw
