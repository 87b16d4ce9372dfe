"""A refund registered in Shopify arrives through the pull (the connector against respx routes, the store on SQLite
and PostgreSQL): returned units come back on the shelf once however often the order is read, units refunded
without restock are returned but stay off the shelf, and refunds of unshipped units cancel them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import select

from connectors.base import ChannelSettings
from connectors.shopify.connector import ShopifyConnector, ShopifyOptions
from core import bookmarks, queries, returns
from core.intake import ingest
from core.runs import RunStatus, Trigger
from core.stock_admin import check
from core.store.schema import outbox, stock_movements
from jobs.pull_orders import pull_orders
from jobs.runner import Runner
from tests.support import levels, setup_hub

FIXTURES = Path(__file__).parent.parent / "fixtures" / "shopify"
BASE = "https://shop-de.myshopify.com"
API = f"{BASE}/admin/api/2024-10"
WAREHOUSE, STORE = "70011223344", "70011223355"
TOWEL, MUG = "LG-TUCH-SAL", "EM-BECHER-WEISS"
REFUND = "912345670001"


def connector() -> ShopifyConnector:
    settings = ChannelSettings(
        name="web",
        base_url=BASE,
        credentials={"access_token": SecretStr("shpat_test_0123456789")},
        options=ShopifyOptions(),
        location_ids={"near": WAREHOUSE, "far": STORE},
    )
    return ShopifyConnector(settings, sleep=lambda _seconds: None)


def returned(restock_type: str = "return") -> dict[str, Any]:
    """The order shipped, then one of its two towels refunded in the shop with `restock_type`."""
    raw: dict[str, Any] = json.loads((FIXTURES / "returned_restocked.json").read_text(encoding="utf-8"))
    raw["refunds"][0]["refund_line_items"][0]["restock_type"] = restock_type
    return raw


def shipped() -> dict[str, Any]:
    """The same order before the refund: both towels and the mug shipped."""
    raw = returned()
    raw.update(refunds=[], financial_status="paid", updated_at="2024-10-04T16:02:18+02:00")
    raw["line_items"][0]["current_quantity"] = 2
    return raw


def placed() -> dict[str, Any]:
    """The same order as placed: paid, nothing shipped."""
    raw = shipped()
    raw.update(fulfillments=[], fulfillment_status=None, closed_at=None, updated_at="2024-10-03T09:14:02+02:00")
    for line in raw["line_items"]:
        line.update(fulfillable_quantity=line["quantity"], fulfillment_status=None)
    return raw


class Shop:
    """orders.json answering with the shop's orders as they are now."""

    def __init__(self) -> None:
        self.orders: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"orders": copy.deepcopy(self.orders)})


@pytest.fixture
def shop(engine, clock) -> Iterator[Shop]:
    setup_hub(engine, stock={(TOWEL, "near"): 10, (MUG, "near"): 10, (TOWEL, "far"): 3})
    found = Shop()
    with respx.mock:
        respx.get(f"{API}/orders.json").mock(side_effect=found)
        yield found


def pull(engine, clock) -> None:
    clock.advance(timedelta(minutes=1))
    with engine.connect() as conn:
        mark = bookmarks.load(conn, "web", "orders")
    report = Runner(engine, clock, holder="test").run(
        ("pull-orders", "web"),
        lambda scope: pull_orders(scope, connector(), overlap=timedelta(minutes=5), safety_lag=timedelta(0)),
        trigger=Trigger.scheduled,
        deadline=timedelta(minutes=5),
        bookmark=mark or "2024-10-01T00:00:00+00:00",
    )
    assert report.status is RunStatus.success, report


