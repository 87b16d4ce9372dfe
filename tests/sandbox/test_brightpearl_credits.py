"""The Brightpearl simulator's sales credits: created against a sales order, unique per reference and
integration instance, found by the order search as type 3, and putting stock back only when booked in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from sandbox.brightpearl import DEFAULT_APP_REF, DEFAULT_TOKEN, BrightpearlGenerator, Faults, build_brightpearl
from sandbox.brightpearl.errors import BrightpearlError

API = "/public-api/omshub"
HEADERS = {"brightpearl-app-ref": DEFAULT_APP_REF, "brightpearl-account-token": DEFAULT_TOKEN}
MUG = 1015  # MUG-EMA-WHT
Account = tuple[TestClient, BrightpearlGenerator]


@pytest.fixture
def account(clock: FixedClock) -> Iterator[Account]:
    app, generator = build_brightpearl(clock=clock.now, seed=2, stock={("MUG-EMA-WHT", 2): 10})
    with TestClient(app, headers=HEADERS) as client:
        yield client, generator


def rows_of(body: dict) -> list[dict]:
    names = [c["name"] for c in body["response"]["metaData"]["columns"]]
    return [dict(zip(names, row, strict=True)) for row in body["response"]["results"]]


def sold(api: TestClient, quantity: int = 3) -> tuple[int, int]:
    """A customer and a sales order of mugs from warehouse 2: (contact id, order id)."""
    contact = api.post(f"{API}/contact-service/contact", json={"lastName": "Lefèvre"}).json()["response"]
    order = {
        "customer": {"id": contact},
        "externalRef": "ful-1-berlin-bp",
        "installedIntegrationInstanceId": 7,
        "warehouseId": 2,
        "currency": {"code": "EUR"},
        "rows": [{"productId": MUG, "quantity": str(quantity), "net": "36.0000", "tax": "6.8400"}],
    }
    return contact, int(api.post(f"{API}/order-service/sales-order", json=order).json()["response"])


def credit(contact: int, parent: Any, external_ref: str = "ret-1-1", **extra: Any) -> dict[str, Any]:
    return {
        "parentId": parent,
        "externalRef": external_ref,
        "installedIntegrationInstanceId": 7,
        "customer": {"id": contact},
        "rows": [{"productId": MUG, "quantity": "1", "taxCode": "T20", "net": "12.0000", "tax": "2.2800"}],
        **extra,
    }


def mugs_at_berlin(api: TestClient) -> dict[str, int]:
    return dict(
        api.get(f"{API}/warehouse-service/product-availability/{MUG}").json()["response"][str(MUG)]["warehouses"]["2"]
    )


def test_a_credit_against_a_sales_order_answers_its_id_and_reads_back_with_its_parent_warehouse_and_currency(account):
    api, generator = account
    contact, order_id = sold(api)

    credit_id = api.post(f"{API}/order-service/sales-credit", json=credit(contact, str(order_id))).json()["response"]
    read = api.get(f"{API}/order-service/sales-credit/{credit_id}").json()["response"][0]

    assert credit_id > order_id, "credits take their ids from the orders' sequence"
    assert (read["parentId"], read["externalRef"], read["installedIntegrationInstanceId"]) == (order_id, "ret-1-1", 7)
    assert (read["warehouseId"], read["currency"], read["statusName"]) == (2, {"code": "EUR"}, "Pending return")
    assert [(r["sku"], r["quantity"], r["net"]) for r in read["rows"]] == [("MUG-EMA-WHT", "1.0000", "12.0000")]
    assert list(generator.state.orders) == [order_id], "a credit is not a sales order"
    assert generator.state.calls["POST order-service/sales-credit"] == 1


def test_the_order_search_finds_a_credit_by_reference_as_order_type_3_and_its_parent(account):
    api, _ = account
    contact, order_id = sold(api)
    credit_id = api.post(f"{API}/order-service/sales-credit", json=credit(contact, order_id)).json()["response"]
    query = {"externalRef": "ret-1-1", "installedIntegrationInstanceId": "7", "columns": "orderId,externalRef"}

    as_credit = api.get(f"{API}/order-service/order-search", params=query | {"orderTypeId": "3"}).json()
    as_order = api.get(f"{API}/order-service/order-search", params=query | {"orderTypeId": "1"}).json()
    every = api.get(f"{API}/order-service/order-search", params={"columns": "orderId,orderTypeId,parentOrderId"})

    assert rows_of(as_credit) == [{"orderId": credit_id, "externalRef": "ret-1-1"}]
    assert rows_of(as_order) == []
    assert every.json()["response"]["results"] == [[order_id, 1, None], [credit_id, 3, order_id]]


def test_a_second_credit_with_the_same_reference_and_instance_is_refused_but_an_order_may_share_it(account):
    api, generator = account
    contact, order_id = sold(api)
    api.post(f"{API}/order-service/sales-credit", json=credit(contact, order_id, "ful-1-berlin-bp"))

    again = api.post(f"{API}/order-service/sales-credit", json=credit(contact, order_id, "ful-1-berlin-bp"))

    assert again.status_code == 400
    assert "sales credit with externalRef 'ful-1-berlin-bp' already exists" in again.json()["errors"][0]["message"]
    assert len(generator.state.credits) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parentId": 999_999}, "order 999999 is not found"),
        ({"parentId": "12a"}, "is not an order id"),
        ({"rows": [{"productId": 1, "quantity": "1", "net": "1.0000", "tax": "0"}]}, "product 1 does not exist"),
        ({"customer": {"id": 999}}, "Contact 999 does not exist"),
        ({"statusId": 2}, "Sales credit status 2 does not exist"),
        ({"warehouseId": 9}, "Warehouse 9 does not exist"),
    ],
)
def test_an_invalid_credit_is_refused_whole(account, change, message):
    api, generator = account
    contact, order_id = sold(api)

    response = api.post(f"{API}/order-service/sales-credit", json=credit(contact, order_id) | change)

    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
    assert not generator.state.credits


def test_a_credit_cannot_be_the_parent_of_a_credit(account):
    api, _ = account
    contact, order_id = sold(api)
    first = api.post(f"{API}/order-service/sales-credit", json=credit(contact, order_id)).json()["response"]

    response = api.post(f"{API}/order-service/sales-credit", json=credit(contact, first, "ret-1-2"))

    assert response.status_code == 400
    assert "is a sales credit, not a sales order" in response.json()["errors"][0]["message"]


def test_a_credit_puts_no_stock_back_until_its_goods_are_booked_in_once(account):
    api, generator = account
    contact, order_id = sold(api, quantity=3)
    generator.ship_now(order_id)
    assert mugs_at_berlin(api) == {"inStock": 7, "onHand": 7, "allocated": 0, "inTransit": 0}
    credit_id = api.post(f"{API}/order-service/sales-credit", json=credit(contact, order_id)).json()["response"]

    before = mugs_at_berlin(api)
    generator.tick()
    generator.book_in(credit_id)
    after = mugs_at_berlin(api)

    assert before == {"inStock": 7, "onHand": 7, "allocated": 0, "inTransit": 0}
    assert after == {"inStock": 8, "onHand": 8, "allocated": 0, "inTransit": 0}
    assert generator.state.notes_of(credit_id) == [], "the warehouse ships no credit"
    with pytest.raises(BrightpearlError, match="already booked in"):
        generator.book_in(credit_id)


def test_a_cut_answer_to_a_credit_post_leaves_the_credit_created(clock):
    app, generator = build_brightpearl(
        clock=clock.now, faults=Faults(cut_once=frozenset({"POST order-service/sales-credit"}))
    )
    with TestClient(app, headers=HEADERS) as api:
        contact, order_id = sold(api)
        cut = api.post(f"{API}/order-service/sales-credit", json=credit(contact, order_id))
        again = api.post(f"{API}/order-service/sales-credit", json=credit(contact, order_id))

    with pytest.raises(ValueError):
        cut.json()
    assert again.status_code == 400
    assert len(generator.state.credits) == 1
