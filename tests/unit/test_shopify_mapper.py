"""Shopify order → canonical order, on realistic payloads from tests/fixtures/shopify."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.shopify.mapper import map_order, map_page
from connectors.shopify.schema import parse_order
from core.model import CanonicalOrder, FulfillmentStatus, PaymentStatus
from core.quarantine import Rejected
from core.raw_json import RawJson
from core.validation import Accepted, validate_one

FIXTURES = Path(__file__).parents[1] / "fixtures" / "shopify"
VALID = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem != "broken_price")


def _raw(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return raw


def _text(raw: dict[str, Any]) -> bytes:
    """The order as Shopify sends it: JSON text (floats written as their shortest repr, as json.dumps does)."""
    return json.dumps(raw, ensure_ascii=False).encode()


def _map(raw: dict[str, Any]) -> CanonicalOrder:
    return map_order(_text(raw))


def _order(name: str) -> CanonicalOrder:
    return _map(_raw(name))


def _changed(name: str, change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    raw = _raw(name)
    change(raw)
    return raw


def _top(**fields: Any) -> Callable[[dict[str, Any]], object]:
    return lambda o: o.update(fields)


def _line(index: int, **fields: Any) -> Callable[[dict[str, Any]], object]:
    return lambda o: o["line_items"][index].update(fields)


def _refund_line(**fields: Any) -> Callable[[dict[str, Any]], object]:
    return lambda o: o["refunds"][0]["refund_line_items"][0].update(fields)


CAD, REFUNDED = "paid_multi_line_cad", "partially_refunded"


@pytest.mark.parametrize(
    ("name", "status", "payment", "fulfillment"),
    [
        ("paid_multi_line_cad", "pending", "captured", "not_fulfilled"),
        ("tax_included_eur", "completed", "captured", "fulfilled"),
        ("pos_guest", "completed", "captured", "fulfilled"),
        ("gift_card_digital", "pending", "captured", "fulfilled"),
        ("presentment_jpy_shop_usd", "pending", "authorized", "not_fulfilled"),
        ("cancelled_voided", "canceled", "canceled", "not_fulfilled"),
        ("partially_refunded", "pending", "partially_refunded", "not_fulfilled"),
        ("edited", "pending", "partially_captured", "not_fulfilled"),
        ("partially_fulfilled", "pending", "captured", "partially_fulfilled"),
    ],
)
def test_statuses_follow_the_shopify_flags(name: str, status: str, payment: str, fulfillment: str) -> None:
    order = _order(name)
    assert (order.status, order.payment_status, order.fulfillment_status) == (status, payment, fulfillment)


@pytest.mark.parametrize(
    ("financial_status", "expected"),
    [
        ("pending", PaymentStatus.awaiting),
        ("partially_paid", PaymentStatus.partially_captured),
        ("refunded", PaymentStatus.refunded),
        ("voided", PaymentStatus.canceled),
        ("expired", PaymentStatus.canceled),
        ("something_new", PaymentStatus.requires_action),
        (None, PaymentStatus.requires_action),
    ],
)
def test_payment_status_follows_financial_status(financial_status: str | None, expected: PaymentStatus) -> None:
    raw = _changed(CAD, _top(financial_status=financial_status))
    assert _map(raw).payment_status == expected


@pytest.mark.parametrize(
    ("fulfillment_status", "expected"),
    [("restocked", FulfillmentStatus.canceled), ("on_hold", FulfillmentStatus.requires_action)],
)
def test_restocked_and_unknown_fulfillment_statuses(fulfillment_status: str, expected: FulfillmentStatus) -> None:
    raw = _changed(CAD, _top(fulfillment_status=fulfillment_status))
    assert _map(raw).fulfillment_status == expected


@pytest.mark.parametrize(
    ("name", "currency", "unit_prices", "totals"),
    [
        ("paid_multi_line_cad", "CAD", [3400, 2250, 4100], (13150, 1973, 1295, 1869, 14341)),
        ("tax_included_eur", "EUR", [1290, 1850], (4430, 0, 245, 746, 4675)),
        ("presentment_jpy_shop_usd", "USD", [14800, 2400], (19600, 0, 3500, 0, 23100)),
        ("pos_guest", "USD", [1400, 3200], (4600, 0, 0, 288, 4888)),
    ],
)
def test_amounts_are_shop_money_in_minor_units(
    name: str, currency: str, unit_prices: list[int], totals: tuple[int, ...]
) -> None:
    order = _order(name)
    assert order.currency == currency
    assert [line.unit_price for line in order.lines] == unit_prices
    assert order.totals is not None
    assert tuple(order.totals.model_dump().values()) == totals  # subtotal, discount, shipping, tax, total


def test_the_presentment_currency_stays_in_raw_only() -> None:
    raw = _raw("presentment_jpy_shop_usd")
    order = _map(raw)
    assert raw["presentment_currency"] == "JPY"
    assert raw["line_items"][0]["price_set"]["presentment_money"]["amount"] == "22378"
    assert (order.currency, order.lines[0].unit_price, order.shipping_total) == ("USD", 14800, 3500)
    assert isinstance(order.raw, RawJson) and order.raw.value() == raw


def test_plain_fields_are_read_when_the_set_twins_are_absent() -> None:
    def without_sets(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: without_sets(v) for k, v in node.items() if not k.endswith("_set")}
        return [without_sets(v) for v in node] if isinstance(node, list) else node

    for name in VALID:
        plain, full = _map(without_sets(_raw(name))).model_dump(), _order(name).model_dump()
        # total_shipping_price_set has no plain twin: without it Shopify states no shipping total
        assert plain["totals"].pop("shipping_total") is None
        full["totals"].pop("shipping_total")
        assert {**plain, "raw": None} == {**full, "raw": None}, name


def test_a_line_discount_is_the_sum_of_its_allocations_not_the_legacy_total_discount() -> None:
    raw = _changed(CAD, _line(0, total_discount="99.00"))
    assert [line.discount for line in _map(raw).lines] == [1020, 338, 615]


def test_line_taxes_keep_title_rate_and_amount() -> None:
    taxes = _order("paid_multi_line_cad").lines[0].tax_lines
    assert [(t.title, t.rate, t.amount) for t in taxes] == [("GST", "0.05", 289), ("QST", "0.09975", 577)]


@pytest.mark.parametrize(
    ("name", "shipping_total", "shipping_tax", "taxes_included"),
    [
        ("paid_multi_line_cad", 1295, 194, False),
        ("tax_included_eur", 245, 39, True),  # 4.90 with 50 % off; VAT inside the price
        ("pos_guest", 0, 0, False),
        ("gift_card_digital", 0, 0, True),
    ],
)
def test_shipping_is_net_of_its_discount_and_carries_its_own_tax(
    name: str, shipping_total: int, shipping_tax: int, taxes_included: bool
) -> None:
    order = _order(name)
    assert (order.shipping_total, order.shipping_tax, order.taxes_included) == (
        shipping_total,
        shipping_tax,
        taxes_included,
    )
    assert order.order_discount == 0


def test_the_shipping_discount_in_total_discounts_is_not_counted_as_a_line_discount() -> None:
    raw = _raw("tax_included_eur")
    order = _map(raw)
    assert raw["total_discounts"] == "2.45"
    assert order.totals is not None and order.totals.discount_total == 0
    assert [line.discount for line in order.lines] == [0, 0]


@pytest.mark.parametrize(
    ("name", "quantities"),
    [
        ("partially_refunded", [(2, 1, 0), (1, 0, 0)]),
        ("edited", [(2, 1, 0), (2, 0, 0)]),
        ("partially_fulfilled", [(1, 0, 1), (2, 0, 0)]),
        ("cancelled_voided", [(4, 4, 0), (1, 1, 0)]),
        ("tax_included_eur", [(2, 0, 2), (1, 0, 1)]),
    ],
)
def test_quantities_are_original_with_removed_and_fulfilled_units(name: str, quantities: list[tuple[int, ...]]) -> None:
    lines = _order(name).lines
    assert [(ln.quantity, ln.canceled_quantity, ln.fulfilled_quantity) for ln in lines] == quantities


def test_more_fulfillable_than_current_units_counts_nothing_fulfilled() -> None:
    raw = _changed(REFUNDED, _line(0, fulfillable_quantity=2))
    assert _map(raw).lines[0].fulfilled_quantity == 0


def test_a_guest_pos_order_has_no_customer_and_no_addresses() -> None:
    order = _order("pos_guest")
    assert (order.customer, order.shipping_address, order.billing_address) == (None, None, None)


def test_a_guest_who_gave_an_email_is_kept_as_a_customer_without_a_name() -> None:
    raw = _changed("pos_guest", _top(contact_email="walk-in@example.com"))
    customer = _map(raw).customer
    assert customer is not None and (customer.email, customer.name) == ("walk-in@example.com", None)


def test_a_digital_gift_card_order_has_no_shipping_address_and_holds_no_stock() -> None:
    order = _order("gift_card_digital")
    assert order.shipping_address is None
    assert order.billing_address is not None and order.billing_address.postal_code == "LS6 1AB"
    assert [(line.sku, line.title) for line in order.lines] == [(None, "Paper & Pine Gift Card - £50")]


def test_a_line_with_an_empty_sku_holds_no_stock() -> None:
    assert [line.sku for line in _order("sku_empty").lines] == ["CB-WAL-L", None]


def test_unicode_is_kept_as_sent() -> None:
    order = _order("unicode")
    assert order.customer is not None and order.customer.name == "Łucja Wiśniewska-Tanaka"
    assert order.notes is not None and "日本から" in order.notes and "🎁" in order.notes
    assert order.billing_address is not None
    assert (order.billing_address.province, order.billing_address.city, order.billing_address.address_1) == (
        "東京都",
        "渋谷区",
        "神宮前1-2-3",
    )
    assert order.shipping_address is not None and order.shipping_address.city == "Kraków"
    assert [line.title for line in order.lines] == ["Kubek ceramiczny „Łódź” - Niebieski", "Herbata 日本 Sencha 100 g"]


def test_identity_addresses_and_times_are_translated() -> None:
    order = _order("paid_multi_line_cad")
    assert (order.external_id, order.display_number) == ("5881234501234", "#1043")
    assert order.placed_at == datetime(2024, 11, 18, 19, 32, 7, tzinfo=UTC) and order.placed_at.tzinfo == UTC
    assert order.updated_at == datetime(2024, 11, 18, 19, 32, 11, tzinfo=UTC)
    assert order.customer is not None and order.customer.email == "emilie.gagnon@example.ca"
    assert order.shipping_address is not None
    address = order.shipping_address.model_dump()
    assert address["address_1"] == "4521 Rue Saint-Denis" and address["postal_code"] == "H2J 2L4"
    assert (address["country_code"], address["company"]) == ("CA", None)


@pytest.mark.parametrize("name", VALID)
def test_every_fixture_reconciles_in_the_hubs_own_validation(name: str) -> None:
    outcome = validate_one(_order(name))
    assert isinstance(outcome, Accepted), getattr(outcome, "reason", "")


def test_stated_totals_that_do_not_add_up_are_quarantined_by_the_hub() -> None:
    def overstate(o: dict[str, Any]) -> None:
        o["total_price"] = o["total_price_set"]["shop_money"]["amount"] = "143.42"

    outcome = validate_one(_map(_changed("paid_multi_line_cad", overstate)))
    assert isinstance(outcome, Rejected)
    assert "total: channel says 143.42 CAD, lines give 143.41 CAD" in outcome.reason


def test_a_price_that_is_not_a_number_is_rejected_with_the_field_named() -> None:
    raw = _raw("broken_price")
    [rejected] = map_page([_text(raw)])
    assert isinstance(rejected, Rejected)
    assert rejected.external_id == "5881234512345" and rejected.payload == RawJson(_text(raw).decode())
    assert "line_items[2].price_set.shop_money.amount: 'abc' is not a decimal amount" in rejected.reason


def test_map_page_goes_on_past_a_broken_order() -> None:
    page = map_page([_text(_raw(name)) for name in ("paid_multi_line_cad", "broken_price", "tax_included_eur")])
    assert [type(item) for item in page] == [CanonicalOrder, Rejected, CanonicalOrder]


def _overdiscount(o: dict[str, Any]) -> None:
    allocation = o["line_items"][1]["discount_allocations"][0]
    del allocation["amount_set"]
    allocation["amount"] = "30.00"


@pytest.mark.parametrize(
    ("name", "change", "reason"),
    [
        (CAD, _line(0, price=34.0), "line_items[0].price: 34.0 is a JSON number"),
        (CAD, _top(created_at="2024-11-18T14:32:07"), "created_at: Expected `datetime` with a timezone"),
        (CAD, _top(line_items=[]), "line_items: Expected `array` of length >= 1"),
        (CAD, _top(currency="C$"), "currency: currency 'C$' is not an ISO 4217 code"),
        (CAD, _top(total_tip_received="5.00"), "total_tip_received: 5.00 CAD has no place"),
        (CAD, _line(0, current_quantity=3), "line_items[0].current_quantity: 3 exceeds quantity 2"),
        (CAD, _overdiscount, "mapped order is invalid: lines.1: Value error, discount exceeds"),
        (REFUNDED, _line(0, current_quantity=2), "line_items[0].current_quantity: 0 units removed, but refunds"),
        (REFUNDED, _refund_line(line_item_id=1), "refunds[0].refund_line_items[0].line_item_id: 1 is not a line"),
        (REFUNDED, _refund_line(subtotal=0.1 + 0.2), "subtotal: 0.30000000000000004 is not an exact"),
        (REFUNDED, _refund_line(subtotal=1e26), "subtotal: 1e+26 is not an exact amount"),
        (REFUNDED, _refund_line(subtotal=-45.0), "subtotal: -45.0 is not a non-negative amount"),
        (REFUNDED, _refund_line(subtotal="4_5"), "subtotal: '4_5' is not a decimal amount"),
        (REFUNDED, _refund_line(total_tax="1e26"), "total_tax: '1e26' is not a decimal amount"),
        (REFUNDED, _refund_line(total_tax=13.27), "line_items[0]: refunds return 58.27 USD with tax"),
    ],
)
def test_a_payload_that_does_not_fit_is_rejected_with_the_field_named(
    name: str, change: Callable[[dict[str, Any]], object], reason: str
) -> None:
    raw = _changed(name, change)
    [rejected] = map_page([_text(raw)])
    assert isinstance(rejected, Rejected)
    assert rejected.external_id == str(raw["id"])
    assert reason in rejected.reason


def test_refund_amounts_sent_as_json_numbers_are_read_exactly() -> None:
    part = parse_order(_text(_raw(REFUNDED))).refunds[0].refund_line_items[0]
    assert (part.subtotal, part.total_tax) == (Decimal("45.0"), Decimal("3.27"))
    padded = _text(_raw(REFUNDED)).replace(b'"subtotal": 45.0', b'"subtotal": 45.000000000000000000', 1)
    assert parse_order(padded).refunds[0].refund_line_items[0].subtotal == Decimal("45")
    as_text = _map(_changed(REFUNDED, _refund_line(subtotal="45.00")))
    assert as_text.model_dump(exclude={"raw"}) == _order(REFUNDED).model_dump(exclude={"raw"})


def test_the_payload_is_kept_as_the_text_shopify_sent() -> None:
    text = (FIXTURES / f"{REFUNDED}.json").read_bytes()
    order = map_order(text)
    assert isinstance(order.raw, RawJson) and order.raw.text == text.decode()


def test_an_order_that_is_not_utf8_text_is_rejected_and_kept_and_the_page_goes_on() -> None:
    good = _text(_raw(CAD))
    bad = good.replace(b'"note": ', b'"note": "Caf\xe9 ", "x": ', 1)
    page = map_page([bad, good])
    assert [type(item) for item in page] == [Rejected, CanonicalOrder]
    rejected = page[0]
    assert isinstance(rejected, Rejected) and rejected.external_id == str(_raw(CAD)["id"])
    assert "order: not UTF-8 text (invalid continuation byte" in rejected.reason
    assert isinstance(rejected.payload, str) and "Caf\ufffd " in rejected.payload


def test_an_order_whose_stamps_have_the_wrong_type_is_still_quarantined_under_its_id() -> None:
    raw = _changed("broken_price", _top(updated_at=True))
    [rejected] = map_page([_text(raw)])
    assert isinstance(rejected, Rejected) and rejected.external_id == "5881234512345"


def test_a_missing_field_is_named() -> None:
    raw = _raw(CAD)
    del raw["line_items"][1]["title"]
    [rejected] = map_page([_text(raw)])
    assert isinstance(rejected, Rejected) and rejected.reason == "line_items[1].title: missing"
