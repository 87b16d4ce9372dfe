"""The WooCommerce simulator's catalogue: products and variations, SKU lookup, stock edits and batches."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from core.clock import FixedClock
from sandbox.shopify.catalog import PRODUCTS
from sandbox.woocommerce import API_PATH, DEFAULT_KEY, DEFAULT_SECRET, OutOfStock, WooGenerator, build_woocommerce

pytestmark = pytest.mark.anyio


@pytest.fixture
def shop(clock: FixedClock) -> tuple[FastAPI, WooGenerator]:
    return build_woocommerce(clock=clock.now, stock={"TUQ-MER-NAV": 4, "TEA-SEN-100": 9})


@pytest.fixture
async def client(shop: tuple[FastAPI, WooGenerator]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=shop[0])
    auth = (DEFAULT_KEY, DEFAULT_SECRET)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test", auth=auth) as opened:
        yield opened


@pytest.fixture
def generator(shop: tuple[FastAPI, WooGenerator]) -> WooGenerator:
    return shop[1]


async def _by_sku(client: httpx.AsyncClient, sku: str) -> dict:
    [found] = (await client.get(f"{API_PATH}/products", params={"sku": sku})).json()
    return found


async def test_products_list_simple_and_variable_products_but_not_variations(client):
    response = await client.get(f"{API_PATH}/products", params={"per_page": "100"})

    products = response.json()
    assert len(products) == len(PRODUCTS) == int(response.headers["X-WP-Total"])
    assert {p["type"] for p in products} == {"simple", "variable"}
    tea = next(p for p in products if p["sku"] == "TEA-SEN-100")
    assert (tea["type"], tea["manage_stock"], tea["stock_quantity"], tea["variations"]) == ("simple", True, 9, [])
    tuque = next(p for p in products if p["name"] == "Tuque en laine mérinos")
    assert (tuque["manage_stock"], tuque["stock_quantity"], len(tuque["variations"])) == (False, None, 3)


async def test_a_sku_finds_the_variation_that_carries_it(client):
    variation = await _by_sku(client, "TUQ-MER-NAV")

    assert variation["type"] == "variation"
    assert (variation["manage_stock"], variation["stock_quantity"], variation["stock_status"]) == (True, 4, "instock")
    parent = (await client.get(f"{API_PATH}/products/{variation['parent_id']}")).json()
    assert variation["id"] in parent["variations"]


async def test_variations_page_and_filter_by_include(client):
    parent = (await client.get(f"{API_PATH}/products", params={"sku": "TUQ-MER-NAV"})).json()[0]["parent_id"]

    first = await client.get(f"{API_PATH}/products/{parent}/variations", params={"per_page": "2"})
    second = await client.get(first.links["next"]["url"])
    some = await client.get(f"{API_PATH}/products/{parent}/variations", params={"include": "1,2"})

    assert first.headers["X-WP-Total"] == "3"
    assert [v["sku"] for v in first.json() + second.json()] == ["TUQ-MER-NAV", "TUQ-MER-CHA", "TUQ-MER-CRM"]
    assert some.json() == []


async def test_include_and_fields_narrow_the_product_list(client):
    all_ids = [p["id"] for p in (await client.get(f"{API_PATH}/products", params={"per_page": "5"})).json()]

    response = await client.get(
        f"{API_PATH}/products", params={"include": ",".join(map(str, all_ids[:2])), "_fields": "id,sku"}
    )

    assert sorted(p["id"] for p in response.json()) == sorted(all_ids[:2])
    assert all(set(p) == {"id", "sku"} for p in response.json())


async def test_batch_updates_set_stock_and_report_per_item_errors_with_http_200(client, generator):
    tea = await _by_sku(client, "TEA-SEN-100")
    syrup = await _by_sku(client, "MPL-AMB-500")

    response = await client.post(
        f"{API_PATH}/products/batch",
        json={
            "update": [
                {"id": tea["id"], "stock_quantity": 3},
                {"id": 987654, "stock_quantity": 1},
                {"id": syrup["id"], "stock_quantity": "lots"},
                {"id": syrup["id"], "stock_quantity": 2.5},
            ]
        },
    )

    assert response.status_code == 200
    updated, unknown, words, fraction = response.json()["update"]
    assert updated["stock_quantity"] == 3
    assert unknown["id"] == 987654
    assert unknown["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert words["error"]["code"] == fraction["error"]["code"] == "rest_invalid_param"
    assert set(words["error"]) == {"code", "message", "data"}
    assert generator.state.stock_of("TEA-SEN-100") == 3
    assert generator.state.stock_of("MPL-AMB-500") == 0


async def test_a_stock_quantity_is_ignored_unless_stock_is_managed_by_the_item_or_the_same_edit(client, generator):
    gift = await _by_sku(client, "GC-050")
    parent = gift["parent_id"]
    url = f"{API_PATH}/products/{parent}/variations/batch"

    ignored = await client.post(url, json={"update": [{"id": gift["id"], "stock_quantity": 5}]})
    taken = await client.post(url, json={"update": [{"id": gift["id"], "manage_stock": True, "stock_quantity": 5}]})

    assert ignored.json()["update"][0]["stock_quantity"] is None
    assert taken.json()["update"][0]["stock_quantity"] == 5
    assert generator.state.stock_of("GC-050") == 5


async def test_a_variation_batch_refuses_a_variation_of_another_product(client):
    navy = await _by_sku(client, "TUQ-MER-NAV")
    mitten = await _by_sku(client, "MIT-DBL-S")

    response = await client.post(
        f"{API_PATH}/products/{navy['parent_id']}/variations/batch",
        json={"update": [{"id": navy["id"], "stock_quantity": 7}, {"id": mitten["id"], "stock_quantity": 7}]},
    )

    ok, refused = response.json()["update"]
    assert ok["stock_quantity"] == 7
    assert refused["error"]["code"] == "woocommerce_rest_product_variation_invalid_id"


async def test_more_than_a_hundred_items_in_a_batch_is_refused_with_413(client, generator):
    tea = await _by_sku(client, "TEA-SEN-100")

    response = await client.post(
        f"{API_PATH}/products/batch", json={"update": [{"id": tea["id"], "stock_quantity": 1}] * 101}
    )

    assert response.status_code == 413
    assert response.json() == {
        "code": "woocommerce_rest_request_entity_too_large",
        "message": "Unable to accept more than 100 items for this request.",
        "data": {"status": 413},
    }
    assert generator.state.stock_of("TEA-SEN-100") == 9


async def test_a_single_variation_put_sets_its_stock(client, generator):
    navy = await _by_sku(client, "TUQ-MER-NAV")

    response = await client.put(
        f"{API_PATH}/products/{navy['parent_id']}/variations/{navy['id']}", json={"stock_quantity": 12}
    )

    assert response.json()["stock_quantity"] == 12
    assert generator.state.stock_of("TUQ-MER-NAV") == 12


async def test_each_answered_call_is_counted_per_endpoint(client, generator):
    tea = await _by_sku(client, "TEA-SEN-100")
    for _ in range(3):
        await client.post(f"{API_PATH}/products/batch", json={"update": [{"id": tea["id"], "stock_quantity": 1}]})
    await client.get(f"{API_PATH}/products/{tea['id']}")

    calls = generator.state.calls
    assert calls["POST products/batch"] == 3
    assert calls["GET products"] == 1
    assert calls["GET products/{product_id}"] == 1


async def test_placing_an_order_takes_stock_and_a_buyer_never_exceeds_it(generator):
    generator.place_order({"TUQ-MER-NAV": 3})

    assert generator.state.stock_of("TUQ-MER-NAV") == 1
    with pytest.raises(OutOfStock):
        generator.place_order({"TUQ-MER-NAV": 2})
    for _ in range(30):
        generator.tick()
    stocked = [i for i in generator.state.items() if i.manage_stock]
    assert all(i.stock_quantity is not None and i.stock_quantity >= 0 for i in stocked)


async def test_system_status_reports_version_currency_and_time_zone(client):
    response = await client.get(f"{API_PATH}/system_status")

    body = response.json()
    assert body["environment"]["version"]
    assert body["settings"]["currency"] == "EUR"
    assert body["settings"]["timezone"] == "+02:00"
