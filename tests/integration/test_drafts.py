"""Draft orders reserve nothing until converted; converting takes them in through the intake exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import drafts
from core.errors import FatalError, InvalidRequest
from core.store.schema import orders, outbox
from tests.support import levels, line, setup_hub

DRAFT = {
    "currency": "EUR",
    "customer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Byron"},
    "lines": [line("MUG", 2, unit_price=1250)],
    "order_discount": 250,
    "payment_status": "captured",
}


def test_a_draft_reserves_nothing_and_its_conversion_takes_it_in_once(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    with engine.begin() as conn:
        kept = drafts.create(conn, "web", DRAFT, clock.now())
    assert (kept["reference"], kept["status"], kept["order_id"]) == ("draft-1", "open", None)
    assert levels(engine)[("MUG", "near")] == (5, 0)
    with engine.begin() as conn:
        first = drafts.convert(conn, "draft-1", clock.now())
    with engine.begin() as conn:
        again = drafts.convert(conn, "draft-1", clock.now())
    assert first["status"] == "converted" and again["order_id"] == first["order_id"]
    assert levels(engine)[("MUG", "near")] == (5, 2)
    with engine.connect() as conn:
        order = conn.execute(select(orders.c.external_id, orders.c.total, orders.c.status)).one()
        converted = select(func.count()).where(outbox.c.topic == drafts.DRAFT_CONVERTED)
        assert conn.execute(converted).scalar_one() == 1
    assert tuple(order) == ("draft-1", 2250, "pending")


def test_a_draft_that_could_never_become_an_order_is_refused_naming_the_field(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    with engine.begin() as conn, pytest.raises(InvalidRequest, match=r"lines\.0\.quantity"):
        drafts.create(conn, "web", {**DRAFT, "lines": [line("MUG", 0)]}, clock.now())
    with engine.begin() as conn, pytest.raises(InvalidRequest, match="no external_id"):
        drafts.create(conn, "web", {**DRAFT, "external_id": "42"}, clock.now())
    with engine.begin() as conn, pytest.raises(FatalError, match=r"\[channels\.nowhere\]"):
        drafts.create(conn, "nowhere", DRAFT, clock.now())
    with engine.connect() as conn:
        assert drafts.list_drafts(conn) == []
