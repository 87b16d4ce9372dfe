"""WooCommerce lines, fees and taxes → canonical lines: prices to the minor unit, taxes per rate, refunded units.

Prices are ex-tax (`subtotal` before coupons, `total` after). A line has one unit price, so a subtotal that
does not divide by the quantity (10.00 for 3) is priced at the next minor unit up (3.34) and the few units
over it join the discount: the line still nets exactly its `total`. Taxes are taken per rate from the
order's `tax_lines` (what the order's tax is made of) and spread over the lines and positive fees in
proportion to their own unformatted `taxes[]`: the lines' taxes add up to the order's tax to the minor unit
whether the store rounds per line or at the subtotal, and a negative fee's (negative) tax comes off the
lines it discounts.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.woocommerce import schema
from connectors.woocommerce.schema import Refund, WooOrder
from core.money import format_money, spread, to_minor

_WEIGHT_PLACES = 8


class Unmappable(ValueError):
    """A payload fact the canonical order cannot express; the message names the WooCommerce field."""


@dataclass(frozen=True, slots=True)
class Refunded:
    """Units taken back per line id: before the order was completed (canceled) and after it (returned)."""

    canceled: Mapping[int, int]
    returned: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class Priced:
    unit_price: int
    discount: int
    residue: int
    """Minor units the rounded-up unit price adds over the stated subtotal (also in the discount)."""


def price(item: schema.LineItem, currency: str, index: int) -> Priced:
    subtotal, total = to_minor(item.subtotal, currency), to_minor(item.total, currency)
    if total > subtotal:
        where = f"line_items[{index}].total"
        raise Unmappable(f"{where}: {item.total} is more than the subtotal {item.subtotal} (a negative discount)")
    unit = -(-subtotal // item.quantity)
    residue = item.quantity * unit - subtotal
    return Priced(unit, subtotal - total + residue, residue)


def title(name: str) -> str:
    """Item names arrive HTML-escaped (`Hoodie &ndash; Blue`)."""
    return html.unescape(name).strip()


def taxes_by_carrier(order: WooOrder, carriers: Sequence[tuple[str, list[schema.Tax]]]) -> list[list[dict[str, Any]]]:
    """Canonical tax lines for each carrier (a line or a positive fee, named by its path for messages)."""
    rates = {rate.rate_id for rate in order.tax_lines}
    for where, taxes in carriers:
        for j, tax in enumerate(taxes):
            if tax.id not in rates and _figure(tax.total):
                raise Unmappable(f"{where}.taxes[{j}].id: tax rate {tax.id} is not among the order's tax_lines")
    found: list[list[dict[str, Any]]] = [[] for _ in carriers]
    for i, rate in enumerate(order.tax_lines):
        amount = to_minor(rate.tax_total, order.currency)
        if amount == 0:
            continue
        weights = [_weight(taxes, rate.rate_id) for _where, taxes in carriers]
        if amount < 0 or not any(weights):
            stated = format_money(amount, order.currency)
            raise Unmappable(f"tax_lines[{i}].tax_total: {stated} at rate {rate.rate_id}, but no line is taxed there")
        for k, part in enumerate(spread(amount, weights)):
            if part:
                found[k].append({"title": rate.label or rate.rate_code or "Tax", "rate": _rate(rate), "amount": part})
    return found


def shipping_tax(order: WooOrder) -> int:
    """The shipping part of the order's tax, per rate as the order states it."""
    return sum(to_minor(rate.shipping_tax_total, order.currency) for rate in order.tax_lines)


def refunded_units(order: WooOrder, refunds: Sequence[Refund]) -> Refunded:
    """Units refunded per line id; after the order was completed they came back (returned), before it they
    were never sent (canceled)."""
    lines = {item.id: item for item in order.line_items}
    canceled: dict[int, int] = {}
    returned: dict[int, int] = {}
    for r, refund in enumerate(refunds):
        completed = order.date_completed_gmt
        after = completed is not None and (refund.date_created_gmt is None or refund.date_created_gmt >= completed)
        for k, part in enumerate(refund.line_items):
            line_id = part.refunded_item_id
            if line_id is None or line_id not in lines:
                where = f"refunds[{r}].line_items[{k}].meta_data._refunded_item_id"
                raise Unmappable(f"{where}: {line_id} is not a line of this order")
            into = returned if after else canceled
            into[line_id] = into.get(line_id, 0) - part.quantity
    for i, item in enumerate(order.line_items):
        units = canceled.get(item.id, 0) + returned.get(item.id, 0)
        if units > item.quantity:
            raise Unmappable(f"line_items[{i}].quantity: {item.quantity}, but refunds take back {units} units")
    return Refunded(canceled, returned)


def refunded_amount(order: WooOrder) -> int:
    """The money refunded so far, from the order's `refunds[].total` (negative strings)."""
    return -sum(to_minor(refund.total, order.currency) for refund in order.refunds)


def _rate(rate: schema.TaxLine) -> str | None:
    if rate.rate_percent is None:
        return None
    try:
        fraction = Decimal(rate.rate_percent) / 100
    except ArithmeticError:
        return None
    return format(fraction.normalize(), "f") if fraction.is_finite() else None


def _weight(taxes: Sequence[schema.Tax], rate_id: int) -> int:
    """A carrier's share of a rate: its own unformatted tax there, scaled to an integer; never negative."""
    figure = sum((_figure(t.total) for t in taxes if t.id == rate_id), Decimal(0))
    return max(int(figure.scaleb(_WEIGHT_PLACES)), 0)


def _figure(text: str) -> Decimal:
    return Decimal(text) if text else Decimal(0)
