"""Line actions: how the hub's own changes to an order (edits, exchanges, claims) are written, and how they
stay applied when the channel sends a newer version of the order.

A change is a list of actions, each on one line: `add` a line the hub names (`REFERENCE/N`, so the channel
never has a line of that key), or `set_quantity` of a line (0 removes a line none of which has left). An
order's lines are at all times the channel's latest lines with the actions of every confirmed change applied
in the order they were confirmed; the hub's totals are computed from those lines, so the order's totals are
always the sum of its current lines.

Before actions apply, each line's share of the order-level discount is fixed into the line's own discount:
adding or removing a line never moves what the customer paid for the other lines (their refunds stay exact).
A quantity change keeps the line's discount and tax per unit (rounded half up to the minor unit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select

from core.errors import InvalidRequest
from core.model import CanonicalOrder, OrderLine, OrderStatus, TaxLine
from core.store.schema import order_changes, order_lines, orders
from core.totals import price_lines
from core.validation import describe_errors

ADD = "add"
SET_QUANTITY = "set_quantity"
CONFIRMED = "confirmed"
Action = Mapping[str, Any]


def add_action(
    key: str, sku: str, quantity: int, unit_price: int, *, title: str = "", tax_rate: str | None = None
) -> dict[str, Any]:
    """An action that adds `quantity` of `sku` at `unit_price` (each, minor units), taxed at `tax_rate`."""
    if quantity < 1:
        raise InvalidRequest(f"{sku}: the quantity of a new line must be at least 1, not {quantity}")
    if unit_price < 0:
        raise InvalidRequest(f"{sku}: a unit price cannot be negative")
    if tax_rate is not None:
        _rate(tax_rate)
    action: dict[str, Any] = {"action": ADD, "line_key": key, "sku": sku, "title": title or sku}
    action |= {"quantity": quantity, "unit_price": unit_price}
    return action | ({"tax_rate": tax_rate} if tax_rate is not None else {})


def set_quantity_action(key: str, quantity: int) -> dict[str, Any]:
    return {"action": SET_QUANTITY, "line_key": key, "quantity": quantity}


def apply(order: CanonicalOrder, actions: Sequence[Action]) -> CanonicalOrder:
    """The order with `actions` applied to its lines (an added line already there is left as it is)."""
    lines = {line.key: line for line in _fixed_discounts(order)}
    for action in actions:
        key = str(action["line_key"])
        if action["action"] == ADD:
            lines.setdefault(key, _new_line(action, order.taxes_included))
        elif key in lines:
            line, units = lines[key], int(action["quantity"])
            untouched = not (
                line.fulfilled_quantity or line.canceled_quantity or line.shipped_quantity or line.returned_quantity
            )
            if units == 0 and untouched:
                del lines[key]
            else:
                lines[key] = _resized(line, units)
    try:
        return CanonicalOrder.model_validate(
            {
                **order.model_dump(exclude={"lines", "order_discount", "totals", "raw"}),
                "lines": [line.model_dump() for line in lines.values()],
                "order_discount": 0,
                "totals": None,
                "raw": order.raw,
            }
        )
    except ValidationError as exc:
        raise InvalidRequest(f"the change leaves the order invalid: {describe_errors(exc)}") from None


def confirmed_actions(conn: Connection, order_ids: Sequence[int]) -> dict[int, list[Action]]:
    """The actions of every confirmed change of these orders, in the order they were confirmed."""
    if not order_ids:
        return {}
    oc = order_changes.c
    query = (
        select(oc.order_id, oc.actions)
        .where(oc.order_id.in_(list(order_ids)), oc.status == CONFIRMED)
        .order_by(oc.confirmed_at, oc.id)
    )
    found: dict[int, list[Action]] = defaultdict(list)
    for order_id, actions in conn.execute(query):
        found[int(order_id)].extend(actions)
    return dict(found)


def current(conn: Connection, order_id: int) -> CanonicalOrder:
    """The order as the hub holds it now, as a canonical order (its lines' discounts fixed, its channel stamp
    and payload kept), for a change to apply to."""
    row = conn.execute(select(orders).where(orders.c.id == order_id)).mappings().one()
    ol = order_lines.c
    rows = conn.execute(select(order_lines).where(ol.order_id == order_id).order_by(ol.position)).mappings()
    status = row["status"]
    if status == OrderStatus.requires_action and row["hold_reason"]:
        status = OrderStatus.pending  # a hold is decided again from stock when the change applies
    customer = None
    if row["customer_email"] or row["customer_name"] or row["customer_phone"]:
        first, _, last = (row["customer_name"] or "").partition(" ")
        customer = {"email": row["customer_email"], "phone": row["customer_phone"]}
        customer |= {"first_name": first or None, "last_name": last or None}
    return CanonicalOrder.model_validate(
        {
            "external_id": row["external_id"],
            "display_number": row["display_number"],
            "status": status,
            "payment_status": row["payment_status"],
            "fulfillment_status": row["fulfillment_status"],
            "currency": row["currency"],
            "placed_at": row["placed_at"],
            "updated_at": row["upstream_updated_at"],
            "upstream_version": row["upstream_version"],
            "customer": customer,
            "shipping_address": row["shipping_address"],
            "billing_address": row["billing_address"],
            "notes": row["notes"],
            "payment_reference": row["payment_reference"],
            "lines": [_stored_line(dict(line)) for line in rows],
            "shipping_total": row["shipping_total"],
            "shipping_tax": row["shipping_tax"],
            "taxes_included": row["taxes_included"],
            "raw": row["raw"],
        }
    )


def _stored_line(row: Mapping[str, Any]) -> dict[str, Any]:
    key, sku = str(row["line_key"]), row["sku"]
    return {
        "line_id": None if sku is not None and key == f"sku:{sku}" else key,
        "sku": sku,
        "title": row["title"],
        "quantity": row["quantity"],
        "unit_price": row["unit_price"],
        "discount": int(row["discount"]) + int(row["order_discount_share"]),
        "tax_lines": row["tax_lines"],
        "fulfilled_quantity": row["fulfilled_quantity"],
        "shipped_quantity": row["shipped_quantity"],
        "returned_quantity": row["returned_quantity"],
        "canceled_quantity": row["canceled_quantity"],
    }


def _fixed_discounts(order: CanonicalOrder) -> list[OrderLine]:
    if not order.order_discount:
        return list(order.lines)
    return [
        p.line.model_copy(update={"discount": p.line.discount + p.order_discount_share}) for p in price_lines(order)
    ]


def _resized(line: OrderLine, quantity: int) -> OrderLine:
    """The line at `quantity` units, its discount and taxes per unit kept; never below the units that left or
    were canceled (a later channel version may have shipped more than the change knew)."""
    quantity = max(
        quantity, line.fulfilled_quantity + line.canceled_quantity, line.shipped_quantity, line.returned_quantity
    )
    if quantity == line.quantity:
        return line
    if quantity == 0:
        raise InvalidRequest(f"line {line.key!r} cannot go to 0 units here")

    def scaled(amount: int) -> int:
        return (2 * amount * quantity + line.quantity) // (2 * line.quantity)

    taxes = [tax.model_copy(update={"amount": scaled(tax.amount)}) for tax in line.tax_lines]
    return line.model_copy(update={"quantity": quantity, "discount": scaled(line.discount), "tax_lines": taxes})


def _new_line(action: Action, taxes_included: bool) -> OrderLine:
    quantity, unit_price = int(action["quantity"]), int(action["unit_price"])
    taxes = []
    rate = action.get("tax_rate")
    if rate is not None:
        taxes.append(
            TaxLine(title="tax", rate=str(rate), amount=_tax(quantity * unit_price, _rate(rate), taxes_included))
        )
    return OrderLine(
        line_id=str(action["line_key"]),
        sku=str(action["sku"]),
        title=str(action.get("title") or action["sku"]),
        quantity=quantity,
        unit_price=unit_price,
        tax_lines=taxes,
    )


def _tax(amount: int, rate: Decimal, taxes_included: bool) -> int:
    """The tax in `amount` (prices with tax) or on it (prices without), rounded half up to the minor unit."""
    tax = amount - amount / (1 + rate) if taxes_included else amount * rate
    return int(tax.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rate(value: Any) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        rate = Decimal(-1)
    if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1):
        raise InvalidRequest(f"tax rate {value!r} must be a decimal fraction such as 0.19 (0 ≤ rate < 1)")
    return rate
