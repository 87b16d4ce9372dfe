"""What happens to an order after checkout: status changes with their stock moves and notes, refunds, notes.

Each function holds the shop's lock for its whole read-change-write, so the server thread and a test thread can
change the same shop at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.shopify.money import ZERO, quantize, text
from sandbox.woocommerce.order_json import STATUS_LABELS, Header, Order, render_order
from sandbox.woocommerce.pricing import Cart, number, plain, price_cart
from sandbox.woocommerce.store import WooState

RELEASING = ("cancelled", "failed")  # statuses in which an order gives its stock back
PAID = ("processing", "completed")
REFUNDING_GATEWAYS = ("stripe", "ppcp-gateway")


class OutOfStock(ValueError):
    """A buyer asked for more units than the shop shows in stock."""

    def __init__(self, skus: list[str]) -> None:
        super().__init__(f"not enough stock for {', '.join(skus)}")
        self.skus = skus


class RefundError(ValueError):
    """A refund the shop refuses: nothing left to refund, or more units or money than remain."""


def place(state: WooState, cart: Cart, header: Header) -> Order:
    """Check stock, price the cart, take the units and save the order, as one step."""
    with state.lock:
        short = shortages(state, cart)
        if short:
            raise OutOfStock(short)
        money = price_cart(cart, state.currency, state.new_id)
        order = render_order(header, money, site=state.time, currency=state.currency)
        _take(state, order, at=header.created)
        state.save_order(order)
    return order


def shortages(state: WooState, cart: Cart) -> list[str]:
    """The SKUs of the cart that ask for more units than the shop shows in stock."""
    wanted: dict[int, int] = {}
    for line in cart.lines:
        wanted[line.item.id] = wanted.get(line.item.id, 0) + line.quantity
    with state.lock:
        items = [state.item(item_id) for item_id in wanted]
    return [i.sku for i in items if i and i.manage_stock and (i.stock_quantity or 0) < wanted[i.id]]


def change_status(state: WooState, order_id: int, status: str, *, at: datetime) -> Order:
    """Move an order to `status`: completing dates it, cancelling gives its stock back, reopening takes it again."""
    with state.lock:
        order = existing(state, order_id)
        old = order["status"]
        if status == old:
            return order
        changed = {**order, "status": status, **state.time.pair("date_modified", at)}
        if status in PAID and order["date_paid"] is None:
            changed.update(state.time.pair("date_paid", at))
        if status == "completed":
            changed.update(state.time.pair("date_completed", at))
        changed.update(is_editable=status in ("pending", "on-hold"), needs_payment=status in ("pending", "failed"))
        if status in RELEASING:
            _give_back(state, order_id, at=at)
        elif old in RELEASING and status != "trash":
            _take(state, order, at=at)
        state.save_order(changed)
        add_note(state, order_id, f"Order status changed from {STATUS_LABELS[old]} to {STATUS_LABELS[status]}.", at=at)
    return changed


def refund(
    state: WooState,
    order_id: int,
    *,
    units: Mapping[int, int],
    at: datetime,
    amount: Decimal | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """Refund `units` (line id -> quantity, restocked) and/or an `amount`; a full refund marks the order refunded."""
    with state.lock:
        order = existing(state, order_id)
        remaining = Decimal(order["total"]) + sum((Decimal(r["total"]) for r in order["refunds"]), ZERO)
        lines = _refund_lines(state, order, units)
        items_total = sum((-Decimal(ln["total"]) - Decimal(ln["total_tax"]) for ln in lines), ZERO)
        value = items_total if amount is None else quantize(amount, state.currency)
        if value <= 0 or value > remaining:
            raise RefundError(f"Invalid refund amount: {value} (refundable {remaining}).")
        body = _refund_body(state, order, lines, value, reason=reason, at=at)
        state.add_refund(order_id, body)
        _restock(state, order, units, at=at)
        summary = {"id": body["id"], "reason": reason, "total": text(-value, state.currency)}
        changed = {**order, "refunds": [summary, *order["refunds"]], **state.time.pair("date_modified", at)}
        state.save_order(changed)
        add_note(state, order_id, f"Refunded {text(value, state.currency)} {state.currency}. {reason}".strip(), at=at)
        if value == remaining:
            change_status(state, order_id, "refunded", at=at)
    return body


def add_note(
    state: WooState, order_id: int, note: str, *, at: datetime, customer_note: bool = False, author: str = "system"
) -> dict[str, Any]:
    """An order note; it does not change the order itself, so the order's date_modified stays."""
    with state.lock:
        existing(state, order_id)
        body = {
            "id": state.new_id("comment"),
            "author": author,
            **state.time.pair("date_created", at),
            "note": note,
            "customer_note": customer_note,
            "added_by_user": author != "system",
        }
        state.add_note(order_id, body)
    return body


