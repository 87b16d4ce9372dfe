"""Resource searches: column filters (PERIOD `from/`, `/to`, `from/to`), `columns=` projection, `sort=`,
1-based `firstResult` and `pageSize` paging, and positional result rows described by `metaData.columns`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.brightpearl.errors import bad_request, id_set, parse_moment, when

Json = dict[str, Any]
Value = int | str | bool | datetime | None
MAX_PAGE = 500
CONTROL = ("columns", "sort", "firstResult", "pageSize")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # reportDataType: INTEGER, STRING, PERIOD or BOOLEAN
    read: Callable[[Any], Value]

    def describe(self) -> Json:
        return {"name": self.name, "sortable": True, "filterable": True, "reportDataType": self.kind, "required": False}

    def matches(self, value: Value, wanted: str) -> bool:
        if self.kind == "PERIOD":
            return _in_period(value, wanted, self.name)
        if self.kind == "INTEGER":
            ids = id_set(wanted, limit=10_000)
            return ids is None or value in ids
        if self.kind == "BOOLEAN":
            return str(value).lower() == wanted.lower()
        return str(value or "").lower() == wanted.lower()


def _in_period(value: Value, wanted: str, name: str) -> bool:
    """Both ends inclusive; a value without "/" is a single moment."""
    if not isinstance(value, datetime):
        return False
    start, slash, end = wanted.partition("/")
    start, end = start.strip(), (end.strip() if slash else start.strip())
    after = not start or value >= parse_moment(start, name)
    return after and (not end or value <= parse_moment(end, name))


def search(columns: Sequence[Column], rows: Iterable[Any], query: Mapping[str, str]) -> Json:
    """The `response` of a search over `rows`, sorted by the first column unless `sort=` says otherwise."""
    by_name = {c.name: c for c in columns}
    filters = [(by_name[k], v) for k, v in query.items() if k in by_name]
    found = [row for row in rows if all(c.matches(c.read(row), v) for c, v in filters)]
    key, descending = _sorting(query.get("sort"), by_name, columns[0])
    found.sort(key=lambda row: _sort_key(key.read(row)), reverse=descending)
    shown = _projection(query.get("columns"), by_name, columns)
    first, size = _number(query, "firstResult", 1), min(_number(query, "pageSize", MAX_PAGE), MAX_PAGE)
    page = found[first - 1 : first - 1 + size]
    results = [[_wire(c.read(row)) for c in shown] for row in page]
    return {
        "results": results,
        "metaData": {
            "resultsAvailable": len(found),
            "resultsReturned": len(results),
            "firstResult": first,
            "lastResult": first + len(results) - 1,
            "morePagesAvailable": first - 1 + len(results) < len(found),
            "columns": [c.describe() for c in shown],
            "sorting": [{"filterable": key.describe(), "direction": "DESC" if descending else "ASC"}],
        },
    }


def _sorting(raw: str | None, by_name: Mapping[str, Column], default: Column) -> tuple[Column, bool]:
    if raw is None:
        return default, False
    name, _, direction = raw.partition(".")
    if name not in by_name or direction.upper() not in ("", "ASC", "DESC"):
        raise bad_request(f"Cannot sort by '{raw}'", "CMNC-400")
    return by_name[name], direction.upper() == "DESC"


def _projection(raw: str | None, by_name: Mapping[str, Column], columns: Sequence[Column]) -> list[Column]:
    if raw is None:
        return list(columns)
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise bad_request(f"Unknown column(s): {', '.join(unknown)}")
    return [by_name[n] for n in names]


def _number(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise bad_request(f"{name} must be a positive integer")
    return int(raw)


def _sort_key(value: Value) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)


def _wire(value: Value) -> Value:
    return when(value) if isinstance(value, datetime) else value
