"""Page-number paging as WordPress does it: page/per_page, X-WP-Total(Pages), a Link header, `_fields` projection."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from sandbox.shopify.responses import json_response
from sandbox.woocommerce.errors import invalid_param

DEFAULT_PER_PAGE, MAX_PER_PAGE = 10, 100


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    per_page: int
    offset: int | None
    fields: tuple[str, ...] | None

    @classmethod
    def read(cls, params: Mapping[str, str]) -> Paging:
        per_page = integer(params, "per_page", DEFAULT_PER_PAGE, low=1, high=MAX_PER_PAGE)
        page = integer(params, "page", 1, low=1)
        offset = integer(params, "offset", 0, low=0) if "offset" in params else None
        return cls(page, per_page, offset, parse_fields(params.get("_fields")))

    def shape(self, item: dict[str, Any]) -> dict[str, Any]:
        return project(item, self.fields)


def integer(params: Mapping[str, str], name: str, default: int, *, low: int, high: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_param(name, f"{name} is not of type integer.") from None
    if value < low or (high is not None and value > high):
        at_least = f"{name} must be greater than or equal to {low}"
        between = f"{name} must be between {low} (inclusive) and {high} (inclusive)"
        raise invalid_param(name, at_least if high is None else between)
    return value


def id_list(params: Mapping[str, str], name: str) -> frozenset[int] | None:
    """`include=1,2,3` (or `include[]=1&include[]=2`); None when absent."""
    raw = [*_values(params, name), *_values(params, f"{name}[]")]
    if not raw:
        return None
    parts = [p.strip() for value in raw for p in value.split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise invalid_param(name, f"{name}[0] is not of type integer.")
    return frozenset(int(p) for p in parts)


def _values(params: Mapping[str, str], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    return [params[name]] if name in params else []


def parse_fields(raw: str | None) -> tuple[str, ...] | None:
    if raw is None:
        return None
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    return names or None


def project(item: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    """The item trimmed to top-level `fields`; unknown names are ignored, as WordPress does."""
    if fields is None:
        return item
    top = {name.split(".", 1)[0] for name in fields}
    return {key: value for key, value in item.items() if key in top}


def page_response(request: Request, rows: Sequence[dict[str, Any]], paging: Paging) -> Response:
    """One page of `rows` (already filtered and sorted) with X-WP-Total, X-WP-TotalPages and a Link header."""
    total = len(rows)
    pages = math.ceil(total / paging.per_page)
    start = paging.offset if paging.offset is not None else (paging.page - 1) * paging.per_page
    body = [paging.shape(item) for item in rows[start : start + paging.per_page]]
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    links = []
    if paging.page > 1:
        links.append(f'<{request.url.include_query_params(page=min(paging.page - 1, pages))}>; rel="prev"')
    if pages > paging.page:
        links.append(f'<{request.url.include_query_params(page=paging.page + 1)}>; rel="next"')
    if links:
        headers["Link"] = ", ".join(links)
    return json_response(body, headers=headers)
