"""Shipments the hub records reach the order's channel through the outbox, once, with retries."""

from __future__ import annotations

from datetime import timedelta

from core import dead_letters, outbox, shipments
from core.errors import FatalError, RetryableError
from core.intake import ingest
from core.outbox import OutboxRetry
from core.runs import RunStatus, Trigger
from core.shipments import ShipmentReport, ShippedLine, Tracking
from jobs.dispatch import dispatch
from jobs.report_shipments import shipment_handler
from jobs.runner import Runner
from tests.fakes import FakeConnector, FakeShipmentSink
from tests.support import line, order, setup_hub


def shipped_order(engine, clock) -> None:
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [order("1001", line("MUG", 2, line_id="a"), line("TEA", 1, line_id="b"))], clock=clock)
    report = ShipmentReport("web:1001", "near", {"MUG": 2}, (Tracking("JJD0001", "DHL", "https://t.example/1"),))
    with engine.begin() as conn:
        shipments.record(conn, report, clock.now())


def run_dispatch(engine, clock, sink: FakeShipmentSink):
    handlers = {shipments.SHIPMENT_CREATED: shipment_handler({"web": FakeConnector(shipments=sink)}, engine, clock)}
    work = lambda scope: dispatch(scope, handlers, batch=10, policy=OutboxRetry(base_delay=timedelta(seconds=30)))  # noqa: E731
    return Runner(engine, clock, holder="t").run(
        ("dispatch", ""), work, trigger=Trigger.manual, deadline=timedelta(minutes=1)
    )


def test_dispatch_tells_the_channel_which_lines_shipped_with_their_tracking(engine, clock):
    shipped_order(engine, clock)
    sink = FakeShipmentSink()
    run_dispatch(engine, clock, sink)
    [notice] = sink.told
    assert notice.order_external_id == "1001"
    assert notice.location == "near"
    assert notice.lines == (ShippedLine("a", "MUG", 2),)
    assert notice.tracking == (Tracking("JJD0001", "DHL", "https://t.example/1"),)
    assert notice.order_complete is False
    run_dispatch(engine, clock, sink)
    assert len(sink.told) == 1


def test_a_channel_that_fails_is_told_again_after_the_backoff(engine, clock):
    shipped_order(engine, clock)
    sink = FakeShipmentSink(fail_with=RetryableError("503 from the shop"))
    run_dispatch(engine, clock, sink)
    assert sink.told == []
    with engine.connect() as conn:
        assert outbox.counts(conn).get("pending") == 1
    clock.advance(timedelta(seconds=31))
    run_dispatch(engine, clock, sink)
    assert [n.reference for n in sink.told] == ["omshub-1-1"]


def test_a_channel_that_refuses_for_good_sends_the_notice_to_the_dead_letters_at_once(engine, clock):
    shipped_order(engine, clock)
    sink = FakeShipmentSink(fail_with=FatalError("422 from the shop: the order is closed"))
    run_dispatch(engine, clock, sink)
    with engine.connect() as conn:
        [letter] = dead_letters.list_dead(conn)
    assert letter["attempts"] == 1 and "order is closed" in letter["last_error"]


def test_a_stopping_daemon_ends_dispatch_between_messages_and_the_rest_go_out_after_their_lease(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [order(str(n), line("MUG", 1, line_id="a")) for n in (1, 2, 3)], clock=clock)
    with engine.begin() as conn:
        for n in (1, 2, 3):
            shipments.record(conn, ShipmentReport(f"web:{n}", "near", {"MUG": 1}), clock.now())
    runner = Runner(engine, clock, holder="t")
    sink = FakeShipmentSink()

    def tell_then_stop(message):
        sink.report_shipment(shipments.notice_of(message.payload))
        runner.stop.set()  # SIGTERM arrives while the first notice is out

    handlers = {shipments.SHIPMENT_CREATED: tell_then_stop}
    work = lambda scope: dispatch(scope, handlers, batch=10, policy=OutboxRetry())  # noqa: E731
    report = runner.run_shared(("dispatch", ""), work, trigger=Trigger.manual, deadline=timedelta(minutes=1))
    assert report.status is RunStatus.aborted and len(sink.told) == 1
    runner.stop.clear()
    clock.advance(timedelta(minutes=6))
    handlers = {shipments.SHIPMENT_CREATED: shipment_handler({"web": FakeConnector(shipments=sink)}, engine, clock)}
    runner.run_shared(("dispatch", ""), work, trigger=Trigger.manual, deadline=timedelta(minutes=1))
    assert sorted(n.order_external_id for n in sink.told) == ["1", "2", "3"]
