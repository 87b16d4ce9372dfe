"""The one paging loop and its paginators, walking multi-page fixtures shaped like each API's answers."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest

from connectors.http import RetryPolicy, send
from connectors.paging import (
    CursorPaginator,
    LinkHeaderPaginator,
    OffsetPaginator,
    Page,
    PageNumberPaginator,
    Paginator,
    dig,
    iterate_pages,
)
from core.errors import FatalError

SHOP = "https://acme-outdoor.myshopify.com/admin/api/2024-10"
WOO = "https://shop.acme-outdoor.example/wp-json/wc/v3"
MEDUSA = "https://medusa.acme-outdoor.example/admin"
STRIPE = "https://api.stripe.com/v1"
JSON = {"Content-Type": "application/json; charset=utf-8"}
Answer = tuple[int, Any, dict[str, str]]
Handler = Callable[[httpx.Request], httpx.Response]


def key(url: httpx.URL | str) -> tuple[str, str, frozenset[tuple[str, str]]]:
    url = httpx.URL(url)
    return url.host, url.path, frozenset(url.params.multi_items())


class Site:
    """A fake API: answers each URL from a table (a fresh response each time) and records what was asked."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = {key(url): answer for url, answer in answers.items()}
        self.requested: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requested.append(str(request.url))
        status, body, headers = self.answers[key(request.url)]
        return httpx.Response(status, json=body, headers={**JSON, **headers})


class FakeSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def pages_of(site: Handler, first: httpx.Request, paginator: Paginator, records: Any, **options: Any) -> list[Page]:
    client = httpx.Client(transport=httpx.MockTransport(site))
    sender = options.pop("send", partial(send, policy=RetryPolicy(max_attempts=3), sleep=FakeSleep()))
    return list(iterate_pages(client, first, paginator, records=records, send=sender))


def ids(pages: list[Page]) -> list[Any]:
    return [record["id"] for page in pages for record in page.records]


def shopify_page(order_ids: list[int], *, previous: str | None, following: str | None) -> Answer:
    links = [
        f'<{SHOP}/orders.json?limit=2&page_info={cursor}>; rel="{rel}"'
        for cursor, rel in ((previous, "previous"), (following, "next"))
        if cursor
    ]
    headers = {"X-Shopify-Shop-Api-Call-Limit": "3/40", **({"Link": ", ".join(links)} if links else {})}
    found = [
        {"id": order_id, "name": f"#{order_id - 450788000}", "updated_at": "2026-11-20T04:22:31-05:00"}
        for order_id in order_ids
    ]
    return 200, {"orders": found}, headers


SHOPIFY_FIRST = f"{SHOP}/orders.json?status=any&updated_at_min=2026-11-20T08:55:00Z&limit=2"
SHOPIFY = {
    SHOPIFY_FIRST: shopify_page([450789469, 450789470], previous=None, following="eyJsYXN0X2lkIjo0NTA3ODk0NzB9"),
    f"{SHOP}/orders.json?limit=2&page_info=eyJsYXN0X2lkIjo0NTA3ODk0NzB9": shopify_page(
        [450789471, 450789472], previous="eyJkaXJlY3Rpb24iOiJwcmV2In0", following="eyJsYXN0X2lkIjo0NTA3ODk0NzJ9"
    ),
    f"{SHOP}/orders.json?limit=2&page_info=eyJsYXN0X2lkIjo0NTA3ODk0NzJ9": shopify_page(
        [450789473], previous="eyJkaXJlY3Rpb24iOiJwcmV2MiJ9", following=None
    ),
}


def orders(body: Any) -> list[Any]:
    return list(body["orders"])


