"""An independent check that a Shopify order's totals add up, in the shop and in the buyer's currency."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

SIDES = ("shop_money", "presentment_money")


def _amount(money_set: dict[str, Any], side: str) -> Decimal:
    return Decimal(money_set[side]["amount"])


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def stated_and_expected(order: dict[str, Any], side: str) -> dict[str, tuple[Decimal, Decimal]]:
    """Each total as the order states it, next to what its lines, shipping, taxes and refunds add up to."""
    lines, shipping, refunds = order["line_items"], order["shipping_lines"], order["refunds"]
    add_tax = not order["taxes_included"]
    gross = _sum(_amount(ln["price_set"], side) * ln["quantity"] for ln in lines)
    line_discounts = _sum(_amount(a["amount_set"], side) for ln in lines for a in ln["discount_allocations"])
    line_tax = _sum(_amount(t["price_set"], side) for ln in lines for t in ln["tax_lines"])
    ship_price = _sum(_amount(s["price_set"], side) for s in shipping)
    ship_discounts = _sum(_amount(a["amount_set"], side) for s in shipping for a in s["discount_allocations"])
    ship_tax = _sum(_amount(t["price_set"], side) for s in shipping for t in s["tax_lines"])
    subtotal = gross - line_discounts
    tax = line_tax + ship_tax
    total = subtotal + ship_price - ship_discounts + (tax if add_tax else 0)
    refunded_lines = [i for r in refunds for i in r["refund_line_items"]]
    adjustments = [a for r in refunds for a in r["order_adjustments"]]
    refunded_subtotal = _sum(_amount(i["subtotal_set"], side) for i in refunded_lines)
    refunded_tax = _sum(_amount(i["total_tax_set"], side) for i in refunded_lines)
    adjusted = _sum(_amount(a["amount_set"], side) for a in adjustments)
    adjusted_tax = _sum(_amount(a["tax_amount_set"], side) for a in adjustments)
    current_tax = tax - refunded_tax + adjusted_tax
    current_total = (
        subtotal - refunded_subtotal + ship_price - ship_discounts + adjusted + (current_tax if add_tax else 0)
    )
    stated = {name: _amount(order[f"{name}_set"], side) for name in _TOTALS}
    expected = {
        "total_line_items_price": gross,
        "subtotal_price": subtotal,
        "total_discounts": line_discounts + ship_discounts,
        "total_tax": tax,
        "total_price": total,
        "current_subtotal_price": subtotal - refunded_subtotal,
        "current_total_tax": current_tax,
        "current_total_price": current_total,
        "order_tax_lines": _sum(_amount(t["price_set"], side) for t in order["tax_lines"]),
        "total_shipping_price": _amount(order["total_shipping_price_set"], side),
    }
    stated |= {"order_tax_lines": tax, "total_shipping_price": ship_price}
    return {name: (stated[name], expected[name]) for name in expected}


def mismatches(order: dict[str, Any]) -> list[str]:
    """Every total that does not reconcile, named with its side; empty when the order adds up."""
    found = []
    for side in SIDES:
        for name, (stated, expected) in stated_and_expected(order, side).items():
            if stated != expected:
                found.append(f"{order['name']} {side} {name}: states {stated}, adds up to {expected}")
    return found


_TOTALS = (
    "total_line_items_price",
    "subtotal_price",
    "total_discounts",
    "total_tax",
    "total_price",
    "current_subtotal_price",
    "current_total_tax",
    "current_total_price",
)
