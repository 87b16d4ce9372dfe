"""Medusa v2 order → canonical order, on realistic payloads from tests/fixtures/medusa."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.medusa.mapper import map_page
from connectors.medusa.pricing import round_together
from core.model import CanonicalOrder
from core.quarantine import Rejected
from core.validation import Accepted, validate_one

FIXTURES = Path(__file__).parents[1] / "fixtures" / "medusa"
VALID = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem != "broken_price")


def _raw(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"), parse_float=Decimal)
    return raw


def _map(raw: dict[str, Any]) -> CanonicalOrder:
    [order] = map_page([raw])
    assert isinstance(order, CanonicalOrder), order
    return order


def _order(name: str) -> CanonicalOrder:
    return _map(_raw(name))


@pytest.mark.parametrize("name", VALID)
def test_every_valid_fixture_maps_and_its_totals_reconcile(name: str) -> None:
    assert isinstance(validate_one(_order(name)), Accepted)


@pytest.mark.parametrize(
    ("name", "status", "payment", "fulfillment"),
    [
        ("paid_eur_tax_inclusive", "pending", "captured", "not_fulfilled"),
        ("guest_usd_tax_exclusive", "pending", "authorized", "not_fulfilled"),
        ("canceled_eur", "canceled", "canceled", "canceled"),
        ("jpy_partially_fulfilled", "pending", "captured", "partially_fulfilled"),
        ("digital_gbp_no_shipping_address", "completed", "captured", "fulfilled"),
    ],
)
def test_statuses_keep_medusas_vocabulary(name: str, status: str, payment: str, fulfillment: str) -> None:
    order = _order(name)
    assert (order.status, order.payment_status, order.fulfillment_status) == (status, payment, fulfillment)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("payment_status", "partially_authorized", "partially_authorized"),
        ("payment_status", "partially_captured", "partially_captured"),
        ("payment_status", "partially_refunded", "partially_refunded"),
        ("payment_status", "something_new", "requires_action"),
        ("fulfillment_status", "partially_delivered", "partially_delivered"),
        ("fulfillment_status", "delivered", "delivered"),
        ("fulfillment_status", None, "requires_action"),
        ("status", "archived", "archived"),
        ("status", "draft", "draft"),
        ("status", "on_hold", "requires_action"),
    ],
)
def test_status_values_map_one_to_one_and_unknown_ones_need_action(field: str, value: str, expected: str) -> None:
    raw = {**_raw("guest_usd_tax_exclusive"), field: value}
    assert getattr(_map(raw), field) == expected


@pytest.mark.parametrize(
    ("name", "currency", "included", "lines", "shipping", "totals"),
    [
        # 2 × 24.50 with 4.90 off (tax-inclusive promotion), 30.000000000000004 on the wire, DHL 4.90 gross
        ("paid_eur_tax_inclusive", "EUR", True, [(2450, 490, [704]), (3000, 0, [479])], (490, 78), (7900, 1261)),
        # 53.55 and 3 × 12.99 with 5.00 off, 8.875 % on top, untaxed shipping
        ("guest_usd_tax_exclusive", "USD", False, [(5355, 0, [475]), (1299, 500, [302])], (750, 0), (10279, 777)),
        ("jpy_partially_fulfilled", "JPY", True, [(1500, 300, [245])], (500, 46), (3200, 291)),
        ("digital_gbp_no_shipping_address", "GBP", False, [(999, 0, [200])], (0, 0), (1199, 200)),
    ],
)
def test_major_unit_amounts_become_minor_units_that_add_up(
    name: str,
    currency: str,
    included: bool,
    lines: list[tuple[int, int, list[int]]],
    shipping: tuple[int, int],
    totals: tuple[int, int],
) -> None:
    order = _order(name)
    assert (order.currency, order.taxes_included) == (currency, included)
    assert [(ln.unit_price, ln.discount, [t.amount for t in ln.tax_lines]) for ln in order.lines] == lines
    assert (order.shipping_total, order.shipping_tax) == shipping
    assert order.totals is not None and (order.totals.total, order.totals.tax_total) == totals


def test_float_looking_amounts_round_exactly_to_the_currency() -> None:
    raw = _raw("paid_eur_tax_inclusive")
    assert raw["items"][1]["unit_price"] == Decimal("30.000000000000004")
    assert raw["total"] == Decimal("79.00000000000001")
    order = _map(raw)
    assert order.lines[1].unit_price == 3000 and order.totals is not None and order.totals.total == 7900


def test_an_amount_decoded_as_a_float_is_refused() -> None:
    raw = _raw("guest_usd_tax_exclusive")
    raw["items"][0]["unit_price"] = 53.55
    [rejected] = map_page([raw])
    assert isinstance(rejected, Rejected) and "items[0].unit_price" in rejected.reason and "float" in rejected.reason


def test_tax_rates_are_fractions_and_keep_the_description() -> None:
    [line] = _order("jpy_partially_fulfilled").lines
    assert [(t.title, t.rate) for t in line.tax_lines] == [("Consumption tax", "0.1")]


def test_a_promotion_stated_without_tax_is_grossed_up_in_a_tax_inclusive_order() -> None:
    raw = _raw("paid_eur_tax_inclusive")
    raw["items"][0]["adjustments"][0].update(amount=Decimal("4.117647058823529"), is_tax_inclusive=False)
    assert _map(raw).lines[0].discount == 490


def test_items_that_mix_tax_inclusive_and_exclusive_prices_are_quarantined_naming_the_item() -> None:
    raw = _raw("paid_eur_tax_inclusive")
    raw["items"][1]["is_tax_inclusive"] = False
    [rejected] = map_page([raw])
    assert isinstance(rejected, Rejected) and rejected.reason.startswith("items[1].is_tax_inclusive")


def test_exclusive_shipping_in_a_tax_inclusive_order_is_stated_gross() -> None:
    raw = _raw("paid_eur_tax_inclusive")
    raw["shipping_methods"][0].update(amount=Decimal("4.117647058823529"), is_tax_inclusive=False)
    order = _map(raw)
    assert (order.shipping_total, order.shipping_tax) == (490, 78)
    assert isinstance(validate_one(order), Accepted)


def test_quantities_come_from_the_item_detail() -> None:
    [line] = _order("jpy_partially_fulfilled").lines
    assert (line.quantity, line.fulfilled_quantity, line.shipped_quantity, line.returned_quantity) == (2, 1, 1, 0)
    assert line.open_quantity == 1


def test_received_returns_count_as_returned_and_medusas_current_totals_are_not_stated() -> None:
    raw = _raw("jpy_partially_fulfilled")
    raw["items"][0]["detail"].update(return_received_quantity=1)
    raw["total"] = Decimal("1850")
    order = _map(raw)
    assert order.lines[0].returned_quantity == 1 and order.totals is None


def test_a_guest_keeps_the_order_email_without_a_name() -> None:
    order = _order("guest_usd_tax_exclusive")
    assert order.customer is not None
    assert (order.customer.email, order.customer.name) == ("sam.okafor@example.com", None)


def test_a_guest_order_without_a_customer_record_maps_from_the_email() -> None:
    raw = {**_raw("guest_usd_tax_exclusive"), "customer": None, "customer_id": None}
    assert _map(raw).customer is not None


def test_addresses_and_currency_are_upper_cased_and_a_missing_shipping_address_stays_empty() -> None:
    order = _order("digital_gbp_no_shipping_address")
    assert order.currency == "GBP" and order.shipping_address is None
    assert order.billing_address is not None and order.billing_address.country_code == "GB"


def test_identity_version_and_times_come_from_the_order() -> None:
    order = _order("canceled_eur")
    assert (order.external_id, order.display_number, order.upstream_version) == (
        "order_01JDC5T1V3N6P8R0S2U4W6Y8AB",
        "1044",
        2 * 16 + 10,  # version 2, payment canceled
    )
    assert order.lines[0].line_id == "ordli_01JDC5T1V3X5Z7B9D1F3H5K7M1" and order.lines[0].sku == "MUG-ENA-WHT"
    assert order.changed_at.isoformat() == "2026-11-20T09:40:02.554000+00:00"


def test_a_broken_order_is_rejected_with_its_id_and_the_field_while_the_page_goes_on() -> None:
    page = map_page([_raw("broken_price"), _raw("canceled_eur")])
    assert isinstance(page[0], Rejected) and isinstance(page[1], CanonicalOrder)
    assert page[0].external_id == "order_01JDF7H9K1W4Y6A8C0E2G4J6KL"
    assert page[0].reason.startswith("items[0].unit_price")


def test_an_unknown_currency_is_rejected_naming_currency_code() -> None:
    [rejected] = map_page([{**_raw("canceled_eur"), "currency_code": "euro"}])
    assert isinstance(rejected, Rejected) and rejected.reason.startswith("currency_code")


@pytest.mark.parametrize(
    ("amounts", "currency", "expected"),
    [
        (["7.0411764705", "4.7899159663", "0.7823529411"], "EUR", [704, 479, 78]),
        (["1.715", "1.715"], "EUR", [172, 171]),  # a tie goes to the earlier amount
        (["1.714", "1.716"], "EUR", [171, 172]),
        (["245.4545", "45.4546"], "JPY", [245, 46]),
        (["0.0004", "0.0004"], "KWD", [1, 0]),
        ([], "EUR", []),
    ],
)
def test_derived_amounts_round_together_to_the_rounded_sum(
    amounts: list[str], currency: str, expected: list[int]
) -> None:
    parts = round_together([Decimal(a) for a in amounts], currency)
    assert parts == expected


def test_a_capture_that_leaves_medusas_version_alone_still_makes_a_newer_upstream_version() -> None:
    raw = _raw("guest_usd_tax_exclusive")
    authorized = _map({**raw, "payment_status": "authorized"})
    captured = _map({**raw, "payment_status": "captured"})
    assert authorized.upstream_version is not None and captured.upstream_version is not None
    assert captured.is_newer_than(authorized.upstream_version, authorized.changed_at)
    assert not authorized.is_newer_than(captured.upstream_version, captured.changed_at)
    edited = _map({**raw, "version": raw["version"] + 1, "payment_status": "authorized"})
    assert edited.is_newer_than(captured.upstream_version, captured.changed_at)


def test_taxes_rounded_per_line_by_medusa_are_split_to_the_stated_tax_total() -> None:
    # 21.00 and 4.90 gross at 19 %: exact taxes 3.3529… and 0.7823… sum to 4.1353 (4.14), while a backend
    # that rounds each line first states 3.35 + 0.78 = 4.13; either way the order must reconcile
    assert round_together([Decimal("3.352941"), Decimal("0.782352")], "EUR") == [336, 78]
    assert round_together([Decimal("3.352941"), Decimal("0.782352")], "EUR", stated=413) == [335, 78]
    assert round_together([Decimal("3.352941"), Decimal("0.782352")], "EUR", stated=420) == [336, 78]


def test_discounts_a_backend_rounded_per_line_are_split_to_its_stated_total() -> None:
    # two 30.00 EUR gross items with a 0.55 EUR net promotion each: 0.6545 EUR gross off each, 1.309 in all;
    # a backend rounding each line states 29.35 + 29.35 = 58.70, not 60 - 1.31 = 58.69
    raw = _raw("paid_eur_tax_inclusive")
    item = raw["items"][0]
    promotion = {**item["adjustments"][0], "amount": Decimal("0.55"), "is_tax_inclusive": False}
    raw["items"] = [
        {**item, "id": f"ordli_{n}", "unit_price": Decimal(30), "quantity": 1, "adjustments": [promotion]}
        for n in (1, 2)
    ]
    raw["shipping_methods"] = []
    raw["tax_total"] = None
    raw["total"] = Decimal("58.70")
    order = _map(raw)
    assert [line.discount for line in order.lines] == [65, 65]
    raw["total"] = Decimal("58.60")  # ten cents off: no rounding explains it, so it stays for intake to refuse
    assert sum(line.discount for line in _map(raw).lines) == 131
