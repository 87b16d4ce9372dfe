"""Cursor pagination as Shopify does it: an opaque `page_info` in a `Link` header, filters frozen inside it."""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import URL

from sandbox.shopify.responses import ApiError, json_response

Key = tuple[int, ...]
Row = tuple[Key, dict[str, Any]]  # sort key (ascending in walk order) and the item
Direction = Literal["next", "previous"]
PAGING_PARAMS = ("limit", "fields", "page_info")
DEFAULT_LIMIT, MAX_LIMIT = 50, 250
GUIDE = "See https://shopify.dev/api/usage/pagination-rest for more information."


@dataclass(frozen=True, slots=True)
class Cursor:
    resource: str
    query: dict[str, str]
    key: Key
    direction: Direction

    def encode(self) -> str:
        raw = json.dumps([self.resource, self.query, list(self.key), self.direction], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, resource: str) -> Cursor:
        invalid = ApiError(400, {"page_info": "Invalid value."})
        try:
            name, query, key, direction = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except (ValueError, TypeError, binascii.Error):
            raise invalid from None
        well_formed = isinstance(query, dict) and isinstance(key, list) and all(type(k) is int for k in key)
        if name != resource or direction not in ("next", "previous") or not well_formed:
            raise invalid
        return cls(name, {str(k): str(v) for k, v in query.items()}, tuple(key), direction)


@dataclass(frozen=True, slots=True)
class ListRequest:
    """A list call: its filters (from page 1, or frozen in the cursor), page size, fields and cursor."""

    query: dict[str, str]
    limit: int
    fields: tuple[str, ...] | None
    cursor: Cursor | None

    @classmethod
    def read(cls, params: Mapping[str, str], resource: str) -> ListRequest:
        limit, fields = _limit(params.get("limit")), parse_fields(params.get("fields"))
        token = params.get("page_info")
        if token is None:
            return cls({k: v for k, v in params.items() if k not in PAGING_PARAMS}, limit, fields, None)
        extra = sorted(k for k in params if k not in PAGING_PARAMS)
        if extra:
            raise ApiError(400, {k: f"{k} cannot be passed when page_info is present. {GUIDE}" for k in extra})
        cursor = Cursor.decode(token, resource)
        return cls(cursor.query, limit, fields, cursor)

    def shape(self, item: dict[str, Any]) -> dict[str, Any]:
        return only_fields(item, self.fields)


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row]
    has_previous: bool
    has_next: bool


def page_response(request: Request, resource: str, listing: ListRequest, rows: list[Row]) -> Response:
    """One page of `rows` (sorted by key) under the `resource` root, with its `Link` header."""
    page = take_page(rows, listing)
    link = link_header(request.url, resource, listing, page)
    body = {resource: [listing.shape(item) for _, item in page.rows]}
    return json_response(body, headers=None if link is None else {"Link": link})


def take_page(rows: list[Row], request: ListRequest) -> Page:
    """The page after (or before) the cursor's key in `rows`, which are sorted by key."""
    keys = [key for key, _ in rows]
    cursor = request.cursor
    if cursor is None:
        start = 0
        end = min(len(rows), request.limit)
    elif cursor.direction == "next":
        start = bisect_right(keys, cursor.key)
        end = min(len(rows), start + request.limit)
    else:
        end = bisect_left(keys, cursor.key)
        start = max(0, end - request.limit)
    return Page(rows[start:end], has_previous=start > 0, has_next=end < len(rows))


def link_header(url: URL, resource: str, request: ListRequest, page: Page) -> str | None:
    """`<url>; rel="previous", <url>; rel="next"`, with only the parts that exist; None on a single page."""
    parts = []
    if page.has_previous and page.rows:
        parts.append((Cursor(resource, request.query, page.rows[0][0], "previous"), "previous"))
    if page.has_next and page.rows:
        parts.append((Cursor(resource, request.query, page.rows[-1][0], "next"), "next"))
    links = [f'<{url.replace(query=_link_query(request, c))}>; rel="{rel}"' for c, rel in parts]
    return ", ".join(links) or None


def _link_query(request: ListRequest, cursor: Cursor) -> str:
    params = {"limit": str(request.limit), "page_info": cursor.encode()}
    if request.fields is not None:
        params["fields"] = ",".join(request.fields)
    return urlencode(params)


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, {"limit": f"Limit must be between 1 and {MAX_LIMIT}."})
    return int(raw)


def only_fields(item: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    """The item trimmed to `fields` (top-level keys, unknown ones ignored); all of it when None."""
    return item if fields is None else {k: item[k] for k in fields if k in item}


def parse_fields(raw: str | None) -> tuple[str, ...] | None:
    if raw is None:
        return None
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    return names or None
