"""Holds on an order's fulfillment: kept beside an order's own hold, added up, released by a person."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core import fulfillment_holds
from core.errors import InvalidRequest
from core.intake import ingest
from core.store.schema import orders
from tests.support import line, order, setup_hub


def state(engine) -> tuple[str, str | None, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.fulfillment_status, orders.c.hold_reason, orders.c.fulfillment_hold)).one()
    return row[0], row[1], row[2]


def test_a_hold_keeps_the_orders_own_reason_adds_to_an_earlier_hold_and_is_released_once(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [order("1", line("MUG", 2), payment_status="authorized")], clock=clock)
    with engine.begin() as conn:
        fulfillment_holds.hold(conn, 1, "edit-1-1 lowers a", clock.now())
        fulfillment_holds.hold(conn, 1, "shipment n1 carried a ×1", clock.now())
    both = "edit-1-1 lowers a; shipment n1 carried a ×1"
    assert state(engine) == ("requires_action", both, both)
    with engine.begin() as conn:
        assert fulfillment_holds.release(conn, "web:1", clock.now()).value == "not_fulfilled"
    assert state(engine) == ("not_fulfilled", None, None)
    declined = "cap-1-1 declined: card_declined"
    with engine.begin() as conn:
        conn.execute(update(orders).values(hold_reason=declined))
        fulfillment_holds.hold(conn, 1, "shipment n2 carried a ×1", clock.now())
    assert state(engine) == ("requires_action", declined, "shipment n2 carried a ×1"), "the payment's reason stays"
    with engine.begin() as conn:
        fulfillment_holds.release(conn, "1", clock.now())
        with pytest.raises(InvalidRequest, match="order 1: its fulfillment is not held"):
            fulfillment_holds.release(conn, "1", clock.now())
    assert state(engine) == ("not_fulfilled", declined, None)
