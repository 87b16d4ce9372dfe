"""After-sale histories: any sequence of edits, shipments, returns, exchanges, claims and refunds on one order
keeps the money, the stock and the totals consistent.

Each generated history runs against a fresh SQLite store, with the payments sent to a fake processor as the
dispatch would send them. After every step: the processor has never given back more than it took, the
hub's ledger agrees (nothing refundable below zero), every stock level equals its ledger and its open
reservations, and the order's total is the sum of its current lines.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, event, given, settings
from sqlalchemy import Engine

from core import edits, payments, queries, returns, shipments, stock_admin
from core.edits import NewLine
from core.errors import InvalidRequest, OmshubError
from core.exchanges import ClaimType, create_claim, create_exchange
from core.intake import ingest
from core.order_changes import ChangeKind, Effects, list_changes
from core.outbox import OutboxMessage
from core.payments import PAYMENT_OPERATION
from core.returns import Disposition, Received
from core.shipments import ShipmentReport
from core.store.engine import make_engine
from jobs.payments import payment_handler
from tests.fakes import FakeConnector, FakePaymentProcessor
from tests.integration.test_payments import PLACEMENT, ROUTER, authorized
from tests.support import line, setup_hub

SKUS = ("MUG", "TEA", "CAP")
EFFECTS = Effects(ROUTER, PLACEMENT)
Step = tuple[str, int, int, int]
"""(what, a line's index, units, a price or a choice)."""

steps = st.tuples(
    st.sampled_from(["edit_add", "edit_set", "ship", "ship", "return", "exchange", "claim", "refund", "dispatch"]),
    st.integers(0, 4),
    st.integers(0, 3),
    st.integers(0, 3000),
)


@pytest.fixture
def fresh_engine(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Engine]:
    def make() -> Engine:
        path = tmp_path_factory.mktemp("history") / "hub.db"
        shutil.copy(sqlite_template, path)
        return make_engine(f"sqlite:///{path}")

    return make


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(steps, min_size=1, max_size=12))
def test_any_after_sale_history_keeps_money_stock_and_totals_consistent(fresh_engine, clock, history: list[Step]):
    engine = fresh_engine()
    try:
        setup_hub(engine, stock={(sku, "near"): 20 for sku in SKUS})
        lines = (line("MUG", 2, unit_price=1250, line_id="a"), line("TEA", 3, unit_price=999, line_id="b"))
        ingest(engine, "web", [authorized("1", *lines, order_discount=300, shipping_total=495)], clock=clock)
        processor = FakePaymentProcessor()
        with engine.begin() as conn:
            payments.capture_on_placement(conn, {"web": PLACEMENT}, clock.now())
        _dispatch(engine, clock, processor)
        for step in history:
            try:
                with engine.begin() as conn:
                    _apply(conn, step, clock)
                event(f"{step[0]} done")
            except InvalidRequest:
                event(f"{step[0]} refused")  # as a whole: nothing of it stays
            if step[0] == "dispatch":
                _dispatch(engine, clock, processor)
            _check(engine, processor)
        _dispatch(engine, clock, processor)
        _check(engine, processor)
    finally:
        engine.dispose()


def _apply(conn: Any, step: Step, clock: Any) -> None:
    what, index, units, value = step
    order = queries.get_order(conn, "1")
    picked = order["lines"][index % len(order["lines"])]
    now = clock.now()
    if what in ("return", "exchange", "claim"):  # about units that shipped and were kept
        recorded = shipments.shipped_units(conn, 1)
        out = {ln["line_key"]: max(ln["shipped_quantity"], recorded.get(ln["line_key"], 0)) for ln in order["lines"]}
        kept = [ln for ln in order["lines"] if out[ln["line_key"]] > ln["returned_quantity"]]
        if not kept:
            raise InvalidRequest("nothing shipped and kept")
        picked = kept[index % len(kept)]
        units = min(units or 1, out[picked["line_key"]] - int(picked["returned_quantity"]))
    if what == "edit_add":
        edits.request(conn, "1", now, add=[NewLine(SKUS[index % 3], units or 1, value)])
        edits.confirm(conn, "edit-1-" + str(_count(conn, "edit")), EFFECTS, now)
    elif what == "edit_set":
        edits.request(conn, "1", now, quantities={picked["line_key"]: units})
        edits.confirm(conn, "edit-1-" + str(_count(conn, "edit")), EFFECTS, now)
    elif what == "ship":
        left = int(picked["quantity"]) - shipments.shipped_units(conn, 1).get(picked["line_key"], 0)
        if left <= 0:
            raise InvalidRequest("nothing left to ship")
        report = ShipmentReport("1", "near", {picked["line_key"]: min(units, left) or left}, ())
        shipments.record(conn, report, now)
    elif what == "return":
        ret = returns.request(conn, "1", {picked["line_key"]: units}, now, location="near")
        disposition = Disposition.restock if value % 2 else Disposition.damaged
        came = {picked["line_key"]: Received(units, disposition)}
        returns.receive(conn, ret["reference"], came, now, processor="cards", refund=value % 3 != 0)
    elif what == "exchange":
        new = [NewLine(SKUS[(index + 1) % 3], 1, value)]
        create_exchange(conn, "1", {picked["line_key"]: units}, new, EFFECTS, now, location="near")
    elif what == "claim":
        kind = ClaimType.refund if value % 2 else ClaimType.replace
        create_claim(conn, "1", kind, {picked["line_key"]: units}, EFFECTS, now, with_return=value % 3 == 0)
    elif what == "refund":
        payments.request_refund(conn, "1", "cards", value or 1, "operator", now)


def _count(conn: Any, kind: str) -> int:
    return len(list_changes(conn, order_ref="1", kind=ChangeKind(kind)))


def _dispatch(engine: Engine, clock: Any, processor: FakePaymentProcessor) -> None:
    """Send every payment operation waiting, as the dispatch would (a refused one is recorded as failed)."""
    handle = payment_handler({"cards": FakeConnector(payments=processor)}, engine, clock)
    with engine.connect() as conn:
        waiting = [op["reference"] for op in payments.operations(conn, 1) if op["status"] == "requested"]
    for reference in waiting:
        with contextlib.suppress(OmshubError):  # refused: the handler marked it failed
            handle(_message(reference))


def _message(reference: str) -> OutboxMessage:
    return OutboxMessage(0, PAYMENT_OPERATION, "order", "1", {"reference": reference}, 1)


def _check(engine: Engine, processor: FakePaymentProcessor) -> None:
    taken = sum(processor.captures.values()) + sum(processor.charges.values())
    assert sum(processor.refunds.values()) <= taken, "the processor never gives back more than it took"
    with engine.connect() as conn:
        assert payments.refundable(conn, 1) >= 0
        done = {op["reference"]: op for op in payments.operations(conn, 1) if op["status"] == "succeeded"}
        refunded = sum(op["amount"] for op in done.values() if op["kind"] == "refund")
        assert refunded <= sum(op["amount"] for op in done.values() if op["kind"] in ("capture", "charge"))
        assert stock_admin.check(conn) == [], "every level equals its ledger and its open reservations"
        order = queries.get_order(conn, "1")
    paid = [ln["quantity"] * ln["unit_price"] - ln["discount"] - ln["order_discount_share"] for ln in order["lines"]]
    assert order["total"] == sum(paid) + order["shipping_total"] + order["tax_total"]
