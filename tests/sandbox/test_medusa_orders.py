"""The Medusa v2 simulator's orders: filters, ordering and offset paging, money, statuses, determinism."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from sandbox.medusa import MedusaGenerator, build_medusa
from sandbox.medusa.order_json import order_json
from tests.sandbox.medusa_fixtures import BASIC


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


def _three_orders(store, clock: FixedClock) -> list[dict]:
    placed = []
    for _ in range(3):
        placed.append(store.place_order({"TUQ-MER-NAV": 1}))
        clock.advance(timedelta(milliseconds=1))
    return placed


def test_timestamp_operators_compare_at_millisecond_precision(api, store, clock):
    first, second, third = _three_orders(store, clock)
    at = second["updated_at"]

    def ids(op: str) -> list[str]:
        orders = api.get("/admin/orders", params={f"updated_at[${op}]": at, "order": "updated_at"}).json()["orders"]
        return [o["id"] for o in orders]

    assert at.endswith(".001Z")
    assert ids("gt") == [third["id"]] and ids("gte") == [second["id"], third["id"]]
    assert ids("lt") == [first["id"]] and ids("lte") == [first["id"], second["id"]]
    assert api.get("/admin/orders", params={"created_at[$gt]": "yesterday"}).json()["type"] == "invalid_data"


def test_orders_sort_by_updated_at_either_way_and_unknown_parameters_are_ignored(api, store, clock):
    placed = [o["id"] for o in _three_orders(store, clock)]
    clock.advance(timedelta(seconds=5))
    store.cancel(placed[0])

    ascending = api.get("/admin/orders", params={"order": "updated_at", "display_id": 2}).json()["orders"]
    descending = api.get("/admin/orders", params={"order": "-updated_at"}).json()["orders"]

    assert [o["id"] for o in ascending] == [placed[1], placed[2], placed[0]]
    assert [o["id"] for o in descending] == [placed[0], placed[2], placed[1]]


def test_offset_paging_walks_every_order_once_under_a_count_envelope(clock):
    app, medusa = build_medusa(clock=clock.now, seed=2, orders=40)
    client = TestClient(app, headers=BASIC)

    pages = [client.get("/admin/orders", params={"offset": o, "order": "created_at"}).json() for o in range(0, 45, 15)]

    assert [(p["count"], p["offset"], p["limit"], len(p["orders"])) for p in pages] == [
        (40, 0, 15, 15),
        (40, 15, 15, 15),
        (40, 30, 15, 10),
    ]
    assert len({o["id"] for p in pages for o in p["orders"]}) == 40 == len(medusa.state.orders)


def test_id_and_sales_channel_filters_take_one_value_or_a_list(api, store):
    web = store.place_order({"TUQ-MER-NAV": 1}, sales_channel="Webshop")
    b2b = store.place_order({"TUQ-MER-NAV": 5}, sales_channel="B2B")
    b2b_channel = store.state.sales_channel("B2B").id

    by_channel = api.get("/admin/orders", params={"sales_channel_id": b2b_channel}).json()["orders"]
    by_ids = api.get("/admin/orders", params=[("id[]", web["id"]), ("id[]", b2b["id"])]).json()["orders"]

    assert [o["id"] for o in by_channel] == [b2b["id"]]
    assert {o["id"] for o in by_ids} == {web["id"], b2b["id"]}


def test_capturing_a_payment_changes_its_status_but_not_updated_at_or_version(api, store, clock):
    placed = store.place_order({"TUQ-MER-NAV": 1})
    clock.advance(timedelta(minutes=5))

    store.capture(placed["id"])
    order = api.get(f"/admin/orders/{placed['id']}", params={"fields": "+payment_status,+version"}).json()["order"]

    assert placed["payment_status"] == "authorized" and order["payment_status"] == "captured"
    assert (order["updated_at"], order["version"]) == (placed["updated_at"], placed["version"])
    assert order["payment_collections"][0]["captured_amount"] == order["total"]
    assert api.get("/admin/orders", params={"updated_at[$gt]": placed["updated_at"]}).json()["count"] == 0


def test_fulfillment_shipment_and_cancel_each_bump_updated_at_and_version(store, clock):
    shipped, canceled = store.place_order({"TUQ-MER-NAV": 1}), store.place_order({"MUG-EMA-BLU": 1})
    clock.advance(timedelta(minutes=1))

    fulfillment = store.fulfill(shipped["id"])
    after_fulfil = order_json(store.state.orders[shipped["id"]])
    clock.advance(timedelta(minutes=1))
    after_ship = store.ship(shipped["id"], fulfillment)
    after_cancel = store.cancel(canceled["id"])

    assert [after_fulfil["version"], after_ship["version"], after_cancel["version"]] == [2, 3, 2]
    assert after_fulfil["fulfillment_status"] == "fulfilled" and after_ship["fulfillment_status"] == "shipped"
    assert after_ship["updated_at"] > after_fulfil["updated_at"] > shipped["updated_at"]
    assert (after_cancel["status"], after_cancel["payment_status"]) == ("canceled", "canceled")


def test_amounts_are_unrounded_major_unit_numbers_that_add_up_some_with_float_noise(clock):
    _, medusa = build_medusa(clock=clock.now, seed=4, orders=120)
    orders = [order_json(o) for o in medusa.state.orders.values()]

    def exact(value: float) -> Decimal:
        return Decimal(repr(value))

    for order in orders:
        lines = sum((exact(i["total"]) for i in order["items"]), Decimal(0))
        shipping = sum((exact(m["total"]) for m in order["shipping_methods"]), Decimal(0))
        assert abs(lines - exact(order["item_total"])) < Decimal("1e-9")
        assert abs(lines + shipping - exact(order["total"])) < Decimal("1e-9")
    noisy = [o["total"] for o in orders if len(repr(o["total"]).split(".")[-1]) > 6]
    assert noisy and isinstance(orders[0]["items"][0]["unit_price"], int | float)
    assert {o["currency_code"] for o in orders} == {"eur"}
    assert {i["is_tax_inclusive"] for o in orders for i in o["items"]} == {True, False}


def test_the_same_seed_builds_the_same_store_and_another_seed_a_different_one():
    def run(seed: int) -> list[dict]:
        clock = FixedClock(datetime(2026, 6, 1, tzinfo=UTC))
        _, medusa = build_medusa(clock=clock.now, seed=seed, orders=30)
        for _ in range(30):
            clock.advance(timedelta(seconds=7))
            medusa.tick()
        return [order_json(o) for o in medusa.state.orders.values()]

    first, again, other = run(8), run(8), run(9)

    assert first == again != other
