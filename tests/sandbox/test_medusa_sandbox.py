"""The Medusa v2 simulator's API: auth, the `fields` parameter, faults and call counts."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from sandbox.medusa import DEFAULT_API_KEY, DEFAULT_EMAIL, DEFAULT_PASSWORD, MedusaFaults, MedusaGenerator, build_medusa
from tests.sandbox.medusa_fixtures import BASIC

LIST_DEFAULTS = {
    "id",
    "display_id",
    "custom_display_id",
    "status",
    "version",
    "summary",
    "total",
    "metadata",
    "locale",
    "created_at",
    "updated_at",
    # computed by Medusa's order workflows on every read, whatever `fields` asks for
    "payment_status",
    "fulfillment_status",
}
LOGIN = {"email": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}


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


def _bearer(client: TestClient) -> dict[str, str]:
    token = client.post("/auth/user/emailpass", json=LOGIN, headers={"Authorization": ""}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_login_returns_a_jwt_that_opens_the_admin_api(backend):
    client = TestClient(backend[0])

    token = client.post("/auth/user/emailpass", json=LOGIN).json()["token"]
    answer = client.get("/admin/orders", headers={"Authorization": f"Bearer {token}"})

    assert token.count(".") == 2 and token.startswith("eyJ")
    assert answer.status_code == 200


def test_the_secret_api_key_works_as_basic_auth_base64_encoded_or_raw(backend):
    client = TestClient(backend[0])
    encoded = base64.b64encode(f"{DEFAULT_API_KEY}:".encode()).decode()

    answers = [client.get("/admin/orders", headers={"Authorization": f"Basic {k}"}) for k in (encoded, DEFAULT_API_KEY)]

    assert [a.status_code for a in answers] == [200, 200]


def test_a_token_expires_after_a_day_on_the_injected_clock(backend, clock: FixedClock):
    client = TestClient(backend[0])
    headers = _bearer(client)

    clock.advance(timedelta(hours=23, minutes=59))
    still = client.get("/admin/orders", headers=headers)
    clock.advance(timedelta(minutes=1))
    expired = client.get("/admin/orders", headers=headers)

    assert still.status_code == 200
    assert (expired.status_code, expired.json()) == (401, {"message": "Unauthorized"})


def test_a_wrong_password_a_wrong_key_and_no_credentials_are_refused(backend):
    client = TestClient(backend[0])

    login = client.post("/auth/user/emailpass", json={**LOGIN, "password": "wrong"})
    wrong_key = client.get("/admin/orders", headers={"Authorization": "Basic sk_wrong"})
    nothing = client.get("/admin/orders")

    assert (login.status_code, login.json()["type"]) == (401, "unauthorized")
    assert [r.json() for r in (wrong_key, nothing)] == [{"message": "Unauthorized"}] * 2


def test_a_list_without_fields_shows_only_the_default_list_fields(api, store):
    store.place_order({"TUQ-MER-NAV": 1})

    order = api.get("/admin/orders").json()["orders"][0]

    assert set(order) == LIST_DEFAULTS


def test_plus_adds_a_field_and_star_adds_a_relation_to_the_defaults(api, store):
    store.place_order({"TUQ-MER-NAV": 2})

    order = api.get("/admin/orders", params={"fields": "+email,+currency_code,*items,*shipping_address"}).json()

    shown = order["orders"][0]
    assert set(shown) == LIST_DEFAULTS | {"email", "currency_code", "items", "shipping_address"}
    assert shown["currency_code"] == "eur" and shown["items"][0]["variant_sku"] == "TUQ-MER-NAV"
    assert "variant" not in shown["items"][0] and shown["items"][0]["detail"]["quantity"] == 2


def test_a_plus_sent_unencoded_arrives_as_a_space_and_the_field_is_missing(api, store):
    store.place_order({"TUQ-MER-NAV": 1})

    raw = api.get("/admin/orders?fields=+email,+currency_code").json()["orders"][0]
    encoded = api.get("/admin/orders?fields=%2Bemail,%2Bcurrency_code").json()["orders"][0]

    assert "email" not in raw and "currency_code" not in raw and set(raw) == LIST_DEFAULTS
    assert encoded["email"] == "zoe.tremblay@example.com"


def test_a_plain_field_list_replaces_the_defaults_and_minus_removes_one(api, store):
    store.place_order({"TUQ-MER-NAV": 1})

    plain = api.get("/admin/orders", params={"fields": "id,email,*items"}).json()["orders"][0]
    fewer = api.get("/admin/orders", params={"fields": "-summary"}).json()["orders"][0]

    assert set(plain) == {"id", "email", "items", "payment_status", "fulfillment_status"}
    assert set(fewer) == LIST_DEFAULTS - {"summary"}


def test_one_order_has_items_addresses_and_payments_but_not_email_currency_or_channel(api, store):
    placed = store.place_order({"TUQ-MER-NAV": 1, "MUG-EMA-BLU": 2})

    order = api.get(f"/admin/orders/{placed['id']}").json()["order"]
    asked = api.get(f"/admin/orders/{placed['id']}", params={"fields": "+email,+sales_channel_id"}).json()["order"]

    assert {"items", "shipping_address", "billing_address", "shipping_methods", "payment_collections"} <= set(order)
    assert not {"email", "currency_code", "sales_channel_id", "customer_id"} & set(order)
    assert order["items"][0]["variant"]["sku"] == "TUQ-MER-NAV" and order["items"][0]["tax_lines"]
    assert asked["email"] and asked["sales_channel_id"].startswith("sc_")
    assert api.get("/admin/orders/order_missing").json()["type"] == "not_found"


def test_injected_faults_answer_as_a_proxy_would_and_repeat_for_a_seed(clock):
    faults = MedusaFaults(seed=3, fail_on={1: 500}, throttle=0.2, unavailable=0.2)

    def statuses() -> list[int]:
        app, _ = build_medusa(clock=clock.now, faults=faults)
        client = TestClient(app, headers=BASIC)
        return [client.get("/admin/stock-locations").status_code for _ in range(60)]

    first = statuses()

    assert first == statuses() and first[0] == 500
    assert {429, 503, 200} <= set(first)


def test_calls_are_counted_per_endpoint(api, store):
    for _ in range(3):
        api.get("/admin/orders")
    api.get("/admin/stock-locations")

    assert store.state.calls["GET /admin/orders"] == 3
    assert store.state.calls["GET /admin/stock-locations"] == 1
