"""The Shopify connector against respx routes fed with realistic payloads, and the jobs on top of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import func, select

from connectors.base import ChannelSettings, Window
from connectors.shopify.connector import ShopifyConnector, ShopifyOptions
from core import bindings, bookmarks, runs, stock_admin
from core.errors import CredentialsRejected, FatalError, RetryableError
from core.model import CanonicalOrder
from core.publish import Published, PublishPlan, PublishRule
from core.quarantine import Rejected
from core.runs import RunStatus, Trigger
from core.store.schema import orders, quarantine
from jobs.pull_orders import pull_orders
from jobs.push_inventory import push_inventory
from jobs.runner import Runner
from tests.support import setup_hub

FIXTURES = Path(__file__).parent.parent / "fixtures" / "shopify"
BASE = "https://shop-eu.myshopify.com"
API = f"{BASE}/admin/api/2024-10"
TOKEN = "shpat_test_0123456789"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def connector(sleeps: list[float] | None = None) -> ShopifyConnector:
    settings = ChannelSettings(
        name="web",
        base_url=BASE,
        credentials={"access_token": SecretStr(TOKEN)},
        options=ShopifyOptions(),
        location_ids={"near": "655441491", "far": "655441492"},
    )
    waits = sleeps if sleeps is not None else []
    return ShopifyConnector(settings, sleep=waits.append)


def page(orders_json: list[dict], next_info: str | None = None) -> httpx.Response:
    headers = {"X-Shopify-Shop-Api-Call-Limit": "3/40"}
    if next_info:
        headers["Link"] = f'<{API}/orders.json?limit=250&page_info={next_info}>; rel="next"'
    return httpx.Response(200, json={"orders": orders_json}, headers=headers)


def only_page_info(request: httpx.Request, info: str) -> bool:
    return request.url.params.get("page_info") == info


@respx.mock
def test_pulls_every_page_through_the_link_header_with_all_statuses_and_the_window(clock):
    first = respx.get(f"{API}/orders.json", params={"status": "any"}).mock(
        return_value=page([fixture("paid_multi_line_cad"), fixture("tax_included_eur")], "p2")
    )
    respx.get(f"{API}/orders.json", params={"page_info": "p2"}).mock(return_value=page([fixture("pos_guest")]))
    window = Window(clock.now() - timedelta(hours=1), clock.now())
    pages = list(connector().order_pages(window))
    assert [p.fetched for p in pages] == [2, 1]
    sent = first.calls[0].request
    assert sent.headers["X-Shopify-Access-Token"] == TOKEN
    params = sent.url.params
    assert params["order"] == "updated_at asc" and params["limit"] == "250"
    assert params["updated_at_min"] == window.start.isoformat()
    assert params["updated_at_max"] == window.end.isoformat()


@respx.mock
def test_a_429_is_retried_after_the_retry_after_header(clock):
    respx.get(f"{API}/orders.json").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2.0"}, json={"errors": "Exceeded 2 calls per second"}),
            page([fixture("pos_guest")]),
        ]
    )
    waits: list[float] = []
    pages = list(connector(waits).order_pages(Window(clock.now() - timedelta(hours=1), clock.now())))
    assert pages[0].fetched == 1
    assert waits and waits[0] >= 2.0


@respx.mock
def test_a_bad_token_is_a_fatal_error_that_names_the_fix_and_not_the_token(clock):
    respx.get(f"{API}/orders.json").mock(
        return_value=httpx.Response(
            401, json={"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
        )
    )
    with pytest.raises(CredentialsRejected) as failure:
        list(connector().order_pages(Window(clock.now() - timedelta(hours=1), clock.now())))
    assert TOKEN not in str(failure.value)


@respx.mock
def test_the_pull_job_ingests_maps_and_quarantines_and_survives_a_server_error_and_a_timeout_mid_run(engine, clock):
    setup_hub(engine, stock={("TEE-BLK-M", "near"): 50})
    respx.get(f"{API}/orders.json", params={"status": "any"}).mock(
        return_value=page([fixture("paid_multi_line_cad"), fixture("broken_price")], "p2")
    )
    respx.get(f"{API}/orders.json", params={"page_info": "p2"}).mock(
        side_effect=[
            httpx.Response(502, text="<html>Bad Gateway</html>"),
            httpx.ReadTimeout("timed out"),
            page([fixture("cancelled_voided"), fixture("unicode")]),
        ]
    )
    source = connector()
    report = Runner(engine, clock, holder="test").run(
        ("pull-orders", "web"),
        lambda scope: pull_orders(scope, source, overlap=timedelta(minutes=5), safety_lag=timedelta(0)),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=5),
        bookmark="2020-01-01T00:00:00+00:00",
    )
    assert report.status is RunStatus.success
    assert (report.counts.fetched, report.counts.created, report.counts.quarantined) == (4, 3, 1)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 3
        reason = conn.execute(select(quarantine.c.reason)).scalar_one()
        assert bookmarks.load(conn, "web", "orders") == clock.now().isoformat()
    assert "price" in reason


PLAN = PublishPlan.per_location(["near", "far"], ["near", "far"])


def push_once(engine, clock):
    sink = connector()  # a new connector each run, as a new process would have
    return (
        Runner(engine, clock, holder="test")
        .run(
            ("push-inventory", "web"),
            lambda scope: push_inventory(scope, sink, "web", PLAN, PublishRule()),
            trigger=Trigger.manual,
            deadline=timedelta(minutes=5),
        )
        .counts
    )


def catalogue(*variants: tuple[str, int]) -> respx.Route:
    listed = [{"id": 10 + i, "sku": sku, "inventory_item_id": item} for i, (sku, item) in enumerate(variants)]
    body = {"products": [{"id": 1, "variants": [*listed, {"id": 99, "sku": "", "inventory_item_id": 808950899}]}]}
    return respx.get(f"{API}/products.json").mock(return_value=httpx.Response(200, json=body))


def set_levels(refused: set[int] | None = None) -> respx.Route:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["inventory_item_id"] in (refused or set()):
            return httpx.Response(404, json={"errors": "Not Found"})
        return httpx.Response(200, json={"inventory_level": {**body, "updated_at": "2026-11-20T10:00:00Z"}})

    return respx.post(f"{API}/inventory_levels/set.json").mock(side_effect=answer)


@respx.mock
def test_pushes_absolute_levels_per_location_and_reports_the_item_ids_it_looked_up(clock):
    products = catalogue(("TEE-BLK-M", 808950810))
    route = set_levels()
    result = connector().push_levels(
        [Published("TEE-BLK-M", "near", 7), Published("TEE-BLK-M", "far", 0), Published("NO-SUCH-SKU", "near", 3)],
        items={},
    )
    assert [json.loads(c.request.content) for c in route.calls] == [
        {"location_id": 655441491, "inventory_item_id": 808950810, "available": 7},
        {"location_id": 655441492, "inventory_item_id": 808950810, "available": 0},
    ]
    assert len(result.pushed) == 2 and [p.sku for p in result.unlisted] == ["NO-SUCH-SKU"] and not result.failed
    assert result.resolved == {"TEE-BLK-M": "808950810"} and products.call_count == 1


@respx.mock
def test_bound_item_ids_are_used_without_reading_the_catalogue(clock):
    products = catalogue(("TEE-BLK-M", 808950810))
    route = set_levels()
    result = connector().push_levels([Published("TEE-BLK-M", "near", 4)], items={"TEE-BLK-M": "808950810"})
    assert products.call_count == 0 and route.call_count == 1
    assert len(result.pushed) == 1 and result.resolved == {}


@respx.mock
def test_an_unlisted_sku_costs_one_catalogue_read_per_refresh_interval_not_one_per_push(clock):
    products = catalogue(("TEE-BLK-M", 808950810))
    set_levels()
    sink = connector()
    for _ in range(3):
        result = sink.push_levels([Published("NO-SUCH-SKU", "near", 3)], items={"TEE-BLK-M": "808950810"})
        assert [p.sku for p in result.unlisted] == ["NO-SUCH-SKU"]
    assert products.call_count == 1


@respx.mock
def test_a_bound_id_the_shop_refuses_is_looked_up_again_and_the_level_set_on_the_new_item(clock):
    products = catalogue(("TEE-BLK-M", 808950877), ("MUG-WHT", 808950820))
    route = set_levels(refused={808950810, 808950811})
    result = connector().push_levels(
        [Published("TEE-BLK-M", "near", 5), Published("OLD-SKU", "near", 1), Published("MUG-WHT", "near", 2)],
        items={"TEE-BLK-M": "808950810", "OLD-SKU": "808950811", "MUG-WHT": "808950820"},
    )
    sent = [json.loads(c.request.content)["inventory_item_id"] for c in route.calls]
    assert sent == [808950810, 808950811, 808950820, 808950877]
    assert [p.sku for p in result.pushed] == ["MUG-WHT", "TEE-BLK-M"] and not result.failed
    assert [p.sku for p in result.unlisted] == ["OLD-SKU"]
    assert result.resolved == {"TEE-BLK-M": "808950877"} and result.forgotten == {"OLD-SKU"}
    assert products.call_count == 1


@respx.mock
def test_a_refusal_that_a_fresh_catalogue_does_not_explain_is_reported_with_the_shops_answer(clock):
    catalogue(("TEE-BLK-M", 808950810))
    set_levels(refused={808950810})
    result = connector().push_levels([Published("TEE-BLK-M", "near", 5)], items={"TEE-BLK-M": "808950810"})
    [(level, why)] = result.failed
    assert level.sku == "TEE-BLK-M" and "404" in why and not result.pushed


@respx.mock
def test_the_push_job_binds_looked_up_items_so_a_new_process_does_not_read_the_catalogue(engine, clock):
    setup_hub(engine, channel="web", stock={("TEE-BLK-M", "near"): 9, ("MUG-WHT", "near"): 4})
    products = catalogue(("TEE-BLK-M", 808950810), ("MUG-WHT", 808950820))
    set_levels()
    assert push_once(engine, clock).pushed == 2
    with engine.connect() as conn:
        assert bindings.channel_items(conn, "web") == {"TEE-BLK-M": "808950810", "MUG-WHT": "808950820"}
    with engine.begin() as conn:
        stock_admin.adjust_stocked(conn, "TEE-BLK-M", "near", -1, clock.now())
    assert push_once(engine, clock).pushed == 1
    assert products.call_count == 1, "the second run, with a new connector, found the items bound"


def granted(*handles: str) -> respx.Route:
    body = {"access_scopes": [{"handle": handle} for handle in handles]}
    return respx.get(f"{BASE}/admin/oauth/access_scopes.json").mock(return_value=httpx.Response(200, json=body))


@respx.mock
def test_check_reports_scopes_the_token_lacks_and_accepts_write_for_read(clock):
    granted("read_orders", "write_products", "read_inventory", "read_locations")
    respx.get(f"{API}/locations.json").mock(
        return_value=httpx.Response(200, json={"locations": [{"id": 655441491, "active": True}, {"id": 655441492}]})
    )
    problems = connector().check()
    assert problems == [
        "the access token lacks the write_inventory scope, which push-inventory needs; grant it in the app's"
        " configuration"
    ]


@respx.mock
def test_check_reports_unknown_and_inactive_locations(clock):
    granted("read_orders", "read_products", "write_inventory", "read_locations")
    respx.get(f"{API}/locations.json").mock(
        return_value=httpx.Response(
            200,
            json={
                "locations": [
                    {"id": 655441491, "name": "Berlin", "active": True},
                    {"id": 655441492, "name": "Old", "active": False},
                ]
            },
        )
    )
    settings = connector().settings
    problems = ShopifyConnector(
        ChannelSettings(
            settings.name,
            BASE,
            settings.credentials,
            settings.options,
            {"near": "655441491", "far": "655441492", "gone": "1"},
        )
    ).check()
    assert any("far" in p and "not active" in p for p in problems)
    assert any("gone" in p and "no such" in p for p in problems)
    assert not any("near" in p for p in problems)


def test_the_pacer_waits_while_the_shops_bucket_is_nearly_full():
    from connectors.shopify.pacing import CallLimitPacer

    now: list[float] = [0.0]
    waits: list[float] = []
    pacer = CallLimitPacer(leak_per_second=2.0, headroom=4, sleep=waits.append, monotonic=lambda: now[0])
    request = httpx.Request("GET", f"{API}/orders.json")
    pacer.before_request(request)
    assert waits == [], "nothing is known about the bucket yet"
    pacer.observe(httpx.Response(200, headers={"X-Shopify-Shop-Api-Call-Limit": "39/40"}))
    pacer.before_request(request)
    assert waits == [1.5], "39 used, 36 allowed before the headroom: 3 calls to drain at 2/s"
    now[0] += 10
    pacer.before_request(request)
    assert waits == [1.5], "after ten seconds the bucket has drained"


@respx.mock
def test_retries_give_up_rather_than_wait_past_the_runs_deadline(clock):
    from core.errors import RateLimited

    respx.get(f"{API}/orders.json").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "30"}, json={"errors": "Exceeded"})
    )
    waits: list[float] = []
    with pytest.raises(RateLimited):
        list(connector(waits).order_pages(Window(clock.now() - timedelta(hours=1), clock.now()), time_left=5))
    assert waits == [], "a 30 s wait would pass a deadline 5 s away: the run ends at its last committed page"


class _Shop:
    """orders.json over ten orders, two per page: filters by updated_at_min/max, pages by page_info."""

    def __init__(self, start: datetime) -> None:
        base = fixture("paid_multi_line_cad")
        self.orders = [
            {**base, "id": 7000 + i, "name": f"#{2000 + i}", "updated_at": (start + timedelta(minutes=i)).isoformat()}
            for i in range(10)
        ]
        self.crash_on_page: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        query = params.get("page_info") or f"0|{params['updated_at_min']}|{params['updated_at_max']}"
        offset, low, high = query.split("|")
        page_number = int(offset) // 2 + 1
        if page_number == self.crash_on_page:
            raise KeyboardInterrupt  # the process dies while reading this page
        wanted = [o for o in self.orders if low <= o["updated_at"] <= high]
        start = int(offset)
        more = start + 2 < len(wanted)
        return page(wanted[start : start + 2], f"{start + 2}|{low}|{high}" if more else None)


@respx.mock
def test_a_crash_on_page_3_of_5_resumes_from_page_2s_bookmark_and_takes_each_order_once(engine, clock):
    setup_hub(engine, stock={("TQ-MER-CHR", "near"): 100, ("SK-TRL-L3", "near"): 100, ("BT-750-FOR", "near"): 100})
    shop = _Shop(clock.now() - timedelta(hours=1))
    respx.get(f"{API}/orders.json").mock(side_effect=shop)

    def pull_run():
        source = connector()  # a new process: a new connector
        with engine.connect() as conn:
            mark = bookmarks.load(conn, "web", "orders")
        return Runner(engine, clock, holder="test").run(
            ("pull-orders", "web"),
            lambda scope: pull_orders(scope, source, overlap=timedelta(minutes=5), safety_lag=timedelta(0)),
            trigger=Trigger.scheduled,
            deadline=timedelta(minutes=5),
            bookmark=mark or "2026-11-20T00:00:00+00:00",
        )

    shop.crash_on_page = 3
    with pytest.raises(KeyboardInterrupt):
        pull_run()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 4
        assert bookmarks.load(conn, "web", "orders") == shop.orders[3]["updated_at"]
    shop.crash_on_page = None
    clock.advance(timedelta(minutes=3))
    report = pull_run()
    assert report.status is RunStatus.success
    # The 5-minute overlap re-reads the four committed orders (one minute apart): they change nothing.
    assert (report.counts.created, report.counts.unchanged) == (6, 4)
    with engine.connect() as conn:
        ids = conn.execute(select(orders.c.external_id)).scalars().all()
    assert sorted(ids) == sorted(str(o["id"]) for o in shop.orders)
    with engine.connect() as conn:
        first, second = sorted(runs.history(conn), key=lambda r: r["id"])
    assert (first["status"], first["error_category"]) == ("aborted", "abandoned"), "the crashed run is closed"
    assert second["status"] == "success"


@respx.mock
def test_read_levels_asks_for_fifty_items_at_a_time_at_the_mapped_locations(clock):
    skus = {f"SKU-{i:03d}": str(900000 + i) for i in range(60)}

    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["inventory_item_ids"].split(",")
        assert request.url.params["location_ids"] == "655441491,655441492"
        rows: list[dict] = [
            {"inventory_item_id": int(i), "location_id": 655441491, "available": int(i) % 7} for i in ids
        ]
        rows.append({"inventory_item_id": int(ids[0]), "location_id": 655441492, "available": None})  # untracked
        return httpx.Response(200, json={"inventory_levels": rows})

    route = respx.get(f"{API}/inventory_levels.json").mock(side_effect=answer)
    told = [Published(sku, "near", 1) for sku in skus] + [Published("SKU-000", "far", 1), Published("NEW", "near", 1)]
    shown = connector().read_levels(told, items=skus)
    assert [len(c.request.url.params["inventory_item_ids"].split(",")) for c in route.calls] == [50, 10]
    assert len(shown) == 60 and shown["SKU-007", "near"] == 900007 % 7
    assert ("SKU-000", "far") not in shown and ("NEW", "near") not in shown


@respx.mock
def test_an_answer_that_is_not_json_is_retryable_and_one_without_an_orders_list_is_fatal(clock):
    window = Window(clock.now() - timedelta(hours=1), clock.now())
    cut = httpx.Response(200, text='{"orders": [{"id": 1, "name": "#10', headers={"Content-Type": "application/json"})
    respx.get(f"{API}/orders.json").mock(side_effect=[cut, httpx.Response(200, json={"order": {"id": 1}})])
    with pytest.raises(RetryableError, match="not JSON"):
        list(connector().order_pages(window))
    with pytest.raises(FatalError, match="without an 'orders' list"):
        list(connector().order_pages(window))


@respx.mock
def test_the_last_change_of_a_page_counts_the_orders_that_were_not_taken_in(clock):
    guest, broken = fixture("pos_guest"), fixture("broken_price")
    broken["updated_at"] = "2030-01-02T03:04:05-05:00"
    respx.get(f"{API}/orders.json").mock(return_value=page([guest, broken]))
    [first] = connector().order_pages(Window(clock.now() - timedelta(hours=1), clock.now()))
    assert [type(o) for o in first.orders] == [CanonicalOrder, Rejected]
    assert first.last_changed == datetime(2030, 1, 2, 8, 4, 5, tzinfo=UTC)
