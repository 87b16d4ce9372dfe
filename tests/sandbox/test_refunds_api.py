"""POST orders/{id}/refunds.json: a refund of line items with their restock types, shown in the order's refunds,
current quantities and updated_at; restocked units back on the shop's levels; refused as Shopify would refuse it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from sandbox.shopify import OrderGenerator, ShopState
from tests.sandbox.conftest import API
from tests.sandbox.reconcile import mismatches

pytestmark = pytest.mark.anyio


def shipped_order(generator: OrderGenerator, clock: Any) -> dict[str, Any]:
    """A paid order of 3 units of one tracked variant, shipped, an hour old."""
    variant = next(v for v in generator.state.variants.values() if v.tracked)
    order = generator.buy({variant.sku: 3})
    if order["financial_status"] != "paid":
        order = generator.change(order["id"], "pay")
    order = generator.change(order["id"], "fulfill")
    clock.advance(timedelta(hours=1))
    return order


def available(shop: ShopState, order: dict[str, Any], location_id: int) -> int:
    item = shop.variants[order["line_items"][0]["variant_id"]].inventory_item_id
    return next(
        lv.available for lv in shop.level_list() if (lv.inventory_item_id, lv.location_id) == (item, location_id)
    )


def body(line_id: int, quantity: int, restock_type: str, location_id: int | None, *, money: bool = True) -> dict:
    part = {"line_item_id": line_id, "quantity": quantity, "restock_type": restock_type, "location_id": location_id}
    refund: dict[str, Any] = {"notify": False, "refund_line_items": [part]}
    if money:
        refund["transactions"] = [{"kind": "refund", "gateway": "shopify_payments", "amount": "1.00"}]
    return {"refund": refund}


async def test_a_return_restocks_the_units_and_shows_in_the_order(client, shop, generator, clock):
    order = shipped_order(generator, clock)
    line, location = order["line_items"][0], next(iter(shop.locations))
    before = available(shop, order, location)
    answer = await client.post(f"{API}/orders/{order['id']}/refunds.json", json=body(line["id"], 2, "return", location))
    assert answer.status_code == 201, answer.text
    refund = answer.json()["refund"]
    [part] = refund["refund_line_items"]
    assert (part["restock_type"], part["location_id"], part["quantity"]) == ("return", location, 2)
    assert refund["restock"] is True and refund["transactions"][0]["kind"] == "refund"
    now = shop.order(order["id"])
    assert now is not None and now["refunds"][-1]["id"] == refund["id"]
    assert now["line_items"][0]["current_quantity"] == 1 and now["line_items"][0]["fulfillable_quantity"] == 0
    assert now["updated_at"] > order["updated_at"] and now["financial_status"] == "partially_refunded"
    assert Decimal(now["current_total_price"]) < Decimal(order["current_total_price"])
    assert mismatches(now) == []
    assert available(shop, order, location) == before + 2


async def test_a_refund_without_transactions_takes_units_back_without_money(client, shop, generator, clock):
    order = shipped_order(generator, clock)
    line = order["line_items"][0]
    answer = await client.post(
        f"{API}/orders/{order['id']}/refunds.json", json=body(line["id"], 1, "no_restock", None, money=False)
    )
    assert answer.status_code == 201, answer.text
    refund = answer.json()["refund"]
    assert refund["transactions"] == [] and refund["refund_line_items"][0]["location_id"] is None
    now = shop.order(order["id"])
    assert now is not None and now["financial_status"] == order["financial_status"]
    assert now["line_items"][0]["current_quantity"] == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"restock_type": "legacy_restock"}, "refund_line_items[0].restock_type"),
        ({"restock_type": "cancel"}, "refund_line_items[0].quantity"),  # every unit shipped: none to cancel
        ({"quantity": 4}, "refund_line_items[0].quantity"),
        ({"location_id": None}, "refund_line_items[0].location_id"),
        ({"line_item_id": 1}, "refund_line_items[0].line_item_id"),
    ],
)
async def test_a_refund_shopify_would_refuse_is_a_422_naming_the_field(client, shop, generator, clock, change, field):
    order = shipped_order(generator, clock)
    asked = body(order["line_items"][0]["id"], 1, "return", next(iter(shop.locations)))
    asked["refund"]["refund_line_items"][0].update(change)
    answer = await client.post(f"{API}/orders/{order['id']}/refunds.json", json=asked)
    assert answer.status_code == 422 and field in answer.json()["errors"], answer.text
    assert shop.order(order["id"]) == order


async def test_refunds_need_a_known_order_and_the_write_orders_scope(connect, shop, generator, clock):
    order = shipped_order(generator, clock)
    asked = body(order["line_items"][0]["id"], 1, "return", next(iter(shop.locations)))
    missing = await connect().post(f"{API}/orders/1/refunds.json", json=asked)
    narrow = await connect(scopes=["read_orders"]).post(f"{API}/orders/{order['id']}/refunds.json", json=asked)
    assert missing.status_code == 404 and narrow.status_code == 403
