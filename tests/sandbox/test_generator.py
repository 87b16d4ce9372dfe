"""The order generator: realistic, reproducible orders whose money adds up, and later changes to them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import FixedClock
from sandbox.shopify import BERLIN, QUEBEC, OrderGenerator, ShopState
from sandbox.shopify.generator import eligible_changes
from tests.sandbox.reconcile import mismatches

START = datetime(2026, 6, 14, 14, 22, 31, tzinfo=UTC)


def _generate(seed: int, *, profile=QUEBEC, count: int = 40, ticks: int = 40) -> ShopState:
    clock = FixedClock(START)
    generator = OrderGenerator(ShopState(clock=clock.now, profile=profile), seed=seed)
    generator.populate(count)
    for _ in range(ticks):
        clock.advance(timedelta(seconds=7))
        generator.tick()
    return generator.state


def _orders(state: ShopState) -> list[dict]:
    return [order for _, order in state.orders()]


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), profile=st.sampled_from([QUEBEC, BERLIN]))
def test_every_generated_order_reconciles_to_the_cent_in_both_currencies(seed, profile):
    state = _generate(seed, profile=profile)

    problems = [problem for order in _orders(state) for problem in mismatches(order)]

    assert problems == []


def test_the_same_seed_and_clock_generate_the_same_orders():
    first, again, other = (_orders(_generate(seed, count=30, ticks=30)) for seed in (11, 11, 12))

    assert first == again != other


def test_the_mix_has_guest_digital_pos_foreign_currency_multi_tax_discounted_and_unicode_orders():
    orders = _orders(_generate(3, count=400, ticks=0))

    assert any(o["customer"] is None and o["email"] for o in orders), "guest checkout"
    assert any("shipping_address" not in o and not o["shipping_lines"] and o["source_name"] == "web" for o in orders)
    assert any(o["source_name"] == "pos" and o["customer"] is None and o["closed_at"] for o in orders)
    assert {o["presentment_currency"] for o in orders} == {"CAD", "USD", "JPY"}
    assert any(len(ln["tax_lines"]) == 2 for o in orders for ln in o["line_items"]), "GST+QST"
    assert any(len(o["line_items"]) >= 3 for o in orders)
    assert any(o["discount_codes"] for o in orders)
    assert any(ln["discount_allocations"] and o["discount_codes"] for o in orders for ln in o["line_items"])
    assert any(ln["sku"] is None and ln["variant_id"] is None for o in orders for ln in o["line_items"])
    assert any(o["note"] and not o["note"].isascii() for o in orders)
    assert any(not o["customer"]["first_name"].isascii() for o in orders if o["customer"])
    assert all(o["id"] > 2**31 and o["name"] == f"#{o['order_number']}" for o in orders)


def test_a_yen_presentment_currency_has_no_decimals_while_the_shop_currency_has_two():
    order = next(o for o in _orders(_generate(3, count=200, ticks=0)) if o["presentment_currency"] == "JPY")

    shop, presentment = order["total_price_set"]["shop_money"], order["total_price_set"]["presentment_money"]

    assert Decimal(shop["amount"]).as_tuple().exponent == -2
    assert Decimal(presentment["amount"]).as_tuple().exponent == 0
    assert order["total_price"] == shop["amount"]


def test_a_tax_inclusive_shop_does_not_add_tax_on_top_of_the_prices():
    orders = [o for o in _orders(_generate(5, profile=BERLIN, count=100, ticks=0)) if Decimal(o["total_tax"])]

    order = orders[0]

    assert order["taxes_included"] is True
    shipping = sum(Decimal(s["discounted_price"]) for s in order["shipping_lines"])
    assert Decimal(order["total_price"]) == Decimal(order["subtotal_price"]) + shipping
    assert order["created_at"].endswith("+02:00")


def test_a_shop_writes_times_in_its_utc_offset_with_whole_seconds():
    order = _orders(_generate(1, count=5, ticks=0))[0]

    assert order["created_at"].endswith("-04:00")
    assert datetime.fromisoformat(order["created_at"]).microsecond == 0


@pytest.mark.parametrize("kind", ["pay", "fulfill", "refund", "edit", "cancel"])
def test_each_change_bumps_updated_at_and_keeps_the_order_reconciled(clock, kind):
    generator = OrderGenerator(ShopState(clock=clock.now), seed=2)
    generator.populate(80)
    before = next(o for _, o in generator.state.orders() if kind in eligible_changes(o))
    clock.advance(timedelta(minutes=5))

    after = generator.change(before["id"], kind)

    assert datetime.fromisoformat(after["updated_at"]) == clock.now()
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(before["updated_at"])
    assert after["created_at"] == before["created_at"]
    assert generator.state.order(before["id"]) == after
    assert mismatches(after) == []


def test_cancelling_a_paid_order_refunds_what_was_charged_and_zeroes_the_current_totals(generator, clock):
    order = next(o for _, o in generator.state.orders() if o["financial_status"] == "paid" and not o["fulfillments"])
    clock.advance(timedelta(hours=1))

    cancelled = generator.change(order["id"], "cancel")

    assert cancelled["cancelled_at"] == cancelled["updated_at"] and cancelled["cancel_reason"]
    assert cancelled["financial_status"] == "refunded" and cancelled["closed_at"]
    assert cancelled["current_total_price"] == "0.00"
    assert all(ln["current_quantity"] == 0 for ln in cancelled["line_items"])
    [transaction] = cancelled["refunds"][-1]["transactions"]
    assert transaction["amount"] == order["current_total_price_set"]["presentment_money"]["amount"]


def test_cancelling_an_unpaid_order_voids_it_without_moving_money(generator):
    order = next(o for _, o in generator.state.orders() if o["financial_status"] == "pending" and not o["fulfillments"])

    cancelled = generator.change(order["id"], "cancel")

    assert cancelled["financial_status"] == "voided"
    assert cancelled["refunds"][-1]["transactions"] == []


def test_a_refund_reduces_current_quantity_and_current_totals_but_not_the_original_ones(generator):
    order = next(o for _, o in generator.state.orders() if "refund" in eligible_changes(o))

    refunded = generator.change(order["id"], "refund")

    [item] = refunded["refunds"][-1]["refund_line_items"]
    line = next(ln for ln in refunded["line_items"] if ln["id"] == item["line_item_id"])
    assert line["current_quantity"] == line["quantity"] - item["quantity"]
    assert isinstance(item["subtotal"], Decimal) and isinstance(item["total_tax"], Decimal)
    assert refunded["total_price"] == order["total_price"]
    assert Decimal(refunded["current_total_price"]) < Decimal(order["current_total_price"])
    assert refunded["financial_status"] in ("partially_refunded", "refunded")


def test_an_order_edit_removes_units_without_a_refund_transaction(generator):
    order = next(o for _, o in generator.state.orders() if "edit" in eligible_changes(o))

    edited = generator.change(order["id"], "edit")

    record = edited["refunds"][-1]
    assert record["transactions"] == []
    assert [i["restock_type"] for i in record["refund_line_items"]] == ["cancel"]
    assert Decimal(edited["total_outstanding"]) == Decimal(edited["current_total_price"])


def test_fulfilling_a_paid_order_ships_it_and_closes_it(generator):
    order = next(
        o
        for _, o in generator.state.orders()
        if o["financial_status"] == "paid" and o["fulfillment_status"] is None and "shipping_address" in o
    )

    shipped = generator.change(order["id"], "fulfill")

    assert shipped["fulfillment_status"] in ("fulfilled", "partial")
    assert shipped["fulfillments"][-1]["tracking_number"]
    if shipped["fulfillment_status"] == "fulfilled":
        assert shipped["closed_at"] == shipped["updated_at"]
        assert all(ln["fulfillable_quantity"] == 0 for ln in shipped["line_items"])


def test_a_change_the_order_does_not_allow_is_refused(generator):
    order = next(o for _, o in generator.state.orders() if o["cancelled_at"])

    with pytest.raises(ValueError, match="nothing left to fulfil"):
        generator.change(order["id"], "fulfill")


def test_a_buyer_gets_exactly_what_was_asked_and_the_units_leave_the_shops_levels():
    clock = FixedClock(START)
    state = ShopState(clock=clock.now, profile=BERLIN)
    generator = OrderGenerator(state, seed=3)
    variant = next(v for v in state.variants.values() if v.tracked)
    before = {
        lv.location_id: lv.available for lv in state.level_list() if lv.inventory_item_id == variant.inventory_item_id
    }
    first = next(iter(before))
    state.set_level(variant.inventory_item_id, first, 2)
    order = generator.buy({variant.sku: 3})
    assert [(ln["sku"], ln["quantity"]) for ln in order["line_items"]] == [(variant.sku, 3)]
    assert mismatches(order) == []
    after = {
        lv.location_id: lv.available for lv in state.level_list() if lv.inventory_item_id == variant.inventory_item_id
    }
    assert after[first] == 0
    assert sum(after.values()) == 2 + sum(v for loc, v in before.items() if loc != first) - 3
