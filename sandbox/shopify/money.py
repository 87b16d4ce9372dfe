"""Amounts as exact Decimals, written as Shopify writes them: decimal strings with a `*_set` twin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any, Literal

Side = Literal["shop_money", "presentment_money"]
SIDES: tuple[Side, Side] = ("shop_money", "presentment_money")

_PLACES = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3}
ZERO = Decimal(0)


def places(currency: str) -> int:
    """Decimals of the currency's minor unit (JPY 0, CAD 2, KWD 3)."""
    return _PLACES.get(currency, 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_EVEN)


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-places(currency))


def text(amount: Decimal, currency: str) -> str:
    """The decimal string Shopify sends: "19.99", "1500" for yen."""
    return format(quantize(amount, currency), "f")


def spread(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `total` over `weights` in proportion, exact to the minor unit (largest remainder first)."""
    unit = _quantum(currency)
    minor = int(total / unit)
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        return [ZERO for _ in weights]
    exact = [Decimal(minor) * w / weight_sum for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (exact[i] - shares[i], -i), reverse=True)
    for i in by_remainder[: minor - sum(shares)]:
        shares[i] += 1
    return [Decimal(s) * unit for s in shares]


@dataclass(frozen=True, slots=True)
class Currencies:
    """The shop's accounting currency and the currency the buyer paid in."""

    shop: str
    presentment: str

    def code(self, side: Side) -> str:
        return self.shop if side == "shop_money" else self.presentment

    def money_set(self, shop_amount: Decimal, presentment_amount: Decimal) -> dict[str, Any]:
        return {
            "shop_money": {"amount": text(shop_amount, self.shop), "currency_code": self.shop},
            "presentment_money": {
                "amount": text(presentment_amount, self.presentment),
                "currency_code": self.presentment,
            },
        }


def amount(money_set: Mapping[str, Any], side: Side) -> Decimal:
    """Read one side of a `*_set` object."""
    return Decimal(money_set[side]["amount"])