def test_link_header_paginator_follows_shopifys_next_links_verbatim_reading_each_page_once() -> None:
    site = Site(SHOPIFY)
    pages = pages_of(site, httpx.Request("GET", SHOPIFY_FIRST), LinkHeaderPaginator(), orders)
    assert ids(pages) == [450789469, 450789470, 450789471, 450789472, 450789473]
    assert [page.number for page in pages] == [1, 2, 3]
    assert pages[0].response.headers["X-Shopify-Shop-Api-Call-Limit"] == "3/40"
    assert site.requested == [SHOPIFY_FIRST, *[url for url in SHOPIFY if url != SHOPIFY_FIRST]]


def woo_page(first_id: int, count: int, **headers: str) -> Answer:
    body = [
        {"id": first_id + n, "status": "processing", "date_modified_gmt": "2026-11-20T08:01:02"} for n in range(count)
    ]
    return 200, body, headers


def woo_url(page: int, per_page: int = 2) -> str:
    return f"{WOO}/orders?orderby=modified&order=asc&dates_are_gmt=true&per_page={per_page}&page={page}"


def bare_list(body: Any) -> list[Any]:
    return list(body)


def test_page_number_paginator_stops_at_the_last_page_woocommerce_names_in_x_wp_totalpages() -> None:
    totals = {"X-WP-Total": "6", "X-WP-TotalPages": "3"}
    site = Site({woo_url(n): woo_page(720 + 2 * n, 2, **totals) for n in (1, 2, 3)})
    pages = pages_of(site, httpx.Request("GET", woo_url(1)), PageNumberPaginator(), bare_list)
    assert ids(pages) == [722, 723, 724, 725, 726, 727]
    assert [key(url) for url in site.requested] == [key(woo_url(n)) for n in (1, 2, 3)]


def test_page_number_paginator_without_a_total_stops_at_the_first_short_page() -> None:
    site = Site({woo_url(1): woo_page(722, 2), woo_url(2): woo_page(724, 1)})
    pages = pages_of(site, httpx.Request("GET", woo_url(1)), PageNumberPaginator(), bare_list)
    assert ids(pages) == [722, 723, 724]
    assert len(site.requested) == 2


def test_page_number_paginator_stops_at_an_empty_page() -> None:
    site = Site({woo_url(1): woo_page(722, 2), woo_url(2): woo_page(724, 2), woo_url(3): woo_page(0, 0)})
    pages = pages_of(site, httpx.Request("GET", woo_url(1)), PageNumberPaginator(), bare_list)
    assert ids(pages) == [722, 723, 724, 725]
    assert len(site.requested) == 3


def medusa_page(offset: int, count: int, size: int, limit: int = 2) -> Answer:
    found = [{"id": f"order_01JD{offset + n:04d}", "display_id": 1001 + offset + n} for n in range(size)]
    return 200, {"orders": found, "count": count, "offset": offset, "limit": limit}, {}


def medusa_url(offset: int, limit: int = 2) -> str:
    return f"{MEDUSA}/orders?order=updated_at&updated_at[$gte]=2026-11-20T08:55:00Z&offset={offset}&limit={limit}"


def test_offset_paginator_walks_medusa_pages_until_count() -> None:
    site = Site({medusa_url(offset): medusa_page(offset, 5, min(2, 5 - offset)) for offset in (0, 2, 4)})
    pages = pages_of(site, httpx.Request("GET", medusa_url(0)), OffsetPaginator(), orders)
    assert ids(pages) == [f"order_01JD{n:04d}" for n in range(5)]
    assert [key(url) for url in site.requested] == [key(medusa_url(offset)) for offset in (0, 2, 4)]


def test_offset_paginator_advances_by_the_records_received_when_the_server_caps_the_limit() -> None:
    answers = {medusa_url(offset, 100): medusa_page(offset, 5, min(2, 5 - offset), 2) for offset in (0, 2, 4)}
    pages = pages_of(Site(answers), httpx.Request("GET", medusa_url(0, 100)), OffsetPaginator(), orders)
    assert len(ids(pages)) == 5


def stripe_page(first: int, size: int, *, has_more: bool) -> Answer:
    data = [{"id": f"re_3N{first + n:03d}", "object": "refund", "amount": 1500} for n in range(size)]
    return 200, {"object": "list", "url": "/v1/refunds", "has_more": has_more, "data": data}, {}


