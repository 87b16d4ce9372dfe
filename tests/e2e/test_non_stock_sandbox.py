"""End to end: a channel configured with non_stock_skus sells a mug with gift wrap. The gift wrap is never
reserved (the hub has none), reaches the Brightpearl simulator as a row without a product that keeps the sales
order's total equal to the channel's, the warehouse ships the mugs, the order is shipped, and Stripe captures
the whole order with that parcel; over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from core.money import to_major
from tests.e2e.test_payment_flow import Systems, make_hub, run_json, running

ORDER = {
    "external_id": "5013",
    "status": "pending",
    "payment_status": "authorized",
    "currency": "EUR",
    "placed_at": "2026-11-20T09:14:03+01:00",
    "customer": {"email": "mia.keller@example.com", "first_name": "Mia", "last_name": "Keller"},
    "shipping_address": {"first_name": "Mia", "last_name": "Keller", "address_1": "Torstraße 12",
                         "city": "Berlin", "postal_code": "10119", "country_code": "DE"},
    "lines": [
        {"line_id": "l1", "sku": "MUG-EMA-WHT", "title": "Enamel mug white", "quantity": 2, "unit_price": 2500,
         "tax_lines": [{"title": "VAT 19%", "rate": "0.19", "amount": 950}]},
        {"line_id": "l2", "sku": "GIFT-WRAP", "title": "Gift wrap", "quantity": 1, "unit_price": 350,
         "tax_lines": [{"title": "VAT 19%", "rate": "0.19", "amount": 67}]},
    ],
    "shipping_total": 495,
    "shipping_tax": 94,
}  # fmt: skip
TOTAL = 5000 + 950 + 350 + 67 + 495 + 94


@pytest.fixture
def systems() -> Iterator[Systems]:
    with running() as both:
        yield both


def test_a_gift_wrapped_order_ships_and_is_captured_whole_with_its_only_parcel(
    systems: Systems, tmp_path, monkeypatch, capsys
):
    hub = make_hub(systems, tmp_path, monkeypatch, capsys, multicapture=True, web='non_stock_skus = ["GIFT-*"]')
    pi = systems.authorize(TOTAL)
    (tmp_path / "order.json").write_text(json.dumps({**ORDER, "payment_reference": pi}), encoding="utf-8")
    code, _out, err = hub("orders", "import", str(tmp_path / "order.json"), "--channel", "web")
    assert code == 0, err
    order = run_json(hub, "orders", "show", "web:5013")
    assert (order["status"], order["hold_reason"]) == ("pending", None)  # no gift wrap in stock, none needed

    run_json(hub, "jobs", "run", "dispatch")
    [sales_order] = systems.warehouse.state.orders.values()
    rows = [(row.product_id is not None, row.name, row.net, row.tax) for row in sales_order.rows]
    assert rows == [
        (True, "Enamel mug white", Decimal("50.0000"), Decimal("9.5000")),
        (False, "Gift wrap", Decimal("3.5000"), Decimal("0.6700")),
        (False, "Shipping", Decimal("4.9500"), Decimal("0.9400")),
    ]
    assert sum(row.net + row.tax for row in sales_order.rows) == to_major(TOTAL, "EUR")

    notes = systems.warehouse.generator.ship_now(sales_order.id)
    assert len(notes) == 1  # the mugs; nothing ships the gift wrap
    assert run_json(hub, "jobs", "run", "pull-shipments", "--channel", "bp")["created"] == 1
    run_json(hub, "jobs", "run", "dispatch")
    assert run_json(hub, "orders", "show", "web:5013")["fulfillment_status"] == "shipped"
    shown = run_json(hub, "payments", "show", "web:5013")
    assert (shown["payment_status"], shown["captured_total"]) == ("captured", TOTAL)
