"""What the simulators keep when a hub tells them a payment failed: Shopify's order note and tags (with the
write_orders scope), Medusa's order metadata; each change is a new version of the order, as on the real ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from sandbox.medusa import MedusaGenerator, build_medusa
from sandbox.shopify import ShopState
from tests.sandbox.conftest import API, Connect
from tests.sandbox.medusa_fixtures import BASIC


def first_open(shop: ShopState) -> dict[str, Any]:
    return next(order for _, order in shop.orders() if order["cancelled_at"] is None)


@pytest.mark.anyio
async def test_shopify_keeps_the_note_and_tags_put_on_an_order_as_a_new_version(connect: Connect, shop, clock):
    order = first_open(shop)
    clock.advance(timedelta(minutes=3))
    body = {"order": {"id": order["id"], "tags": "vip,  payment-failed, vip", "note": "Payment failed: cap-1-1"}}
    answer = await connect().put(f"{API}/orders/{order['id']}.json", json=body)
    assert answer.status_code == 200, answer.text
    kept = shop.order(order["id"])
    assert kept is not None
    assert (kept["tags"], kept["note"]) == ("vip, payment-failed", "Payment failed: cap-1-1")
    assert kept["updated_at"] > order["updated_at"] and kept["line_items"] == order["line_items"]


@pytest.mark.anyio
async def test_shopify_refuses_an_order_update_without_write_orders_or_of_other_fields(connect: Connect, shop):
    order = first_open(shop)
    path = f"{API}/orders/{order['id']}.json"
    narrow = await connect(scopes=["read_orders"]).put(path, json={"order": {"note": "x"}})
    assert narrow.status_code == 403 and "write_orders" in narrow.json()["errors"]
    other = await connect().put(path, json={"order": {"email": "someone@example.com"}})
    assert other.status_code == 422 and "email" in str(other.json()["errors"])
    missing = await connect().put(f"{API}/orders/1.json", json={"order": {"note": "x"}})
    assert missing.status_code == 404
    assert shop.order(order["id"]) == order


@pytest.fixture
def medusa(clock: FixedClock) -> tuple[Any, MedusaGenerator]:
    return build_medusa(clock=clock.now, seed=5)


def test_medusa_merges_metadata_sent_to_an_order_and_bumps_its_version(medusa, clock):
    app, store = medusa
    placed = store.place_order({"TUQ-MER-NAV": 1})
    clock.advance(timedelta(seconds=5))
    with TestClient(app, headers=BASIC) as api:
        path = f"/admin/orders/{placed['id']}"
        first = api.post(path, json={"metadata": {"gift": "yes", "omshub_payment_failed": "cap-1-1"}})
        assert first.status_code == 200, first.text
        second = api.post(path, json={"metadata": {"gift": ""}}, params={"fields": "id,metadata,version"})
        assert second.json()["order"]["metadata"] == {"omshub_payment_failed": "cap-1-1"}
        refused = api.post(path, json={"email": "x@example.com"})
        assert refused.status_code == 400 and "email" in refused.json()["message"]
    order = store.state.orders[placed["id"]]
    assert order.version == 3 and order.updated_at > store.state.orders[placed["id"]].created_at