def data(body: Any) -> list[Any]:
    return list(body["data"])


def test_after_last_record_walks_a_stripe_list_with_starting_after() -> None:
    first = f"{STRIPE}/refunds?payment_intent=pi_3MtwBw&limit=2"
    site = Site(
        {
            first: stripe_page(1, 2, has_more=True),
            f"{first}&starting_after=re_3N002": stripe_page(3, 2, has_more=True),
            f"{first}&starting_after=re_3N004": stripe_page(5, 1, has_more=False),
        }
    )
    pages = pages_of(site, httpx.Request("GET", first), CursorPaginator.after_last_record(), data)
    assert ids(pages) == [f"re_3N{n:03d}" for n in range(1, 6)]
    assert len(site.requested) == 3


SHIPMENTS = "https://api.example/v2/shipments?updated_after=2026-11-20"
NEXT_CURSOR = CursorPaginator.next_field("meta.next_cursor", param="cursor")


def cursor_page(name: str, next_cursor: str | None) -> Answer:
    return 200, {"data": [{"id": f"{name}-1"}, {"id": f"{name}-2"}], "meta": {"next_cursor": next_cursor}}, {}


def test_next_field_cursor_follows_the_cursor_named_in_the_body() -> None:
    site = Site(
        {
            SHIPMENTS: cursor_page("a", "c2"),
            f"{SHIPMENTS}&cursor=c2": cursor_page("b", "c3"),
            f"{SHIPMENTS}&cursor=c3": cursor_page("c", ""),
        }
    )
    pages = pages_of(site, httpx.Request("GET", SHIPMENTS), NEXT_CURSOR, data)
    assert ids(pages) == ["a-1", "a-2", "b-1", "b-2", "c-1", "c-2"]


def test_a_custom_cursor_walks_brightpearl_search_results_by_first_result() -> None:
    def after_last_result(page: Page) -> str | None:
        meta = dig(page.body, "response.metaData")
        return str(meta["lastResult"] + 1) if meta["morePagesAvailable"] else None

    def search(first: int, more: bool) -> Answer:
        meta = {"resultsAvailable": 3, "firstResult": first, "lastResult": first + 1, "morePagesAvailable": more}
        return 200, {"response": {"results": [[100 + first], [101 + first]], "metaData": meta}}, {}

    first = "https://ws-eu1.brightpearl.com/public-api/acme/order-service/order-search?pageSize=2&firstResult=1"
    site = Site({first: search(1, True), first.replace("firstResult=1", "firstResult=3"): search(3, False)})
    paginator = CursorPaginator("firstResult", after_last_result)
    pages = pages_of(site, httpx.Request("GET", first), paginator, lambda body: body["response"]["results"])
    assert [row[0] for page in pages for row in page.records] == [101, 102, 103, 104]


def test_a_repeated_cursor_is_refused_and_named() -> None:
    site = Site({SHIPMENTS: cursor_page("a", "c2"), f"{SHIPMENTS}&cursor=c2": cursor_page("b", "c2")})
    with pytest.raises(FatalError, match="cursor=c2"):
        pages_of(site, httpx.Request("GET", SHIPMENTS), NEXT_CURSOR, data)
    assert len(site.requested) == 2


def test_a_next_link_back_to_an_earlier_page_is_refused() -> None:
    looping = dict(SHOPIFY)
    last = list(SHOPIFY)[2]
    status, body, headers = looping[last]
    looping[last] = (status, body, {**headers, "Link": f'<{SHOPIFY_FIRST}>; rel="next"'})
    with pytest.raises(FatalError, match="pointed again at"):
        pages_of(Site(looping), httpx.Request("GET", SHOPIFY_FIRST), LinkHeaderPaginator(), orders)


