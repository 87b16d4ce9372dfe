"""Returns registered in a channel, as any channel states them in the canonical order (`channel_returns`): taken
in once as received returns, within the units that left, at a location of the channel."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from core import queries, returns
from core.errors import InvalidRequest
from core.intake import ingest
from core.model import CanonicalOrder
from core.returns import Disposition, Received
from core.store.schema import order_lines, stock_movements
from tests.support import levels, line, order, setup_hub


def shipped_mug(**extra: Any) -> dict[str, Any]:
    """Order 1: one mug, shipped by the channel."""
    mug = line("MUG", 1, line_id="a", fulfilled_quantity=1, shipped_quantity=1, **extra)
    return order("1", mug, fulfillment_status="shipped", minutes=1)


def came_back(location: str | None = None, *, restock: bool = True) -> dict[str, Any]:
    """Order 1 once the channel registered the mug's return r-77."""
    ret = {"return_id": "r-77", "lines": [{"line": "a", "quantity": 1, "restock": restock, "location": location}]}
    return shipped_mug(returned_quantity=1) | {
        "channel_returns": [ret],
        "updated_at": order("1", minutes=2)["updated_at"],
    }


@pytest.fixture
def hub(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("MUG", "far"): 5})
    ingest(engine, "web", [shipped_mug()], clock=clock)


def returned_quantity(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(order_lines.c.returned_quantity)).scalar_one())


def test_a_return_without_a_location_goes_back_at_the_channels_first_location(engine, clock, hub):
    ingest(engine, "web", [came_back()], clock=clock)
    assert levels(engine)[("MUG", "near")] == (6, 0) and levels(engine)[("MUG", "far")] == (5, 0)
    assert returned_quantity(engine) == 1


def test_a_return_the_hub_counted_already_takes_nothing_back_twice(engine, clock, hub):
    with engine.begin() as conn:
        asked = returns.request(conn, "1", {"MUG": 1}, clock.now(), location="far")
        returns.receive(conn, asked["reference"], {"MUG": Received(1, Disposition.restock)}, clock.now())
    ingest(engine, "web", [came_back()], clock=clock)
    assert levels(engine)[("MUG", "near")] == (5, 0) and levels(engine)[("MUG", "far")] == (6, 0)
    assert returned_quantity(engine) == 1
    with engine.connect() as conn:
        ret = returns.get(conn, "web-return-r-77")
        restocked = conn.execute(
            select(stock_movements.c.reference).where(stock_movements.c.reason == "return.restocked")
        )
        assert list(restocked.scalars()) == [asked["reference"]]
    assert ret["status"] == "received" and ret["lines"][0]["received_quantity"] == 0
    assert "counted returned already were not taken again: a (1)" in ret["note"]


def test_a_location_the_channel_does_not_have_is_refused_naming_the_field(engine, clock, hub):
    setup_hub(engine, locations=("near", "far", "elsewhere"), channel="other")
    with pytest.raises(InvalidRequest, match=r"lines\.0\.location 'elsewhere' is not one of the channel's locations"):
        ingest(engine, "web", [came_back("elsewhere")], clock=clock)
    assert levels(engine)[("MUG", "near")] == (5, 0) and returned_quantity(engine) == 0
    with engine.connect() as conn:
        assert returns.list_returns(conn) == [] and queries.get_order(conn, "1")["updated_at"] is not None


def test_a_return_on_a_line_that_holds_no_stock_counts_the_units_and_restocks_nothing(engine, clock):
    setup_hub(engine)
    card = line("GIFT", 1, line_id="g", fulfilled_quantity=1, returned_quantity=1) | {"sku": None}
    ret = {"return_id": "r-1", "lines": [{"line": "g", "quantity": 1, "restock": True}]}
    ingest(engine, "web", [order("2", card, channel_returns=[ret])], clock=clock)
    assert returned_quantity(engine) == 1 and levels(engine) == {}


def test_looking_for_unrecorded_returns_costs_no_query_without_channel_returns_and_one_with(engine, clock, hub):
    plain = [CanonicalOrder.model_validate(shipped_mug())]
    carrying = [CanonicalOrder.model_validate(came_back())]
    statements: list[str] = []
    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0]))
        assert returns.unrecorded(conn, "web", plain) == {}
        assert statements == []
        assert [r.return_id for r in returns.unrecorded(conn, "web", carrying)["1"]] == ["r-77"]
        assert [s for s in statements if s != "BEGIN"] == ["SELECT"]  # SQLite opens its transaction with BEGIN
    ingest(engine, "web", carrying, clock=clock)
    with engine.connect() as conn:
        assert returns.unrecorded(conn, "web", carrying) == {}
