"""The one paging loop, and one small paginator per way our APIs page.

A paginator looks at the page just read and builds the request for the next one, or says there is none. The
loop refuses to ask twice for the same page position (URL, page number, offset or cursor) and to accept a page
whose body repeats an earlier one, and it stops at the paginator's `max_pages`: an API that loops would
otherwise never end. Each is a FatalError naming the value. Pages are read with GET.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx
import orjson

from connectors.http import RetryPolicy, describe, json_body, looks_secret, send
from core.errors import FatalError

DEFAULT_MAX_PAGES = 10_000

T = TypeVar("T")
Send = Callable[[httpx.Client, httpx.Request], httpx.Response]
Records = Callable[[Any], list[Any]]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a walk: its records, the raw response (headers included) and the decoded body."""

    number: int
    records: list[Any]
    response: httpx.Response
    body: Any


class Paginator(Protocol):
    @property
    def max_pages(self) -> int: ...

    def position(self, request: httpx.Request) -> str:
        """What names the page `request` asks for, safe to put in a message."""

    def next_request(self, request: httpx.Request, page: Page) -> httpx.Request | None:
        """The request for the page after `page`, which `request` asked for; None after the last page."""


def _send_with_defaults(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    return send(client, request, policy=RetryPolicy())


def iterate_pages(
    client: httpx.Client,
    first_request: httpx.Request,
    paginator: Paginator,
    *,
    records: Records,
    send: Send = _send_with_defaults,
    decode: Callable[[bytes], Any] = orjson.loads,
) -> Iterator[Page]:
    """Walk the pages lazily: the next page is only requested once the caller asks for it, so each page can be
    committed before the next is fetched, and only one page is held at a time. `decode` reads a body (JSON into
    Python objects unless told otherwise); `records` finds the page's records in what it returns."""
    walk = _Walk(paginator, {paginator.position(first_request)})
    request: httpx.Request | None = first_request
    number = 1
    while request is not None:
        response = send(client, request)
        walk.check_body(response, number)
        body = json_body(response, decode)
        page = Page(number, _records_of(records, body, response), response, body)
        yield page
        request = paginator.next_request(request, page)
        _release(response)
        del page, body, response  # hold one page at a time
        if request is not None:
            walk.check_next(request, number)
        number += 1


@dataclass(slots=True)
class _Walk:
    paginator: Paginator
    positions: set[str]
    bodies: dict[bytes, int] = field(default_factory=dict)

    def check_next(self, request: httpx.Request, pages_read: int) -> None:
        if pages_read >= self.paginator.max_pages:
            raise FatalError(
                f"{describe(request)}: still more pages after {pages_read}; stopped at max_pages. Raise it if the"
                " data set is really that large, otherwise the API is looping"
            )
        position = self.paginator.position(request)
        if position in self.positions:
            raise FatalError(f"{describe(request)}: the API pointed again at {position} after {pages_read} pages")
        self.positions.add(position)

    def check_body(self, response: httpx.Response, number: int) -> None:
        digest = hashlib.sha256(response.content).digest()  # SHA extensions make it ~2x blake2b
        earlier = self.bodies.setdefault(digest, number)
        if earlier != number:
            raise FatalError(
                f"{describe(response.request)}: page {number} repeats page {earlier} word for word; the API (or a"
                " cache in front of it) ignores the paging parameter"
            )


def _release(response: httpx.Response) -> None:
    """Free a read page now: httpx keeps a response and its stream in a reference cycle, which only a
    full garbage collection would otherwise break (and with it the page's body)."""
    response.close()
    response.stream = httpx.ByteStream(b"")


def _records_of(records: Records, body: Any, response: httpx.Response) -> list[Any]:
    where = describe(response.request)
    try:
        found = records(body)
    except (KeyError, IndexError, TypeError) as exc:
        raise FatalError(f"{where}: no records where expected ({exc!r}); has the API's answer changed?") from exc
    if not isinstance(found, list):
        raise FatalError(f"{where}: the records are a {type(found).__name__}, not a list")
    return found


@dataclass(frozen=True, slots=True)
class LinkHeaderPaginator:
    """Shopify style: follow the Link header's `rel="next"` URL verbatim; the last page has none."""

    max_pages: int = DEFAULT_MAX_PAGES

    def position(self, request: httpx.Request) -> str:
        return safe_url(request.url)

    def next_request(self, request: httpx.Request, page: Page) -> httpx.Request | None:
        link = page.response.links.get("next", {}).get("url")
        if not link:
            return None
        url = request.url.join(link)
        if (url.scheme, url.host, url.port) != (request.url.scheme, request.url.host, request.url.port):
            raise FatalError(f"{describe(request)}: the next page link leaves the host ({url.host}); not followed")
        return with_url(request, url)


@dataclass(frozen=True, slots=True)
class PageNumberPaginator:
    """WooCommerce style: `page` = 1, 2, ... with `per_page`.

    The last page is the one the total-pages header names; without that header, the first empty or short page
    (fewer records than `per_page` asked for). A server that silently caps `per_page` must send the header.
    """

    page_param: str = "page"
    size_param: str = "per_page"
    total_pages_header: str = "X-WP-TotalPages"
    max_pages: int = DEFAULT_MAX_PAGES

    def position(self, request: httpx.Request) -> str:
        return f"{self.page_param}={self._page(request)}"

    def next_request(self, request: httpx.Request, page: Page) -> httpx.Request | None:
        current = self._page(request)
        if not page.records or self._was_last(current, request, page):
            return None
        return with_url(request, request.url.copy_set_param(self.page_param, current + 1))

    def _was_last(self, current: int, request: httpx.Request, page: Page) -> bool:
        total = _integer(page.response.headers.get(self.total_pages_header))
        if total is not None:
            return current >= total
        size = _integer(request.url.params.get(self.size_param))
        return size is not None and len(page.records) < size

    def _page(self, request: httpx.Request) -> int:
        return _integer(request.url.params.get(self.page_param)) or 1


@dataclass(frozen=True, slots=True)
class OffsetPaginator:
    """Medusa style: `offset` with `limit`, the total in the body's `count`.

    The offset advances by the records received, not by `limit`, so a server that caps the limit skips nothing.
    """

    offset_param: str = "offset"
    count_path: str = "count"
    max_pages: int = DEFAULT_MAX_PAGES

    def position(self, request: httpx.Request) -> str:
        return f"{self.offset_param}={self._offset(request)}"

    def next_request(self, request: httpx.Request, page: Page) -> httpx.Request | None:
        following = self._offset(request) + len(page.records)
        count = _integer(dig(page.body, self.count_path))
        if not page.records or (count is not None and following >= count):
            return None
        return with_url(request, request.url.copy_set_param(self.offset_param, following))

    def _offset(self, request: httpx.Request) -> int:
        return _integer(request.url.params.get(self.offset_param)) or 0


@dataclass(frozen=True, slots=True)
class CursorPaginator:
    """A cursor read from each page (see `next_field` and `after_last_record`), sent back as query `param`."""

    param: str
    cursor: Callable[[Page], str | None]
    max_pages: int = DEFAULT_MAX_PAGES

    @classmethod
    def next_field(cls, path: str, *, param: str, max_pages: int = DEFAULT_MAX_PAGES) -> CursorPaginator:
        """The body names the next cursor at `path` ("meta.next_cursor"); empty or missing on the last page."""
        return cls(param, lambda page: _text(dig(page.body, path)), max_pages)

    @classmethod
    def after_last_record(
        cls,
        *,
        param: str = "starting_after",
        more: str = "has_more",
        key: str = "id",
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> CursorPaginator:
        """Stripe style: while the body's `has_more` is true, ask for the records after the last record's `id`."""

        def cursor(page: Page) -> str | None:
            if dig(page.body, more) is not True:
                return None
            last = _text(dig(page.records[-1], key)) if page.records else None
            if last is None:
                raise FatalError(f"page {page.number} says {more} but has no last record {key!r} to continue after")
            return last

        return cls(param, cursor, max_pages)

    def position(self, request: httpx.Request) -> str:
        return f"{self.param}={request.url.params.get(self.param, '')}"

    def next_request(self, request: httpx.Request, page: Page) -> httpx.Request | None:
        value = self.cursor(page)
        return None if not value else with_url(request, request.url.copy_set_param(self.param, value))


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path ("response.metaData.lastResult") in a decoded JSON body, or None."""
    for key in path.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body


def safe_url(url: httpx.URL) -> str:
    """`url` for a message: no user info, and the values of query parameters that look like secrets blanked."""
    params = [(name, "***" if looks_secret(name) else value) for name, value in url.params.multi_items()]
    return str(url.copy_with(username=None, password=None, params=params))


def with_url(request: httpx.Request, url: httpx.URL) -> httpx.Request:
    headers = [(name, value) for name, value in request.headers.multi_items() if name.lower() != "host"]
    return httpx.Request(request.method, url, headers=headers, extensions=request.extensions)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


_END: Any = object()


def read_ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """`items`, with the next one read in a helper thread while the caller works on the current one.

    For a walk over pages: the next page is fetched and mapped while the current one is being committed, so
    the other side's time, the network and the store's own work (which runs outside Python's lock) overlap.
    The helper runs in a copy of the caller's context (log fields, throttle counting), at most one item ahead.
    An error reading an item is raised where the caller asks for it. When the caller stops early, the item in
    flight is waited for and the walk closed, so no request outlives the loop.
    """
    context = contextvars.copy_context()

    def step() -> T:
        return context.run(next, items, _END)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as helper:
        pending = helper.submit(step)
        try:
            while (item := pending.result()) is not _END:
                pending = helper.submit(step)
                yield item
        finally:
            if not pending.cancel():
                pending.exception()  # wait for the item in flight; an error in it is not this loop's
            close = getattr(items, "close", None)
            if close is not None:
                close()