def test_a_page_repeating_an_earlier_one_word_for_word_is_refused() -> None:
    same = woo_page(722, 2)
    site = Site({woo_url(1): same, woo_url(2): same, woo_url(3): same})
    with pytest.raises(FatalError, match="page 2 repeats page 1"):
        pages_of(site, httpx.Request("GET", woo_url(1)), PageNumberPaginator(), bare_list)


def test_max_pages_stops_an_endless_walk() -> None:
    endless = {SHIPMENTS: cursor_page("p0", "c1")} | {
        f"{SHIPMENTS}&cursor=c{n}": cursor_page(f"p{n}", f"c{n + 1}") for n in range(1, 9)
    }
    paginator = CursorPaginator.next_field("meta.next_cursor", param="cursor", max_pages=3)
    site = Site(endless)
    with pytest.raises(FatalError, match="still more pages after 3"):
        pages_of(site, httpx.Request("GET", SHIPMENTS), paginator, data)
    assert len(site.requested) == 3


def test_pages_are_fetched_lazily_and_one_at_a_time() -> None:
    site = Site(SHOPIFY)
    held: list[weakref.ref[httpx.Response]] = []
    alive_while_fetching: list[bool] = []

    def transport(request: httpx.Request) -> httpx.Response:
        gc.collect()
        alive_while_fetching.extend(ref() is not None for ref in held)
        return site(request)

    client = httpx.Client(transport=httpx.MockTransport(transport))
    walk = iterate_pages(client, httpx.Request("GET", SHOPIFY_FIRST), LinkHeaderPaginator(), records=orders)
    assert site.requested == []
    first = next(walk)
    assert len(site.requested) == 1
    held.append(weakref.ref(first.response))
    del first
    second = next(walk)
    assert len(site.requested) == 2
    assert alive_while_fetching == [False]
    assert second.number == 2


def test_a_next_link_to_another_host_is_not_followed() -> None:
    answers = {
        SHOPIFY_FIRST: (
            200,
            {"orders": [{"id": 1}]},
            {"Link": '<https://evil.example/orders.json?page_info=x>; rel="next"'},
        )
    }
    with pytest.raises(FatalError, match="leaves the host"):
        pages_of(Site(answers), httpx.Request("GET", SHOPIFY_FIRST), LinkHeaderPaginator(), orders)


def test_a_body_without_the_records_where_expected_is_fatal() -> None:
    answers: dict[str, Answer] = {SHOPIFY_FIRST: (200, {"order": {"id": 1}}, {})}
    with pytest.raises(FatalError, match="no records where expected"):
        pages_of(Site(answers), httpx.Request("GET", SHOPIFY_FIRST), LinkHeaderPaginator(), orders)


def test_a_stripe_page_that_has_more_but_no_last_id_is_refused() -> None:
    first = f"{STRIPE}/refunds?limit=2"
    answers: dict[str, Answer] = {
        first: (200, {"object": "list", "has_more": True, "data": [{"object": "refund"}]}, {})
    }
    with pytest.raises(FatalError, match="has_more"):
        pages_of(Site(answers), httpx.Request("GET", first), CursorPaginator.after_last_record(), data)


def test_a_throttled_page_is_retried_by_the_send_the_loop_was_given() -> None:
    site = Site(SHOPIFY)
    throttle_once = [key(list(SHOPIFY)[1])]

    def flaky(request: httpx.Request) -> httpx.Response:
        if key(request.url) in throttle_once:
            throttle_once.clear()
            body = {"errors": "Exceeded 2 calls per second for api client."}
            return httpx.Response(429, json=body, headers={"Retry-After": "2.0"})
        return site(request)

    sleep = FakeSleep()
    sender = partial(send, policy=RetryPolicy(), sleep=sleep)
    pages = pages_of(flaky, httpx.Request("GET", SHOPIFY_FIRST), LinkHeaderPaginator(), orders, send=sender)
    assert len(ids(pages)) == 5
    assert len(site.requested) == 3
    assert len(sleep.waits) == 1
    assert 2.0 <= sleep.waits[0] <= 2.2
