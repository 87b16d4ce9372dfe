"""Locations, products with variants, inventory items and inventory levels, read and set over HTTP."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import API, ids, walk

pytestmark = pytest.mark.anyio


def _tracked_item(shop):
    return next(v.inventory_item_id for v in shop.variants.values() if v.tracked)


def _location(shop, *, active=True):
    return next(loc.id for loc in shop.locations.values() if loc.active is active)


async def test_locations_have_numeric_ids_names_and_an_active_flag(client, shop):
    response = await client.get(f"{API}/locations.json")

    locations = response.json()["locations"]
    assert [loc["id"] for loc in locations] == list(shop.locations)
    assert {loc["active"] for loc in locations} == {True, False}
    assert all(isinstance(loc["id"], int) and loc["name"] for loc in locations)


async def test_products_page_with_links_and_carry_variants_with_sku_and_inventory_item(client, shop):
    pages = await walk(client, "products.json", {"limit": 5})

    assert len(pages) > 1
    assert ids(pages, "products") == sorted(shop.products)
    variants = [v for page in pages for p in page.json()["products"] for v in p["variants"]]
    assert {v["sku"] for v in variants} == {v.sku for v in shop.variants.values()}
    assert all(isinstance(v["inventory_item_id"], int) and isinstance(v["price"], str) for v in variants)


async def test_product_fields_trim_each_product(client):
    response = await client.get(f"{API}/products.json", params={"fields": "id,title"})

    assert all(set(p) == {"id", "title"} for p in response.json()["products"])


async def test_inventory_items_are_found_by_ids_with_their_sku(client, shop):
    variant = next(iter(shop.variants.values()))

    response = await client.get(f"{API}/inventory_items.json", params={"ids": str(variant.inventory_item_id)})

    [item] = response.json()["inventory_items"]
    assert (item["id"], item["sku"], item["tracked"]) == (variant.inventory_item_id, variant.sku, True)


async def test_a_level_set_is_what_inventory_levels_reads_back(client, shop, clock):
    item, location = _tracked_item(shop), _location(shop)
    body = {"location_id": location, "inventory_item_id": item, "available": 42}

    response = await client.post(f"{API}/inventory_levels/set.json", json=body)
    read = await client.get(
        f"{API}/inventory_levels.json", params={"inventory_item_ids": str(item), "location_ids": str(location)}
    )

    level = response.json()["inventory_level"]
    assert (level["inventory_item_id"], level["location_id"], level["available"]) == (item, location, 42)
    assert level["updated_at"] == shop.timestamp(clock.now())
    assert read.json() == {"inventory_levels": [level]}


async def test_inventory_levels_by_location_list_every_tracked_item_there(client, shop):
    location = _location(shop)

    pages = await walk(client, "inventory_levels.json", {"location_ids": str(location), "limit": 10})

    levels = [lv for page in pages for lv in page.json()["inventory_levels"]]
    assert {lv["inventory_item_id"] for lv in levels} == {
        v.inventory_item_id for v in shop.variants.values() if v.tracked
    }
    assert {lv["location_id"] for lv in levels} == {location}


async def test_inventory_levels_need_items_or_locations(client):
    response = await client.get(f"{API}/inventory_levels.json")

    assert response.status_code == 422


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown item", "does not exist"),
        ("unknown location", "does not exist"),
        ("inactive location", "is not active"),
        ("untracked item", "does not have inventory tracking enabled"),
    ],
)
async def test_setting_a_level_shopify_would_refuse_is_a_422_with_errors(client, shop, case, message):
    item, location = _tracked_item(shop), _location(shop)
    if case == "unknown item":
        item = 1
    elif case == "unknown location":
        location = 2
    elif case == "inactive location":
        location = _location(shop, active=False)
    else:
        item = next(v.inventory_item_id for v in shop.variants.values() if not v.tracked)

    response = await client.post(
        f"{API}/inventory_levels/set.json", json={"location_id": location, "inventory_item_id": item, "available": 1}
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert message in error


@pytest.mark.parametrize("available", ["5", 5.0, None, True])
async def test_available_must_be_an_integer(client, shop, available):
    body = {"location_id": _location(shop), "inventory_item_id": _tracked_item(shop), "available": available}

    response = await client.post(f"{API}/inventory_levels/set.json", json=body)

    assert response.status_code == 422
    assert "available" in response.json()["errors"]


async def test_access_scopes_list_what_the_token_was_granted(connect):
    default = await connect().get("/admin/oauth/access_scopes.json")
    assert {"read_orders", "write_inventory"} <= {s["handle"] for s in default.json()["access_scopes"]}
    narrow = await connect(scopes=["read_orders"]).get("/admin/oauth/access_scopes.json")
    assert narrow.json() == {"access_scopes": [{"handle": "read_orders"}]}
    anonymous = await connect(**{"X-Shopify-Access-Token": "wrong"}).get("/admin/oauth/access_scopes.json")
    assert anonymous.status_code == 401
