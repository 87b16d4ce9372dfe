"""Which fulfillment provider ships a line: the first rule that matches (location, destination country, SKU
prefix), else the provider of the stock location the line is reserved at, else none (the hub keeps it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    provider: str
    location: str | None = None
    country: str | None = None
    sku_prefix: str | None = None

    def matches(self, location: str, country: str | None, sku: str) -> bool:
        return (
            (self.location is None or self.location == location)
            and (self.country is None or (country or "").upper() == self.country.upper())
            and (self.sku_prefix is None or sku.startswith(self.sku_prefix))
        )


@dataclass(frozen=True, slots=True)
class Router:
    by_location: Mapping[str, str]
    rules: Sequence[Rule] = ()

    def provider_for(self, location: str, country: str | None, sku: str) -> str | None:
        for rule in self.rules:
            if rule.matches(location, country, sku):
                return rule.provider
        return self.by_location.get(location)
