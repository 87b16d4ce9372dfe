"""Returns: units asked back within what shipped, received with a disposition per line (restock puts them back
on the shelf with a ledger row whatever happens to the money), refunds within what was captured."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import payments, queries, returns
from core.errors import InvalidRequest
from core.intake import ingest
from core.returns import Disposition, Received
from core.stock_admin import check
from core.store.schema import orders, outbox, stock_movements
from tests.fakes import FakeFulfillmentProvider, FakePaymentProcessor
from tests.integration.test_payments import PLACEMENT, authorized, dispatch_all, note, ship
from tests.support import levels, line


def shipped(engine, clock, provider, processor, **extra):
    """Order 1 (2 mugs at 12.50, 1 tea at 9.99, 3.00 off the order), captured at placement and shipped."""
    lines = (line("MUG", 2, unit_price=1250, line_id="a"), line("TEA", 1, unit_price=999, line_id="b"))
    ingest(engine, "web", [authorized("1", *lines, order_discount=300, **extra)], clock=clock)
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    ship(engine, clock, provider, note("n1", ("MUG", 2), ("TEA", 1)), policy=PLACEMENT)


@pytest.fixture
def hub(engine, clock):
    from tests.support import setup_hub

    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    shipped(engine, clock, provider, processor)
    return provider, processor


def topics(engine) -> list[str]:
    with engine.connect() as conn:
        return [
            t
            for t in conn.execute(select(outbox.c.topic).order_by(outbox.c.id)).scalars()
            if "return" in t or "refund" in t
        ]


def test_no_more_can_be_asked_back_than_shipped_and_not_asked_back_yet(engine, clock, hub):
    with engine.begin() as conn:
        first = returns.request(conn, "1", {"MUG": 1}, clock.now(), reason="wrong_size", location="near")
        with pytest.raises(InvalidRequest, match=r"line 'a' \(MUG\): 2 unit\(s\) asked back, 1 can be"):
            returns.request(conn, "1", {"MUG": 2}, clock.now())
        with pytest.raises(InvalidRequest, match="matches no line"):
            returns.request(conn, "1", {"CAP": 1}, clock.now())
    assert first["reference"] == "ret-1-1" and first["status"] == "requested"
    assert topics(engine)[:1] == [returns.RETURN_REQUESTED]


def test_receiving_restocks_what_is_restocked_and_refunds_what_was_paid_less_return_shipping(engine, clock, hub):
    provider, processor = hub
    with engine.begin() as conn:
        ret = returns.request(conn, "1", {"MUG": 2}, clock.now(), location="near", return_shipping=495)
        came = {"MUG": Received(2, Disposition.restock)}
        done = returns.receive(conn, ret["reference"], came, clock.now(), processor="cards")
    # both mugs: 2,500 less their 214 share of the order's discount; less 4.95 return shipping
    assert done["refund_amount"] == 2500 - 214 - 495 and done["refund_reference"] == "ref-1-1"
    assert levels(engine)[("MUG", "near")][0] == 5  # 5 stocked, 2 shipped, 2 back
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.refunds == {"ref-1-1": 1791}
    with engine.connect() as conn:
        order = conn.execute(select(orders.c.payment_status, orders.c.fulfillment_status)).one()
        reasons = conn.execute(select(stock_movements.c.reason).where(stock_movements.c.reference == "ret-1-1"))
        assert check(conn) == []
        assert list(reasons.scalars()) == ["return.restocked"]
    assert tuple(order) == ("partially_refunded", "partially_returned")
    expected = [returns.RETURN_REQUESTED, returns.FULFILLMENT_RETURN, returns.ITEMS_RETURNED, returns.REFUND_CREATED]
    assert topics(engine) == expected  # the warehouse that shipped the mugs hears of the return too


def test_damaged_units_are_not_restocked_and_a_return_can_be_received_without_a_refund(engine, clock, hub):
    with engine.begin() as conn:
        ret = returns.request(conn, "1", {"MUG": 2, "TEA": 1}, clock.now(), location="near")
        came = {
            "MUG": Received(1, Disposition.restock),
            "a": Received(1, Disposition.damaged),
            "TEA": Received(1, Disposition.written_off),
        }
        with pytest.raises(InvalidRequest):  # MUG and its line key "a" are the same line
            returns.receive(conn, ret["reference"], came, clock.now(), processor="cards", refund=False)
    with engine.begin() as conn:
        came = {"MUG": Received(2, Disposition.damaged), "TEA": Received(1, Disposition.restock)}
        done = returns.receive(conn, ret["reference"], came, clock.now(), processor="cards", refund=False)
        again = pytest.raises(InvalidRequest, match="only a requested return can be received")
        with again:
            returns.receive(conn, ret["reference"], came, clock.now(), processor="cards")
        assert payments.operations(conn, 1)[-1]["kind"] == "capture"  # no refund asked for
        assert conn.execute(select(orders.c.fulfillment_status)).scalar() == "returned"
    assert done["refund_reference"] is None
    assert levels(engine)[("MUG", "near")][0] == 3 and levels(engine)[("TEA", "near")][0] == 5


def test_the_channels_next_version_does_not_undo_a_return_the_hub_received(engine, clock, hub):
    with engine.begin() as conn:
        ret = returns.request(conn, "1", {"TEA": 1}, clock.now(), location="near")
        returns.receive(conn, ret["reference"], {"TEA": Received(1, Disposition.restock)}, clock.now())
    lines = (line("MUG", 2, unit_price=1250, line_id="a"), line("TEA", 1, unit_price=999, line_id="b"))
    ingest(engine, "web", [authorized("1", *lines, order_discount=300, minutes=30)], clock=clock)
    with engine.connect() as conn:
        tea = next(ln for ln in queries.get_order(conn, "1")["lines"] if ln["sku"] == "TEA")
    assert tea["returned_quantity"] == 1
