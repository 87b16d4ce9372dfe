"""End to end over 127.0.0.1: an order shipped from the shop, refunded there with restock, pulled by the hub; the
unit is back on the hub's shelf at the mapped location, once, and `omshub returns list` shows the return."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.server import RunningSandbox, start
from tests.e2e.support import Call
from tests.e2e.test_shopify_sandbox import shop_hub

MUG = "MUG-EMA-WHT"


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    sandbox = start(orders=0, seed=7, profile="berlin")
    yield sandbox
    sandbox.stop()


@pytest.fixture
def hub(shop: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    return shop_hub(shop, tmp_path, monkeypatch, capsys, stock=f"{MUG},berlin,40\n{MUG},leipzig,5\n")


def run_json(hub: Call, *args: str) -> Any:
    code, out, err = hub(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def mugs(hub: Call) -> tuple[int, int]:
    """(stocked, reserved) of the mug at berlin."""
    [level] = [lv for lv in run_json(hub, "inventory", "levels", "--sku", MUG) if lv["location"] == "berlin"]
    return level["stocked"], level["reserved"]


def refund_in_the_shop(shop: RunningSandbox, order: dict[str, Any], location_id: int) -> dict[str, Any]:
    line = order["line_items"][0]
    part = {"line_item_id": line["id"], "quantity": 1, "restock_type": "return", "location_id": location_id}
    money = {"kind": "refund", "gateway": order["payment_gateway_names"][0], "amount": line["price"]}
    answer = httpx.post(
        f"{shop.api_url()}/orders/{order['id']}/refunds.json",
        json={"refund": {"notify": True, "refund_line_items": [part], "transactions": [money]}},
        headers={"X-Shopify-Access-Token": shop.token},
    )
    assert answer.status_code == 201, answer.text
    refund: dict[str, Any] = answer.json()["refund"]
    return refund


def test_a_return_refunded_with_restock_in_the_shop_puts_the_unit_back_once(hub: Call, shop: RunningSandbox) -> None:
    berlin = next(loc.id for loc in shop.state.locations.values() if loc.name == "Lager Berlin")
    order = shop.generator.buy({MUG: 2})
    if order["financial_status"] != "paid":
        order = shop.generator.change(order["id"], "pay")
    run_json(hub, "jobs", "run", "pull-orders", "--channel", "shop")
    assert mugs(hub) == (40, 2)
    order = shop.generator.change(order["id"], "fulfill")
    run_json(hub, "jobs", "run", "pull-orders", "--channel", "shop")
    assert mugs(hub) == (38, 0)

    refund = refund_in_the_shop(shop, order, berlin)
    for _ in range(2):
        assert run_json(hub, "jobs", "run", "pull-orders", "--channel", "shop")["status"] == "success"
    assert mugs(hub) == (39, 0)

    [ret] = run_json(hub, "returns", "list", "--order", f"shop:{order['id']}")
    assert (ret["reference"], ret["status"], ret["requested_by"]) == (
        f"shop-return-{refund['id']}",
        "received",
        "channel:shop",
    )
    assert [(ln["received_quantity"], ln["disposition"], ln["location"]) for ln in ret["lines"]] == [
        (1, "restock", "berlin")
    ]
    shown = run_json(hub, "orders", "show", f"shop:{order['id']}")
    assert shown["fulfillment_status"] == "partially_returned"
    assert [(ln["fulfilled_quantity"], ln["canceled_quantity"], ln["returned_quantity"]) for ln in shown["lines"]] == [
        (2, 0, 1)
    ]
