"""The WooCommerce simulator's orders API: auth, page-number paging, WordPress's date rules, notes, refunds."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from core.clock import FixedClock
from sandbox.woocommerce import API_PATH, DEFAULT_KEY, DEFAULT_SECRET, WooGenerator, build_woocommerce

pytestmark = pytest.mark.anyio
CANNOT_VIEW = {
    "code": "woocommerce_rest_cannot_view",
    "message": "Sorry, you cannot list resources.",
    "data": {"status": 401},
}


@pytest.fixture
def shop(clock: FixedClock) -> tuple[FastAPI, WooGenerator]:
    return build_woocommerce(seed=11, orders=45, clock=clock.now, stock=1000)


@pytest.fixture
async def client(shop: tuple[FastAPI, WooGenerator]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=shop[0])
    auth = (DEFAULT_KEY, DEFAULT_SECRET)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test", auth=auth) as opened:
        yield opened


@pytest.fixture
def generator(shop: tuple[FastAPI, WooGenerator]) -> WooGenerator:
    return shop[1]


async def walk(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> list[httpx.Response]:
    pages = [await client.get(f"{API_PATH}/{path}", params=params)]
    while "next" in pages[-1].links:
        pages.append(await client.get(pages[-1].links["next"]["url"]))
    return pages


def ids(pages: list[httpx.Response]) -> list[int]:
    return [order["id"] for page in pages for order in page.json()]


def everything(generator: WooGenerator) -> list[dict]:
    return [order for _, order in generator.state.orders()]


async def test_basic_auth_and_query_parameters_both_let_a_client_in(client):
    by_header = await client.get(f"{API_PATH}/orders")
    by_query = await client.get(
        f"{API_PATH}/orders",
        params={"consumer_key": DEFAULT_KEY, "consumer_secret": DEFAULT_SECRET},
        auth=None,
        headers={"Authorization": ""},
    )

    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json() == by_query.json()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic " + base64.b64encode(f"{DEFAULT_KEY}:cs_wrong".encode()).decode()},
        {"Authorization": "Bearer " + DEFAULT_KEY},
        {"Authorization": "Basic not base64!"},
    ],
)
async def test_missing_or_wrong_credentials_get_401_in_the_wordpress_error_shape(shop, headers):
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=shop[0]), base_url="http://shop.test", headers=headers)
    async with client:
        response = await client.get(f"{API_PATH}/orders")
        wrong_query = await client.get(
            f"{API_PATH}/orders", params={"consumer_key": DEFAULT_KEY, "consumer_secret": "nope"}
        )

    assert response.status_code == wrong_query.status_code == 401
    assert response.json() == wrong_query.json() == CANNOT_VIEW


async def test_an_unknown_order_and_an_unknown_route_answer_in_the_same_error_shape(client):
    order = await client.get(f"{API_PATH}/orders/999999")
    route = await client.get(f"{API_PATH}/nothing-here")

    assert order.status_code == 404
    assert order.json() == {
        "code": "woocommerce_rest_shop_order_invalid_id",
        "message": "Invalid ID.",
        "data": {"status": 404},
    }
    assert route.status_code == 404
    assert route.json()["code"] == "rest_no_route"


async def test_pages_carry_totals_and_next_prev_links_and_walk_every_order_newest_first(client, generator):
    pages = await walk(client, "orders", {"per_page": "20"})

    expected = sorted(everything(generator), key=lambda o: (o["date_created_gmt"], o["id"]), reverse=True)
    assert ids(pages) == [o["id"] for o in expected]
    total = len(expected)
    assert pages[0].headers["X-WP-Total"] == str(total)
    assert pages[0].headers["X-WP-TotalPages"] == str(-(-total // 20))
    assert [len(p.json()) for p in pages[:-1]] == [20] * (len(pages) - 1)
    assert 'rel="prev"' not in pages[0].headers.get("Link", "")
    assert 'rel="prev"' in pages[1].headers["Link"]
    assert "next" not in pages[-1].links


async def test_the_default_page_holds_ten_orders(client):
    response = await client.get(f"{API_PATH}/orders")

    assert len(response.json()) == 10
    assert "page=2" in response.links["next"]["url"]


@pytest.mark.parametrize("per_page", ["101", "0", "ten"])
async def test_a_per_page_outside_one_to_a_hundred_is_refused_with_rest_invalid_param(client, per_page):
    response = await client.get(f"{API_PATH}/orders", params={"per_page": per_page})

    assert response.status_code == 400
    assert response.json()["code"] == "rest_invalid_param"
    assert response.json()["data"]["status"] == 400
    assert "per_page" in response.json()["data"]["params"]


async def test_a_page_past_the_end_is_empty_and_links_back_to_the_last_page(client):
    response = await client.get(f"{API_PATH}/orders", params={"per_page": "100", "page": "7"})

    assert response.status_code == 200
    assert response.json() == []
    assert response.links["prev"]["url"].endswith("page=1")


async def test_orderby_modified_ascending_sorts_by_modification_then_id(client, generator):
    pages = await walk(client, "orders", {"orderby": "modified", "order": "asc", "per_page": "15"})

    expected = sorted(everything(generator), key=lambda o: (o["date_modified_gmt"], o["id"]))
    assert ids(pages) == [o["id"] for o in expected]


async def test_modified_after_without_dates_are_gmt_reads_a_utc_watermark_as_site_local_time(client, generator):
    orders = sorted(everything(generator), key=lambda o: o["date_modified_gmt"])
    watermark = orders[len(orders) // 2]["date_modified_gmt"]  # a UTC time, without offset, as a connector keeps it
    shift = timedelta(hours=2)  # the site's UTC offset

    in_gmt = await client.get(
        f"{API_PATH}/orders", params={"modified_after": watermark, "dates_are_gmt": "true", "per_page": "100"}
    )
    naive = await client.get(f"{API_PATH}/orders", params={"modified_after": watermark, "per_page": "100"})

    moment = datetime.fromisoformat(watermark)
    assert {o["id"] for o in in_gmt.json()} == {
        o["id"] for o in orders if datetime.fromisoformat(o["date_modified_gmt"]) > moment
    }
    assert {o["id"] for o in naive.json()} == {
        o["id"] for o in orders if datetime.fromisoformat(o["date_modified_gmt"]) > moment - shift
    }
    assert len(naive.json()) > len(in_gmt.json())


async def test_a_bound_with_an_offset_is_turned_into_site_local_time_first(client, generator):
    orders = everything(generator)
    moment = datetime.fromisoformat(sorted(o["date_modified_gmt"] for o in orders)[20]).replace(tzinfo=UTC)

    response = await client.get(f"{API_PATH}/orders", params={"modified_after": moment.isoformat(), "per_page": "100"})

    naive = moment.replace(tzinfo=None)
    assert {o["id"] for o in response.json()} == {
        o["id"] for o in orders if datetime.fromisoformat(o["date_modified_gmt"]) > naive
    }


async def test_date_bounds_are_exclusive(client, generator):
    order = everything(generator)[5]
    created = order["date_created"]

    after = await client.get(f"{API_PATH}/orders", params={"after": created, "per_page": "100"})
    before = await client.get(f"{API_PATH}/orders", params={"before": created, "per_page": "100"})
    exact = await client.get(
        f"{API_PATH}/orders",
        params={"modified_after": order["date_modified"], "modified_before": order["date_modified"]},
    )

    assert order["id"] not in {o["id"] for o in after.json()}
    assert order["id"] not in {o["id"] for o in before.json()}
    assert exact.json() == []


async def test_an_invalid_date_is_refused(client):
    response = await client.get(f"{API_PATH}/orders", params={"after": "yesterday"})

    assert response.status_code == 400
    assert response.json()["data"]["params"] == {"after": "Invalid date."}


async def test_status_any_leaves_out_trashed_orders_which_are_listed_only_when_asked_for(client, generator):
    trashed = everything(generator)[0]["id"]
    generator.trash(trashed)

    listed = await walk(client, "orders", {"per_page": "100"})
    in_trash = await client.get(f"{API_PATH}/orders", params={"status": "trash"})
    by_id = await client.get(f"{API_PATH}/orders/{trashed}")

    assert trashed not in ids(listed)
    assert [o["id"] for o in in_trash.json()] == [trashed]
    assert by_id.json()["status"] == "trash"


async def test_a_status_list_selects_orders_in_any_of_those_statuses(client, generator):
    response = await client.get(f"{API_PATH}/orders", params={"status": "completed,cancelled", "per_page": "100"})

    expected = {o["id"] for o in everything(generator) if o["status"] in ("completed", "cancelled")}
    assert expected
    assert {o["id"] for o in response.json()} == expected


async def test_fields_projects_each_order_onto_the_named_fields(client):
    response = await client.get(f"{API_PATH}/orders", params={"_fields": "id,status,date_modified_gmt"})

    assert all(set(order) == {"id", "status", "date_modified_gmt"} for order in response.json())


async def test_completing_an_order_by_put_dates_it_and_bumps_date_modified(client, generator, clock):
    order = generator.place_order({"TUQ-MER-NAV": 1})
    clock.advance(timedelta(minutes=5))

    response = await client.put(f"{API_PATH}/orders/{order['id']}", json={"status": "completed"})

    done = response.json()
    now_gmt = clock.now().replace(tzinfo=None).isoformat()
    assert done["status"] == "completed"
    assert done["date_completed_gmt"] == done["date_modified_gmt"] == now_gmt
    assert done["date_modified"] == (clock.now() + timedelta(hours=2)).replace(tzinfo=None).isoformat()


async def test_an_unknown_status_is_refused(client, generator):
    order = generator.place_order({"TUQ-MER-NAV": 1})

    response = await client.put(f"{API_PATH}/orders/{order['id']}", json={"status": "shipped"})

    assert response.status_code == 400
    assert response.json()["code"] == "rest_invalid_param"


async def test_cancelling_by_put_gives_the_units_back_to_stock(client, generator):
    before = generator.state.stock_of("MIT-DBL-M")
    order = generator.place_order({"MIT-DBL-M": 3})
    assert generator.state.stock_of("MIT-DBL-M") == before - 3

    response = await client.put(f"{API_PATH}/orders/{order['id']}", json={"status": "cancelled"})

    assert response.json()["status"] == "cancelled"
    assert generator.state.stock_of("MIT-DBL-M") == before


async def test_a_note_posted_for_the_customer_is_listed_with_the_status_notes(client, generator):
    order = generator.place_order({"TEA-SEN-100": 2})
    generator.complete(order["id"])

    posted = await client.post(
        f"{API_PATH}/orders/{order['id']}/notes", json={"note": "DHL 00340434161234567890", "customer_note": True}
    )
    listed = await client.get(f"{API_PATH}/orders/{order['id']}/notes")

    assert posted.status_code == 201
    assert posted.json()["customer_note"] is True
    assert [n["note"] for n in listed.json()] == [
        "DHL 00340434161234567890",
        "Order status changed from Processing to Completed.",
    ]
    assert listed.json()[0]["added_by_user"] is True


async def test_refunds_are_listed_with_negative_quantities_and_summarised_on_the_order(client, generator):
    order = generator.place_order({"TUQ-MER-NAV": 2, "NTB-OKM-A5": 1})
    refund = generator.refund(order["id"], {"TUQ-MER-NAV": 1}, reason="Article endommagé")

    listed = await client.get(f"{API_PATH}/orders/{order['id']}/refunds")
    again = await client.get(f"{API_PATH}/orders/{order['id']}")

    [body] = listed.json()
    [line] = body["line_items"]
    assert line["quantity"] == -1
    assert line["sku"] == "TUQ-MER-NAV"
    assert line["refund_total"] == 34
    assert body["amount"] == "40.46"  # 34.00 plus 19 % tax
    assert again.json()["refunds"] == [{"id": refund["id"], "reason": "Article endommagé", "total": "-40.46"}]
    assert again.json()["status"] == "processing"


async def test_money_is_sent_as_strings_and_the_unit_price_as_a_number(client, generator):
    order = generator.place_order({"NTB-OKM-A5": 3}, coupon="willkommen10")

    body = (await client.get(f"{API_PATH}/orders/{order['id']}")).json()

    [line] = body["line_items"]
    assert (line["subtotal"], line["total"], line["price"]) == ("83.97", "75.57", 25.19)
    assert line["taxes"] == [{"id": 1, "total": "14.36", "subtotal": "15.95"}]
    assert body["coupon_lines"][0]["code"] == "willkommen10"
    assert (body["discount_total"], body["shipping_total"], body["shipping_tax"]) == ("8.40", "4.90", "0.93")
    assert body["total"] == "95.76"  # 75.57 + 14.36 tax + 4.90 shipping + 0.93 its tax
    assert body["date_created"].count(":") == 2 and "+" not in body["date_created_gmt"]
