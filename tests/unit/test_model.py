"""CanonicalOrder validation: what a channel mapper may hand to intake, and what it may not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from core.model import Address, CanonicalOrder, Customer, OrderLine
from core.quarantine import Rejected
from core.validation import validate_one

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _payload(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A minimal valid order payload; each test overrides only the fields it is about."""
    return {
        "external_id": "1001",
        "currency": "EUR",
        "placed_at": "2026-11-20T09:00:00Z",
        "lines": list(lines) or [{"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1000}],
        **fields,
    }


def test_a_minimal_order_is_accepted_with_its_defaults():
    order = CanonicalOrder.model_validate(_payload())
    assert (order.status, order.payment_status, order.fulfillment_status) == ("pending", "not_paid", "not_fulfilled")
    assert order.placed_at == T0
    assert order.changed_at == T0
    assert order.lines[0].key == "1"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"placed_at": "2026-11-20T09:00:00"}, id="naive-placed-at-string"),
        pytest.param({"placed_at": datetime(2026, 11, 20, 9, 0)}, id="naive-placed-at-datetime"),
        pytest.param({"updated_at": "2026-11-20T10:00:00"}, id="naive-updated-at-string"),
        pytest.param({"updated_at": datetime(2026, 11, 20, 10, 0)}, id="naive-updated-at-datetime"),
    ],
)
def test_a_datetime_without_an_offset_is_refused(fields):
    with pytest.raises(ValidationError, match="timezone"):
        CanonicalOrder.model_validate(_payload(**fields))


@pytest.mark.parametrize(
    "moment",
    [
        "2026-11-20T09:00:00Z",
        "2026-11-20T09:00:00+00:00",
        "2026-11-20T10:00:00+01:00",
        "2026-11-20T04:00:00-05:00",
        "2026-11-19T23:30:00-09:30",
        "2026-11-20T14:30:00+05:30",
        datetime(2026, 11, 20, 18, 0, tzinfo=timezone(timedelta(hours=9))),
        datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    ],
)
def test_datetimes_with_an_offset_are_kept_in_utc(moment):
    order = CanonicalOrder.model_validate(_payload(placed_at=moment, updated_at=moment))
    for value in (order.placed_at, order.updated_at):
        assert value == T0
        assert value.utcoffset() == timedelta(0)
        assert value.tzinfo is UTC


def test_changed_at_is_updated_at_when_the_channel_gives_one():
    order = CanonicalOrder.model_validate(_payload(updated_at="2026-11-21T09:00:00Z"))
    assert order.changed_at == T0 + timedelta(days=1)


@pytest.mark.parametrize(
    ("line", "fields", "where"),
    [
        pytest.param({"unit_price": 19.99}, {}, "lines.0.unit_price", id="float-unit-price"),
        pytest.param({"unit_price": 1999.0}, {}, "lines.0.unit_price", id="whole-float-unit-price"),
        pytest.param({"unit_price": "1999"}, {}, "lines.0.unit_price", id="string-unit-price"),
        pytest.param({"unit_price": True}, {}, "lines.0.unit_price", id="bool-unit-price"),
        pytest.param({"unit_price": -1}, {}, "lines.0.unit_price", id="negative-unit-price"),
        pytest.param({"discount": 1.5}, {}, "lines.0.discount", id="float-line-discount"),
        pytest.param(
            {"tax_lines": [{"title": "VAT", "amount": 1.9}]}, {}, "lines.0.tax_lines.0.amount", id="float-tax-amount"
        ),
        pytest.param({"quantity": 1.0}, {}, "lines.0.quantity", id="float-quantity"),
        pytest.param({"quantity": 0}, {}, "lines.0.quantity", id="zero-quantity"),
        pytest.param({"fulfilled_quantity": 1.0}, {}, "lines.0.fulfilled_quantity", id="float-fulfilled-quantity"),
        pytest.param({}, {"shipping_total": 4.95}, "shipping_total", id="float-shipping-total"),
        pytest.param({}, {"shipping_tax": 0.95}, "shipping_tax", id="float-shipping-tax"),
        pytest.param({}, {"order_discount": 1.0}, "order_discount", id="float-order-discount"),
        pytest.param({}, {"shipping_total": -1}, "shipping_total", id="negative-shipping-total"),
        pytest.param({}, {"totals": {"total": 10.0}}, "totals.total", id="float-stated-total"),
        pytest.param({}, {"totals": {"subtotal": 1000}}, "totals.total", id="stated-totals-without-total"),
        pytest.param({}, {"upstream_version": 3.0}, "upstream_version", id="float-upstream-version"),
    ],
)
def test_money_and_counts_must_be_non_negative_integers(line, fields, where):
    payload = _payload({"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1000, **line}, **fields)
    with pytest.raises(ValidationError) as refused:
        CanonicalOrder.model_validate(payload)
    assert [".".join(map(str, e["loc"])) for e in refused.value.errors()] == [where]


@pytest.mark.parametrize(
    ("quantities", "open_quantity"),
    [
        ({}, 3),
        ({"fulfilled_quantity": 3}, 0),
        ({"canceled_quantity": 3}, 0),
        ({"fulfilled_quantity": 2, "canceled_quantity": 1}, 0),
        ({"fulfilled_quantity": 1, "canceled_quantity": 1}, 1),
        ({"fulfilled_quantity": 2, "shipped_quantity": 3, "returned_quantity": 3}, 1),
    ],
)
def test_line_quantities_that_fit_are_accepted_and_give_the_open_quantity(quantities, open_quantity):
    line = OrderLine(line_id="1", sku="A", quantity=3, unit_price=1000, **quantities)
    assert line.open_quantity == open_quantity


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"fulfilled_quantity": 4}, "exceed quantity"),
        ({"canceled_quantity": 4}, "exceed quantity"),
        ({"fulfilled_quantity": 2, "canceled_quantity": 2}, "exceed quantity"),
        ({"shipped_quantity": 4}, "must not exceed quantity"),
        ({"returned_quantity": 4}, "must not exceed quantity"),
        ({"discount": 3001}, "discount exceeds"),
    ],
)
def test_line_quantities_and_discount_must_fit_the_ordered_quantity(fields, message):
    with pytest.raises(ValidationError, match=message):
        OrderLine(line_id="1", sku="A", quantity=3, unit_price=1000, **fields)


