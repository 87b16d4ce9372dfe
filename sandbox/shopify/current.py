"""What an order is now: quantities, fulfillment and `current_*` totals derived from its refunds and fulfillments.

Everything here is recomputed from the order's own JSON, so an order stays self-consistent after any change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.shopify.money import SIDES, ZERO, Currencies, Side, amount, text

Order = dict[str, Any]
UNPAID = ("pending", "authorized", "partially_paid")


@dataclass(slots=True)
class Refunded:
    """What the refunds of one line took back so far, per money side."""

    quantity: int = 0
    returned: int = 0
    subtotal: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(SIDES, ZERO))
    tax: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(SIDES, ZERO))


@dataclass(frozen=True, slots=True)
class LineState:
    current: int
    fulfillable: int
    fulfilled: int  # units ever shipped, returned ones included
    returnable: int  # shipped units not yet returned


def refunded_by_line(order: Order) -> dict[int, Refunded]:
    found: dict[int, Refunded] = defaultdict(Refunded)
    for refund in order["refunds"]:
        for item in refund["refund_line_items"]:
            entry = found[item["line_item_id"]]
            entry.quantity += item["quantity"]
            entry.returned += item["quantity"] if item["restock_type"] == "return" else 0
            for side in SIDES:
                entry.subtotal[side] += amount(item["subtotal_set"], side)
                entry.tax[side] += amount(item["total_tax_set"], side)
    return found


def line_states(order: Order) -> dict[int, LineState]:
    refunded = refunded_by_line(order)
    fulfilled: dict[int, int] = defaultdict(int)
    for fulfillment in order["fulfillments"]:
        if fulfillment["status"] == "success":
            for item in fulfillment["line_items"]:
                fulfilled[item["id"]] += item["quantity"]
    states = {}
    for line in order["line_items"]:
        r = refunded.get(line["id"], Refunded())
        current = line["quantity"] - r.quantity
        shipped = fulfilled[line["id"]] - r.returned
        states[line["id"]] = LineState(current, max(0, current - shipped), fulfilled[line["id"]], shipped)
    return states


def line_amounts(line: dict[str, Any], side: Side) -> tuple[Decimal, Decimal, Decimal]:
    """(gross, discount, tax) of a line as placed."""
    gross = amount(line["price_set"], side) * line["quantity"]
    discount = sum((amount(a["amount_set"], side) for a in line["discount_allocations"]), ZERO)
    tax = sum((amount(t["price_set"], side) for t in line["tax_lines"]), ZERO)
    return gross, discount, tax


def refresh(order: Order) -> None:
    """Rewrite the derived fields of `order` (a copy the caller owns) from its lines, refunds and fulfillments."""
    states = line_states(order)
    for line in order["line_items"]:
        state = states[line["id"]]
        line["current_quantity"] = state.current
        line["fulfillable_quantity"] = state.fulfillable
        line["fulfillment_status"] = _fulfillment_status([state])
    order["fulfillment_status"] = _fulfillment_status(list(states.values()))
    _write_current_totals(order)


def _fulfillment_status(states: list[LineState]) -> str | None:
    if not any(s.fulfilled for s in states):
        return None
    return "partial" if any(s.fulfillable for s in states) else "fulfilled"


def _write_current_totals(order: Order) -> None:
    currencies = Currencies(order["currency"], order["presentment_currency"])
    refunded = refunded_by_line(order)
    totals = {side: _current_totals(order, refunded, side) for side in SIDES}
    for name in ("subtotal_price", "total_discounts", "total_tax", "total_price"):
        shop, presentment = totals["shop_money"][name], totals["presentment_money"][name]
        order[f"current_{name}"] = text(shop, currencies.shop)
        order[f"current_{name}_set"] = currencies.money_set(shop, presentment)
    unpaid = order["financial_status"] in UNPAID
    outstanding = totals["shop_money"]["total_price"] if unpaid else ZERO
    order["total_outstanding"] = text(outstanding, currencies.shop)


def _current_totals(order: Order, refunded: dict[int, Refunded], side: Side) -> dict[str, Decimal]:
    subtotal = discounts = tax = ZERO
    for line in order["line_items"]:
        gross, discount, line_tax = line_amounts(line, side)
        r = refunded.get(line["id"], Refunded())
        refunded_gross = amount(line["price_set"], side) * r.quantity
        subtotal += gross - discount - r.subtotal[side]
        discounts += discount - (refunded_gross - r.subtotal[side])
        tax += line_tax - r.tax[side]
    shipping, shipping_tax, shipping_discount = _current_shipping(order, side)
    total = subtotal + shipping + (ZERO if order["taxes_included"] else tax + shipping_tax)
    return {
        "subtotal_price": subtotal,
        "total_discounts": discounts + shipping_discount,
        "total_tax": tax + shipping_tax,
        "total_price": total,
    }


def _current_shipping(order: Order, side: Side) -> tuple[Decimal, Decimal, Decimal]:
    """(price after discounts, tax, discount) of the shipping still charged."""
    lines = order["shipping_lines"]
    price = sum((amount(s["discounted_price_set"], side) for s in lines), ZERO)
    tax = sum((amount(t["price_set"], side) for s in lines for t in s["tax_lines"]), ZERO)
    discount = sum((amount(a["amount_set"], side) for s in lines for a in s["discount_allocations"]), ZERO)
    adjustments = [a for r in order["refunds"] for a in r["order_adjustments"] if a["kind"] == "shipping_refund"]
    if adjustments:
        discount = ZERO
    price += sum((amount(a["amount_set"], side) for a in adjustments), ZERO)
    tax += sum((amount(a["tax_amount_set"], side) for a in adjustments), ZERO)
    return price, tax, discount
