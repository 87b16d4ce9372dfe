"""The filters and sort orders of `GET orders`, with WordPress's date rules.

Date bounds are exclusive. They are compared with the site-local columns (`date_created`, `date_modified`)
unless `dates_are_gmt=true`, which compares with the `*_gmt` columns. A value with an offset is first turned
into site-local wall time (WordPress reads dates with the site's time zone), a value without one is taken as is:
so a UTC watermark sent without `dates_are_gmt=true` selects a window shifted by the UTC offset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sandbox.woocommerce.errors import invalid_param
from sandbox.woocommerce.listing import id_list, integer
from sandbox.woocommerce.sitetime import SiteTime
from sandbox.woocommerce.store import OrderIndex

STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash")
QUERY_STATUSES = ("any", *STATUSES, "checkout-draft")
ORDERBY = ("date", "id", "include", "title", "slug", "modified")
BOUNDS = {"after": ("created", ">"), "before": ("created", "<"), "modified_after": ("modified", ">")}
BOUNDS["modified_before"] = ("modified", "<")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
TRUE, FALSE = ("true", "1"), ("false", "0")


@dataclass(frozen=True, slots=True)
class Bound:
    column: str  # "created" or "modified"
    operator: str  # ">" or "<"
    value: datetime  # naive, in the time of the compared column

    def holds(self, index: OrderIndex, *, gmt: bool) -> bool:
        actual: datetime = getattr(index, f"{self.column}_{'gmt' if gmt else 'local'}")
        return actual > self.value if self.operator == ">" else actual < self.value


@dataclass(frozen=True, slots=True)
class OrderQuery:
    statuses: frozenset[str] | None = None  # None: any status but trash
    bounds: tuple[Bound, ...] = ()
    gmt: bool = False
    include: frozenset[int] | None = None
    exclude: frozenset[int] | None = None
    customer: int | None = None
    orderby: str = "date"
    descending: bool = True

    def matches(self, index: OrderIndex) -> bool:
        status_ok = index.status != "trash" if self.statuses is None else index.status in self.statuses
        return (
            status_ok
            and all(b.holds(index, gmt=self.gmt) for b in self.bounds)
            and (self.include is None or index.id in self.include)
            and (self.exclude is None or index.id not in self.exclude)
            and (self.customer is None or index.customer_id == self.customer)
        )

    def key(self, index: OrderIndex) -> tuple[float, int]:
        """Sort key in walk order: the sort column, then the id as tie-break, both negated when descending."""
        sign = -1 if self.descending else 1
        if self.orderby == "date":
            return sign * index.created_gmt.timestamp(), sign * index.id
        if self.orderby == "modified":
            return sign * index.modified_gmt.timestamp(), sign * index.id
        return sign * index.id, 0


def parse_order_query(params: Mapping[str, str], site: SiteTime) -> OrderQuery:
    order = params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_param("order", "order is not one of asc and desc.")
    orderby = params.get("orderby", "date")
    if orderby not in ORDERBY:
        raise invalid_param("orderby", f"orderby is not one of {', '.join(ORDERBY)}.")
    customer = integer(params, "customer", 0, low=0) if "customer" in params else None
    return OrderQuery(
        statuses=_statuses(params),
        bounds=tuple(_bound(params, name, site) for name in BOUNDS if name in params),
        gmt=_flag(params, "dates_are_gmt"),
        include=id_list(params, "include"),
        exclude=id_list(params, "exclude"),
        customer=customer,
        orderby=orderby,
        descending=order == "desc",
    )


def _statuses(params: Mapping[str, str]) -> frozenset[str] | None:
    getlist = getattr(params, "getlist", None)
    raw = [*getlist("status"), *getlist("status[]")] if getlist is not None else [params.get("status", "any")]
    values = [v.strip() for value in raw for v in value.split(",") if v.strip()] or ["any"]
    for n, value in enumerate(values):
        if value not in QUERY_STATUSES:
            raise invalid_param("status", f"status[{n}] is not one of {', '.join(QUERY_STATUSES)}.")
    return None if "any" in values else frozenset(values)


def _flag(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name, "false").lower()
    if raw not in TRUE + FALSE:
        raise invalid_param(name, f"{name} is not of type boolean.")
    return raw in TRUE


def _bound(params: Mapping[str, str], name: str, site: SiteTime) -> Bound:
    column, operator = BOUNDS[name]
    raw = params[name]
    if not ISO.match(raw):
        raise invalid_param(name, "Invalid date.")
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = site.local(moment)
    return Bound(column, operator, moment.replace(microsecond=0))
