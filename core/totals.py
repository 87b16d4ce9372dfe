"""Order arithmetic: order-level discount spread over lines, and totals reconciliation."""

from __future__ import annotations

from typing import NamedTuple

from core.model import CanonicalOrder, OrderLine
from core.money import format_money, spread


class PricedLine(NamedTuple):
    line: OrderLine
    order_discount_share: int
    tax_total: int

    @property
    def subtotal(self) -> int:
        return self.line.quantity * self.line.unit_price

    @property
    def discount_total(self) -> int:
        return self.line.discount + self.order_discount_share


class Totals(NamedTuple):
    subtotal: int
    discount_total: int
    shipping_total: int
    tax_total: int
    total: int


def price_lines(order: CanonicalOrder) -> list[PricedLine]:
    """Spread the order-level discount over lines by their net amount, to the minor unit."""
    lines = order.lines
    if order.order_discount:
        shares = spread(order.order_discount, [ln.quantity * ln.unit_price - ln.discount for ln in lines])
    else:
        shares = [0] * len(lines)
    return [PricedLine(ln, share, sum(t.amount for t in ln.tax_lines)) for ln, share in zip(lines, shares, strict=True)]


def compute_totals(order: CanonicalOrder, lines: list[PricedLine]) -> Totals:
    subtotal = discount = 0
    tax = order.shipping_tax
    for p in lines:
        subtotal += p.subtotal
        discount += p.discount_total
        tax += p.tax_total
    total = subtotal - discount + order.shipping_total + (0 if order.taxes_included else tax)
    return Totals(subtotal, discount, order.shipping_total, tax, total)


def mismatches(order: CanonicalOrder, computed: Totals) -> list[str]:
    """Each channel-stated total that differs from the computed one, with the difference named."""
    stated = order.totals
    if stated is None:
        return []
    problems = []
    for name in ("subtotal", "discount_total", "shipping_total", "tax_total", "total"):
        claimed = getattr(stated, name)
        ours = getattr(computed, name)
        if claimed is not None and claimed != ours:
            problems.append(
                f"{name}: channel says {format_money(claimed, order.currency)}, lines give "
                f"{format_money(ours, order.currency)} (difference {format_money(claimed - ours, order.currency)})"
            )
    return problems
