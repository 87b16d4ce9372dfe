"""Query strings the way Medusa v2 reads them: offset/limit, `order`, `x[$gt]` operators and id lists."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from sandbox.medusa.errors import InvalidData
from sandbox.medusa.ids import parse_stamp

_OPERATOR = re.compile(r"^(created_at|updated_at)\[\$(gt|gte|lt|lte|eq)\]$")
_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    "gt": lambda value, bound: value > bound,
    "gte": lambda value, bound: value >= bound,
    "lt": lambda value, bound: value < bound,
    "lte": lambda value, bound: value <= bound,
    "eq": lambda value, bound: value == bound,
}


@dataclass(frozen=True, slots=True)
class Page:
    offset: int
    limit: int

    def envelope(self, root: str, rows: list[Any], shown: list[Any]) -> dict[str, Any]:
        return {root: shown, "count": len(rows), "offset": self.offset, "limit": self.limit}

    def cut(self, rows: list[Any]) -> list[Any]:
        return rows[self.offset : self.offset + self.limit]


@dataclass(frozen=True, slots=True)
class TimeFilter:
    field: str
    operator: str
    bound: datetime

    def matches(self, value: datetime) -> bool:
        return _COMPARE[self.operator](value, self.bound)


def page(params: QueryParams, default_limit: int) -> Page:
    return Page(_whole(params, "offset", 0), _whole(params, "limit", default_limit))


def _whole(params: QueryParams, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidData(f"Invalid request: Expected number, received nan for field '{name}'")
    return int(raw)


def values(params: QueryParams, name: str) -> list[str] | None:
    """`name=a`, `name[]=a&name[]=b`, `name[0]=a` and repeated `name=a&name=b`; None when absent."""
    keys = [key for key in params if key == name or re.fullmatch(rf"{re.escape(name)}\[\d*\]", key)]
    if not keys:
        return None
    return [value for key in dict.fromkeys(keys) for value in params.getlist(key)]


def time_filters(params: QueryParams) -> list[TimeFilter]:
    found = []
    for key, raw in params.multi_items():
        match = _OPERATOR.match(key)
        if match is None:
            continue
        try:
            bound = parse_stamp(raw)
        except ValueError:
            raise InvalidData(f"Invalid request: Invalid date for field '{key}': {raw}") from None
        found.append(TimeFilter(match.group(1), match.group(2), bound))
    return found


def sort_order(params: QueryParams, allowed: Collection[str], default: str) -> tuple[str, bool]:
    """(field, descending) from `order=field` or `order=-field`."""
    raw = params.get("order") or default
    name = raw.removeprefix("-")
    if name not in allowed:
        raise InvalidData(f"Invalid request: Unknown order field: {raw}")
    return name, raw.startswith("-")


def refuse_unknown(params: QueryParams, allowed: Collection[str]) -> None:
    """A strict endpoint: any parameter other than `allowed` (by the name before any `[`) is a 400."""
    unknown = sorted({key for key in params if key.split("[", 1)[0] not in allowed})
    if unknown:
        raise InvalidData("Invalid request: Unrecognized fields: " + ", ".join(f"'{key}'" for key in unknown))
