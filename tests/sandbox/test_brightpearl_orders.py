"""The Brightpearl simulator's API: private-app auth, envelope, contacts, products, sales orders, searches,
the 503 throttle and injected faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from sandbox.brightpearl import DEFAULT_APP_REF, DEFAULT_TOKEN, BrightpearlGenerator, Faults, build_brightpearl

API = "/public-api/omshub"
HEADERS = {"brightpearl-app-ref": DEFAULT_APP_REF, "brightpearl-account-token": DEFAULT_TOKEN}


@pytest.fixture
def account(clock: FixedClock) -> tuple[Any, BrightpearlGenerator]:
    return build_brightpearl(clock=clock.now, seed=4)


@pytest.fixture
def api(account) -> Iterator[TestClient]:
    with TestClient(account[0], headers=HEADERS) as client:
        yield client


def rows_of(body: dict) -> list[dict]:
    """Search results zipped with their column names."""
    names = [c["name"] for c in body["response"]["metaData"]["columns"]]
    return [dict(zip(names, row, strict=True)) for row in body["response"]["results"]]


def new_contact(api: TestClient, email: str = "zoe@example.com") -> int:
    body = {"firstName": "Zoë", "lastName": "Tremblay", "communication": {"emails": {"PRI": {"email": email}}}}
    return int(api.post(f"{API}/contact-service/contact", json=body).json()["response"])


def sales_order(customer: int, external_ref: str = "shop-1001", **extra: Any) -> dict:
    return {
        "customer": {"id": customer},
        "externalRef": external_ref,
        "installedIntegrationInstanceId": 7,
        "currency": {"code": "EUR"},
        "rows": [
            {"productId": 1000, "quantity": "2", "net": "68.0000", "taxCode": "T20", "tax": "13.6000"},
            {"name": "Shipping", "quantity": "1", "net": "4.9000", "tax": "0.9800"},
        ],
        **extra,
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {**HEADERS, "brightpearl-account-token": "wrong"}, {"brightpearl-app-ref": DEFAULT_APP_REF}],
)
def test_missing_or_wrong_private_app_headers_get_401_in_the_errors_envelope(account, headers):
    client = TestClient(account[0])

    response = client.get(f"{API}/product-service/product-search", headers=headers)

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "CMNC-401"
    assert not account[1].state.calls


def test_another_account_in_the_path_is_refused(api):
    response = api.get("/public-api/someoneelse/product-service/product-search")

    assert response.status_code == 401


def test_a_contact_is_created_then_found_by_primary_email_as_a_positional_row(api):
    contact_id = new_contact(api)

    found = api.get(f"{API}/contact-service/contact-search", params={"primaryEmail": "ZOE@example.com"}).json()

    assert rows_of(found)[0]["contactId"] == contact_id
    assert found["response"]["results"][0][0] == contact_id
    assert "reference" in found


def test_a_sku_is_found_in_the_catalogue(api):
    found = api.get(f"{API}/product-service/product-search", params={"SKU": "TUQ-MER-CHA"}).json()

    assert [(r["productId"], r["productName"]) for r in rows_of(found)] == [(1001, "Tuque en laine mérinos - Charbon")]


def test_a_sales_order_answers_its_id_and_reads_back_with_four_decimal_strings(api, account):
    customer = new_contact(api)

    order_id = api.post(f"{API}/order-service/sales-order", json=sales_order(customer)).json()["response"]
    order = api.get(f"{API}/order-service/sales-order/{order_id}").json()["response"][0]

    assert (order["id"], order["externalRef"], order["installedIntegrationInstanceId"]) == (order_id, "shop-1001", 7)
    assert [(r["sku"], r["quantity"], r["net"], r["tax"]) for r in order["rows"]] == [
        ("TUQ-MER-NAV", "2.0000", "68.0000", "13.6000"),
        ("", "1.0000", "4.9000", "0.9800"),
    ]
    assert order["total"] == {"net": "72.9000", "tax": "14.5800", "total": "87.4800"}
    assert (order["shippingStatusCode"], order["warehouseId"]) == ("NST", 2)
    assert account[1].state.calls["POST order-service/sales-order"] == 1


def test_a_second_post_with_the_same_external_ref_and_instance_is_refused(api, account):
    customer = new_contact(api)
    api.post(f"{API}/order-service/sales-order", json=sales_order(customer))

    again = api.post(f"{API}/order-service/sales-order", json=sales_order(customer))

    assert again.status_code == 400
    assert "externalRef 'shop-1001' already exists" in again.json()["errors"][0]["message"]
    assert len(account[1].state.orders) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"installedIntegrationInstanceId": 8}, "Installed integration instance 8 does not exist"),
        ({"customer": {"id": 999}}, "Contact 999 does not exist"),
        ({"rows": [{"productId": 1, "quantity": "1", "net": "1.0000", "tax": "0"}]}, "product 1 does not exist"),
        ({"rows": [{"productId": 1000, "quantity": "1", "net": "1.00001", "tax": "0"}]}, "four decimal places"),
        ({"rows": [{"productId": 1000, "quantity": 1.5, "net": "1", "tax": "0"}]}, "written as a string"),
    ],
)
def test_an_invalid_sales_order_is_refused_whole(api, account, change, message):
    body = {**sales_order(new_contact(api)), **change}

    response = api.post(f"{API}/order-service/sales-order", json=body)

    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
    assert not account[1].state.orders


def test_an_unknown_order_id_set_answers_404(api):
    response = api.get(f"{API}/order-service/sales-order/5-9")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "CMNC-404"


def test_order_search_filters_by_external_ref_and_pages_from_one(api):
    customer = new_contact(api)
    ids = [
        api.post(f"{API}/order-service/sales-order", json=sales_order(customer, f"shop-{n}")).json()["response"]
        for n in range(5)
    ]

    by_ref = api.get(f"{API}/order-service/order-search", params={"externalRef": "shop-3"}).json()
    first = api.get(f"{API}/order-service/order-search", params={"pageSize": "2", "columns": "orderId"}).json()
    meta = first["response"]["metaData"]
    last = api.get(f"{API}/order-service/order-search", params={"pageSize": "2", "firstResult": "5"}).json()

    assert [r["orderId"] for r in rows_of(by_ref)] == [ids[3]]
    assert first["response"]["results"] == [[ids[0]], [ids[1]]]
    assert (meta["resultsAvailable"], meta["firstResult"], meta["lastResult"], meta["morePagesAvailable"]) == (
        5,
        1,
        2,
        True,
    )
    assert [r["orderId"] for r in rows_of(last)] == [ids[4]]
    assert last["response"]["metaData"]["morePagesAvailable"] is False


def test_order_search_takes_updated_on_periods_open_at_either_end(api, clock):
    customer = new_contact(api)
    early = api.post(f"{API}/order-service/sales-order", json=sales_order(customer, "a")).json()["response"]
    clock.advance(timedelta(hours=1))
    late = api.post(f"{API}/order-service/sales-order", json=sales_order(customer, "b")).json()["response"]
    cut = (clock.now() - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")

    since = api.get(f"{API}/order-service/order-search", params={"updatedOn": f"{cut}/"}).json()
    until = api.get(f"{API}/order-service/order-search", params={"updatedOn": f"/{cut}"}).json()

    assert [r["orderId"] for r in rows_of(since)] == [late]
    assert [r["orderId"] for r in rows_of(until)] == [early]


def test_the_throttle_answers_503_with_its_headers_until_the_minute_rolls_on(clock):
    app, _ = build_brightpearl(clock=clock.now, requests_per_minute=3)
    client = TestClient(app, headers=HEADERS)
    answers = [client.get(f"{API}/product-service/product-search") for _ in range(4)]

    clock.advance(timedelta(seconds=45))
    still = client.get(f"{API}/product-service/product-search")
    clock.advance(timedelta(seconds=15))
    again = client.get(f"{API}/product-service/product-search")

    assert [a.status_code for a in answers] == [200, 200, 200, 503]
    assert [a.headers["brightpearl-requests-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[3].headers["brightpearl-next-throttle-period"] == "60000"
    assert answers[3].json()["errors"][0]["code"] == "CMNC-503"
    assert (still.status_code, still.headers["brightpearl-next-throttle-period"]) == (503, "15000")
    assert (again.status_code, again.headers["brightpearl-requests-remaining"]) == (200, "2")


def test_injected_faults_are_a_503_throttle_and_a_500_in_the_errors_envelope(clock):
    app, _ = build_brightpearl(clock=clock.now, faults=Faults(fail_on={1: 429, 2: 500}))
    client = TestClient(app, headers=HEADERS)

    busy, broken, fine = (client.get(f"{API}/product-service/product-search") for _ in range(3))

    assert (busy.status_code, "brightpearl-next-throttle-period" in busy.headers) == (503, True)
    assert (broken.status_code, broken.json()["errors"][0]["code"]) == (500, "CMNC-500")
    assert fine.status_code == 200


def test_warehouses_are_read_by_id_set(api):
    found = api.get(f"{API}/warehouse-service/warehouse/2-3").json()["response"]

    assert [(w["id"], w["name"]) for w in found] == [(2, "Berlin"), (3, "Leipzig")]


def test_a_postal_address_is_created_and_answers_its_id(api, account):
    response = api.post(
        f"{API}/contact-service/postal-address", json={"addressLine1": "Torstraße 1", "postalCode": "10119"}
    )
    missing = api.post(f"{API}/contact-service/postal-address", json={"postalCode": "10119"})

    address_id = response.json()["response"]
    assert account[1].state.addresses[address_id]["addressLine1"] == "Torstraße 1"
    assert missing.status_code == 400
