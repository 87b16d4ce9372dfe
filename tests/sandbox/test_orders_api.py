"""GET orders.json and friends: cursor pages, filters, the open-by-default status, page_info rules."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from tests.sandbox.conftest import API, ids, walk

pytestmark = pytest.mark.anyio


def _index(shop):
    return [index for index, _ in shop.orders()]


async def test_following_next_links_returns_every_order_exactly_once_newest_first(client, shop):
    pages = await walk(client, "orders.json", {"status": "any", "limit": 7})

    walked = ids(pages)
    assert len(walked) == len(set(walked)) == len(shop.orders())
    newest_first = sorted(_index(shop), key=lambda o: (o.created_at, o.id), reverse=True)
    assert walked == [o.id for o in newest_first]
    assert all(len(page.json()["orders"]) == 7 for page in pages[:-1])
    assert "Link" not in pages[-1].headers or 'rel="next"' not in pages[-1].headers["Link"]


async def test_order_updated_at_asc_sorts_by_updated_at_then_id(client, shop):
    pages = await walk(client, "orders.json", {"status": "any", "order": "updated_at asc", "limit": 25})

    expected = sorted(_index(shop), key=lambda o: (int(o.updated_at.timestamp()), o.id))
    assert ids(pages) == [o.id for o in expected]


async def test_previous_links_walk_back_over_the_same_pages(client):
    forward = await walk(client, "orders.json", {"status": "any", "limit": 10})

    back = [forward[-1]]
    while "previous" in back[-1].links:
        back.append(await client.get(back[-1].links["previous"]["url"]))

    assert [ids([page]) for page in reversed(back)] == [ids([page]) for page in forward]
    assert 'rel="previous"' not in forward[0].headers.get("Link", "")


async def test_the_default_status_is_open_and_leaves_out_cancelled_and_closed_orders(client, shop):
    pages = await walk(client, "orders.json", {"limit": 250})

    open_ids = {o.id for o in _index(shop) if not o.cancelled and not o.closed}
    assert set(ids(pages)) == open_ids
    assert len(open_ids) < len(shop.orders())


@pytest.mark.parametrize(
    ("status", "keep"),
    [
        ("open", lambda o: not o.cancelled and not o.closed),
        ("closed", lambda o: o.closed),
        ("cancelled", lambda o: o.cancelled),
        ("any", lambda o: True),
    ],
)
async def test_each_status_selects_its_orders_in_the_list_and_the_count(client, shop, status, keep):
    expected = {o.id for o in _index(shop) if keep(o)}

    pages = await walk(client, "orders.json", {"status": status, "limit": 250})
    count = await client.get(f"{API}/orders/count.json", params={"status": status})

    assert set(ids(pages)) == expected
    assert count.json() == {"count": len(expected)}


async def test_updated_at_bounds_are_inclusive_and_compare_instants_across_offsets(client, shop):
    some = sorted(_index(shop), key=lambda o: o.updated_at)[len(shop.orders()) // 3]
    low = some.updated_at.astimezone(datetime.fromisoformat("2026-01-01T00:00:00+09:00").tzinfo)
    high = low + timedelta(days=3)

    pages = await walk(
        client, "orders.json", {"status": "any", "updated_at_min": low.isoformat(), "updated_at_max": high.isoformat()}
    )

    expected = {o.id for o in _index(shop) if low <= o.updated_at <= high}
    assert some.id in expected
    assert set(ids(pages)) == expected


async def test_created_at_bounds_filter_on_creation_time(client, shop):
    middle = sorted(_index(shop), key=lambda o: o.created_at)[len(shop.orders()) // 2].created_at

    pages = await walk(client, "orders.json", {"status": "any", "created_at_max": middle.isoformat()})

    assert set(ids(pages)) == {o.id for o in _index(shop) if o.created_at <= middle}


async def test_since_id_returns_only_larger_ids_in_ascending_order(client, shop):
    pivot = sorted(o.id for o in _index(shop))[len(shop.orders()) // 2]

    pages = await walk(client, "orders.json", {"status": "any", "since_id": pivot})

    assert ids(pages) == sorted(o.id for o in _index(shop) if o.id > pivot)


async def test_ids_and_fields_trim_the_result_to_those_orders_and_keys(client, shop):
    wanted = sorted(o.id for o in _index(shop))[:3]

    response = await client.get(
        f"{API}/orders.json",
        params={"status": "any", "ids": ",".join(map(str, wanted)), "fields": "id,name,total_price"},
    )

    orders = response.json()["orders"]
    assert sorted(o["id"] for o in orders) == wanted
    assert all(set(o) == {"id", "name", "total_price"} for o in orders)


@pytest.mark.parametrize("param", [("status", "any"), ("updated_at_min", "2026-11-01T00:00:00-04:00"), ("ids", "1")])
async def test_page_info_refuses_any_filter_next_to_it_with_shopify_s_error_text(client, param):
    first = await client.get(f"{API}/orders.json", params={"status": "any", "limit": 5})
    name, value = param

    response = await client.get(httpx.URL(first.links["next"]["url"]).copy_add_param(name, value))

    assert response.status_code == 400
    expected = f"{name} cannot be passed when page_info is present. See https://shopify.dev/api/usage/pagination-rest"
    assert response.json()["errors"][name].startswith(expected)


async def test_the_filters_of_page_one_are_frozen_into_the_cursor(client, shop):
    closed = {o.id for o in _index(shop) if o.closed}

    pages = await walk(client, "orders.json", {"status": "closed", "limit": 3, "fields": "id"})

    assert len(pages) > 1
    assert set(ids(pages)) == closed != {o.id for o in _index(shop)}
    assert all("status" not in page.url.params for page in pages[1:])
    assert all(page.url.params["fields"] == "id" for page in pages[1:])


async def test_a_new_order_arriving_mid_walk_does_not_shift_or_repeat_the_pages(client, generator, clock):
    first = await client.get(f"{API}/orders.json", params={"status": "any", "limit": 20})
    clock.advance(timedelta(seconds=1))
    generator.new_order()

    rest = await walk_from(client, first)

    walked = ids([first, *rest])
    assert len(walked) == len(set(walked)) == len(generator.state.orders()) - 1


async def walk_from(client, page):
    pages = []
    while "next" in page.links:
        page = await client.get(page.links["next"]["url"])
        pages.append(page)
    return pages


@pytest.mark.parametrize("token", ["not-base64!", "WyJwcm9kdWN0cyIse30sWzFdLCJuZXh0Il0", "W10"])
async def test_a_page_info_that_is_not_one_of_ours_is_refused(client, token):
    response = await client.get(f"{API}/orders.json", params={"page_info": token})

    assert response.status_code == 400
    assert response.json() == {"errors": {"page_info": "Invalid value."}}


@pytest.mark.parametrize("limit", ["0", "251", "ten"])
async def test_a_limit_outside_1_to_250_is_refused(client, limit):
    response = await client.get(f"{API}/orders.json", params={"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()["errors"]


async def test_the_default_page_size_is_50(client):
    response = await client.get(f"{API}/orders.json", params={"status": "any"})

    assert len(response.json()["orders"]) == 50


@pytest.mark.parametrize(
    "params", [{"status": "archived"}, {"updated_at_min": "yesterday"}, {"order": "name asc"}, {"since_id": "-1"}]
)
async def test_an_invalid_filter_value_is_a_400_naming_the_parameter(client, params):
    response = await client.get(f"{API}/orders.json", params=params)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)


async def test_one_order_is_served_by_id_and_an_unknown_id_is_not_found(client, shop):
    order = shop.orders()[0][1]

    found = await client.get(f"{API}/orders/{order['id']}.json", params={"fields": "id,updated_at"})
    missing = await client.get(f"{API}/orders/1.json")

    assert found.json() == {"order": {"id": order["id"], "updated_at": order["updated_at"]}}
    assert (missing.status_code, missing.json()) == (404, {"errors": "Not Found"})


async def test_money_is_sent_as_decimal_strings_and_refund_line_amounts_as_exact_numbers(client):
    pages = await walk(client, "orders.json", {"status": "any", "limit": 250})
    orders = [o for page in pages for o in json.loads(page.text, parse_float=Decimal)["orders"]]

    assert all(isinstance(o[name], str) for o in orders for name in ("total_price", "subtotal_price", "total_tax"))
    items = [i for o in orders for r in o["refunds"] for i in r["refund_line_items"]]
    assert items
    for item in items:
        assert isinstance(item["subtotal"], (Decimal, int))
        assert item["subtotal"] == Decimal(item["subtotal_set"]["shop_money"]["amount"])
        assert item["total_tax"] == Decimal(item["total_tax_set"]["shop_money"]["amount"])
