"""Amounts are integers in the currency's smallest unit; zero-decimal currencies (JPY, KRW, ...) count whole units."""

from __future__ import annotations

from decimal import Decimal

from sandbox.stripe.errors import invalid_param

ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
SYMBOLS = {"usd": "$", "cad": "$", "eur": "€", "gbp": "£", "jpy": "¥", "krw": "₩", "chf": "CHF "}
MINIMUM_MAJOR = {"usd": "0.50", "cad": "0.50", "eur": "0.50", "gbp": "0.30", "jpy": "50", "chf": "0.50"}


def exponent(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def major(amount: int, currency: str) -> Decimal:
    """The amount in major units, exactly: 2480 JPY → 2480, 2480 EUR → 24.80."""
    return Decimal(amount).scaleb(-exponent(currency))


def shown(amount: int, currency: str) -> str:
    """As Stripe's messages write an amount: "$24.80", "¥2480"."""
    return f"{SYMBOLS.get(currency, '')}{major(amount, currency):f}"


def minimum(currency: str) -> int:
    """The smallest chargeable amount in minor units (50 cents, 30 pence, ¥50)."""
    return int(Decimal(MINIMUM_MAJOR.get(currency, "0.50")).scaleb(exponent(currency)))


def check_amount(amount: int, currency: str) -> None:
    """Refuse an amount below the currency's minimum or, for three-decimal currencies, not ending in 0."""
    if amount < minimum(currency):
        message = f"Amount must be at least {shown(minimum(currency), currency)} {currency}"
        raise invalid_param("amount", message, code="amount_too_small")
    if currency in THREE_DECIMAL and amount % 10:
        message = "Amounts in three-decimal currencies must be divisible by 10."
        raise invalid_param("amount", message, code="invalid_amount")
