"""Held orders are released once stock arrives; the reconcile job does it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import stock_admin
from core.holds import retry_held
from core.intake import ingest
from core.runs import Trigger
from core.store.schema import order_lines, orders, outbox
from jobs.reconcile import release_held
from jobs.runner import Runner
from tests.support import levels, line, order, setup_hub


def statuses(engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(orders.c.external_id, orders.c.status, orders.c.hold_reason))
        return {ext: (status, reason) for ext, status, reason in rows}


def test_held_orders_are_reserved_and_released_when_stock_has_arrived(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 0, ("SKU-B", "near"): 0})
    ingest(engine, "web", [order("1", line("SKU-A", 2)), order("2", line("SKU-B", 5))], clock=clock)
    assert statuses(engine)["1"][0] == "requires_action"
    with engine.begin() as conn:
        stock_admin.set_stocked(conn, "SKU-A", "near", 3, clock.now())
        stock_admin.set_stocked(conn, "SKU-B", "near", 1, clock.now())
        assert retry_held(conn, "web", clock.now()) == 1
    after = statuses(engine)
    assert after["1"] == ("pending", None)
    assert after["2"][0] == "requires_action" and "SKU-B" in (after["2"][1] or "")
    assert levels(engine)[("SKU-A", "near")] == (3, 2) and levels(engine)[("SKU-B", "near")] == (1, 0)
    with engine.connect() as conn:
        assert stock_admin.check(conn) == []
        topics = list(conn.execute(select(outbox.c.topic).order_by(outbox.c.id)).scalars())
        assert conn.execute(select(order_lines.c.backordered_quantity)).scalars().all() == [0, 0]
    assert topics[-2:] == ["order.updated", "inventory.reserved"]
    with engine.begin() as conn:
        assert retry_held(conn, "web", clock.now()) == 0, "nothing changes when nothing more can be released"


def test_the_reconcile_step_releases_held_orders_and_counts_them(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 0})
    ingest(engine, "web", [order("1", line("SKU-A", 1))], clock=clock)
    with engine.begin() as conn:
        stock_admin.set_stocked(conn, "SKU-A", "near", 1, clock.now())
    report = Runner(engine, clock, holder="t").run(
        ("reconcile", "web"), release_held, trigger=Trigger.manual, deadline=timedelta(minutes=1)
    )
    assert report.counts.updated == 1
    assert statuses(engine)["1"] == ("pending", None)


def test_only_orders_held_for_stock_are_released_not_those_held_for_their_payment_or_a_person(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 0})
    ingest(engine, "web", [order(str(n), line("SKU-A", 1)) for n in (1, 2, 3)], clock=clock)
    declined, left = "cap-2-1 declined: card_declined", "canceled in the channel after bp had shipped it (ful-3)"
    with engine.begin() as conn:
        conn.execute(
            orders.update()
            .where(orders.c.external_id == "2")
            .values(payment_status="requires_action", hold_reason=declined)
        )
        conn.execute(orders.update().where(orders.c.external_id == "3").values(hold_reason=left, fulfillment_hold=left))
        stock_admin.set_stocked(conn, "SKU-A", "near", 5, clock.now())
        assert retry_held(conn, "web", clock.now()) == 1
    assert statuses(engine) == {
        "1": ("pending", None),
        "2": ("requires_action", declined),
        "3": ("requires_action", left),
    }
