"""Line and order totals: exact Decimals inside, JavaScript numbers on the wire (with their binary noise)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from sandbox.medusa.model import Money

CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_money(
    unit_price: Decimal, quantity: int, *, rate: Decimal, inclusive: bool, discount: Decimal = ZERO
) -> Money:
    """Totals of `quantity` × `unit_price` with a tax `rate` in percent, less `discount` (written like the price).

    At full precision, as Medusa computes them (it never rounds to the currency): a tax-inclusive line's
    total is exactly its gross price less its discount, and its tax and net subtotal carry long decimals."""
    factor = 1 + rate / 100
    gross = unit_price * quantity
    subtotal = gross / factor if inclusive else gross
    discount_subtotal = discount / factor if inclusive else discount
    return Money(
        subtotal=subtotal,
        discount_subtotal=discount_subtotal,
        discount_tax_total=discount_subtotal * rate / 100,
        tax_total=(subtotal - discount_subtotal) * rate / 100,
        original_tax_total=subtotal * rate / 100,
    )


def js(amount: Decimal) -> float | int:
    """An amount as a JS backend writes it: the nearest double, whole numbers without a decimal point."""
    return number(float(amount))


def number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def js_sum(amounts: Iterable[Decimal]) -> float | int:
    """A sum added up left to right in doubles, so `10.1 + 10.1 + 9.8` comes out as 30.000000000000004."""
    total = 0.0
    for amount in amounts:
        total += float(amount)
    return number(total)


def js_times(amount: Decimal, quantity: int) -> float | int:
    """A price times a quantity in doubles (`39.9 * 3` is 119.69999999999999)."""
    return number(float(amount) * quantity)
