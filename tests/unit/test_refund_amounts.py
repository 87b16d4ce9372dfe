"""What a returned unit gives back: the unit price less its line's share of every discount, with its tax; partial
returns of one line add up to exactly what the line cost; return shipping comes off; zero- and three-decimal
currencies stay exact."""

from __future__ import annotations

from typing import Any

import pytest

from core.model import CanonicalOrder
from core.returns import refund_amount
from core.totals import compute_totals, price_lines


def rows(raw: dict[str, Any], returned: dict[str, int] | None = None) -> dict[str, Any]:
    """The order as the store holds it (line rows with the discount spread), from a canonical order."""
    order = CanonicalOrder.model_validate(
        {"external_id": "1", "placed_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z", **raw}
    )
    priced = price_lines(order)
    lines = [
        {
            "line_key": p.line.line_id,
            "quantity": p.line.quantity,
            "unit_price": p.line.unit_price,
            "discount": p.line.discount,
            "order_discount_share": p.order_discount_share,
            "tax_total": p.tax_total,
            "returned_quantity": (returned or {}).get(str(p.line.line_id), 0),
        }
        for p in priced
    ]
    return {"taxes_included": order.taxes_included, "lines": lines, "total": compute_totals(order, priced).total}


def line(line_id: str, quantity: int, unit_price: int, tax: int = 0, discount: int = 0) -> dict[str, Any]:
    taxes = [{"title": "VAT", "rate": "0.19", "amount": tax}] if tax else []
    return {"line_id": line_id, "sku": line_id.upper(), "title": line_id, "quantity": quantity,
            "unit_price": unit_price, "discount": discount, "tax_lines": taxes}  # fmt: skip


TWO_MUGS_TEA = {
    "currency": "EUR",
    "lines": [line("mug", 2, 1250), line("tea", 1, 999)],
    "order_discount": 300,  # spread 214 / 86 over the two lines by their net amount
}


@pytest.mark.parametrize(
    ("raw", "units", "shipping", "expected"),
    [
        pytest.param(
            {"currency": "EUR", "lines": [line("mug", 2, 1000, tax=380)]}, {"mug": 1}, 0, 1190, id="tax-exclusive"
        ),
        pytest.param(
            {"currency": "EUR", "taxes_included": True, "lines": [line("mug", 2, 1190, tax=380)]},
            {"mug": 1},
            0,
            1190,
            id="tax-inclusive",
        ),
        pytest.param(TWO_MUGS_TEA, {"mug": 1}, 0, (2500 - 214) // 2, id="order-discount-spread"),
        pytest.param(TWO_MUGS_TEA, {"tea": 1}, 0, 999 - 86, id="order-discount-other-line"),
        pytest.param(
            {"currency": "EUR", "lines": [line("mug", 3, 1000, discount=100, tax=513)]},
            {"mug": 3},
            0,
            3000 - 100 + 513,
            id="line-discount-whole-line",
        ),
        pytest.param(
            {"currency": "JPY", "taxes_included": True, "lines": [line("tea", 3, 1500)], "order_discount": 100},
            {"tea": 1},
            0,
            1466,
            id="jpy-zero-decimals",
        ),
        pytest.param(
            {"currency": "KWD", "lines": [line("oud", 3, 12_345, tax=1_851)]}, {"oud": 2}, 0, 9_464 + 16_460, id="kwd"
        ),
        pytest.param(
            {"currency": "EUR", "lines": [line("mug", 2, 1000, tax=380)]}, {"mug": 1}, 495, 1190 - 495, id="shipping"
        ),
        pytest.param({"currency": "EUR", "lines": [line("pin", 1, 300)]}, {"pin": 1}, 495, 0, id="never-negative"),
    ],
)
def test_refund_amounts(raw: dict[str, Any], units: dict[str, int], shipping: int, expected: int) -> None:
    assert refund_amount(rows(raw), units, shipping) == expected


def test_returns_of_one_discounted_line_in_parts_add_up_to_what_the_line_cost() -> None:
    raw = {"currency": "JPY", "taxes_included": True, "lines": [line("tea", 3, 1500)], "order_discount": 100}
    first = refund_amount(rows(raw), {"tea": 1})
    rest = refund_amount(rows(raw, returned={"tea": 1}), {"tea": 2})
    assert (first, rest, first + rest) == (1466, 2934, 4400)


def test_a_whole_order_returned_gives_back_its_total_less_shipping() -> None:
    raw = {**TWO_MUGS_TEA, "shipping_total": 495}
    order = rows(raw)
    assert refund_amount(order, {"mug": 2, "tea": 1}) == order["total"] - 495