def existing(state: WooState, order_id: int) -> Order:
    order = state.order(order_id)
    if order is None:
        raise KeyError(f"no order {order_id}")
    return order


def refunded_units(state: WooState, order_id: int) -> dict[int, int]:
    """Units already refunded, by order line id."""
    done: dict[int, int] = {}
    for body in state.refunds(order_id):
        for line in body["line_items"]:
            line_id = int(line["meta_data"][0]["value"])
            done[line_id] = done.get(line_id, 0) - line["quantity"]
    return done


def _stock_item(line: dict[str, Any]) -> int:
    return int(line["variation_id"] or line["product_id"])


def _take(state: WooState, order: Order, *, at: datetime) -> None:
    done = refunded_units(state, order["id"])
    units: dict[int, int] = {}
    for line in order["line_items"]:
        item = state.item(_stock_item(line))
        if item is not None and item.manage_stock:
            units[item.id] = units.get(item.id, 0) + line["quantity"] - done.get(line["id"], 0)
    state.shift_stock({item_id: -n for item_id, n in units.items()}, at=at)
    state.set_taken(order["id"], units)


def _give_back(state: WooState, order_id: int, *, at: datetime) -> None:
    state.shift_stock(state.taken(order_id), at=at)
    state.set_taken(order_id, {})


def _restock(state: WooState, order: Order, units: Mapping[int, int], *, at: datetime) -> None:
    taken = state.taken(order["id"])
    lines = {line["id"]: line for line in order["line_items"]}
    back: dict[int, int] = {}
    for line_id, quantity in units.items():
        item_id = _stock_item(lines[line_id])
        give = min(quantity, taken.get(item_id, 0) - back.get(item_id, 0))
        back[item_id] = back.get(item_id, 0) + give
    state.shift_stock(back, at=at)
    state.set_taken(order["id"], {i: n - back.get(i, 0) for i, n in taken.items()})


def _refund_lines(state: WooState, order: Order, units: Mapping[int, int]) -> list[dict[str, Any]]:
    lines = {line["id"]: line for line in order["line_items"]}
    done = refunded_units(state, order["id"])
    out = []
    for line_id, quantity in units.items():
        line = lines.get(line_id)
        if line is None or not 0 < quantity <= line["quantity"] - done.get(line_id, 0):
            raise RefundError(f"Line {line_id} cannot be refunded {quantity} more units.")
        out.append(_refund_line(state, line, quantity))
    return out


def _refund_line(state: WooState, line: dict[str, Any], quantity: int) -> dict[str, Any]:
    share = Decimal(quantity) / Decimal(line["quantity"])
    total = quantize(Decimal(line["total"]) * share, state.currency)
    tax = quantize(Decimal(line["total_tax"]) * share, state.currency)
    meta = {"id": state.new_id("meta"), "key": "_refunded_item_id", "value": str(line["id"])}
    return {
        "id": state.new_id("order_item"),
        **{k: line[k] for k in ("name", "product_id", "variation_id", "tax_class", "sku")},
        "quantity": -quantity,
        "subtotal": text(-total, state.currency),
        "subtotal_tax": text(-tax, state.currency),
        "total": text(-total, state.currency),
        "total_tax": text(-tax, state.currency),
        "taxes": [{"id": t["id"], "total": plain(-tax), "subtotal": plain(-tax)} for t in line["taxes"]],
        "meta_data": [{**meta, "display_key": meta["key"], "display_value": meta["value"]}],
        "price": number(-total / quantity),
        "refund_total": number(total),
    }


def _refund_body(
    state: WooState, order: Order, lines: list[dict[str, Any]], value: Decimal, *, reason: str, at: datetime
) -> dict[str, Any]:
    return {
        "id": state.new_id("post"),
        **state.time.pair("date_created", at),
        "amount": text(value, state.currency),
        "reason": reason,
        "refunded_by": 1,
        "refunded_payment": order["payment_method"] in REFUNDING_GATEWAYS,
        "meta_data": [],
        "line_items": lines,
        "shipping_lines": [],
        "tax_lines": [],
        "fee_lines": [],
    }
