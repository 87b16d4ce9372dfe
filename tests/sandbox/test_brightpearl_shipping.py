"""The Brightpearl simulator's warehouse: goods-out notes after `ship_after`, splits, reads, cancel refusal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from sandbox.brightpearl import CANCELLED, DEFAULT_APP_REF, DEFAULT_TOKEN, BrightpearlGenerator, build_brightpearl
from sandbox.server import serve_in_background

API = "/public-api/omshub"
HEADERS = {"brightpearl-app-ref": DEFAULT_APP_REF, "brightpearl-account-token": DEFAULT_TOKEN}
ROWS = [
    {"productId": 1000, "quantity": "2", "net": "68.0000", "tax": "13.6000"},
    {"productId": 1003, "quantity": "1", "net": "42.5000", "tax": "8.5000"},
]


def open_account(clock: FixedClock, **settings: Any) -> tuple[TestClient, BrightpearlGenerator]:
    app, generator = build_brightpearl(clock=clock.now, **settings)
    return TestClient(app, headers=HEADERS), generator


@pytest.fixture
def account(clock: FixedClock) -> Iterator[tuple[TestClient, BrightpearlGenerator]]:
    client, generator = open_account(clock, seed=2)
    with client:
        yield client, generator


def place(api: TestClient, external_ref: str) -> int:
    contact = api.post(f"{API}/contact-service/contact", json={"lastName": "Lefèvre"}).json()["response"]
    body = {"customerId": contact, "externalRef": external_ref, "installedIntegrationInstanceId": 7, "rows": ROWS}
    return int(api.post(f"{API}/order-service/sales-order", json=body).json()["response"])


def rows_of(body: dict) -> list[dict]:
    names = [c["name"] for c in body["response"]["metaData"]["columns"]]
    return [dict(zip(names, row, strict=True)) for row in body["response"]["results"]]


def test_orders_ship_only_once_released_longer_than_ship_after(account, clock):
    api, generator = account
    order_id = place(api, "shop-1")

    clock.advance(timedelta(minutes=4))
    early = generator.tick()
    clock.advance(timedelta(minutes=1))
    notes = generator.tick()

    assert early == []
    assert [n.order_id for n in notes] == [order_id]
    assert generator.tick() == []
    order = api.get(f"{API}/order-service/sales-order/{order_id}").json()["response"][0]
    assert order["shippingStatusCode"] == "ASS"


def test_a_shipped_note_reads_back_by_order_and_note_with_tracking_and_shw(account, clock):
    api, generator = account
    order_id = place(api, "shop-1")
    (note,) = generator.ship_now(order_id)

    found = api.get(f"{API}/warehouse-service/order/{order_id}/goods-note/goods-out/{note.id}").json()["response"]
    everywhere = api.get(f"{API}/warehouse-service/order/*/goods-note/goods-out/{note.id}").json()["response"]

    read = found[str(note.id)]
    assert everywhere == found
    assert (read["orderId"], read["warehouseId"], read["status"]["shipped"]) == (order_id, 2, True)
    assert read["status"]["shippedOn"] == "2026-11-20T12:00:00.000Z"
    assert read["shipping"]["reference"].startswith("00340434")
    assert [e["eventCode"] for e in read["events"]][-1] == "SHW"
    assert "occured" in read["events"][-1]
    order = api.get(f"{API}/order-service/sales-order/{order_id}").json()["response"][0]
    assert {
        row_id: [(i["productId"], i["quantity"]) for i in items] for row_id, items in read["orderRows"].items()
    } == {
        str(order["rows"][0]["id"]): [(1000, 2)],
        str(order["rows"][1]["id"]): [(1003, 1)],
    }


@pytest.mark.parametrize(("split", "warehouses"), [("warehouses", [2, 3]), ("parcels", [2, 2])])
def test_a_split_shipment_makes_two_notes_that_together_carry_every_unit(account, split, warehouses):
    api, generator = account
    order_id = place(api, "shop-1")

    notes = generator.ship_now(order_id, split)

    assert [n.warehouse_id for n in notes] == warehouses
    assert [n.sequence for n in notes] == [1, 2]
    assert sum(line.quantity for n in notes for line in n.lines) == 3
    assert len({n.tracking_reference for n in notes}) == 2


def test_some_orders_are_split_at_the_split_rate(clock):
    api, generator = open_account(clock, seed=1, split_rate=0.5)
    orders = [place(api, f"shop-{n}") for n in range(20)]
    clock.advance(timedelta(minutes=5))

    notes = generator.tick()

    per_order = [sum(1 for n in notes if n.order_id == o) for o in orders]
    assert set(per_order) == {1, 2}
    assert {n.warehouse_id for n in notes} == {2, 3}


def test_goods_out_search_sweeps_notes_by_created_on_with_paging(account, clock):
    api, generator = account
    first = place(api, "shop-1")
    generator.ship_now(first)
    clock.advance(timedelta(hours=1))
    second = place(api, "shop-2")
    generator.ship_now(second)
    cut = (clock.now() - timedelta(minutes=1)).isoformat()

    recent = api.get(f"{API}/warehouse-service/goods-note/goods-out-search", params={"createdOn": f"{cut}/"}).json()
    page = api.get(f"{API}/warehouse-service/goods-note/goods-out-search", params={"pageSize": "1"}).json()

    assert [(r["orderId"], r["shipped"], r["warehouseId"]) for r in rows_of(recent)] == [(second, True, 2)]
    names = {c["name"] for c in recent["response"]["metaData"]["columns"]}
    assert {"goodsOutNoteId", "orderId", "warehouseId", "createdOn", "updatedOn", "shipped"} <= names
    assert page["response"]["metaData"]["morePagesAvailable"] is True


def test_cancelling_is_refused_once_a_goods_out_note_exists(account):
    api, generator = account
    shipped, waiting = place(api, "shop-1"), place(api, "shop-2")
    generator.ship_now(shipped)

    refused = api.put(f"{API}/order-service/order/{shipped}/status", json={"orderStatusId": CANCELLED})
    accepted = api.put(f"{API}/order-service/order/{waiting}/status", json={"orderStatusId": CANCELLED})

    assert refused.status_code == 400
    assert "goods-out notes" in refused.json()["errors"][0]["message"]
    assert (accepted.status_code, accepted.json()) == (200, {})
    assert api.get(f"{API}/order-service/sales-order/{waiting}").json()["response"][0]["isCanceled"] is True


def test_a_cancelled_order_is_never_shipped(account, clock):
    api, generator = account
    order_id = place(api, "shop-1")
    api.put(f"{API}/order-service/order/{order_id}/status", json={"orderStatusId": CANCELLED})
    clock.advance(timedelta(hours=1))

    assert generator.tick() == []


def test_the_same_seed_ships_the_same_notes(clock):
    def run(seed: int) -> list[tuple[int, int, str]]:
        api, generator = open_account(clock, seed=seed, split_rate=0.5)
        for n in range(8):
            place(api, f"shop-{n}")
        clock.advance(timedelta(minutes=5))
        shipped = [(n.order_id, n.warehouse_id, n.tracking_reference) for n in generator.tick()]
        clock.advance(timedelta(minutes=-5))
        return shipped

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_the_account_serves_over_http_with_the_warehouse_ticking(clock):

    app, generator = build_brightpearl(clock=clock.now, ship_after=timedelta(0))
    served = serve_in_background(app, tick=generator.tick, rate=50)
    try:
        api = TestClient(app, headers=HEADERS)
        order_id = place(api, "shop-1")
        deadline = time.monotonic() + 5
        while not generator.state.notes_of(order_id) and time.monotonic() < deadline:
            time.sleep(0.02)
        found = httpx.get(f"{served.base_url}{API}/warehouse-service/goods-note/goods-out-search", headers=HEADERS)
    finally:
        served.stop()

    assert [r["orderId"] for r in rows_of(found.json())] == [order_id]