def order(engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return queries.get_order(conn, "web:5881234502398")


def towel_line(engine) -> tuple[int, int, int]:
    """The towel line's (fulfilled, canceled, returned)."""
    line = next(ln for ln in order(engine)["lines"] if ln["sku"] == TOWEL)
    return line["fulfilled_quantity"], line["canceled_quantity"], line["returned_quantity"]


def topics(engine) -> list[str]:
    with engine.connect() as conn:
        return [t for t in conn.execute(select(outbox.c.topic)).scalars() if "return" in t or "refund" in t]


def restock_rows(engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(stock_movements.c.reference, stock_movements.c.delta).where(
                stock_movements.c.reason == "return.restocked"
            )
        )
        return [tuple(row) for row in rows]


def take_in_the_shipped_order(shop: Shop, engine, clock) -> None:
    shop.orders = [placed()]
    pull(engine, clock)
    shop.orders = [shipped()]
    pull(engine, clock)
    assert levels(engine)[(TOWEL, "near")] == (8, 0) and levels(engine)[(MUG, "near")] == (9, 0)


def test_a_returned_unit_is_restocked_once_however_often_the_order_is_read(shop, engine, clock):
    take_in_the_shipped_order(shop, engine, clock)
    shop.orders = [returned("return")]
    for _ in range(3):
        pull(engine, clock)
    page = connector().fetch_orders(["5881234502398"])  # a webhook or a reconcile reads it once more
    ingest(engine, "web", page.orders, clock=clock)
    later = returned("return") | {"note": "Tuch kam gewaschen zurück", "updated_at": "2024-10-10T08:00:00+02:00"}
    shop.orders = [later]
    pull(engine, clock)

    assert levels(engine)[(TOWEL, "near")] == (9, 0)
    assert restock_rows(engine) == [(f"web-return-{REFUND}", 1)]
    assert towel_line(engine) == (2, 0, 1)
    assert order(engine)["fulfillment_status"] == "partially_returned"
    assert topics(engine) == [returns.ITEMS_RETURNED]  # no refund: the shop gave the money back
    with engine.connect() as conn:
        [ret] = returns.list_returns(conn, "web:5881234502398")
        assert check(conn) == []
    assert (ret["reference"], ret["status"], ret["requested_by"], ret["location"]) == (
        f"web-return-{REFUND}",
        "received",
        "channel:web",
        "near",
    )
    assert ret["refund_amount"] is None and ret["refund_reference"] is None
    [line] = ret["lines"]
    assert (line["quantity"], line["received_quantity"], line["disposition"], line["location"]) == (
        1,
        1,
        "restock",
        "near",
    )


def test_units_refunded_without_restock_are_returned_but_stay_off_the_shelf(shop, engine, clock):
    take_in_the_shipped_order(shop, engine, clock)
    shop.orders = [returned("no_restock")]
    pull(engine, clock)
    pull(engine, clock)
    assert levels(engine)[(TOWEL, "near")] == (8, 0) and restock_rows(engine) == []
    assert towel_line(engine) == (2, 0, 1)
    with engine.connect() as conn:
        [ret] = returns.list_returns(conn)
    assert ret["lines"][0]["disposition"] == "written_off" and ret["lines"][0]["location"] is None
    assert topics(engine) == [returns.ITEMS_RETURNED]


def test_a_legacy_restock_at_the_shops_store_goes_back_at_the_hub_location_mapped_to_it(shop, engine, clock):
    take_in_the_shipped_order(shop, engine, clock)
    raw = returned("legacy_restock")
    raw["refunds"][0]["refund_line_items"][0]["location_id"] = int(STORE)
    shop.orders = [raw]
    pull(engine, clock)
    assert levels(engine)[(TOWEL, "far")] == (4, 0) and levels(engine)[(TOWEL, "near")] == (8, 0)


def test_a_refund_of_units_not_shipped_yet_cancels_them_and_gives_back_their_reservation(shop, engine, clock):
    shop.orders = [placed()]
    pull(engine, clock)
    assert levels(engine)[(TOWEL, "near")] == (10, 2)
    canceled = placed()
    canceled["line_items"][0].update(current_quantity=1, fulfillable_quantity=1)
    canceled["updated_at"] = "2024-10-03T10:00:00+02:00"
    canceled["refunds"] = returned("cancel")["refunds"]
    shop.orders = [canceled]
    pull(engine, clock)
    assert levels(engine)[(TOWEL, "near")] == (10, 1)
    assert towel_line(engine) == (0, 1, 0)
    with engine.connect() as conn:
        assert returns.list_returns(conn) == []
    assert topics(engine) == [] and restock_rows(engine) == []


def test_an_order_first_seen_with_its_return_is_taken_in_with_it(shop, engine, clock):
    shop.orders = [returned("return")]
    pull(engine, clock)
    pull(engine, clock)
    # the hub never saw the towels leave, so the one that came back adds to the count it was given
    assert levels(engine)[(TOWEL, "near")] == (11, 0)
    assert towel_line(engine) == (2, 0, 1) and restock_rows(engine) == [(f"web-return-{REFUND}", 1)]
