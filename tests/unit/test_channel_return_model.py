"""The canonical order's channel returns: each names lines of the order, which count its units as returned."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from core.model import CanonicalOrder
from tests.support import line, order


def with_returns(*returns: dict[str, Any], returned: int = 1, fulfilled: int = 2) -> dict[str, Any]:
    mug = line("MUG", 2, line_id="a", fulfilled_quantity=fulfilled, returned_quantity=returned)
    tea = line("TEA", 1, line_id=None, fulfilled_quantity=1)
    return order("1", mug, tea, channel_returns=list(returns))


def back(line_ref: str = "a", quantity: int = 1, return_id: str = "r-1") -> dict[str, Any]:
    return {"return_id": return_id, "lines": [{"line": line_ref, "quantity": quantity, "restock": True}]}


def test_a_return_names_a_line_by_line_id_or_by_sku_when_it_has_none() -> None:
    mapped = CanonicalOrder.model_validate(with_returns(back("a")))
    assert mapped.returned_line("a").sku == "MUG" and mapped.returned_line("TEA").key == "sku:TEA"
    assert mapped.channel_returns[0].lines[0].location is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (with_returns(back(), back(quantity=1)), "two returns share a return_id"),
        (with_returns(back("nope")), "channel_returns.0: 'nope' is no line of the order"),
        (with_returns(back(quantity=2)), "channel returns bring back 2 unit(s); returned_quantity (1) must count"),
        (with_returns(back(), returned=1, fulfilled=0), "stay within fulfilled_quantity (0)"),
        (with_returns(back(return_id="has space")), "return_id"),
        (
            with_returns({"return_id": "r-1", "lines": [back()["lines"][0], back()["lines"][0]]}, returned=2),
            "a line is named twice",
        ),
    ],
)
def test_a_return_that_does_not_fit_its_lines_is_refused_naming_the_field(payload: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        CanonicalOrder.model_validate(payload)
