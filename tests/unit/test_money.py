"""Money as integer minor units: exponents, parsing, formatting and exact spreading."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.money import exponent, format_money, spread, to_major, to_minor

CURRENCIES = ["EUR", "USD", "JPY", "KRW", "KWD", "BHD", "CLF"]


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("JPY", 0),
        ("KRW", 0),
        ("EUR", 2),
        ("USD", 2),
        ("GBP", 2),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("CLF", 4),
        ("jpy", 0),
        ("eur", 2),
        ("kwd", 3),
        ("Bhd", 3),
    ],
)
def test_exponent_is_the_number_of_decimals_of_the_minor_unit(currency, expected):
    assert exponent(currency) == expected


@pytest.mark.parametrize("currency", ["", "EU", "EURO", "E1R", "123", "EU ", " EU", "E-R"])
def test_a_code_that_is_not_three_letters_is_refused_with_the_code_named(currency):
    with pytest.raises(ValueError, match=re.escape(repr(currency))):
        exponent(currency)


@pytest.mark.parametrize("currency", ["ÉUR", "ДОЛ"], ids=["latin-accent", "cyrillic"])
def test_a_code_with_letters_outside_a_to_z_is_refused(currency):
    with pytest.raises(ValueError, match=re.escape(repr(currency))):
        exponent(currency)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("19.99", "EUR", 1999),
        ("19.9", "EUR", 1990),
        ("19", "EUR", 1900),
        ("0", "EUR", 0),
        ("0.01", "EUR", 1),
        ("-19.99", "EUR", -1999),
        ("19.99", "eur", 1999),
        ("1500", "JPY", 1500),
        ("1.250", "KWD", 1250),
        ("1.25", "KWD", 1250),
        ("0.001", "BHD", 1),
        ("1E+2", "EUR", 10000),
        (19, "EUR", 1900),
        (0, "EUR", 0),
        (-3, "EUR", -300),
        (1500, "JPY", 1500),
        (2, "KWD", 2000),
        (Decimal("19.99"), "EUR", 1999),
        (Decimal("1500"), "JPY", 1500),
        (Decimal("1.250"), "KWD", 1250),
    ],
)
def test_a_major_amount_becomes_minor_units(amount, currency, expected):
    assert to_minor(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12.3450", "EUR", 1234),
        ("12.3350", "EUR", 1234),
        ("12.3451", "EUR", 1235),
        ("12.3449", "EUR", 1234),
        ("0.0050", "EUR", 0),
        ("0.0150", "EUR", 2),
        ("-12.3450", "EUR", -1234),
        ("-12.3350", "EUR", -1234),
        ("1500.5", "JPY", 1500),
        ("1501.5", "JPY", 1502),
        ("1.2345", "KWD", 1234),
        ("1.2355", "KWD", 1236),
        (Decimal("12.3450"), "EUR", 1234),
    ],
)
def test_extra_decimals_are_rounded_half_to_even(amount, currency, expected):
    assert to_minor(amount, currency) == expected


@pytest.mark.parametrize(("amount", "kind"), [(19.99, "float"), (0.0, "float"), (True, "bool"), (False, "bool")])
def test_floats_and_bools_are_refused_as_the_wrong_type(amount, kind):
    with pytest.raises(TypeError, match=kind):
        to_minor(amount, "EUR")


@pytest.mark.parametrize(
    "amount",
    [
        "",
        "abc",
        "19,99",
        "1.2.3",
        "€19.99",
        "19.99 EUR",
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
    ],
)
def test_garbage_and_non_finite_amounts_are_refused_with_the_amount_named(amount):
    with pytest.raises(ValueError, match=re.escape(repr(amount))):
        to_minor(amount, "EUR")


@pytest.mark.parametrize("amount", ["1e30", "123456789012345678901234567890"])
def test_an_amount_too_large_to_represent_is_refused_with_a_value_error(amount):
    with pytest.raises(ValueError):
        to_minor(amount, "EUR")


def test_an_unknown_currency_code_is_refused_when_parsing_an_amount():
    with pytest.raises(ValueError, match="'EURO'"):
        to_minor("19.99", "EURO")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1999, "EUR", Decimal("19.99")),
        (5, "EUR", Decimal("0.05")),
        (-1, "EUR", Decimal("-0.01")),
        (0, "EUR", Decimal("0")),
        (1500, "JPY", Decimal("1500")),
        (1250, "KWD", Decimal("1.250")),
        (1250, "kwd", Decimal("1.250")),
    ],
)
def test_minor_units_become_an_exact_major_decimal(amount, currency, expected):
    result = to_major(amount, currency)
    assert isinstance(result, Decimal)
    assert result == expected


@given(amount=st.integers(min_value=-(10**15), max_value=10**15), currency=st.sampled_from(CURRENCIES))
def test_minor_units_survive_a_round_trip_through_major_units(amount, currency):
    assert to_minor(to_major(amount, currency), currency) == amount
    assert to_minor(str(to_major(amount, currency)), currency) == amount


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1230, "EUR", "12.30 EUR"),
        (1999, "eur", "19.99 EUR"),
        (0, "EUR", "0.00 EUR"),
        (5, "EUR", "0.05 EUR"),
        (-1, "EUR", "-0.01 EUR"),
        (100000, "EUR", "1000.00 EUR"),
        (1500, "JPY", "1500 JPY"),
        (0, "JPY", "0 JPY"),
        (-1, "JPY", "-1 JPY"),
        (1250, "KWD", "1.250 KWD"),
        (1, "bhd", "0.001 BHD"),
        (12345, "CLF", "1.2345 CLF"),
    ],
)
def test_format_money_shows_every_decimal_of_the_currency_and_its_code(amount, currency, expected):
    assert format_money(amount, currency) == expected


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [1, 2, 3, 4], [1, 2, 3, 4]),
        (100, [1, 1, 1], [34, 33, 33]),
        (2, [1, 1, 1], [1, 1, 0]),
        (3, [1, 1, 1, 1], [1, 1, 1, 0]),
        (100, [1, 2], [33, 67]),
        (10, [3, 3, 1], [4, 4, 2]),
        (7, [5], [7]),
        (1000, [0, 500, 500], [0, 500, 500]),
        (1, [0, 0, 1], [0, 0, 1]),
        (5, [0, 1, 0, 1], [0, 3, 0, 2]),
        (5, [0, 0], [3, 2]),
        (4, [0, 0, 0], [2, 1, 1]),
        (0, [1, 2], [0, 0]),
        (0, [0, 0], [0, 0]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (-10, [3, 3, 1], [-4, -4, -2]),
        (-5, [0, 0], [-3, -2]),
        (0, [], []),
    ],
)
def test_spread_splits_a_total_by_largest_remainder_with_ties_to_the_earlier_weight(total, weights, expected):
    assert spread(total, weights) == expected


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        (5, [], "no lines"),
        (-5, [], "no lines"),
        (5, [1, -1], "negative"),
        (-5, [1, -1], "negative"),
        (0, [-1], "negative"),
    ],
)
def test_spread_refuses_what_cannot_be_split(total, weights, message):
    with pytest.raises(ValueError, match=message):
        spread(total, weights)


totals = st.integers(min_value=-(10**12), max_value=10**12)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20)


@given(total=totals, weights=weight_lists)
def test_spread_parts_always_add_up_to_the_total(total, weights):
    parts = spread(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total


@given(total=totals, weights=weight_lists)
def test_each_spread_part_is_within_one_unit_of_its_exact_share(total, weights):
    basis = weights if sum(weights) > 0 else [1] * len(weights)
    for part, weight in zip(spread(total, weights), basis, strict=True):
        exact = Fraction(total * weight, sum(basis))
        assert abs(part - exact) < 1


@given(total=st.integers(min_value=0, max_value=10**12), weights=weight_lists)
def test_spread_parts_are_never_negative_for_a_non_negative_total(total, weights):
    assert all(part >= 0 for part in spread(total, weights))


@given(total=st.integers(min_value=1, max_value=10**12), weights=weight_lists)
def test_a_zero_weight_gets_nothing_when_another_weight_is_positive(total, weights):
    assume(sum(weights) > 0)
    parts = spread(total, weights)
    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if weight == 0)


@given(total=totals, weights=weight_lists)
def test_spreading_a_negative_total_mirrors_the_positive_one(total, weights):
    assert spread(-total, weights) == [-part for part in spread(total, weights)]
