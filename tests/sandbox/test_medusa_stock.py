"""The Medusa simulator's stock: reservations through order → fulfil → cancel, levels, batch writes, fulfillment."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from sandbox.medusa import InsufficientStock, MedusaGenerator, build_medusa
from tests.sandbox.medusa_fixtures import BASIC, inventory_item_of, level

SKU = "TUQ-MER-NAV"


@pytest.fixture
def backend(clock: FixedClock) -> tuple[Any, MedusaGenerator]:
    return build_medusa(clock=clock.now, seed=5)


@pytest.fixture
def store(backend: tuple[Any, MedusaGenerator]) -> MedusaGenerator:
    return backend[1]


@pytest.fixture
def api(backend: tuple[Any, MedusaGenerator]) -> Iterator[TestClient]:
    with TestClient(backend[0], headers=BASIC) as client:
        yield client


def _places(store) -> tuple[str, str]:
    berlin, leipzig = (store.state.location_id(name) for name in ("Berlin warehouse", "Leipzig overflow"))
    return berlin, leipzig


def test_an_order_reserves_each_line_at_the_channel_s_first_location(api, store):
    berlin, leipzig = _places(store)

    store.place_order({SKU: 3, "MUG-EMA-BLU": 1}, sales_channel="Webshop")
    store.place_order({SKU: 2}, sales_channel="B2B")

    assert len(store.state.reservations) == 3
    assert {k: level(api, SKU, berlin)[k] for k in ("stocked_quantity", "reserved_quantity", "available_quantity")} == {
        "stocked_quantity": 20,
        "reserved_quantity": 3,
        "available_quantity": 17,
    }
    assert level(api, SKU, leipzig)["available_quantity"] == 18


def test_fulfillment_turns_the_reservation_into_a_stocked_decrement_and_cancel_frees_it(api, store):
    berlin, _ = _places(store)
    kept, dropped = store.place_order({SKU: 3}), store.place_order({SKU: 2})

    store.fulfill(kept["id"])
    store.cancel(dropped["id"])
    after = level(api, SKU, berlin)

    assert (after["stocked_quantity"], after["reserved_quantity"], after["available_quantity"]) == (17, 0, 17)
    assert store.state.reservations == {}


def test_a_line_the_first_location_cannot_cover_is_reserved_at_the_next_one(api, store):
    berlin, leipzig = _places(store)

    store.place_order({SKU: 15})
    store.place_order({SKU: 8})

    assert level(api, SKU, berlin)["reserved_quantity"] == 15
    assert level(api, SKU, leipzig)["reserved_quantity"] == 8


def test_an_order_beyond_what_is_available_is_refused_and_reserves_nothing(store):
    with pytest.raises(InsufficientStock):
        store.place_order({"MUG-EMA-BLU": 1, SKU: 21})

    assert store.state.orders == {} and store.state.reservations == {}


def test_setting_a_level_takes_fractions_and_values_below_reserved_and_records_what_arrived(api, store):
    berlin, _ = _places(store)
    store.place_order({SKU: 5})
    item_id = inventory_item_of(store, SKU)

    answer = api.post(f"/admin/inventory-items/{item_id}/location-levels/{berlin}", json={"stocked_quantity": 2.5})
    negative = api.post(f"/admin/inventory-items/{item_id}/location-levels/{berlin}", json={"stocked_quantity": -1})

    shown = next(lv for lv in answer.json()["inventory_item"]["location_levels"] if lv["location_id"] == berlin)
    assert (shown["stocked_quantity"], shown["available_quantity"]) == (2.5, -2.5)
    assert negative.status_code == 400 and negative.json()["type"] == "invalid_data"
    assert [w.stocked_quantity for w in store.state.level_writes] == [Decimal("2.5"), -1]
    assert store.state.calls["POST /admin/inventory-items/{item_id}/location-levels/{location_id}"] == 2


def test_batch_creates_updates_and_deletes_levels_and_a_refused_batch_changes_nothing(clock):
    app, medusa = build_medusa(clock=clock.now, locations=("Berlin warehouse", "Leipzig overflow", "Hamburg"))
    client = TestClient(app, headers=BASIC)
    berlin, leipzig, hamburg = (
        medusa.state.location_id(n) for n in ("Berlin warehouse", "Leipzig overflow", "Hamburg")
    )
    item_id = inventory_item_of(medusa, SKU)
    del medusa.state.levels[(item_id, hamburg)]  # an item not yet stocked in Hamburg
    doomed = medusa.state.levels[(item_id, leipzig)].id
    url = "/admin/inventory-items/location-levels/batch"

    refused = client.post(
        url,
        json={
            "update": [
                {"inventory_item_id": item_id, "location_id": berlin, "stocked_quantity": 1},
                {"inventory_item_id": "iitem_nope", "location_id": berlin, "stocked_quantity": 1},
            ]
        },
    )
    untouched = medusa.state.levels[(item_id, berlin)].stocked_quantity
    done = client.post(
        url,
        json={
            "create": [{"inventory_item_id": item_id, "location_id": hamburg, "stocked_quantity": 4}],
            "update": [{"inventory_item_id": item_id, "location_id": berlin, "stocked_quantity": 7}],
            "delete": [doomed],
        },
    ).json()

    assert refused.status_code == 404 and untouched == 20
    assert [lv["stocked_quantity"] for lv in done["created"] + done["updated"]] == [4, 7]
    assert done["deleted"] == [doomed] and (item_id, leipzig) not in medusa.state.levels


def test_inventory_items_refuse_unknown_query_parameters_but_take_ids_and_skus(api, store):
    item_id = inventory_item_of(store, SKU)

    strict = api.get("/admin/inventory-items", params={"updated_at[$gte]": "2026-01-01T00:00:00Z"})
    by_id = api.get("/admin/inventory-items", params={"id[]": item_id, "fields": "id,sku,*location_levels"}).json()
    by_sku = api.get("/admin/inventory-items", params={"sku": SKU}).json()

    assert strict.status_code == 400 and "updated_at[$gte]" in strict.json()["message"]
    assert [i["sku"] for i in by_id["inventory_items"]] == [SKU] and len(
        by_id["inventory_items"][0]["location_levels"]
    ) == 2
    assert by_sku["count"] == 1 and "location_levels" not in by_sku["inventory_items"][0]


def test_variants_by_sku_link_to_their_inventory_items_and_page_by_offset(api, store):
    one = api.get("/admin/product-variants", params={"sku": SKU, "fields": "id,sku,*inventory_items"}).json()
    pages = [api.get("/admin/product-variants", params={"offset": o, "limit": 10}).json() for o in (0, 10, 20)]

    link = one["variants"][0]["inventory_items"][0]
    assert set(one["variants"][0]) == {"id", "sku", "inventory_items"}
    assert link["inventory_item_id"] == inventory_item_of(store, SKU) and link["required_quantity"] == 1
    assert sum(len(p["variants"]) for p in pages) == pages[0]["count"] == len(store.state.variants)


def test_fulfillment_and_shipment_over_http_show_metadata_labels_and_shipped_at(api, store, clock):
    berlin, _ = _places(store)
    placed = store.place_order({SKU: 2, "MUG-EMA-BLU": 1})
    line = next(i for i in placed["items"] if i["variant_sku"] == SKU)
    body = {"location_id": berlin, "items": [{"id": line["id"], "quantity": 2}], "metadata": {"hub": "shipment-7"}}

    fulfilled = api.post(f"/admin/orders/{placed['id']}/fulfillments", json=body).json()["order"]
    fid = fulfilled["fulfillments"][0]["id"]
    clock.advance(timedelta(hours=2))
    label = {"tracking_number": "JJD01", "tracking_url": "https://track.example/JJD01", "label_url": "https://l/1"}
    api.post(
        f"/admin/orders/{placed['id']}/fulfillments/{fid}/shipments", json={"items": body["items"], "labels": [label]}
    )
    order = api.get(f"/admin/orders/{placed['id']}", params={"fields": "+fulfillment_status,*fulfillments"}).json()

    shown = order["order"]["fulfillments"][0]
    assert fulfilled["fulfillment_status"] == "partially_fulfilled"
    assert order["order"]["fulfillment_status"] == "partially_shipped"
    assert shown["metadata"] == {"hub": "shipment-7"} and shown["location_id"] == berlin
    assert shown["shipped_at"] == "2026-11-20T14:00:00.000Z"
    assert [lb["tracking_number"] for lb in shown["labels"]] == ["JJD01"]
    assert [(i["line_item_id"], i["quantity"]) for i in shown["items"]] == [(line["id"], 2)]


def test_fulfilling_more_than_was_ordered_or_canceling_a_fulfilled_order_is_refused(api, store):
    placed = store.place_order({SKU: 1})
    too_many = {"items": [{"id": placed["items"][0]["id"], "quantity": 2}]}

    refused = api.post(f"/admin/orders/{placed['id']}/fulfillments", json=too_many)
    store.fulfill(placed["id"])
    cancel = api.post(f"/admin/orders/{placed['id']}/cancel")

    assert (refused.status_code, refused.json()["type"]) == (400, "invalid_data")
    assert (cancel.status_code, cancel.json()["type"]) == (400, "not_allowed")


def test_stock_locations_and_a_sales_channel_are_listed_with_their_names(api, store):
    channel = store.state.sales_channel("B2B")

    locations = api.get("/admin/stock-locations").json()
    shown = api.get(f"/admin/sales-channels/{channel.id}").json()["sales_channel"]

    assert [loc["name"] for loc in locations["stock_locations"]] == ["Berlin warehouse", "Leipzig overflow"]
    assert shown["name"] == "B2B" and api.get("/admin/sales-channels/sc_missing").status_code == 404


def test_random_events_never_drive_availability_below_zero_and_reservations_match_levels(clock):
    _, medusa = build_medusa(clock=clock.now, seed=11, orders=150, stock=6)
    for _ in range(200):
        clock.advance(timedelta(seconds=30))
        medusa.tick()

    reserved: Counter[tuple[str, str]] = Counter()
    for r in medusa.state.reservations.values():
        reserved[(r.inventory_item_id, r.location_id)] += r.quantity
    assert all(lv.available_quantity >= 0 for lv in medusa.state.levels.values())
    assert all(lv.reserved_quantity == reserved[key] for key, lv in medusa.state.levels.items())
    statuses = Counter(o.status for o in medusa.state.orders.values())
    assert statuses["pending"] and statuses["canceled"]


def test_a_test_thread_can_place_orders_while_the_server_answers(clock):
    app, medusa = build_medusa(clock=clock.now, seed=1, stock=10_000)
    client = TestClient(app, headers=BASIC)
    errors: list[BaseException] = []

    def place() -> None:
        try:
            for _ in range(200):
                medusa.tick()
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=place)
    worker.start()
    answers = [client.get("/admin/orders", params={"fields": "*items", "limit": 50}).status_code for _ in range(50)]
    worker.join()

    assert errors == [] and set(answers) == {200}
