"""Validation of a page: canonical shape, totals that reconcile, one version per order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import ValidationError

from core.model import CanonicalOrder
from core.quarantine import Rejected
from core.totals import PricedLine, Totals, compute_totals, mismatches, price_lines


class Accepted(NamedTuple):
    order: CanonicalOrder
    priced: list[PricedLine]
    totals: Totals


def validate_page(page: Sequence[Any]) -> tuple[dict[str, Accepted], list[Rejected]]:
    """Accepted orders by external id (the newest version when a page repeats one) and rejects."""
    accepted: dict[str, Accepted] = {}
    rejected: list[Rejected] = []
    for item in page:
        outcome = validate_one(item)
        if isinstance(outcome, Rejected):
            rejected.append(outcome)
            continue
        ext = outcome.order.external_id
        seen = accepted.get(ext)
        if seen is None or outcome.order.is_newer_than(seen.order.upstream_version, seen.order.changed_at):
            accepted[ext] = outcome
    return accepted, rejected


def validate_one(item: Any) -> Accepted | Rejected:
    if isinstance(item, Rejected):
        return item
    try:
        order = item if isinstance(item, CanonicalOrder) else CanonicalOrder.model_validate(item)
    except ValidationError as exc:
        return Rejected(_external_id(item), "invalid order: " + describe_errors(exc), _payload(item))
    priced = price_lines(order)
    totals = compute_totals(order, priced)
    problems = mismatches(order, totals)
    if problems:
        reason = "totals do not reconcile: " + "; ".join(problems)
        return Rejected(order.external_id, reason, _payload(item))
    return Accepted(order, priced, totals)


def describe_errors(exc: ValidationError) -> str:
    """'lines.0.quantity: Input should be greater than or equal to 1; currency: …'"""
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "order"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _external_id(item: Any) -> str | None:
    if isinstance(item, Mapping):
        value = item.get("external_id")
        if isinstance(value, (str, int)) and str(value):
            return str(value)
    return None


def _payload(item: Any) -> Any:
    """What arrived, as it arrived (a canonical order object is kept as its JSON form)."""
    if isinstance(item, Mapping):
        return dict(item)
    if isinstance(item, CanonicalOrder):
        return item.model_dump(mode="json")
    return {"unparsed": repr(item)}
