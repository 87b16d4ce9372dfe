"""reconcile re-reads the orders whose payment is still expected to move, where the channel can look them up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from connectors.base import OrderPage
from core.intake import ingest
from core.model import CanonicalOrder
from core.runs import Trigger
from core.store.schema import orders
from jobs.reconcile import reconcile
from jobs.runner import Runner
from tests.fakes import FakeOrderSource
from tests.support import line, order, setup_hub


@dataclass
class LookupSource(FakeOrderSource):
    """A source whose window pull sees nothing new, but which can read orders by id."""

    current: dict[str, dict[str, Any]] = field(default_factory=dict)
    asked: list[list[str]] = field(default_factory=list)

    def fetch_orders(self, external_ids: Sequence[str], *, time_left: float | None = None) -> OrderPage:
        self.asked.append(list(external_ids))
        found = [CanonicalOrder.model_validate(self.current[e]) for e in external_ids if e in self.current]
        return OrderPage(list(found), len(found), None)


def payment_states(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(orders.c.external_id, orders.c.payment_status)).all())


def test_a_capture_that_did_not_move_the_change_time_is_picked_up_by_reconcile(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 9})
    placed = [
        order("1", line("MUG"), payment_status="authorized"),
        order("2", line("MUG"), payment_status="captured"),
        order("3", line("MUG"), payment_status="authorized", status="canceled"),
    ]
    ingest(engine, "web", placed, clock=clock)
    captured = order("1", line("MUG"), minutes=5, payment_status="captured")
    source = LookupSource(pages=[], current={"1": captured, "2": placed[1]})
    report = Runner(engine, clock, holder="t").run(
        ("reconcile", "web"),
        lambda scope: reconcile(scope, source, window=timedelta(days=1)),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )
    assert source.asked == [["1"]], "only open orders still waiting for their money are read again"
    assert payment_states(engine) == {"1": "captured", "2": "captured", "3": "authorized"}
    assert report.counts.updated == 1
