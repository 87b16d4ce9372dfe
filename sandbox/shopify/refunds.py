"""Refund records as Shopify writes them: per-line subtotals and taxes, shipping adjustments, transactions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sandbox.shopify.current import Refunded, line_amounts, refunded_by_line
from sandbox.shopify.money import SIDES, ZERO, Currencies, Side, amount, quantize, text

Order = dict[str, Any]
IdSource = Callable[[str], int]
RestockType = Literal["cancel", "return", "no_restock"]


@dataclass(frozen=True, slots=True)
class Removal:
    line_id: int
    quantity: int
    restock_type: RestockType
    location_id: int | None = None
    """Where the units are restocked; None: the refund's own location."""


def refund_record(
    order: Order, removals: list[Removal], *, now: str, ids: IdSource, location_id: int | None
) -> dict[str, Any]:
    refund_id = ids("refund")
    refunded = refunded_by_line(order)
    lines = {ln["id"]: ln for ln in order["line_items"]}
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_id": order["id"],
        "created_at": now,
        "processed_at": now,
        "note": None,
        "restock": any(r.restock_type != "no_restock" for r in removals),
        "user_id": None,
        "refund_line_items": [
            _refund_line(order, lines[r.line_id], r, refunded.get(r.line_id, Refunded()), ids("refund_line_item"))
            | {"location_id": location_id if r.location_id is None else r.location_id}
            for r in removals
        ],
        "transactions": [],
        "order_adjustments": [],
        "duties": [],
    }


def _refund_line(
    order: Order, line: dict[str, Any], removal: Removal, refunded: Refunded, item_id: int
) -> dict[str, Any]:
    """The part of the line's remaining money that `removal.quantity` units carry; the last unit takes the rest."""
    units_left = line["quantity"] - refunded.quantity
    if not 0 < removal.quantity <= units_left:
        raise ValueError(f"line {line['id']} has {units_left} units left; cannot remove {removal.quantity}")
    currencies = Currencies(order["currency"], order["presentment_currency"])
    subtotal, tax = {}, {}
    for side in SIDES:
        gross, discount, line_tax = line_amounts(line, side)
        net_left, tax_left = gross - discount - refunded.subtotal[side], line_tax - refunded.tax[side]
        share = Decimal(removal.quantity) / units_left
        subtotal[side] = quantize(net_left * share, currencies.code(side))
        tax[side] = quantize(tax_left * share, currencies.code(side))
    return {
        "id": item_id,
        "line_item_id": line["id"],
        "quantity": removal.quantity,
        "restock_type": removal.restock_type,
        "subtotal": subtotal["shop_money"],  # a JSON number in Shopify's payloads, not a string
        "subtotal_set": currencies.money_set(subtotal["shop_money"], subtotal["presentment_money"]),
        "total_tax": tax["shop_money"],
        "total_tax_set": currencies.money_set(tax["shop_money"], tax["presentment_money"]),
    }


def shipping_refund(order: Order, refund_id: int, *, ids: IdSource) -> list[dict[str, Any]]:
    if not order["shipping_lines"]:
        return []
    currencies = Currencies(order["currency"], order["presentment_currency"])
    price = {s: sum((amount(ln["discounted_price_set"], s) for ln in order["shipping_lines"]), ZERO) for s in SIDES}
    tax = {
        s: sum((amount(t["price_set"], s) for ln in order["shipping_lines"] for t in ln["tax_lines"]), ZERO)
        for s in SIDES
    }
    return [
        {
            "id": ids("order_adjustment"),
            "order_id": order["id"],
            "refund_id": refund_id,
            "kind": "shipping_refund",
            "reason": "Shipping refund",
            "amount": text(ZERO - price["shop_money"], currencies.shop),
            "amount_set": currencies.money_set(ZERO - price["shop_money"], ZERO - price["presentment_money"]),
            "tax_amount": text(ZERO - tax["shop_money"], currencies.shop),
            "tax_amount_set": currencies.money_set(ZERO - tax["shop_money"], ZERO - tax["presentment_money"]),
        }
    ]


def refund_amount(order: Order, record: dict[str, Any], side: Side) -> Decimal:
    """The money a refund record gives back in one currency: lines (plus their tax unless included) and shipping."""
    with_tax = not order["taxes_included"]
    lines = sum(
        (
            amount(i["subtotal_set"], side) + (amount(i["total_tax_set"], side) if with_tax else ZERO)
            for i in record["refund_line_items"]
        ),
        ZERO,
    )
    shipping = sum(
        (
            amount(a["amount_set"], side) + (amount(a["tax_amount_set"], side) if with_tax else ZERO)
            for a in record["order_adjustments"]
        ),
        ZERO,
    )
    return lines - shipping


def transaction(order: Order, record: dict[str, Any], *, now: str, ids: IdSource) -> dict[str, Any]:
    transaction_id = ids("transaction")
    currency = order["presentment_currency"]
    return {
        "id": transaction_id,
        "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{transaction_id}",
        "order_id": order["id"],
        "kind": "refund",
        "status": "success",
        "gateway": order["payment_gateway_names"][0],
        "amount": text(refund_amount(order, record, "presentment_money"), currency),
        "currency": currency,
        "parent_id": None,
        "test": False,
        "created_at": now,
        "processed_at": now,
    }
