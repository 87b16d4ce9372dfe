"""Medusa v2 price arithmetic, exact, then rounded to the minor unit so the canonical order reconciles.

Medusa computes taxes and tax-inclusive discounts at full precision and never rounds (a 24.50 EUR
tax-inclusive item at 19 % carries 3.9117647… EUR of tax). The formulas below follow Medusa's own
(`@medusajs/utils` totals: line-item, adjustment, shipping-method, tax):

    item      net = qty · unit_price / (1 + Σrate) if is_tax_inclusive else qty · unit_price
              discount_net = Σ adjustment (÷ (1 + Σrate) when the adjustment is_tax_inclusive)
              tax_i = (net − discount_net) · rate_i, nothing when that base is not positive
    shipping  base = amount − Σ adjustment; tax_i = base · rate_i (÷ (1 + rate_i) when is_tax_inclusive)

Prices and adjustments are rounded to the currency on ingest; the derived amounts (taxes, discounts in
the other tax mode) are rounded together with the largest-remainder method, so their rounded sum is the
rounded sum of the exact amounts, as Medusa's own totals are.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import NamedTuple

from connectors.medusa.schema import Adjustment, Item, ShippingMethod, TaxLine
from core.money import exponent, to_major, to_minor

_ONE = Decimal(1)
_HUNDRED = Decimal(100)


class Exact(NamedTuple):
    """One item or shipping method in the order's tax mode, in exact major units."""

    charged: Decimal
    """Items: the discount. Shipping: the amount charged after its discount."""
    taxes: list[Decimal]
    """Tax per tax line, in the order of `tax_lines`."""


def ingest(amount: Decimal, currency: str) -> Decimal:
    """A wire amount rounded to the currency's exponent (30.000000000000004 EUR → 30.00)."""
    return to_major(to_minor(amount, currency), currency)


def rate(tax: TaxLine) -> Decimal:
    """Medusa's percentage as a fraction (19 → 0.19)."""
    return tax.rate / _HUNDRED


def item_exact(item: Item, currency: str, *, gross: bool) -> Exact:
    """The item's discount (gross when the order states gross prices, else net) and its taxes."""
    rates = [rate(t) for t in item.tax_lines]
    divisor = _ONE + sum(rates, Decimal(0))
    price = ingest(item.unit_price, currency) * item.quantity
    net = price / divisor if item.is_tax_inclusive else price
    discount_net = sum((_net_adjustment(a, currency, divisor) for a in item.adjustments), Decimal(0))
    base = net - discount_net
    taxes = [base * r if base > 0 else Decimal(0) for r in rates]
    return Exact(discount_net * divisor if gross else discount_net, taxes)


def shipping_exact(method: ShippingMethod, currency: str, *, gross: bool) -> Exact:
    """What the method charges after its discount (gross or net as asked) and its taxes."""
    discount = sum((ingest(a.amount, currency) for a in method.adjustments), Decimal(0))
    base = ingest(method.amount, currency) - discount
    rates = [rate(t) for t in method.tax_lines]
    if base <= 0:
        return Exact(max(base, Decimal(0)), [Decimal(0)] * len(rates))
    taxes = [base * r / (_ONE + r) if method.is_tax_inclusive else base * r for r in rates]
    tax = sum(taxes, Decimal(0))
    if method.is_tax_inclusive == gross:
        return Exact(base, taxes)
    return Exact(base + tax if gross else base - tax, taxes)


def round_together(amounts: Sequence[Decimal], currency: str, *, stated: int | None = None) -> list[int]:
    """Non-negative exact amounts in minor units whose sum is the rounded exact sum (largest remainder), or the
    sum Medusa `stated` when rounding each amount up or down can reach it (Medusa may round per line first)."""
    places = exponent(currency)
    scaled = [amount.scaleb(places) for amount in amounts]
    target = int(sum(scaled, Decimal(0)).quantize(_ONE, rounding=ROUND_HALF_EVEN))
    parts = [int(value.to_integral_value(rounding=ROUND_FLOOR)) for value in scaled]
    ceiling = sum(int(value.to_integral_value(rounding=ROUND_CEILING)) for value in scaled)
    if stated is not None and sum(parts) <= stated <= ceiling:
        target = stated
    by_remainder = sorted(range(len(parts)), key=lambda i: (parts[i] - scaled[i], i))
    for i in by_remainder[: max(target - sum(parts), 0)]:
        parts[i] += 1
    return parts


def _net_adjustment(adjustment: Adjustment, currency: str, divisor: Decimal) -> Decimal:
    amount = ingest(adjustment.amount, currency)
    return amount / divisor if adjustment.is_tax_inclusive else amount
