"""Lines that hold no stock: services and fees a channel sells as lines (gift wrap, insurance, a handling fee).

Such a line is never reserved (no stock, so never a shortage), never sent to a warehouse as goods to pick (its
money goes along as a charge), and an order counts as shipped once its stock lines have; its value is captured
as shipping is. A channel names them in `non_stock_skus`; a line without a SKU holds no stock either.

A pattern is a SKU (`GIFT-WRAP`) or a SKU prefix followed by one `*` (`INSURANCE-*`); SKUs compare exactly,
case included.
"""

from __future__ import annotations

from collections.abc import Iterable

WILDCARD = "*"


class NonStockSkus:
    """A channel's non-stock SKU patterns, ready to match."""

    __slots__ = ("_exact", "_prefixes", "patterns")

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = tuple(patterns)
        self._exact = frozenset(p for p in self.patterns if not p.endswith(WILDCARD))
        self._prefixes = tuple(p[: -len(WILDCARD)] for p in self.patterns if p.endswith(WILDCARD))

    def holds_stock(self, sku: str | None) -> bool:
        """False for a line without a SKU and for a SKU a pattern names."""
        if sku is None:
            return False
        if not self.patterns:
            return True
        return sku not in self._exact and not sku.startswith(self._prefixes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NonStockSkus) and other.patterns == self.patterns

    def __hash__(self) -> int:
        return hash(self.patterns)

    def __repr__(self) -> str:
        return f"NonStockSkus({list(self.patterns)!r})"


NONE = NonStockSkus()
"""Every line with a SKU holds stock."""


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a pattern, or None when it is one."""
    fix = f"write a SKU ('GIFT-WRAP') or a SKU prefix ending in {WILDCARD} ('INSURANCE-{WILDCARD}')"
    if not pattern.strip():
        return f"an empty pattern names no SKU; {fix}"
    if pattern != pattern.strip():
        return f"{pattern!r} starts or ends with spaces, which no SKU does; {fix}"
    if WILDCARD in pattern.removesuffix(WILDCARD):
        return f"{pattern!r}: {WILDCARD} may only end a pattern; {fix}"
    if pattern == WILDCARD:
        return f"{pattern!r} would name every SKU, so nothing would be reserved or shipped; {fix}"
    return None
