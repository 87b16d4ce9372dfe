"""Order arithmetic: the order-level discount spread over lines, computed totals and reconciliation."""

from __future__ import annotations

from typing import Any

import pytest

from core.model import CanonicalOrder
from core.totals import Totals, compute_totals, mismatches, price_lines


def _order(currency: str, *lines: dict[str, Any], **extra: Any) -> CanonicalOrder:
    """A canonical order with the given lines; only the fields arithmetic reads vary between tests."""
    return CanonicalOrder.model_validate(
        {
            "external_id": "1001",
            "currency": currency,
            "placed_at": "2026-11-20T09:00:00Z",
            "lines": list(lines),
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("order", "expected_shares"),
    [
        pytest.param(
            _order(
                "EUR",
                {"line_id": "1", "sku": "A", "quantity": 3, "unit_price": 1000},
                {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 1000},
                order_discount=400,
            ),
            [300, 100],
            id="in-proportion-to-net",
        ),
        pytest.param(
            _order(
                "EUR",
                {"line_id": "1", "sku": "A", "quantity": 2, "unit_price": 1000, "discount": 500},
                {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 500},
                order_discount=100,
            ),
            [75, 25],
            id="net-is-after-the-line-discount",
        ),
        pytest.param(
            _order(
                "EUR",
                {"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1000, "discount": 1000},
                {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 1000},
                order_discount=100,
            ),
            [0, 100],
            id="fully-discounted-line-gets-nothing",
        ),
        pytest.param(
            _order(
                "EUR",
                {"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1000},
                {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 1000},
                {"line_id": "3", "sku": "C", "quantity": 1, "unit_price": 1000},
                order_discount=100,
            ),
            [34, 33, 33],
            id="leftover-cent-to-the-earlier-line",
        ),
        pytest.param(
            _order(
                "EUR",
                {"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1000},
                {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 2000},
            ),
            [0, 0],
            id="no-order-discount",
        ),
        pytest.param(
            _order(
                "JPY",
                {"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1500},
                {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 1500},
                order_discount=101,
            ),
            [51, 50],
            id="jpy-whole-yen",
        ),
        pytest.param(
            _order(
                "KWD",
                {"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1250},
                {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 2500},
                order_discount=1000,
            ),
            [333, 667],
            id="kwd-fils",
        ),
    ],
)
def test_the_order_discount_is_spread_over_lines_by_net_amount_to_the_minor_unit(order, expected_shares):
    priced = price_lines(order)
    assert [p.order_discount_share for p in priced] == expected_shares
    assert sum(p.order_discount_share for p in priced) == order.order_discount
    assert [p.discount_total for p in priced] == [
        ln.discount + share for ln, share in zip(order.lines, expected_shares, strict=True)
    ]


def test_a_priced_line_carries_its_subtotal_and_the_sum_of_its_tax_lines():
    order = _order(
        "USD",
        {
            "line_id": "1",
            "sku": "A",
            "quantity": 3,
            "unit_price": 1250,
            "tax_lines": [
                {"title": "CA State", "rate": "0.0725", "amount": 272},
                {"title": "LA County", "rate": "0.0225", "amount": 84},
            ],
        },
        {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 500},
    )
    priced = price_lines(order)
    assert [(p.line.key, p.subtotal, p.tax_total) for p in priced] == [("1", 3750, 356), ("2", 500, 0)]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        pytest.param(
            _order(
                "EUR",
                {
                    "line_id": "1",
                    "sku": "A",
                    "quantity": 2,
                    "unit_price": 1000,
                    "tax_lines": [{"title": "VAT", "rate": "0.19", "amount": 342}],
                },
                shipping_total=500,
                shipping_tax=95,
                order_discount=200,
            ),
            Totals(subtotal=2000, discount_total=200, shipping_total=500, tax_total=437, total=2737),
            id="tax-exclusive-adds-line-and-shipping-tax",
        ),
        pytest.param(
            _order(
                "EUR",
                {
                    "line_id": "1",
                    "sku": "A",
                    "quantity": 2,
                    "unit_price": 1190,
                    "tax_lines": [{"title": "MwSt", "rate": "0.19", "amount": 380}],
                },
                shipping_total=595,
                shipping_tax=95,
                taxes_included=True,
            ),
            Totals(subtotal=2380, discount_total=0, shipping_total=595, tax_total=475, total=2975),
            id="tax-inclusive-reports-tax-but-does-not-add-it",
        ),
        pytest.param(
            _order(
                "EUR",
                {
                    "line_id": "1",
                    "sku": "A",
                    "quantity": 1,
                    "unit_price": 11900,
                    "discount": 1190,
                    "tax_lines": [{"title": "MwSt", "rate": "0.19", "amount": 1710}],
                },
                order_discount=1190,
                taxes_included=True,
            ),
            Totals(subtotal=11900, discount_total=2380, shipping_total=0, tax_total=1710, total=9520),
            id="tax-inclusive-with-line-and-order-discount",
        ),
        pytest.param(
            _order(
                "EUR",
                {"line_id": "1", "sku": "A", "quantity": 2, "unit_price": 1000, "discount": 300},
                {"line_id": "2", "sku": "B", "quantity": 1, "unit_price": 700},
                order_discount=170,
            ),
            Totals(subtotal=2700, discount_total=470, shipping_total=0, tax_total=0, total=2230),
            id="line-and-order-discounts-add-up",
        ),
        pytest.param(
            _order(
                "USD",
                {
                    "line_id": "1",
                    "sku": "A",
                    "quantity": 1,
                    "unit_price": 10000,
                    "tax_lines": [
                        {"title": "State", "amount": 725},
                        {"title": "County", "amount": 225},
                    ],
                },
                shipping_total=999,
            ),
            Totals(subtotal=10000, discount_total=0, shipping_total=999, tax_total=950, total=11949),
            id="several-tax-lines-and-untaxed-shipping",
        ),
        pytest.param(
            _order(
                "JPY",
                {
                    "line_id": "1",
                    "sku": "A",
                    "quantity": 3,
                    "unit_price": 1500,
                    "tax_lines": [{"title": "消費税", "rate": "0.10", "amount": 450}],
                },
                shipping_total=800,
                shipping_tax=80,
                order_discount=101,
            ),
            Totals(subtotal=4500, discount_total=101, shipping_total=800, tax_total=530, total=5729),
            id="jpy",
        ),
        pytest.param(
            _order(
                "KWD",
                {"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1250},
                {"line_id": "2", "sku": "B", "quantity": 2, "unit_price": 2500},
                shipping_total=1500,
                order_discount=250,
            ),
            Totals(subtotal=6250, discount_total=250, shipping_total=1500, tax_total=0, total=7500),
            id="kwd",
        ),
    ],
)
def test_totals_are_computed_from_the_lines(order, expected):
    assert compute_totals(order, price_lines(order)) == expected


def _order_stating(currency: str, stated: dict[str, int]) -> CanonicalOrder:
    """Its lines compute to subtotal 2000, discount 200, shipping 500, tax 437 and total 2737 minor units."""
    return _order(
        currency,
        {
            "line_id": "1",
            "sku": "A",
            "quantity": 2,
            "unit_price": 1000,
            "tax_lines": [{"title": "VAT", "rate": "0.19", "amount": 342}],
        },
        shipping_total=500,
        shipping_tax=95,
        order_discount=200,
        totals=stated,
    )


@pytest.mark.parametrize(
    ("currency", "stated", "expected"),
    [
        pytest.param(
            "EUR",
            {"subtotal": 2000, "discount_total": 200, "shipping_total": 500, "tax_total": 437, "total": 2737},
            [],
            id="all-agree",
        ),
        pytest.param("EUR", {"total": 2737}, [], id="only-total-stated-and-agrees"),
        pytest.param(
            "EUR",
            {"subtotal": 2000, "total": 2736},
            ["total: channel says 27.36 EUR, lines give 27.37 EUR (difference -0.01 EUR)"],
            id="total-a-cent-short",
        ),
        pytest.param(
            "EUR",
            {"tax_total": 442, "total": 2737},
            ["tax_total: channel says 4.42 EUR, lines give 4.37 EUR (difference 0.05 EUR)"],
            id="tax-five-cents-over",
        ),
        pytest.param(
            "EUR",
            {"subtotal": 1900, "discount_total": 0, "shipping_total": 500, "tax_total": 437, "total": 2837},
            [
                "subtotal: channel says 19.00 EUR, lines give 20.00 EUR (difference -1.00 EUR)",
                "discount_total: channel says 0.00 EUR, lines give 2.00 EUR (difference -2.00 EUR)",
                "total: channel says 28.37 EUR, lines give 27.37 EUR (difference 1.00 EUR)",
            ],
            id="several-fields-in-field-order",
        ),
        pytest.param(
            "JPY",
            {"shipping_total": 501, "total": 2736},
            [
                "shipping_total: channel says 501 JPY, lines give 500 JPY (difference 1 JPY)",
                "total: channel says 2736 JPY, lines give 2737 JPY (difference -1 JPY)",
            ],
            id="jpy-whole-units",
        ),
        pytest.param(
            "KWD",
            {"total": 2738},
            ["total: channel says 2.738 KWD, lines give 2.737 KWD (difference 0.001 KWD)"],
            id="kwd-three-decimals",
        ),
    ],
)
def test_mismatches_name_each_disagreeing_field_and_the_difference(currency, stated, expected):
    order = _order_stating(currency, stated)
    assert mismatches(order, compute_totals(order, price_lines(order))) == expected


def test_an_order_without_stated_totals_has_no_mismatches():
    order = _order("EUR", {"line_id": "1", "sku": "A", "quantity": 1, "unit_price": 1000})
    computed = Totals(subtotal=1, discount_total=2, shipping_total=3, tax_total=4, total=5)
    assert mismatches(order, computed) == []
