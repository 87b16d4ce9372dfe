"""The Brightpearl simulator's stock: availability derived from stock received, orders allocating and notes
shipping; stock corrections; products by id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from sandbox.brightpearl import CANCELLED, DEFAULT_APP_REF, DEFAULT_TOKEN, BrightpearlGenerator, build_brightpearl

API = "/public-api/omshub"
HEADERS = {"brightpearl-app-ref": DEFAULT_APP_REF, "brightpearl-account-token": DEFAULT_TOKEN}
MUG, TEA, GIFT_CARD = 1015, 1012, 1021  # MUG-EMA-WHT, TEA-SEN-100, GC-025 (not stock-tracked)


@pytest.fixture
def account(clock: FixedClock) -> Iterator[tuple[TestClient, BrightpearlGenerator]]:
    app, generator = build_brightpearl(clock=clock.now, stock={("MUG-EMA-WHT", 2): 10, ("MUG-EMA-WHT", 3): 1})
    with TestClient(app, headers=HEADERS) as client:
        yield client, generator


def place(api: TestClient, rows: list[dict[str, Any]], warehouse: int = 2) -> int:
    contact = api.post(f"{API}/contact-service/contact", json={"lastName": "Lefèvre"}).json()["response"]
    body = {"customerId": contact, "warehouseId": warehouse, "rows": rows}
    return int(api.post(f"{API}/order-service/sales-order", json=body).json()["response"])


def mugs(quantity: int) -> dict[str, Any]:
    return {"productId": MUG, "quantity": str(quantity), "net": "12.0000", "tax": "2.2800"}


def availability(api: TestClient, ids: str = str(MUG)) -> dict[str, Any]:
    answer = api.get(f"{API}/warehouse-service/product-availability/{ids}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["response"])


def figures(in_stock: int, on_hand: int, allocated: int) -> dict[str, int]:
    return {"inStock": in_stock, "onHand": on_hand, "allocated": allocated, "inTransit": 0}


def test_seeded_stock_is_in_stock_and_on_hand_per_warehouse_with_a_total(account):
    api, _ = account
    assert availability(api) == {
        str(MUG): {"total": figures(11, 11, 0), "warehouses": {"2": figures(10, 10, 0), "3": figures(1, 1, 0)}}
    }


def test_an_order_allocates_at_its_warehouse_and_shipping_it_takes_the_units_out_of_stock(account):
    api, generator = account
    order_id = place(api, [mugs(3)])
    assert availability(api)[str(MUG)]["warehouses"]["2"] == figures(10, 7, 3)
    generator.ship_now(order_id)
    assert availability(api)[str(MUG)]["warehouses"]["2"] == figures(7, 7, 0)


def test_orders_allocate_oldest_first_as_far_as_stock_goes_and_a_cancelled_one_frees_its_units(account):
    api, _ = account
    first = place(api, [mugs(8)])
    place(api, [mugs(4)])
    assert availability(api)[str(MUG)]["warehouses"]["2"] == figures(10, 0, 10)
    api.put(f"{API}/order-service/order/{first}/status", json={"orderStatusId": CANCELLED})
    assert availability(api)[str(MUG)]["warehouses"]["2"] == figures(10, 6, 4)


def test_shipping_more_than_was_received_leaves_a_negative_stock(account):
    api, generator = account
    generator.ship_now(place(api, [mugs(3)], warehouse=3))
    assert availability(api)[str(MUG)]["warehouses"]["3"] == figures(-2, -2, 0)


def test_a_stock_correction_adds_or_removes_units_and_answers_goods_movement_ids(account):
    api, _ = account
    body = {
        "corrections": [
            {"productId": TEA, "quantity": 12, "reason": "Goods in"},
            {"productId": MUG, "quantity": -4, "reason": "Damaged"},
        ]
    }
    answer = api.post(f"{API}/warehouse-service/warehouse/2/stock-correction", json=body)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["response"]) == 2
    found = availability(api, f"{TEA},{MUG}")
    assert found[str(TEA)]["warehouses"] == {"2": figures(12, 12, 0)}
    assert found[str(MUG)]["warehouses"]["2"] == figures(6, 6, 0)


@pytest.mark.parametrize(
    ("path", "correction"),
    [
        ("2", {"productId": GIFT_CARD, "quantity": 1, "reason": "x"}),
        ("2", {"productId": MUG, "quantity": 0, "reason": "x"}),
        ("2", {"productId": MUG, "quantity": 1}),
        ("9", {"productId": MUG, "quantity": 1, "reason": "x"}),
    ],
)
def test_an_invalid_stock_correction_is_refused_whole(account, path, correction):
    api, _ = account
    body = {"corrections": [{"productId": TEA, "quantity": 5, "reason": "Goods in"}, correction]}
    answer = api.post(f"{API}/warehouse-service/warehouse/{path}/stock-correction", json=body)
    assert answer.status_code == 400
    assert availability(api, f"{TEA},{MUG}")[str(TEA)] == {"total": figures(0, 0, 0), "warehouses": {}}


def test_products_that_are_not_stock_tracked_are_left_out_and_a_set_of_none_answers_404(account):
    api, _ = account
    assert list(availability(api, f"{MUG},{GIFT_CARD},999999")) == [str(MUG)]
    assert api.get(f"{API}/warehouse-service/product-availability/{GIFT_CARD}").status_code == 404


def test_products_read_by_id_set_carry_their_sku_and_whether_stock_is_tracked(account):
    api, _ = account
    answer = api.get(f"{API}/product-service/product/{MUG},{GIFT_CARD}").json()["response"]
    assert [(p["id"], p["identity"]["sku"], p["stock"]["stockTracked"]) for p in answer] == [
        (MUG, "MUG-EMA-WHT", True),
        (GIFT_CARD, "GC-025", False),
    ]
    assert api.get(f"{API}/product-service/product/999999").status_code == 404


def test_stock_of_an_unknown_sku_or_warehouse_is_refused_when_the_account_is_built(clock):
    with pytest.raises(ValueError, match="no product 'NOPE'"):
        build_brightpearl(clock=clock.now, stock={("NOPE", 2): 1})
