"""WooCommerce order → canonical order, on realistic payloads from tests/fixtures/woocommerce."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.woocommerce.client import WooCommerceOptions
from connectors.woocommerce.mapper import map_one, map_page
from core.model import CanonicalOrder, FulfillmentStatus, OrderStatus, PaymentStatus
from core.quarantine import Rejected
from core.validation import Accepted, validate_one

FIXTURES = Path(__file__).parents[1] / "fixtures" / "woocommerce"
VALID = sorted(p.stem for p in FIXTURES.glob("*.json") if not p.stem.startswith(("refunds_", "broken")))
EUR, FEES, JPY = "processing_two_rates_coupon_eur", "fees_negative_fee_eur", "pending_jpy"
RETURNED, PART_REFUNDED = "refunded_after_completion_usd", "partially_refunded_processing_eur"


def _raw(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _refunds_of(raw: dict[str, Any]) -> list[dict[str, Any]] | None:
    path = FIXTURES / f"refunds_{raw['id']}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _outcome(
    raw: dict[str, Any], refunds: list[dict[str, Any]] | None = None, **aliases: str
) -> CanonicalOrder | Rejected:
    return map_one(raw, refunds if refunds is not None else _refunds_of(raw), aliases=aliases)


def _map(raw: dict[str, Any], refunds: list[dict[str, Any]] | None = None) -> CanonicalOrder:
    outcome = _outcome(raw, refunds)
    assert isinstance(outcome, CanonicalOrder), getattr(outcome, "reason", "")
    return outcome


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


def _rejection(raw: dict[str, Any], refunds: list[dict[str, Any]] | None = None, **aliases: str) -> str:
    outcome = _outcome(raw, refunds, **aliases)
    assert isinstance(outcome, Rejected)
    assert outcome.external_id == str(raw["id"]) and outcome.payload is raw
    return outcome.reason


@pytest.mark.parametrize(
    ("name", "status", "payment", "fulfillment"),
    [
        ("guest_on_hold_bacs_gbp", "pending", "awaiting", "not_fulfilled"),
        ("pending_jpy", "pending", "awaiting", "not_fulfilled"),
        ("processing_two_rates_coupon_eur", "pending", "captured", "not_fulfilled"),
        ("fees_negative_fee_eur", "pending", "captured", "not_fulfilled"),
        ("digital_completed_usd", "completed", "captured", "shipped"),
        ("cancelled_gbp", "canceled", "canceled", "not_fulfilled"),
        ("failed_usd", "canceled", "canceled", "not_fulfilled"),
        ("partially_refunded_processing_eur", "pending", "partially_refunded", "not_fulfilled"),
        ("refunded_after_completion_usd", "completed", "refunded", "returned"),
    ],
)
def test_statuses_follow_the_woocommerce_status(name: str, status: str, payment: str, fulfillment: str) -> None:
    order = _order(name)
    assert (order.status, order.payment_status, order.fulfillment_status) == (status, payment, fulfillment)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", ("pending", "awaiting", "not_fulfilled")),
        ("on-hold", ("pending", "awaiting", "not_fulfilled")),
        ("processing", ("pending", "captured", "not_fulfilled")),
        ("completed", ("completed", "captured", "shipped")),
        ("cancelled", ("canceled", "canceled", "not_fulfilled")),
        ("failed", ("canceled", "canceled", "not_fulfilled")),
        ("refunded", ("canceled", "refunded", "not_fulfilled")),
        ("checkout-draft", ("draft", "not_paid", "not_fulfilled")),
    ],
)
def test_each_core_status_maps_to_status_payment_and_fulfillment(status: str, expected: tuple[str, ...]) -> None:
    order = _map(_changed(EUR, _top(status=status)))
    assert (order.status, order.payment_status, order.fulfillment_status) == expected


def test_a_completed_order_has_every_line_fulfilled_and_shipped() -> None:
    lines = _order("digital_completed_usd").lines
    assert [(ln.fulfilled_quantity, ln.shipped_quantity, ln.open_quantity) for ln in lines] == [(1, 1, 0), (1, 1, 0)]


@pytest.mark.parametrize("name", ["cancelled_gbp", "failed_usd"])
def test_a_cancelled_or_failed_order_cancels_every_unit_so_it_holds_no_stock(name: str) -> None:
    assert all(line.canceled_quantity == line.quantity for line in _order(name).lines)


def test_refunded_before_it_was_ever_completed_is_a_canceled_order_with_payment_refunded() -> None:
    raw = _changed(PART_REFUNDED, _top(status="refunded"))
    order = _map(raw)
    assert (order.status, order.payment_status) == (OrderStatus.canceled, PaymentStatus.refunded)
    assert [line.canceled_quantity for line in order.lines] == [2, 1]


def test_an_unknown_plugin_status_is_rejected_naming_the_status_and_the_fix() -> None:
    reason = _rejection(_changed(EUR, _top(status="shipped")))
    assert "status: 'shipped' is not a WooCommerce core status" in reason
    assert 'status_aliases = { "shipped" = "processing" }' in reason


def test_a_plugin_status_named_in_status_aliases_maps_like_its_core_status() -> None:
    outcome = _outcome(_changed(EUR, _top(status="shipped")), shipped="completed")
    assert isinstance(outcome, CanonicalOrder)
    assert (outcome.status, outcome.fulfillment_status) == (OrderStatus.completed, FulfillmentStatus.shipped)


def test_status_aliases_must_name_a_core_status() -> None:
    with pytest.raises(ValueError, match="shipped = 'sent'"):
        WooCommerceOptions(status_aliases={"shipped": "sent"})


def test_lines_keep_id_sku_unescaped_name_and_ex_tax_prices_before_and_after_coupons() -> None:
    order = _order(EUR)
    assert [(ln.line_id, ln.sku, ln.title) for ln in order.lines] == [
        ("4712", "HOOD-BLU-L", "Kapuzenpullover – Blau, L"),
        ("4713", "KK-PROBE", "Kaffee & Kakao Probierset"),
    ]
    assert [(ln.quantity, ln.unit_price, ln.discount) for ln in order.lines] == [(2, 3990, 798), (1, 1250, 125)]
    assert order.taxes_included is False and order.order_discount == 0


def test_several_tax_rates_keep_label_rate_and_amount_per_line() -> None:
    order = _order(EUR)
    taxes = [[(t.title, t.rate, t.amount) for t in line.tax_lines] for line in order.lines]
    assert taxes == [[("MwSt.", "0.19", 1365)], [("MwSt. ermäßigt", "0.07", 79)]]
    assert (order.shipping_total, order.shipping_tax) == (490, 93)


def test_unformatted_tax_figures_rounded_at_the_subtotal_add_up_to_the_orders_tax() -> None:
    raw = _raw(EUR)
    assert raw["line_items"][0]["taxes"][0]["total"] == "13.6458"
    order = _map(raw)
    assert sum(t.amount for line in order.lines for t in line.tax_lines) + order.shipping_tax == 1537


def test_the_price_json_number_is_never_read() -> None:
    raw = _changed(EUR, _line(0, price=0.1 + 0.2))
    assert _map(raw).lines[0].unit_price == 3990


def test_a_subtotal_that_does_not_divide_by_the_quantity_keeps_the_line_exact() -> None:
    line = _order(FEES).lines[1]
    assert (line.quantity, line.unit_price, line.discount) == (3, 334, 102)  # 10.00 for 3, 9.00 after the coupon
    assert line.quantity * line.unit_price - line.discount == 900


def test_fees_become_lines_without_sku_and_a_negative_fee_is_an_order_discount() -> None:
    order = _order(FEES)
    fee = order.lines[2]
    assert (fee.line_id, fee.sku, fee.title, fee.unit_price) == ("fee:7007", None, "Cadeauverpakking", 250)
    assert order.order_discount == 500 and len(order.lines) == 3
    assert order.totals is not None and order.totals.discount_total == 602  # coupon 1.00 + fee 5.00 + 0.02 rounding


def test_a_negative_fees_tax_comes_off_the_taxed_lines_and_fees() -> None:
    order = _order(FEES)
    assert [sum(t.amount for t in line.tax_lines) for line in order.lines] == [758, 171, 48]
    assert sum(t.amount for line in order.lines for t in line.tax_lines) == 977  # 8.40 + 1.89 + 0.53 - 1.05


def test_a_jpy_store_reads_whole_yen_amounts() -> None:
    order = _order(JPY)
    assert order.currency == "JPY"
    assert [(ln.unit_price, ln.tax_lines[0].amount) for ln in order.lines] == [(2480, 496)]
    assert order.totals is not None and order.totals.total == 6336 and order.shipping_total == 800


def test_a_guest_order_uses_the_billing_contact_as_customer() -> None:
    raw = _raw("guest_on_hold_bacs_gbp")
    assert raw["customer_id"] == 0
    order = _map(raw)
    assert order.customer is not None
    assert (order.customer.email, order.customer.name, order.customer.phone) == (
        "tom.baker@example.co.uk",
        "Tom Baker",
        "07700 900123",
    )


def test_an_order_without_any_billing_contact_has_no_customer() -> None:
    empty = {"first_name": "", "last_name": "", "email": "", "phone": ""}
    raw = _changed("guest_on_hold_bacs_gbp", lambda o: o["billing"].update(empty))
    assert _map(raw).customer is None


def test_a_digital_order_with_empty_shipping_fields_has_no_shipping_address() -> None:
    order = _order("digital_completed_usd")
    assert order.shipping_address is None and order.shipping_total == 0
    assert order.billing_address is not None and order.billing_address.postal_code == "94704"


def test_a_line_with_an_empty_sku_holds_no_stock() -> None:
    assert [line.sku for line in _order("digital_completed_usd").lines] == ["EBOOK-PG-01", None]


def test_identity_times_addresses_and_note_are_translated() -> None:
    order = _order(EUR)
    assert (order.external_id, order.display_number) == ("4711", "4711")
    assert order.placed_at == datetime(2024, 6, 14, 10, 18, 5, tzinfo=UTC)
    assert order.updated_at == datetime(2024, 6, 14, 10, 22, 31, tzinfo=UTC)
    assert order.shipping_address is not None
    address = order.shipping_address.model_dump()
    assert (address["address_1"], address["address_2"], address["province"]) == (
        "Bergmannstraße 12",
        "Hinterhaus, 3. OG",
        "BE",
    )
    assert (address["postal_code"], address["country_code"], address["phone"]) == ("10961", "DE", None)
    assert order.notes == "Bitte beim Nachbarn abgeben, falls nicht zu Hause."


def test_coupon_codes_stay_in_raw_only() -> None:
    order = _order(EUR)
    assert isinstance(order.raw, dict) and order.raw["coupon_lines"][0]["code"] == "willkommen10"
    assert "willkommen10" not in (order.notes or "")


def test_units_refunded_before_shipping_are_canceled() -> None:
    order = _order(PART_REFUNDED)
    assert [(ln.quantity, ln.canceled_quantity, ln.open_quantity) for ln in order.lines] == [(2, 1, 1), (1, 0, 1)]


def test_units_refunded_after_completion_are_returned() -> None:
    [line] = _order(RETURNED).lines
    assert (line.quantity, line.shipped_quantity, line.returned_quantity, line.canceled_quantity) == (2, 2, 2, 0)


def test_a_partial_return_after_completion_is_partially_returned_and_partially_refunded() -> None:
    raw = _changed(RETURNED, _top(status="completed", refunds=[{"id": 9061, "reason": "", "total": "-97.99"}]))
    refunds = _refunds_of(raw)
    assert refunds is not None
    refunds[0]["line_items"][0]["quantity"] = -1
    order = _map(raw, refunds)
    assert (order.payment_status, order.fulfillment_status) == ("partially_refunded", "partially_returned")
    assert order.lines[0].returned_quantity == 1


def test_a_refund_made_before_completion_cancels_units_of_a_later_completed_order() -> None:
    refunds = _refunds_of(_raw(RETURNED))
    assert refunds is not None
    refunds[0]["date_created_gmt"] = "2024-04-04T09:00:00"  # before date_completed_gmt
    refunds[0]["line_items"][0]["quantity"] = -1
    [line] = _map(_raw(RETURNED), refunds).lines
    assert (line.canceled_quantity, line.fulfilled_quantity, line.returned_quantity) == (1, 1, 0)


def test_a_full_refund_of_a_processing_order_is_payment_refunded() -> None:
    raw = _changed(PART_REFUNDED, _top(refunds=[{"id": 9110, "reason": "", "total": "-144.20"}]))
    assert _map(raw).payment_status == PaymentStatus.refunded


@pytest.mark.parametrize("name", VALID)
def test_every_fixture_reconciles_in_the_hubs_own_validation(name: str) -> None:
    outcome = validate_one(_order(name))
    assert isinstance(outcome, Accepted), getattr(outcome, "reason", "")


def test_a_total_that_disagrees_with_the_lines_is_quarantined_by_the_hub() -> None:
    outcome = validate_one(_map(_changed(EUR, _top(total="103.35"))))
    assert isinstance(outcome, Rejected)
    assert "total: channel says 103.35 EUR, lines give 103.34 EUR" in outcome.reason


def test_a_tax_total_that_disagrees_with_its_tax_lines_is_quarantined_by_the_hub() -> None:
    outcome = validate_one(_map(_changed(FEES, _top(total_tax="11.24"))))
    assert isinstance(outcome, Rejected) and "tax_total: channel says 11.24 EUR" in outcome.reason


def test_the_broken_fixture_is_rejected_with_the_field_named() -> None:
    assert "line_items[0].total: 36.0 is a JSON number where WooCommerce sends a string" in _rejection(
        _raw("broken_line_total")
    )


def test_map_page_goes_on_past_a_broken_order() -> None:
    raws = [_raw(EUR), _raw("broken_line_total"), _raw(PART_REFUNDED)]
    refunds = {"9100": _refunds_of(_raw(PART_REFUNDED)) or []}
    page = map_page(raws, refunds, aliases={})
    assert [type(item) for item in page] == [CanonicalOrder, Rejected, CanonicalOrder]


def _no_refund_link(o: dict[str, Any]) -> None:
    del o["line_items"][0]["meta_data"][0]


def _extra_rate(o: dict[str, Any]) -> None:
    o["tax_lines"].append({**o["tax_lines"][1], "id": 4718, "rate_id": 3, "tax_total": "5.00"})


@pytest.mark.parametrize(
    ("name", "change", "reason"),
    [
        (EUR, _line(0, subtotal="79,80"), "line_items[0].subtotal: '79,80' is not a decimal amount"),
        (EUR, _line(0, total="80.00"), "line_items[0].total: 80.00 is more than the subtotal 79.80"),
        (EUR, _line(0, quantity=0), "line_items[0].quantity: Input should be greater than or equal to 1"),
        (EUR, _top(date_created_gmt="14.06.2024"), "date_created_gmt: '14.06.2024' is not a date"),
        (EUR, _top(currency="€"), "currency: currency '€' is not an ISO 4217 code"),
        ("guest_on_hold_bacs_gbp", _top(line_items=[]), "lines: List should have at least 1 item"),
        (EUR, lambda o: o["line_items"][1]["taxes"][0].update(id=99), "line_items[1].taxes[0].id: tax rate 99 is not"),
        (EUR, _extra_rate, "tax_lines[2].tax_total: 5.00 EUR at rate 3, but no line is taxed there"),
        (EUR, lambda o: o["billing"].update(email="jana.koehler"), "customer.email: Value error, email must look"),
    ],
)
def test_a_payload_that_does_not_fit_is_rejected_with_the_field_named(
    name: str, change: Callable[[dict[str, Any]], object], reason: str
) -> None:
    raw = _changed(name, change)
    assert reason in _rejection(raw)


def test_refunds_listed_without_their_detail_are_rejected() -> None:
    assert "refunds: the order lists 1 refunds but their detail was not read" in _rejection(_raw(PART_REFUNDED), [])


def test_a_refund_line_that_names_no_line_of_the_order_is_rejected() -> None:
    refunds = _refunds_of(_raw(PART_REFUNDED)) or []
    _no_refund_link({"line_items": refunds[0]["line_items"]})
    reason = _rejection(_raw(PART_REFUNDED), refunds)
    assert "refunds[0].line_items[0].meta_data._refunded_item_id: None is not a line of this order" in reason


def test_refunds_taking_back_more_units_than_were_ordered_are_rejected() -> None:
    refunds = _refunds_of(_raw(PART_REFUNDED)) or []
    refunds[0]["line_items"][0]["quantity"] = -3
    assert "line_items[0].quantity: 2, but refunds take back 3 units" in _rejection(_raw(PART_REFUNDED), refunds)


def test_the_gateways_transaction_id_becomes_the_payment_reference() -> None:
    raw = _raw("processing_two_rates_coupon_eur")
    assert _map(raw).payment_reference == "pi_3PRbT2LkdIwHu7ix0cFq1a2b"
    assert _map({**raw, "transaction_id": ""}).payment_reference is None
