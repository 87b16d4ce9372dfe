"""The filters and sort orders of `GET orders.json` and `orders/count.json`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sandbox.shopify.responses import ApiError
from sandbox.shopify.state import OrderIndex

STATUSES: dict[str, Callable[[OrderIndex], bool]] = {
    "open": lambda o: not o.cancelled and not o.closed,
    "closed": lambda o: o.closed,
    "cancelled": lambda o: o.cancelled,
    "any": lambda o: True,
}
FINANCIAL = {
    **{s: {s} for s in ("authorized", "pending", "paid", "partially_paid", "refunded", "voided", "partially_refunded")},
    "unpaid": {"authorized", "pending", "partially_paid"},
}
FULFILLMENT: dict[str, set[str | None]] = {
    "shipped": {"fulfilled"},
    "partial": {"partial"},
    "unshipped": {None},
    "unfulfilled": {None, "partial"},
}
TIME_FIELDS = ("created_at", "updated_at", "processed_at")
SORT_FIELDS = ("id", *TIME_FIELDS)


@dataclass(frozen=True, slots=True)
class TimeBound:
    field: str
    low: datetime | None
    high: datetime | None

    def holds(self, index: OrderIndex) -> bool:
        value: datetime = getattr(index, self.field)
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True, slots=True)
class OrderQuery:
    status: str = "open"  # Shopify's default: cancelled and closed orders are left out unless asked for
    bounds: tuple[TimeBound, ...] = ()
    since_id: int | None = None
    ids: frozenset[int] | None = None
    financial: set[str] | None = None
    fulfillment: set[str | None] | None = None
    sort_field: str = "created_at"
    descending: bool = True

    def matches(self, index: OrderIndex) -> bool:
        return (
            STATUSES[self.status](index)
            and all(b.holds(index) for b in self.bounds)
            and (self.since_id is None or index.id > self.since_id)
            and (self.ids is None or index.id in self.ids)
            and (self.financial is None or index.financial_status in self.financial)
            and (self.fulfillment is None or index.fulfillment_status in self.fulfillment)
        )

    def key(self, index: OrderIndex) -> tuple[int, int]:
        """Sort key in walk order: the sort field, then id as the tie-break, negated when descending."""
        value = index.id if self.sort_field == "id" else int(getattr(index, self.sort_field).timestamp())
        sign = -1 if self.descending else 1
        return sign * value, sign * index.id


def parse_order_query(params: Mapping[str, str], zone: tzinfo) -> OrderQuery:
    status = _choice(params, "status", STATUSES, "open")
    financial = _choice(params, "financial_status", {**FINANCIAL, "any": None}, "any")
    fulfillment = _choice(params, "fulfillment_status", {**FULFILLMENT, "any": None}, "any")
    since_id = parse_integer(params, "since_id")
    sort_field, descending = _sort(params.get("order"), since_id)
    return OrderQuery(
        status=status,
        bounds=tuple(_bound(params, name, zone) for name in TIME_FIELDS),
        since_id=since_id,
        ids=_id_set(params.get("ids")),
        financial=FINANCIAL.get(financial),
        fulfillment=FULFILLMENT.get(fulfillment),
        sort_field=sort_field,
        descending=descending,
    )


def parse_id_list(raw: str | None, name: str) -> list[int] | None:
    """A comma-separated id list such as `ids=1,2,3`; None when absent."""
    if raw is None:
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ApiError(400, {name: "Invalid value."})
    return [int(p) for p in parts]


def _id_set(raw: str | None) -> frozenset[int] | None:
    ids = parse_id_list(raw, "ids")
    return None if ids is None else frozenset(ids)


def _choice(params: Mapping[str, str], name: str, allowed: Mapping[str, object], default: str) -> str:
    value = params.get(name, default)
    if value not in allowed:
        raise ApiError(400, {name: f"{name} must be one of: {', '.join(allowed)}"})
    return value


def parse_integer(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(400, {name: "Invalid value."})
    return int(raw)


def _bound(params: Mapping[str, str], field: str, zone: tzinfo) -> TimeBound:
    return TimeBound(field, _moment(params, f"{field}_min", zone), _moment(params, f"{field}_max", zone))


def _moment(params: Mapping[str, str], name: str, zone: tzinfo) -> datetime | None:
    """An ISO 8601 time; one without an offset is read in the shop's time zone, as Shopify does."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, {name: f"{name} must be an ISO 8601 time such as 2024-06-14T10:22:31-04:00"}) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _sort(raw: str | None, since_id: int | None) -> tuple[str, bool]:
    """(field, descending); newest first by default, ascending ids when walking with `since_id`."""
    if raw is None:
        return ("created_at", True) if since_id is None else ("id", False)
    words = raw.lower().split()
    if not 1 <= len(words) <= 2 or words[0] not in SORT_FIELDS or words[1:] not in ([], ["asc"], ["desc"]):
        raise ApiError(400, {"order": "Invalid value."})
    return words[0], words[1:] == ["desc"]
