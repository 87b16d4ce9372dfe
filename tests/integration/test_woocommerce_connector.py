"""The WooCommerce connector against respx routes fed with realistic payloads, and the pull job on top of it."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from connectors.base import ChannelSettings, Window
from connectors.woocommerce.client import WooCommerceOptions
from connectors.woocommerce.connector import WOOCOMMERCE, WooCommerceConnector
from core.errors import CredentialsRejected, FatalError, RateLimited
from core.model import CanonicalOrder
from core.publish import WHOLE_CHANNEL, Published
from core.quarantine import Rejected
from core.runs import RunStatus, Trigger
from core.shipments import ShipmentNotice, ShippedLine, Tracking
from core.store.engine import make_engine
from core.store.schema import order_lines, orders, quarantine
from jobs.pull_orders import pull_orders
from jobs.runner import Runner
from tests.support import setup_hub

FIXTURES = Path(__file__).parent.parent / "fixtures" / "woocommerce"
SITE = "https://shop.example"
API = f"{SITE}/wp-json/wc/v3"
KEY, SECRET = "ck_5f2a9c1e7b3d4f60a8e9b2c7d1f0e3a4b5c6d7e8", "cs_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
WINDOW = Window(datetime(2024, 6, 14, 10, 0, 0, 250000, tzinfo=UTC), datetime(2024, 6, 14, 11, 0, 0, tzinfo=UTC))


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def connector(
    sleeps: list[float] | None = None, *, location_ids: dict[str, str] | None = None, **options: Any
) -> WooCommerceConnector:
    settings = ChannelSettings(
        name="woo",
        base_url=SITE + "/",
        credentials={"consumer_key": SecretStr(KEY), "consumer_secret": SecretStr(SECRET)},
        options=WooCommerceOptions(**options),
        location_ids=location_ids or {},
    )
    waits = sleeps if sleeps is not None else []
    return WooCommerceConnector(settings, sleep=waits.append)


def page(records: list[Any], *, total: int, pages: int) -> httpx.Response:
    return httpx.Response(200, json=records, headers={"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)})


def on_page(number: int) -> dict[str, str]:
    return {"page": str(number)}


def refunds_route(order_id: int) -> respx.Route:
    body = fixture(f"refunds_{order_id}")
    return respx.get(f"{API}/orders/{order_id}/refunds").mock(return_value=page(body, total=len(body), pages=1))


class Shop:
    """`GET orders` as WooCommerce answers it: orders modified after `modified_after` (exclusive, GMT), sorted by
    modification then id, `per_page` at a time from `page`. `between` runs before each answer (to change the shop
    during the walk); `fail_first` answers those request numbers with a 502 instead."""

    def __init__(self, *orders: dict[str, Any], between: Any = None, fail: tuple[int, ...] = ()) -> None:
        self.orders = list(orders)
        self.between = between or (lambda number: None)
        self.fail, self.requests = fail, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests in self.fail:
            return httpx.Response(502, text="<html>Bad Gateway</html>")
        self.between(self.requests)
        params = request.url.params
        after = params.get("modified_after", "")
        listed = sorted(
            (o for o in self.orders if o["date_modified_gmt"] > after), key=lambda o: (o["date_modified_gmt"], o["id"])
        )
        size, number = int(params["per_page"]), int(params["page"])
        pages = max(-(-len(listed) // size), 1)
        return page(listed[(number - 1) * size : number * size], total=len(listed), pages=pages)


@respx.mock
def test_pulls_every_order_of_the_widened_gmt_window_sorted_by_modification():
    shop = Shop(
        *(
            fixture(name)
            for name in (
                "processing_two_rates_coupon_eur",
                "guest_on_hold_bacs_gbp",
                "pending_jpy",
                "cancelled_gbp",
                "digital_completed_usd",
            )
        )
    )
    route = respx.get(f"{API}/orders").mock(side_effect=shop)
    pages = list(connector(page_size=2).order_pages(WINDOW))
    seen = [o.external_id for p in pages for o in p.orders if isinstance(o, CanonicalOrder)]
    assert list(dict.fromkeys(seen)) == ["4711", "5120", "8123", "9200"]  # the boundary second is read twice
    sent = route.calls[0].request
    assert dict(sent.url.params) == {
        "modified_after": "2024-06-14T09:59:59",
        "modified_before": "2024-06-14T11:00:01",
        "dates_are_gmt": "true",
        "orderby": "modified",
        "order": "asc",
        "status": "any",
        "per_page": "2",
        "page": "1",
    }
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    # each next page starts after the last order read (its second included again), not at page 2
    assert route.calls[1].request.url.params["modified_after"] == "2024-07-02T08:41:17"
    assert route.calls[1].request.url.params["page"] == "1"


@respx.mock
def test_an_order_changed_during_the_walk_skips_no_other_order():
    first, second, third = (
        fixture(n) for n in ("processing_two_rates_coupon_eur", "guest_on_hold_bacs_gbp", "pending_jpy")
    )

    def change_the_first_after_page_one(number: int) -> None:
        if number == 2:  # the first order is edited: it moves to the end; with page=2 the third would be skipped
            first["date_modified_gmt"] = "2024-12-01T10:00:00"

    respx.get(f"{API}/orders").mock(side_effect=Shop(first, second, third, between=change_the_first_after_page_one))
    seen = [o.external_id for p in connector(page_size=2).order_pages(WINDOW) for o in p.orders]
    assert set(seen) == {"4711", "5120", "8123"}


@respx.mock
def test_more_orders_in_one_second_than_a_page_holds_are_read_page_by_page():
    same_second = [{**fixture("pending_jpy"), "id": 8000 + i, "number": str(8000 + i)} for i in range(5)]
    route = respx.get(f"{API}/orders").mock(side_effect=Shop(*same_second))
    seen = [o.external_id for p in connector(page_size=2).order_pages(WINDOW) for o in p.orders]
    assert seen == [str(8000 + i) for i in range(5)]
    assert [c.request.url.params["page"] for c in route.calls] == ["1", "2", "3"]


@respx.mock
def test_each_page_reports_its_latest_gmt_modification_as_aware_utc():
    respx.get(f"{API}/orders").mock(
        return_value=page(
            [fixture("processing_two_rates_coupon_eur"), fixture("guest_on_hold_bacs_gbp")], total=2, pages=1
        )
    )
    [only] = connector().order_pages(WINDOW)
    assert only.last_changed == datetime(2024, 7, 2, 8, 41, 18, tzinfo=UTC)


@respx.mock
def test_refunds_are_read_for_orders_that_list_them_and_become_canceled_or_returned_units():
    respx.get(f"{API}/orders").mock(
        return_value=page(
            [
                fixture("partially_refunded_processing_eur"),
                fixture("refunded_after_completion_usd"),
                fixture("pending_jpy"),
            ],
            total=3,
            pages=1,
        )
    )
    first, second = refunds_route(9100), refunds_route(9050)
    [only] = connector().order_pages(WINDOW)
    partial, returned, plain = only.orders
    assert isinstance(partial, CanonicalOrder) and isinstance(returned, CanonicalOrder)
    assert isinstance(plain, CanonicalOrder)
    assert (partial.payment_status, partial.lines[0].canceled_quantity) == ("partially_refunded", 1)
    assert (returned.payment_status, returned.fulfillment_status, returned.lines[0].returned_quantity) == (
        "refunded",
        "returned",
        2,
    )
    assert first.call_count == 1 and second.call_count == 1, "an order without refunds costs no extra request"


@respx.mock
def test_an_order_whose_refunds_cannot_be_read_is_rejected_and_the_page_goes_on():
    respx.get(f"{API}/orders").mock(
        return_value=page([fixture("partially_refunded_processing_eur"), fixture("pending_jpy")], total=2, pages=1)
    )
    gone = {"code": "woocommerce_rest_invalid_order_id", "message": "Invalid order ID.", "data": {"status": 404}}
    respx.get(f"{API}/orders/9100/refunds").mock(return_value=httpx.Response(404, json=gone))
    [only] = connector().order_pages(WINDOW)
    rejected, mapped = only.orders
    assert isinstance(rejected, Rejected) and isinstance(mapped, CanonicalOrder)
    assert rejected.external_id == "9100" and "refunds: could not be read" in rejected.reason


@respx.mock
def test_a_429_with_retry_after_and_a_503_are_retried():
    respx.get(f"{API}/orders").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}, text="Too Many Requests"),
            httpx.Response(503, text="<html><body>Service Temporarily Unavailable</body></html>"),
            page([fixture("pending_jpy")], total=1, pages=1),
        ]
    )
    waits: list[float] = []
    pages = list(connector(waits).order_pages(WINDOW))
    assert pages[0].fetched == 1
    assert len(waits) == 2 and waits[0] >= 3.0


@respx.mock
def test_a_throttle_longer_than_the_deadline_ends_the_run_without_waiting():
    respx.get(f"{API}/orders").mock(return_value=httpx.Response(429, headers={"Retry-After": "60"}))
    waits: list[float] = []
    with pytest.raises(RateLimited):
        list(connector(waits).order_pages(WINDOW, time_left=5))
    assert waits == []


UNAUTHORIZED = {
    "code": "woocommerce_rest_authentication_error",
    "message": "Consumer key is invalid.",
    "data": {"status": 401},
}


@respx.mock
def test_a_401_is_fatal_and_its_message_holds_neither_key_nor_secret():
    respx.get(f"{API}/orders").mock(return_value=httpx.Response(401, json=UNAUTHORIZED))
    with pytest.raises(CredentialsRejected) as failure:
        list(connector().order_pages(WINDOW))
    assert "401" in str(failure.value) and "Consumer key is invalid" in str(failure.value)
    assert KEY not in str(failure.value) and SECRET not in str(failure.value)


@respx.mock
def test_query_auth_sends_the_key_as_parameters_and_keeps_it_out_of_errors():
    def answer(request: httpx.Request) -> httpx.Response:
        echoed = {**UNAUTHORIZED, "message": f"Consumer key {request.url.params['consumer_key']} is invalid."}
        return httpx.Response(401, json=echoed)

    route = respx.get(f"{API}/orders").mock(side_effect=answer)
    with pytest.raises(CredentialsRejected) as failure:
        list(connector(query_auth=True).order_pages(WINDOW))
    sent = route.calls[0].request
    assert (sent.url.params["consumer_key"], sent.url.params["consumer_secret"]) == (KEY, SECRET)
    assert "Authorization" not in sent.headers
    assert KEY not in str(failure.value) and SECRET not in str(failure.value)


def test_the_connector_type_builds_from_settings_with_its_credentials():
    assert (WOOCOMMERCE.name, WOOCOMMERCE.credentials) == ("woocommerce", ("consumer_key", "consumer_secret"))
    settings = connector().settings
    built = WOOCOMMERCE.build(settings, None)
    assert isinstance(built, WooCommerceConnector)
    assert (built.orders, built.stock, built.shipments) == (built, built, built)
    assert str(built.client.base_url) == f"{API}/"
    built.close()


@pytest.fixture
def hub(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@respx.mock
def test_the_pull_job_takes_the_good_orders_and_quarantines_the_broken_one(hub, clock):
    setup_hub(hub, channel="woo", stock={("HOOD-BLU-L", "near"): 10, ("WS-CARB", "near"): 10, ("TF-750", "near"): 5})
    good, broken, refunded = (
        fixture(n)
        for n in ("processing_two_rates_coupon_eur", "broken_line_total", "partially_refunded_processing_eur")
    )
    respx.get(f"{API}/orders").mock(side_effect=Shop(good, broken, refunded, fail=(2,)))
    refunds_route(9100)
    source = connector(page_size=2)
    report = Runner(hub, clock, holder="test").run(
        ("pull-orders", "woo"),
        lambda scope: pull_orders(scope, source, overlap=timedelta(minutes=5), safety_lag=timedelta(0)),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=5),
        bookmark="2024-06-01T00:00:00+00:00",
    )
    assert report.status is RunStatus.success
    # the walk reads the second the first page ended in again: one order twice, nothing lost
    assert (report.counts.fetched, report.counts.created, report.counts.quarantined) == (5, 2, 2)
    with hub.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 2
        reason = conn.execute(select(quarantine.c.reason)).scalar_one()
        canceled = conn.execute(
            select(order_lines.c.canceled_quantity).where(order_lines.c.sku == "WS-CARB")
        ).scalar_one()
    assert "line_items[0].total" in reason and canceled == 1


BATCH_OK = "products/batch"


def batch_answer(refused: dict[int, dict[str, Any]] | None = None):
    errors = refused or {}

    def answer(request: httpx.Request) -> httpx.Response:
        updates = json.loads(request.content)["update"]
        rows = [
            {"id": u["id"], "error": errors[u["id"]]}
            if u["id"] in errors
            else {"id": u["id"], "manage_stock": True, "stock_quantity": u["stock_quantity"], "stock_status": "instock"}
            for u in updates
        ]
        return httpx.Response(200, json={"update": rows})

    return answer


def catalogue(products: list[dict[str, Any]], variations: dict[int, list[dict[str, Any]]] | None = None):
    listed = respx.get(f"{API}/products").mock(return_value=page(products, total=len(products), pages=1))
    for parent, rows in (variations or {}).items():
        respx.get(f"{API}/products/{parent}/variations").mock(return_value=page(rows, total=len(rows), pages=1))
    return listed


def whole(sku: str, available: int) -> Published:
    return Published(sku, WHOLE_CHANNEL, available)


@respx.mock
def test_more_than_a_hundred_levels_are_written_in_batches_of_at_most_a_hundred():
    route = respx.post(f"{API}/products/batch").mock(side_effect=batch_answer())
    items = {f"SKU-{i:03d}": str(1000 + i) for i in range(250)}
    result = connector().push_levels([whole(sku, i % 9) for i, sku in enumerate(items)], items=items)
    sizes = [len(json.loads(call.request.content)["update"]) for call in route.calls]
    assert sizes == [100, 100, 50]
    assert json.loads(route.calls[0].request.content)["update"][1] == {
        "id": 1001,
        "manage_stock": True,
        "stock_quantity": 1,
    }
    assert len(result.pushed) == 250 and not result.failed


@respx.mock
def test_simple_products_and_variations_go_to_their_own_batch_endpoints():
    simple = respx.post(f"{API}/products/batch").mock(side_effect=batch_answer())
    hoodies = respx.post(f"{API}/products/201/variations/batch").mock(side_effect=batch_answer())
    boots = respx.post(f"{API}/products/1201/variations/batch").mock(side_effect=batch_answer())
    items = {"KK-PROBE": "310", "HOOD-BLU-L": "201/245", "HOOD-BLU-M": "201/244", "BOOT-TRL-42": "1201/1207"}
    levels = [whole("KK-PROBE", 12), whole("HOOD-BLU-L", 3), whole("HOOD-BLU-M", 0), whole("BOOT-TRL-42", 5)]
    result = connector().push_levels(levels, items=items)
    assert [u["id"] for u in json.loads(simple.calls[0].request.content)["update"]] == [310]
    assert [(u["id"], u["stock_quantity"]) for u in json.loads(hoodies.calls[0].request.content)["update"]] == [
        (245, 3),
        (244, 0),
    ]
    assert [u["id"] for u in json.loads(boots.calls[0].request.content)["update"]] == [1207]
    assert len(result.pushed) == 4


@respx.mock
def test_item_errors_inside_a_200_batch_answer_are_recorded_as_failures():
    refusal = {"code": "woocommerce_rest_invalid_stock_quantity", "message": "Invalid stock.", "data": {"status": 400}}
    respx.post(f"{API}/products/batch").mock(side_effect=batch_answer({311: refusal}))
    result = connector().push_levels([whole("A", 1), whole("B", 2)], items={"A": "310", "B": "311"})
    assert [p.sku for p in result.pushed] == ["A"]
    [(level, why)] = result.failed
    assert level.sku == "B" and "woocommerce_rest_invalid_stock_quantity: Invalid stock." in why


@respx.mock
def test_a_stale_id_reads_the_catalogue_again_and_retries_on_the_new_id():
    gone = {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 400}}
    route = respx.post(f"{API}/products/batch").mock(side_effect=batch_answer({310: gone, 320: gone}))
    products = catalogue(
        [
            {"id": 377, "sku": "KK-PROBE", "type": "simple", "parent_id": 0, "variations": []},
            {"id": 330, "sku": "MUG", "type": "simple", "parent_id": 0, "variations": []},
        ]
    )
    result = connector().push_levels(
        [whole("KK-PROBE", 4), whole("OLD", 1), whole("MUG", 2)], items={"KK-PROBE": "310", "OLD": "320", "MUG": "330"}
    )
    sent = [[u["id"] for u in json.loads(call.request.content)["update"]] for call in route.calls]
    assert sent == [[310, 320, 330], [377]]
    assert sorted(p.sku for p in result.pushed) == ["KK-PROBE", "MUG"] and not result.failed
    assert [p.sku for p in result.unlisted] == ["OLD"]
    assert result.resolved == {"KK-PROBE": "377"} and result.forgotten == {"OLD"}
    assert products.call_count == 1


@respx.mock
def test_a_variation_the_shop_no_longer_knows_is_written_again_under_its_new_parent():
    gone = {"code": "woocommerce_rest_product_variation_invalid_id", "message": "Invalid ID.", "data": {"status": 400}}
    old = respx.post(f"{API}/products/201/variations/batch").mock(side_effect=batch_answer({245: gone}))
    new = respx.post(f"{API}/products/650/variations/batch").mock(side_effect=batch_answer())
    catalogue(
        [{"id": 650, "sku": "HOOD-V2", "type": "variable", "parent_id": 0, "variations": [651]}],
        {650: [{"id": 651, "sku": "HOOD-BLU-L"}]},
    )
    result = connector().push_levels([whole("HOOD-BLU-L", 6)], items={"HOOD-BLU-L": "201/245"})
    assert old.call_count == 1 and json.loads(new.calls[0].request.content)["update"][0]["id"] == 651
    assert result.resolved == {"HOOD-BLU-L": "650/651"} and [p.sku for p in result.pushed] == ["HOOD-BLU-L"]


@respx.mock
def test_unbound_skus_are_looked_up_in_products_and_variations_once_per_refresh_interval():
    products = catalogue(
        [
            {"id": 201, "sku": "HOOD", "type": "variable", "parent_id": 0, "variations": [244, 245]},
            {"id": 310, "sku": "KK-PROBE", "type": "simple", "parent_id": 0, "variations": []},
            {"id": 400, "sku": "BUNDLE", "type": "grouped", "parent_id": 0, "variations": []},
        ],
        {201: [{"id": 244, "sku": "HOOD-BLU-M"}, {"id": 245, "sku": "HOOD-BLU-L"}]},
    )
    respx.post(f"{API}/products/batch").mock(side_effect=batch_answer())
    respx.post(f"{API}/products/201/variations/batch").mock(side_effect=batch_answer())
    sink = connector()
    result = sink.push_levels([whole("HOOD-BLU-L", 2), whole("KK-PROBE", 1), whole("NOPE", 3)], items={})
    assert result.resolved == {"HOOD-BLU-M": "201/244", "HOOD-BLU-L": "201/245", "KK-PROBE": "310"}
    assert [p.sku for p in result.unlisted] == ["NOPE"] and len(result.pushed) == 2
    assert products.calls[0].request.url.params["_fields"] == "id,sku,type,parent_id,variations"
    again = sink.push_levels([whole("NOPE", 3)], items=result.resolved)
    assert [p.sku for p in again.unlisted] == ["NOPE"] and products.call_count == 1


@respx.mock
def test_only_channel_wide_levels_and_whole_non_negative_quantities_are_sent():
    route = respx.post(f"{API}/products/batch").mock(side_effect=batch_answer())
    result = connector().push_levels(
        [Published("A", "berlin", 3), whole("B", -1), whole("C", 4)], items={"A": "1", "B": "2", "C": "3"}
    )
    assert [u["id"] for u in json.loads(route.calls[0].request.content)["update"]] == [3]
    reasons = {level.sku: why for level, why in result.failed}
    assert "leave location_ids out" in reasons["A"] and "at least 0" in reasons["B"]


@respx.mock
def test_read_levels_shows_what_the_shop_holds_for_products_and_variations():
    def answer(request: httpx.Request) -> httpx.Response:
        ids = [int(i) for i in request.url.params["include"].split(",")]
        assert request.url.params["_fields"] == "id,stock_quantity"
        rows = [{"id": i, "stock_quantity": None if i == 312 else i % 7} for i in ids]
        return page(rows, total=len(rows), pages=1)

    simple = respx.get(f"{API}/products").mock(side_effect=answer)
    variations = respx.get(f"{API}/products/201/variations").mock(side_effect=answer)
    items = {"A": "310", "B": "312", "HOOD-BLU-L": "201/245", "UNBOUND-ELSEWHERE": "9"}
    levels = [whole("A", 1), whole("B", 1), whole("HOOD-BLU-L", 1), whole("NEW", 1), Published("A", "berlin", 1)]
    shown = connector().read_levels(levels, items=items)
    assert shown == {("A", WHOLE_CHANNEL): 310 % 7, ("HOOD-BLU-L", WHOLE_CHANNEL): 245 % 7}
    assert simple.calls[0].request.url.params["include"] == "310,312"
    assert variations.calls[0].request.url.params["include"] == "245"


NOTICE = ShipmentNotice(
    reference="SHP-2024-000917",
    order_external_id="4711",
    location="near",
    lines=(ShippedLine("4712", "HOOD-BLU-L", 2), ShippedLine("4713", "KK-PROBE", 1)),
    tracking=(Tracking("00340434161234567890", "DHL", "https://www.dhl.de/track?piececode=00340434161234567890"),),
    order_complete=True,
)


class _Notes:
    """orders/4711/notes as WooCommerce keeps them: newest first, each POST adds one."""

    def __init__(self) -> None:
        self.notes: list[dict[str, Any]] = [
            {"id": 301, "author": "WooCommerce", "note": "Order status changed from Pending payment to Processing."}
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            body = json.loads(request.content)
            note = {"id": 302 + len(self.notes), "author": "system", **body, "date_created_gmt": "2024-06-15T08:00:00"}
            self.notes.insert(0, note)
            return httpx.Response(201, json=note)
        return httpx.Response(200, json=self.notes)


@respx.mock
def test_report_shipment_posts_a_customer_note_and_completes_the_order_once():
    notes = _Notes()
    route = respx.route(url=f"{API}/orders/4711/notes").mock(side_effect=notes)
    answers = [{"id": 4711, "status": "processing"}, {"id": 4711, "status": "completed"}]
    status = respx.get(f"{API}/orders/4711").mock(side_effect=[httpx.Response(200, json=a) for a in answers])
    completed = respx.put(f"{API}/orders/4711").mock(return_value=httpx.Response(200, json={"id": 4711}))
    sink = connector()
    sink.report_shipment(NOTICE)
    sink.report_shipment(NOTICE)
    posted = [json.loads(c.request.content) for c in route.calls if c.request.method == "POST"]
    assert len(posted) == 1 and posted[0]["customer_note"] is True
    assert "DHL 00340434161234567890" in posted[0]["note"] and "SHP-2024-000917" in posted[0]["note"]
    assert "https://www.dhl.de/track?piececode=00340434161234567890" in posted[0]["note"]
    assert [json.loads(c.request.content) for c in completed.calls] == [{"status": "completed"}]
    assert status.call_count == 2


@respx.mock
def test_a_shipment_of_a_cancelled_order_is_noted_but_the_order_is_not_reopened():
    respx.route(url=f"{API}/orders/4711/notes").mock(side_effect=_Notes())
    respx.get(f"{API}/orders/4711").mock(return_value=httpx.Response(200, json={"id": 4711, "status": "cancelled"}))
    completed = respx.put(f"{API}/orders/4711")
    with pytest.raises(FatalError, match="4711 is cancelled"):
        connector().report_shipment(NOTICE)
    assert completed.call_count == 0


@respx.mock
def test_check_names_the_credentials_to_fix_and_refuses_location_ids():
    respx.get(f"{API}/orders").mock(return_value=httpx.Response(401, json=UNAUTHORIZED))
    problems = connector(location_ids={"near": "1"}).check()
    assert len(problems) == 2
    assert "leave location_ids out" in problems[0]
    assert "consumer_key/consumer_secret" in problems[1] and "read_write" in problems[1]
    assert SECRET not in " ".join(problems)


@respx.mock
def test_check_is_quiet_when_the_api_answers():
    route = respx.get(f"{API}/orders").mock(return_value=page([{"id": 4711}], total=1, pages=1))
    assert connector().check() == []
    assert route.calls[0].request.url.params["per_page"] == "1"
