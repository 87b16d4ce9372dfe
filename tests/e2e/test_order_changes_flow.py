"""End to end: an exchange whose new goods cost more is charged in Stripe, a claim's replacement and an edit
made after release reach the Brightpearl warehouse as requests of their own; every step through the command
line, over real HTTP on 127.0.0.1 against the simulators."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import Call
from tests.e2e.test_payment_flow import TOTAL, Systems, intent, make_hub, place, run_json, running

TEA_WITH_TAX = 1200 + 228
"""One Sencha 100 g at 12.00 with 19 % VAT."""
MUG_PAID = (2 * 2500 + 950) // 2
"""What one of the order's two mugs cost the customer, VAT included."""


@pytest.fixture
def systems() -> Iterator[Systems]:
    with running() as both:
        yield both


def shipped_whole(hub: Call, systems: Systems, folder: Path) -> str:
    pi = systems.authorize(TOTAL)
    place(hub, folder, pi)
    run_json(hub, "jobs", "run", "dispatch")
    [sales_order] = systems.warehouse.state.orders.values()
    systems.warehouse.generator.ship_now(sales_order.id)
    run_json(hub, "jobs", "run", "pull-shipments", "--channel", "bp")
    run_json(hub, "jobs", "run", "dispatch")
    assert intent(systems, pi)["amount_received"] == TOTAL
    return pi


def warehouse_orders(systems: Systems) -> dict[str, list[tuple[str, int]]]:
    """The warehouse's sales orders by our reference: (SKU, quantity) of each product row."""
    return {
        order.external_ref: [(row.sku, int(row.quantity)) for row in order.rows if row.product_id is not None]
        for order in systems.warehouse.state.orders.values()
        if order.external_ref.startswith("ful-")
    }


def test_an_exchange_for_dearer_goods_is_charged_and_its_new_line_ships(systems, tmp_path, monkeypatch, capsys):
    hub = make_hub(systems, tmp_path, monkeypatch, capsys, multicapture=False)
    pi = shipped_whole(hub, systems, tmp_path)
    made = run_json(
        hub,
        "exchanges", "create", "web:5012", "--return", "MUG-EMA-WHT=1", "--add", "TEA-SEN-100=3@12.00",
        "--tax-rate", "0.19", "--location", "berlin", "--reason", "wrong_item",
    )  # fmt: skip
    due = 3 * TEA_WITH_TAX - MUG_PAID
    assert (made["difference_due"], made["payment_reference"]) == (due, "chg-1-1")
    run_json(hub, "jobs", "run", "dispatch")

    money = run_json(hub, "payments", "show", "web:5012")
    [charge] = [op for op in money["operations"] if op["kind"] == "charge"]
    assert (charge["status"], charge["amount"]) == ("succeeded", due)
    new_payment = intent(systems, charge["result_reference"])
    assert (new_payment["amount_received"], new_payment["payment_method"]) == (due, "pm_card_visa")
    assert new_payment["customer"] == "cus_mia_keller", "a saved card is charged again through its customer"
    assert intent(systems, pi)["amount_received"] == TOTAL, "the first payment is left as it was"
    assert warehouse_orders(systems)["ful-1-berlin-bp-exch-1-1"] == [("TEA-SEN-100", 3)]

    received = run_json(hub, "returns", "receive", "ret-1-1", "--restock", "MUG-EMA-WHT=1")
    assert (received["refund_amount"], received["refund_reference"]) == (0, None)
    listed = run_json(hub, "exchanges", "list", "--order", "web:5012")
    assert [(c["reference"], c["status"]) for c in listed] == [("exch-1-1", "confirmed")]


def test_a_replacement_claim_reaches_the_warehouse_at_no_charge(systems, tmp_path, monkeypatch, capsys):
    hub = make_hub(systems, tmp_path, monkeypatch, capsys, multicapture=False)
    pi = shipped_whole(hub, systems, tmp_path)
    claim = run_json(
        hub, "claims", "create", "web:5012", "--type", "replace", "--line", "TEA-SEN-100=1", "--reason", "missing_item"
    )
    assert (claim["reference"], claim["difference"], claim["payment_reference"]) == ("claim-1-1", 0, None)
    run_json(hub, "jobs", "run", "dispatch")
    assert warehouse_orders(systems)["ful-1-berlin-bp-claim-1-1"] == [("TEA-SEN-100", 1)]
    replacement = next(o for o in systems.warehouse.state.orders.values() if o.external_ref.endswith("claim-1-1"))
    assert all(row.net == 0 for row in replacement.rows), "replacements cost nothing"
    assert intent(systems, pi)["amount_received"] == TOTAL
    assert run_json(hub, "payments", "show", "web:5012")["operations"][-1]["kind"] == "capture"


def test_an_edit_after_release_sends_the_added_line_and_the_money_adds_up(systems, tmp_path, monkeypatch, capsys):
    hub = make_hub(systems, tmp_path, monkeypatch, capsys, multicapture=False)
    pi = systems.authorize(TOTAL)
    place(hub, tmp_path, pi)
    run_json(hub, "jobs", "run", "dispatch")  # released to the warehouse, the authorization read
    asked = run_json(hub, "edits", "request", "web:5012", "--add", "TEA-SEN-100=1@12.00", "--tax-rate", "0.19")
    assert (asked["status"], asked["difference"]) == ("requested", TEA_WITH_TAX)
    assert list(warehouse_orders(systems)) == ["ful-1-berlin-bp"]
    done = run_json(hub, "edits", "confirm", asked["reference"])
    assert done["fulfillment"] == "1 request(s) sent for the added units"
    assert done["payment_reference"] == "chg-1-1", "the authorization holds the first total only"
    run_json(hub, "jobs", "run", "dispatch")
    assert warehouse_orders(systems)["ful-1-berlin-bp-edit-1-1"] == [("TEA-SEN-100", 1)]

    for sales_order in list(systems.warehouse.state.orders.values()):
        if sales_order.external_ref.startswith("ful-"):
            systems.warehouse.generator.ship_now(sales_order.id)
    run_json(hub, "jobs", "run", "pull-shipments", "--channel", "bp")
    run_json(hub, "jobs", "run", "dispatch")
    shown = run_json(hub, "orders", "show", "web:5012")
    assert (shown["total"], shown["fulfillment_status"]) == (TOTAL + TEA_WITH_TAX, "shipped")
    money = run_json(hub, "payments", "show", "web:5012")
    taken = sum(op["amount"] for op in money["operations"] if op["kind"] in ("capture", "charge"))
    assert taken == TOTAL + TEA_WITH_TAX and intent(systems, pi)["amount_received"] == TOTAL