def test_a_line_without_line_id_or_sku_is_refused():
    with pytest.raises(ValidationError, match="needs a line_id or a sku"):
        OrderLine(title="Gift wrap", quantity=1, unit_price=300)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"line_id": "gid://shopify/LineItem/1", "sku": "A"}, "gid://shopify/LineItem/1"),
        ({"sku": "A"}, "sku:A"),
        ({"line_id": "fee-1"}, "fee-1"),
    ],
)
def test_a_line_is_keyed_by_its_line_id_or_else_its_sku(fields, key):
    assert OrderLine(quantity=1, unit_price=100, **fields).key == key


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(
            [{"line_id": "1", "sku": "A"}, {"line_id": "1", "sku": "B"}],
            id="same-line-id",
        ),
        pytest.param([{"sku": "A"}, {"sku": "A"}], id="same-sku-without-line-id"),
        pytest.param([{"line_id": "sku:A"}, {"sku": "A"}], id="line-id-equal-to-a-sku-key"),
    ],
)
def test_two_lines_with_the_same_key_are_refused(lines):
    payload = _payload(*({"quantity": 1, "unit_price": 100, **ln} for ln in lines))
    with pytest.raises(ValidationError, match="share a line_id"):
        CanonicalOrder.model_validate(payload)


def test_two_lines_of_the_same_sku_with_their_own_line_ids_are_accepted():
    order = CanonicalOrder.model_validate(
        _payload(
            {"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 100},
            {"line_id": "2", "sku": "A", "quantity": 2, "unit_price": 90},
        )
    )
    assert [ln.key for ln in order.lines] == ["1", "2"]


def test_an_order_without_lines_is_refused():
    with pytest.raises(ValidationError, match="lines"):
        CanonicalOrder.model_validate({**_payload(), "lines": []})


@pytest.mark.parametrize(("currency", "stored"), [("EUR", "EUR"), ("eur", "EUR"), ("jpy", "JPY"), ("Kwd", "KWD")])
def test_the_currency_is_stored_upper_case(currency, stored):
    assert CanonicalOrder.model_validate(_payload(currency=currency)).currency == stored


@pytest.mark.parametrize("currency", ["EU", "EURO", "E1R", "", "12€"])
def test_a_currency_that_is_not_an_iso_code_is_refused(currency):
    with pytest.raises(ValidationError, match="currency"):
        CanonicalOrder.model_validate(_payload(currency=currency))


@pytest.mark.parametrize(("code", "stored"), [("DE", "DE"), ("de", "DE"), ("Jp", "JP"), (None, None)])
def test_a_two_letter_country_code_is_stored_upper_case(code, stored):
    assert Address(country_code=code).country_code == stored


@pytest.mark.parametrize(
    "code", ["D", "DEU", "D1", "", "  ", "ÄÖ"], ids=["one", "three", "digit", "empty", "blank", "umlauts"]
)
def test_a_country_code_that_is_not_two_letters_a_to_z_is_refused(code):
    with pytest.raises(ValidationError, match="two letters"):
        Address(country_code=code)


@pytest.mark.parametrize("email", ["ann@example.com", "a.b+tag@example.co.uk", None])
def test_an_email_with_an_at_sign_or_no_email_is_accepted(email):
    assert Customer(email=email).email == email


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("ann.example.com", "name@example.com"),
        ("", "name@example.com"),
        ("a" * 310 + "@example.com", "320"),
    ],
)
def test_an_email_without_an_at_sign_or_too_long_is_refused(email, message):
    with pytest.raises(ValidationError, match=message):
        Customer(email=email)


