"""Dead letters: listed with their channel and error, replayed once each, every replay recorded."""

from __future__ import annotations

from datetime import timedelta

from core import dead_letters, outbox, shipments
from core.errors import RetryableError
from core.intake import ingest
from core.outbox import OutboxRetry
from core.runs import Trigger
from core.shipments import ShipmentReport
from jobs.dispatch import dispatch
from jobs.report_shipments import shipment_handler
from jobs.runner import Runner
from tests.fakes import FakeConnector, FakeShipmentSink
from tests.support import line, order, setup_hub

TWO_TRIES = OutboxRetry(max_attempts=2, base_delay=timedelta(seconds=10))


def run_dispatch(engine, clock, sink: FakeShipmentSink) -> None:
    handlers = {shipments.SHIPMENT_CREATED: shipment_handler({"web": FakeConnector(shipments=sink)}, engine, clock)}
    Runner(engine, clock, holder="t").run(
        ("dispatch", ""),
        lambda scope: dispatch(scope, handlers, batch=10, policy=TWO_TRIES),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


class Refusing(FakeShipmentSink):
    def report_shipment(self, notice, *, time_left=None):
        raise RetryableError("503 Service Unavailable from shop.example")


def a_dead_shipment_notice(engine, clock) -> int:
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [order("1001", line("MUG", 1, line_id="a"))], clock=clock)
    with engine.begin() as conn:
        shipments.record(conn, ShipmentReport("web:1001", "near", {"MUG": 1}), clock.now())
    for _ in range(2):
        run_dispatch(engine, clock, Refusing())
        clock.advance(timedelta(seconds=30))
    with engine.connect() as conn:
        [letter] = dead_letters.list_dead(conn)
    return int(letter["id"])


def test_a_dead_letter_is_listed_with_its_channel_and_the_error_it_died_of(engine, clock):
    letter_id = a_dead_shipment_notice(engine, clock)
    with engine.connect() as conn:
        [letter] = dead_letters.list_dead(conn, channel="web")
        assert dead_letters.list_dead(conn, channel="pos") == []
    assert letter["id"] == letter_id and letter["topic"] == shipments.SHIPMENT_CREATED
    assert letter["attempts"] == 2 and "503 Service Unavailable" in letter["last_error"]


def test_a_replay_delivers_once_and_is_recorded_against_the_original(engine, clock):
    letter_id = a_dead_shipment_notice(engine, clock)
    with engine.begin() as conn:
        assert dead_letters.replay(conn, letter_id, clock.now(), by="ops@host")
        assert not dead_letters.replay(conn, letter_id, clock.now(), by="ops@host"), "not dead any more"
    sink = FakeShipmentSink()
    run_dispatch(engine, clock, sink)
    assert [n.order_external_id for n in sink.told] == ["1001"]
    with engine.connect() as conn:
        letter = dead_letters.get(conn, letter_id)
        assert outbox.counts(conn).get("dead", 0) == 0
    assert letter["status"] == "done"
    [replay] = letter["replays"]
    assert replay["replayed_by"] == "ops@host" and replay["attempts_before"] == 2
    assert "503" in replay["error_before"]
