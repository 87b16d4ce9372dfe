"""Where an order's units are reserved: pure functions over a snapshot of availability.

Strategies (chosen per sales channel):
- `priority`: serve each line from the channel's locations in priority order; a line may be split
  across locations when the channel allows it, otherwise it goes to the first location that can
  take the whole line.
- `single_location`: the first location (in priority order) that can take the whole order.

The result lists what to reserve where and every line that falls short; the shortage policy
(`hold` or `backorder`) decides what the caller does with a partial result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from core.errors import Shortage
from core.kits import NO_KITS, Kits, kit_available
from core.non_stock import NONE, NonStockSkus


class Strategy(StrEnum):
    priority = "priority"
    single_location = "single_location"


class ShortagePolicy(StrEnum):
    hold = "hold"
    backorder = "backorder"


class Need(NamedTuple):
    line_key: str
    sku: str
    quantity: int


class Pick(NamedTuple):
    line_key: str
    sku: str
    location_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    name: str
    locations: tuple[int, ...]
    strategy: Strategy = Strategy.priority
    shortage_policy: ShortagePolicy = ShortagePolicy.hold
    allow_split: bool = True
    non_stock: NonStockSkus = NONE
    """SKUs whose lines are never reserved (see core.non_stock)."""


@dataclass(slots=True)
class Allocation:
    picks: list[Pick] = field(default_factory=list)
    shortages: list[Shortage] = field(default_factory=list)


Stock = Mapping[tuple[str, int], int]
"""Available units by (sku, location id)."""


def allocate(needs: Sequence[Need], policy: ChannelPolicy, stock: Stock, kits: Kits = NO_KITS) -> Allocation:
    """Where to reserve `needs`; a need for a bundle SKU is served from its components at one location."""
    if policy.strategy is Strategy.single_location:
        return _single_location(needs, policy.locations, stock, kits)
    if kits:
        return _by_priority(needs, policy, _Remaining(stock, kits))
    # no bundles: a plain copy of the few levels these needs read
    return _by_priority(
        needs, policy, {(n.sku, loc): stock.get((n.sku, loc), 0) for n in needs for loc in policy.locations}
    )


def _by_priority(needs: Sequence[Need], policy: ChannelPolicy, left: dict[tuple[str, int], int]) -> Allocation:
    result = Allocation()
    for need in needs:
        picks = _fill_line(need, policy, left)
        got = sum(p.quantity for p in picks)
        if got < need.quantity:
            usable = [max(left[need.sku, loc], 0) for loc in policy.locations]
            before = sum(usable) if policy.allow_split else max(usable, default=0)
            result.shortages.append(Shortage(need.line_key, need.sku, need.quantity, before))
        for pick in picks:
            left[need.sku, pick.location_id] -= pick.quantity
        result.picks.extend(picks)
    return result


class _Remaining(dict[tuple[str, int], int]):
    """What is left of `stock` as this order takes units; reads fall through, `stock` is not copied.
    A bundle reads as the bundles its components make at that location, and taking bundles takes
    their components, so two lines drawing on one component never both get the last units."""

    def __init__(self, stock: Stock, kits: Kits) -> None:
        super().__init__()
        self._stock = stock
        self._kits = kits

    def __missing__(self, key: tuple[str, int]) -> int:
        components = self._kits.get(key[0])
        if components is not None:
            return kit_available(components, self, key[1])
        return self._stock.get(key, 0)

    def __setitem__(self, key: tuple[str, int], value: int) -> None:
        components = self._kits.get(key[0])
        if components is None:
            super().__setitem__(key, value)
            return
        taken = self[key] - value
        for sku, units in components:
            super().__setitem__((sku, key[1]), self[sku, key[1]] - taken * units)

    def get(self, key: tuple[str, int], default: int | None = None) -> int:  # type: ignore[override]
        return self[key]


def _fill_line(need: Need, policy: ChannelPolicy, left: Mapping[tuple[str, int], int]) -> list[Pick]:
    if not policy.allow_split:
        whole = [loc for loc in policy.locations if left[need.sku, loc] >= need.quantity]
        if whole:
            return [Pick(need.line_key, need.sku, whole[0], need.quantity)]
        best = max(policy.locations, key=lambda loc: left[need.sku, loc], default=None)
        if best is None or left[need.sku, best] <= 0:
            return []
        return [Pick(need.line_key, need.sku, best, left[need.sku, best])]
    picks, remaining = [], need.quantity
    for loc in policy.locations:
        take = min(max(left[need.sku, loc], 0), remaining)
        if take:
            picks.append(Pick(need.line_key, need.sku, loc, take))
            remaining -= take
        if not remaining:
            break
    return picks


def _single_location(needs: Sequence[Need], locations: Sequence[int], stock: Stock, kits: Kits) -> Allocation:
    """Serve the whole order from one location; if none can, serve as much as the best one can."""
    best: Allocation | None = None
    for loc in locations:
        candidate = _serve_from(needs, loc, _Remaining(stock, kits))
        if not candidate.shortages:
            return candidate
        if best is None or _units(candidate) > _units(best):
            best = candidate
    if best is None:
        return Allocation(shortages=[Shortage(n.line_key, n.sku, n.quantity, 0) for n in needs])
    return best


def _serve_from(needs: Sequence[Need], loc: int, left: _Remaining) -> Allocation:
    result = Allocation()
    for need in needs:
        have = max(left[need.sku, loc], 0)
        take = min(have, need.quantity)
        left[need.sku, loc] = have - take
        if take:
            result.picks.append(Pick(need.line_key, need.sku, loc, take))
        if take < need.quantity:
            result.shortages.append(Shortage(need.line_key, need.sku, need.quantity, have))
    return result


def _units(allocation: Allocation) -> int:
    return sum(p.quantity for p in allocation.picks)
