"""Bring one order's stock holdings in line with what its lines need now.

Used for new orders (nothing held yet) and for changed ones (edited quantities, removed lines,
cancellations, units fulfilled by the channel). Units fulfilled since the last version consume
their reservation; surplus holdings are cut (backorders first, then reservations from the least
preferred location); shortfalls are allocated, and the channel's shortage policy decides whether a
partial result is kept (`backorder`) or nothing new is reserved and the order is held (`hold`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from core.allocation import ChannelPolicy, Need, Pick, ShortagePolicy, allocate
from core.errors import Shortage
from core.inventory import StockBook
from core.kits import SUB_LINE, Kits


@dataclass(slots=True)
class LineStock:
    """What one order line holds: reserved units by location, and units on backorder."""

    sku: str | None
    reserved: dict[int, int] = field(default_factory=dict)
    backordered: int = 0

    @property
    def held(self) -> int:
        return sum(self.reserved.values()) + self.backordered


class LineTarget(NamedTuple):
    key: str
    sku: str | None
    open_quantity: int
    newly_fulfilled: int = 0


@dataclass(slots=True)
class StockOutcome:
    lines: dict[str, LineStock] = field(default_factory=dict)
    reserved: list[Pick] = field(default_factory=list)
    released: list[Pick] = field(default_factory=list)
    consumed: list[Pick] = field(default_factory=list)
    backordered: list[Need] = field(default_factory=list)
    shortages: list[Shortage] = field(default_factory=list)

    @property
    def held(self) -> bool:
        """True when shortages left the order on hold (nothing new reserved)."""
        return bool(self.shortages) and not self.backordered


def split_pooled(targets: Sequence[LineTarget], pooled: Kits) -> list[LineTarget]:
    """The targets with each pooled kit's line replaced by one line per component (`LINE/COMPONENT`), each
    reserved on its own wherever the channel's locations have it (see core.kits)."""
    if not pooled:
        return list(targets)
    split: list[LineTarget] = []
    for target in targets:
        components = pooled.get(target.sku or "")
        if components is None:
            split.append(target)
            continue
        split += [
            LineTarget(
                f"{target.key}{SUB_LINE}{sku}", sku, target.open_quantity * units, target.newly_fulfilled * units
            )
            for sku, units in components
        ]
    return split


def settle(
    book: StockBook,
    policy: ChannelPolicy,
    reference: str,
    current: Mapping[str, LineStock],
    targets: Sequence[LineTarget],
) -> StockOutcome:
    out = StockOutcome()
    order_of: dict[int, int] = {}
    needs = []
    for target in targets:
        before = current.get(target.key)
        if before is None:
            line, short = LineStock(target.sku), target.open_quantity
        else:
            order_of = order_of or {loc: i for i, loc in enumerate(policy.locations)}
            line = _start(book, out, reference, before, target)
            _consume(book, out, reference, line, target, order_of)
            _trim(book, out, reference, line, target, order_of)
            short = target.open_quantity - line.held
        if target.sku is not None and short > 0:
            needs.append(Need(target.key, target.sku, short))
        out.lines[target.key] = line
    if needs:
        _allocate(book, policy, out, reference, needs)
    return out


def _start(book: StockBook, out: StockOutcome, reference: str, line: LineStock, target: LineTarget) -> LineStock:
    """The line's holdings; a line whose SKU changed gives back everything held for the old SKU."""
    if line.sku != target.sku:
        for loc, qty in line.reserved.items():
            _release(book, out, reference, target.key, line.sku, loc, qty)
        return LineStock(target.sku)
    return LineStock(line.sku, dict(line.reserved), line.backordered)


def _consume(
    book: StockBook, out: StockOutcome, reference: str, line: LineStock, target: LineTarget, order_of: dict[int, int]
) -> None:
    left = target.newly_fulfilled
    for loc in sorted(line.reserved, key=lambda loc: order_of.get(loc, len(order_of))):
        take = min(left, line.reserved[loc])
        if take and line.sku is not None:
            book.consume(line.sku, loc, take, reference)
            out.consumed.append(Pick(target.key, line.sku, loc, take))
            line.reserved[loc] -= take
            left -= take
    line.backordered -= min(left, line.backordered)


def _trim(
    book: StockBook, out: StockOutcome, reference: str, line: LineStock, target: LineTarget, order_of: dict[int, int]
) -> None:
    surplus = line.held - max(target.open_quantity, 0)
    cut = min(surplus, line.backordered) if surplus > 0 else 0
    line.backordered -= cut
    surplus -= cut
    for loc in sorted(line.reserved, key=lambda loc: -order_of.get(loc, len(order_of))):
        take = min(surplus, line.reserved[loc])
        if take > 0 and line.sku is not None:
            _release(book, out, reference, target.key, line.sku, loc, take)
            line.reserved[loc] -= take
            surplus -= take


def _release(book: StockBook, out: StockOutcome, reference: str, key: str, sku: str | None, loc: int, qty: int) -> None:
    if qty and sku is not None:
        book.release(sku, loc, qty, reference)
        out.released.append(Pick(key, sku, loc, qty))


def _allocate(book: StockBook, policy: ChannelPolicy, out: StockOutcome, reference: str, needs: list[Need]) -> None:
    result = allocate(needs, policy, book.available, book.kits)
    out.shortages = result.shortages
    if result.shortages and policy.shortage_policy is ShortagePolicy.hold:
        return
    for pick in result.picks:
        book.reserve(pick.sku, pick.location_id, pick.quantity, reference)
        line = out.lines[pick.line_key]
        line.reserved[pick.location_id] = line.reserved.get(pick.location_id, 0) + pick.quantity
        out.reserved.append(pick)
    for shortage in result.shortages:
        line = out.lines[shortage.line_key]
        missing = shortage.requested - sum(p.quantity for p in result.picks if p.line_key == shortage.line_key)
        line.backordered += missing
        out.backordered.append(Need(shortage.line_key, shortage.sku, missing))
