"""Shopify refunds that take back shipped units are returns registered in the shop: their units are returned, not
canceled, and each refund bringing some back is a channel return, restocked or not by its restock_type."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from connectors.shopify.mapper import map_page
from core.model import CanonicalOrder, FulfillmentStatus
from core.quarantine import Rejected
from core.validation import Accepted, validate_one

FIXTURES = Path(__file__).parents[1] / "fixtures" / "shopify"
TOWEL, MUG = "14020304050601", "14020304050602"
"""The lines of returned_restocked.json: 2 towels (one refunded with restock_type return) and 1 mug, all shipped."""
WAREHOUSE, STORE = 70011223344, 70011223355
LOCATIONS = {str(WAREHOUSE): "berlin", str(STORE): "leipzig"}


def _raw(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return raw


def _map(raw: dict[str, Any], locations: dict[str, str] = LOCATIONS) -> CanonicalOrder:
    [mapped] = map_page([json.dumps(raw).encode()], locations=locations)
    assert isinstance(mapped, CanonicalOrder), mapped
    assert isinstance(validate_one(mapped), Accepted)
    return mapped


def _rejected(raw: dict[str, Any]) -> str:
    [mapped] = map_page([json.dumps(raw).encode()], locations=LOCATIONS)
    assert isinstance(mapped, Rejected)
    return mapped.reason


def _quantities(order: CanonicalOrder) -> list[tuple[int, int, int]]:
    """(fulfilled, canceled, returned) per line."""
    return [(ln.fulfilled_quantity, ln.canceled_quantity, ln.returned_quantity) for ln in order.lines]


def _returns(order: CanonicalOrder) -> list[tuple[str, list[tuple[str, int, bool, str | None]]]]:
    return [
        (ret.return_id, [(ln.line, ln.quantity, ln.restock, ln.location) for ln in ret.lines])
        for ret in order.channel_returns
    ]


def _refund_part(raw: dict[str, Any], refund: int = 0, part: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = raw["refunds"][refund]["refund_line_items"][part]
    return found


@pytest.mark.parametrize(
    ("restock_type", "quantities", "channel_returns", "status"),
    [
        ("return", [(2, 0, 1), (1, 0, 0)], [(TOWEL, 1, True, "berlin")], "partially_returned"),
        ("legacy_restock", [(2, 0, 1), (1, 0, 0)], [(TOWEL, 1, True, "berlin")], "partially_returned"),
        ("no_restock", [(2, 0, 1), (1, 0, 0)], [(TOWEL, 1, False, None)], "partially_returned"),
        ("cancel", [(1, 1, 0), (1, 0, 0)], [], "fulfilled"),
    ],
)
def test_a_refund_of_shipped_units_is_a_return_unless_it_cancels_them(
    restock_type: str, quantities: list[tuple[int, int, int]], channel_returns: list[Any], status: str
) -> None:
    raw = _raw("returned_restocked")
    _refund_part(raw)["restock_type"] = restock_type
    order = _map(raw)
    assert _quantities(order) == quantities
    assert _returns(order) == ([("912345670001", channel_returns)] if channel_returns else [])
    assert order.fulfillment_status == status


@pytest.mark.parametrize(("restock", "restocked"), [(True, True), (False, False)])
def test_a_refund_line_without_restock_type_follows_the_refunds_restock_flag(restock: bool, restocked: bool) -> None:
    raw = _raw("returned_restocked")
    del _refund_part(raw)["restock_type"]
    raw["refunds"][0]["restock"] = restock
    [ret] = _map(raw).channel_returns
    assert (ret.lines[0].restock, ret.lines[0].location) == (restocked, "berlin" if restocked else None)


@pytest.mark.parametrize("restock_type", ["cancel", "no_restock", "legacy_restock"])
def test_refunded_units_that_never_shipped_are_canceled_whatever_the_restock_type(restock_type: str) -> None:
    raw = _raw("partially_fulfilled")  # the cork blocks (2, not shipped) lose one unit
    raw["line_items"][1].update(current_quantity=1, fulfillable_quantity=1)
    raw["refunds"] = [_refund(903111, 14091011121302, 1, restock_type, subtotal=19.95, total_tax=1.81)]
    order = _map(raw)
    assert _quantities(order) == [(1, 0, 0), (0, 1, 0)]
    assert order.channel_returns == [] and order.fulfillment_status == FulfillmentStatus.partially_fulfilled


def test_of_refunds_without_restock_only_the_latest_count_as_returned_as_unshipped_units_go_first() -> None:
    raw = _raw("returned_restocked")  # towels: 1 refunded before shipping, 1 shipped, then that one refunded
    towel = raw["line_items"][0]
    towel.update(current_quantity=0, fulfillable_quantity=0)
    raw["fulfillments"][0]["line_items"][0]["quantity"] = 1
    raw["refunds"] = [
        _refund(912345670001, int(TOWEL), 1, "no_restock", subtotal=12.9, total_tax=2.06),
        _refund(912345670002, int(TOWEL), 1, "no_restock", subtotal=12.9, total_tax=2.06),
    ]
    order = _map(raw)
    assert _quantities(order)[0] == (1, 1, 1)
    assert _returns(order) == [("912345670002", [(TOWEL, 1, False, None)])]


def test_units_go_back_where_the_refund_restocked_them_and_an_unmapped_or_absent_location_is_left_to_the_hub() -> None:
    raw = _raw("returned_restocked")
    part = _refund_part(raw)
    part["location_id"] = STORE
    assert _returns(_map(raw))[0][1][0][3] == "leipzig"
    part["location_id"] = 70099999999  # a shop location the channel's location_ids do not name
    assert _returns(_map(raw))[0][1][0][3] is None
    part["location_id"] = None
    assert _returns(_map(raw))[0][1][0][3] is None
    assert _returns(_map(_raw("returned_restocked"), locations={}))[0][1][0][3] is None


def test_every_shipped_unit_back_makes_the_order_returned() -> None:
    raw = _raw("returned_restocked")
    raw["line_items"][0]["current_quantity"] = 0
    raw["line_items"][1]["current_quantity"] = 0
    _refund_part(raw)["quantity"] = 2
    _refund_part(raw).update(subtotal=25.8, total_tax=4.12)
    mug = copy.deepcopy(_refund_part(raw)) | {
        "line_item_id": int(MUG),
        "quantity": 1,
        "subtotal": 18.5,
        "total_tax": 2.95,
    }
    raw["refunds"][0]["refund_line_items"].append(mug)
    order = _map(raw)
    assert _quantities(order) == [(2, 0, 2), (1, 0, 1)]
    assert order.fulfillment_status == FulfillmentStatus.returned
    assert _returns(order) == [("912345670001", [(TOWEL, 2, True, "berlin"), (MUG, 1, True, "berlin")])]


def test_a_refund_that_restocks_one_line_at_two_places_becomes_two_returns() -> None:
    raw = _raw("returned_restocked")
    raw["line_items"][0]["current_quantity"] = 0
    other = copy.deepcopy(_refund_part(raw)) | {"id": 612345670002, "location_id": STORE}
    raw["refunds"][0]["refund_line_items"].append(other)
    assert _returns(_map(raw)) == [
        ("912345670001", [(TOWEL, 1, True, "berlin")]),
        ("912345670001-2", [(TOWEL, 1, True, "leipzig")]),
    ]


def test_a_refund_that_brings_units_back_without_an_id_is_rejected_naming_the_field() -> None:
    raw = _raw("returned_restocked")
    del raw["refunds"][0]["id"]
    assert "refunds[0].id: missing" in _rejected(raw)


def test_an_unknown_restock_type_is_rejected_naming_the_field() -> None:
    raw = _raw("returned_restocked")
    _refund_part(raw)["restock_type"] = "exchange"
    reason = _rejected(raw)
    assert "refund_line_items" in reason and "restock_type" in reason


def test_cancelled_fulfillments_do_not_count_as_shipped() -> None:
    raw = _raw("returned_restocked")
    _refund_part(raw)["restock_type"] = "no_restock"
    raw["fulfillments"][0]["status"] = "cancelled"
    raw["line_items"][0]["fulfillable_quantity"] = 1  # the towels are to be shipped again
    raw["line_items"][1]["fulfillable_quantity"] = 1
    order = _map(raw)
    assert _quantities(order) == [(0, 1, 0), (0, 0, 0)] and order.channel_returns == []


def _refund(refund_id: int, line_id: int, quantity: int, restock_type: str, **amounts: float) -> dict[str, Any]:
    """A refund as the Admin API lists it on the order (amounts as JSON numbers)."""
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "created_at": "2024-10-09T14:12:40+02:00",
        "note": None,
        "processed_at": "2024-10-09T14:12:40+02:00",
        "restock": restock_type != "no_restock",
        "order_adjustments": [],
        "transactions": [],
        "refund_line_items": [
            {
                "id": refund_id + 1,
                "line_item_id": line_id,
                "location_id": WAREHOUSE if restock_type in ("cancel", "return") else None,
                "quantity": quantity,
                "restock_type": restock_type,
                **amounts,
            }
        ],
    }
