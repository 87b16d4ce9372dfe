"""Money as integer minor units of an ISO 4217 currency; never a float."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

# ISO 4217 minor-unit exponents that differ from 2. Everything not listed uses 2.
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}


@lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    """Number of decimals of the currency's minor unit (JPY 0, EUR 2, KWD 3)."""
    code = currency.upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise ValueError(f"currency {currency!r} is not an ISO 4217 code such as 'EUR' or 'JPY'")
    return _EXPONENTS.get(code, 2)


def to_minor(amount: str | int | Decimal, currency: str) -> int:
    """Parse a major-unit amount ("19.99", Decimal, or a whole number) into minor units.

    Amounts with more decimals than the currency has are rounded half-to-even (Brightpearl sends
    four decimals for two-decimal currencies). Floats are refused: they have already lost cents.
    """
    if isinstance(amount, str):
        exact = _plain_text(amount, currency)
        if exact is not None:
            return exact
    if not isinstance(amount, (str, int, Decimal)) or isinstance(amount, bool):
        raise TypeError(f"amount {amount!r} is a {type(amount).__name__}; pass a decimal string")
    if isinstance(amount, str) and "_" in amount:
        raise ValueError(f"amount {amount!r} is not a decimal number")
    try:
        value = Decimal(amount) if isinstance(amount, (str, int)) else amount
        if not value.is_finite():
            raise ValueError(f"amount {amount!r} is not a finite number")
        scaled = value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        raise ValueError(f"amount {amount!r} is not a decimal number of a representable size") from None
    return int(scaled)


@lru_cache(maxsize=8192)
def _plain_text(text: str, currency: str) -> int | None:
    """`_plain_decimal` in the currency's places, remembered: the same prices and amounts recur on every page."""
    return _plain_decimal(text, exponent(currency))


def _plain_decimal(text: str, places: int) -> int | None:
    """The common case without Decimal: "19.99", "-5", "1500." with no more decimals than the currency has."""
    negative = text.startswith("-")
    whole, _, fraction = (text[1:] if negative else text).partition(".")
    if not (whole.isascii() and whole.isdigit()) or len(fraction) > places or len(whole) > 15:
        return None
    if fraction and not (fraction.isascii() and fraction.isdigit()):
        return None
    value = int(whole) * int(10**places) + (int(fraction.ljust(places, "0")) if places else 0)
    return -value if negative else value


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units back to an exact Decimal in major units."""
    return Decimal(amount).scaleb(-exponent(currency))


def format_money(amount: int, currency: str) -> str:
    """'12.30 EUR', '1500 JPY', '1.250 KWD'."""
    places = exponent(currency)
    quantum = Decimal(1).scaleb(-places)
    return f"{to_major(amount, currency).quantize(quantum)} {currency.upper()}"


def spread(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` minor units over `weights` in proportion, exactly (largest remainder).

    The parts add up to `total`. Leftover units go to the largest fractional remainders, ties to
    the earlier weight, so the result is deterministic. All-zero weights split evenly.
    """
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if total == 0:
        return [0] * len(weights)
    if total < 0:
        return [-part for part in spread(-total, weights)]
    if not weights:
        raise ValueError(f"cannot spread {total} over no lines")
    basis = list(weights) if sum(weights) > 0 else [1] * len(weights)
    whole = sum(basis)
    parts = [total * w // whole for w in basis]
    remainders = [total * w % whole for w in basis]
    leftover = total - sum(parts)
    by_remainder = sorted(range(len(basis)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return parts
