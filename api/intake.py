"""Order intake for the API: the same intake as channel pulls and `orders import`, answering per order.

Orders are taken in a page at a time, each page in one transaction. Intake says what it did with each valid
order (created, updated or unchanged); one that failed validation is quarantined with its reason. The order's
id, status and hold reason are read back in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine

from core import queries
from core.clock import Clock
from core.intake import ingest_in
from core.model import CanonicalOrder
from core.quarantine import Rejected
from core.validation import validate_one

PAGE_SIZE = 250
"""Orders per transaction, as `omshub orders import` pages."""


class Result(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"
    quarantined = "quarantined"


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    external_id: str | None
    order_id: int | None = None
    status: str | None = None
    hold_reason: str | None = None
    reason: str | None = None


def take_in(engine: Engine, channel: str, orders: Sequence[CanonicalOrder], *, clock: Clock) -> list[Outcome]:
    """Take in `orders` for `channel`; one outcome per order, in their order. An order repeated in the same
    page is taken in once (its newest version); each repetition reports that outcome."""
    outcomes: list[Outcome] = []
    for start in range(0, len(orders), PAGE_SIZE):
        with engine.begin() as conn:
            outcomes += _page(conn, channel, orders[start : start + PAGE_SIZE], clock)
    return outcomes


def _page(conn: Connection, channel: str, orders: Sequence[CanonicalOrder], clock: Clock) -> list[Outcome]:
    taken = ingest_in(conn, channel, orders, clock=clock)
    # Only a page with quarantined orders is checked again, to tell which they are and why (the same check).
    rejected = _rejected(orders) if taken.quarantined else {}
    external_ids = {order.external_id for i, order in enumerate(orders) if i not in rejected}
    after = queries.intake_states(conn, channel, external_ids)
    return [_outcome(order, rejected.get(i), taken.outcomes, after) for i, order in enumerate(orders)]


def _rejected(orders: Sequence[CanonicalOrder]) -> dict[int, Rejected]:
    """The orders validation quarantines, by their place in the page."""
    checked = {i: validate_one(order) for i, order in enumerate(orders)}
    return {i: found for i, found in checked.items() if isinstance(found, Rejected)}


def _outcome(
    order: CanonicalOrder, rejected: Rejected | None, outcomes: dict[str, str], after: dict[str, Any]
) -> Outcome:
    if rejected is not None:
        return Outcome(Result.quarantined, rejected.external_id, reason=rejected.reason)
    ext = order.external_id
    now = after[ext]
    return Outcome(Result(outcomes[ext]), ext, now["id"], now["status"], now["hold_reason"])