@pytest.mark.parametrize(
    ("first_name", "last_name", "name"),
    [("Ann", "Lee", "Ann Lee"), ("Ann", None, "Ann"), (None, "Lee", "Lee"), (None, None, None), ("", "", None)],
)
def test_a_customer_name_joins_the_parts_that_are_present(first_name, last_name, name):
    assert Customer(first_name=first_name, last_name=last_name).name == name


def test_an_unknown_field_is_refused_rather_than_dropped():
    with pytest.raises(ValidationError, match="extra"):
        CanonicalOrder.model_validate(_payload(shipping_price=500))


def test_an_order_cannot_be_changed_after_validation():
    order = CanonicalOrder.model_validate(_payload())
    with pytest.raises(ValidationError, match="frozen"):
        order.notes = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("ours", "stored_version", "stored_changed_at", "newer"),
    [
        pytest.param({"upstream_version": 5}, 4, T0, True, id="higher-version"),
        pytest.param({"upstream_version": 5}, 5, T0, False, id="same-version"),
        pytest.param({"upstream_version": 4}, 5, T0, False, id="lower-version"),
        pytest.param(
            {"upstream_version": 5, "updated_at": "2026-11-20T08:00:00Z"},
            4,
            T0,
            True,
            id="version-wins-over-older-time",
        ),
        pytest.param(
            {"upstream_version": 4, "updated_at": "2026-11-20T10:00:00Z"},
            5,
            T0,
            False,
            id="version-wins-over-newer-time",
        ),
        pytest.param({"updated_at": "2026-11-20T09:00:01Z"}, None, T0, True, id="later-time"),
        pytest.param({"updated_at": "2026-11-20T09:00:00Z"}, None, T0, False, id="same-time"),
        pytest.param({"updated_at": "2026-11-20T08:59:59Z"}, None, T0, False, id="earlier-time"),
        pytest.param({"updated_at": "2026-11-20T10:00:00+01:00"}, None, T0, False, id="same-instant-other-offset"),
        pytest.param(
            {"upstream_version": 9, "updated_at": "2026-11-20T10:00:00Z"}, None, T0, True, id="stored-no-version"
        ),
        pytest.param(
            {"upstream_version": 9, "updated_at": "2026-11-20T08:00:00Z"}, None, T0, False, id="stored-no-version-older"
        ),
        pytest.param({"updated_at": "2026-11-20T10:00:00Z"}, 3, T0, True, id="payload-no-version-later"),
        pytest.param({"updated_at": "2026-11-20T08:00:00Z"}, 3, T0, False, id="payload-no-version-older"),
        pytest.param({}, None, T0 - timedelta(seconds=1), True, id="no-updated-at-uses-placed-at"),
        pytest.param({}, None, T0, False, id="no-updated-at-same-as-stored"),
    ],
)
def test_is_newer_than_compares_versions_when_both_have_one_and_times_otherwise(
    ours, stored_version, stored_changed_at, newer
):
    order = CanonicalOrder.model_validate(_payload(**ours))
    assert order.is_newer_than(stored_version, stored_changed_at) is newer


def test_a_time_that_leaves_the_calendar_once_in_utc_is_a_rejection_naming_the_field():
    raw = {
        "external_id": "1",
        "currency": "EUR",
        "placed_at": "0001-01-01T00:00:00+01:00",
        "updated_at": "2026-01-01T00:00:00Z",
        "lines": [{"sku": "A", "title": "a", "quantity": 1, "unit_price": 100}],
    }
    rejected = validate_one(raw)
    assert isinstance(rejected, Rejected)
    assert "placed_at" in rejected.reason and "out of range" in rejected.reason
