"""Each tracking number's push to the channel has its own status: pending, sent, confirmed or failed.

A shipment queues one push per tracking number; the dispatch marks them sent once the channel accepted the
notice (confirmed at once where its answer shows them); the check-tracking job reads the channel back until
every number is confirmed, or failed and in the dead letters with the reason. A replay sends them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli import shipments as shipments_cli
from cli.context import Hub
from config.settings import Config
from core import dead_letters, outbox, shipments, tracking
from core.clock import FixedClock
from core.errors import FatalError, RequestRejected, RetryableError
from core.intake import ingest
from core.outbox import OutboxRetry
from core.runs import Trigger
from core.shipments import OnChannel, PushStatus, ShipmentNotice, ShipmentReport, Tracking
from core.tracking import CheckPolicy
from jobs.dispatch import dispatch
from jobs.report_shipments import shipment_handler
from jobs.runner import Runner, RunReport
from jobs.tracking import check_tracking
from tests.fakes import FakeConnector, FakeShipmentSink
from tests.support import line, order, setup_hub

POLICY = CheckPolicy(max_checks=3, interval=timedelta(minutes=10))
DHL = Tracking("JJD0001", "DHL", "https://t.example/JJD0001")
UPS = Tracking("1Z999AA10123456784", "UPS", "https://t.example/1Z999AA10123456784")


@dataclass
class Channel:
    """A channel whose tracking update is asynchronous: it accepts a notice at once and tells nothing of the
    outcome (`answer`), which a read-back shows later (`found`, `holds`, `errors`)."""

    told: list[ShipmentNotice] = field(default_factory=list)
    answer: OnChannel | None = None
    refuse: Exception | None = None
    found: bool = True
    holds: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    unreadable: Exception | None = None
    read: int = 0

    def report_shipment(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel | None:
        if self.refuse is not None:
            raise self.refuse
        self.told.append(notice)
        return self.answer

    def shipment_on_channel(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel:
        self.read += 1
        if self.unreadable is not None:
            raise self.unreadable
        return OnChannel(self.found, frozenset(self.holds), dict(self.errors))


@dataclass
class Connector:
    shipments: Channel
    orders: Any = None
    stock: Any = None
    fulfillment: Any = None
    payments: Any = None

    def check(self) -> list[str]:
        return []

    def close(self) -> None:
        return None


def a_shipment(engine: Engine, clock: FixedClock, *tracking_numbers: Tracking) -> None:
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [order("1001", line("MUG", 2, line_id="a"))], clock=clock)
    report = ShipmentReport("web:1001", "near", {"MUG": 1}, tuple(tracking_numbers), reference="SHP-1")
    with engine.begin() as conn:
        shipments.record(conn, report, clock.now())


def deliver(engine: Engine, clock: FixedClock, channel: Channel | FakeShipmentSink) -> RunReport:
    connector = Connector(channel) if isinstance(channel, Channel) else FakeConnector(shipments=channel)
    handlers = {shipments.SHIPMENT_CREATED: shipment_handler({"web": connector}, engine, clock)}
    return Runner(engine, clock, holder="t").run_shared(
        ("dispatch", ""),
        lambda scope: dispatch(scope, handlers, batch=10, policy=OutboxRetry()),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


def check(
    engine: Engine, clock: FixedClock, channel: Channel | FakeShipmentSink, *, wait: bool = True, dry_run: bool = False
) -> RunReport:
    if wait:
        clock.advance(POLICY.interval)
    connector = Connector(channel) if isinstance(channel, Channel) else FakeConnector(shipments=channel)
    return Runner(engine, clock, holder="t").run(
        ("check-tracking", ""),
        lambda scope: check_tracking(scope, {"web": connector}, POLICY),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
        dry_run=dry_run,
    )


def pushes(engine: Engine, **filters: Any) -> dict[str | None, dict[str, Any]]:
    with engine.connect() as conn:
        return {push["number"]: push for push in tracking.pushes(conn, **filters)}


def statuses(engine: Engine) -> Mapping[str | None, str]:
    return {number: push["status"] for number, push in pushes(engine).items()}


def the_dead_letter(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        [letter] = dead_letters.list_dead(conn, channel="web")
    return letter


def test_a_recorded_shipment_queues_one_pending_push_per_tracking_number(engine, clock):
    a_shipment(engine, clock, DHL, UPS, DHL)
    found = pushes(engine)
    assert list(found) == ["JJD0001", "1Z999AA10123456784"]
    assert {p["status"] for p in found.values()} == {"pending"}
    assert found["JJD0001"]["carrier"] == "DHL" and found["JJD0001"]["shipment"] == "SHP-1"
    assert (found["JJD0001"]["channel"], found["JJD0001"]["order"]) == ("web", "1001")


def test_a_shipment_without_tracking_still_has_one_push_to_follow(engine, clock):
    a_shipment(engine, clock)
    assert statuses(engine) == {None: "pending"}
    deliver(engine, clock, Channel())
    check(engine, clock, Channel(found=True))
    assert statuses(engine) == {None: "confirmed"}


def test_pushes_are_sent_once_the_channel_accepted_the_notice(engine, clock):
    a_shipment(engine, clock, DHL, UPS)
    channel = Channel()
    deliver(engine, clock, channel)
    assert [n.reference for n in channel.told] == ["SHP-1"]
    assert statuses(engine) == {"JJD0001": "sent", "1Z999AA10123456784": "sent"}


def test_numbers_the_channels_answer_already_shows_are_confirmed_at_once(engine, clock):
    a_shipment(engine, clock, DHL, UPS)
    deliver(engine, clock, Channel(answer=OnChannel(True, frozenset({"JJD0001"}))))
    assert statuses(engine) == {"JJD0001": "confirmed", "1Z999AA10123456784": "sent"}


def test_a_read_back_confirms_the_numbers_the_channel_holds_and_keeps_checking_the_others(engine, clock):
    a_shipment(engine, clock, DHL, UPS)
    channel = Channel()
    deliver(engine, clock, channel)
    channel.holds = {"JJD0001"}
    report = check(engine, clock, channel)
    assert (report.counts.fetched, report.counts.updated, report.counts.unchanged) == (1, 1, 1)
    found = pushes(engine)
    assert found["JJD0001"]["status"] == "confirmed"
    assert found["1Z999AA10123456784"]["status"] == "sent" and found["1Z999AA10123456784"]["checks"] == 1
    assert "does not show tracking 1Z999AA10123456784" in found["1Z999AA10123456784"]["last_error"]
    channel.holds = {"JJD0001", "1Z999AA10123456784"}
    check(engine, clock, channel)
    assert statuses(engine) == {"JJD0001": "confirmed", "1Z999AA10123456784": "confirmed"}
    check(engine, clock, channel)
    assert channel.read == 2, "confirmed shipments are not read again"


def test_a_read_back_waits_for_the_interval_after_the_channel_accepted(engine, clock):
    a_shipment(engine, clock, DHL)
    channel = Channel(holds={"JJD0001"})
    deliver(engine, clock, channel)
    clock.advance(POLICY.interval - timedelta(seconds=1))
    check(engine, clock, channel, wait=False)
    assert channel.read == 0 and statuses(engine) == {"JJD0001": "sent"}


def test_a_number_never_shown_fails_at_the_last_check_and_the_notice_goes_to_the_dead_letters(engine, clock):
    a_shipment(engine, clock, DHL, UPS)
    channel = Channel(holds={"JJD0001"})
    deliver(engine, clock, channel)
    for _ in range(POLICY.max_checks):
        check(engine, clock, channel)
    found = pushes(engine)
    assert found["JJD0001"]["status"] == "confirmed"
    assert found["1Z999AA10123456784"]["status"] == "failed" and found["1Z999AA10123456784"]["checks"] == 3
    letter = the_dead_letter(engine)
    assert letter["topic"] == shipments.SHIPMENT_CREATED
    assert "1Z999AA10123456784" in letter["last_error"] and "check 3 of 3" in letter["last_error"]
    assert "JJD0001" not in letter["last_error"]
    check(engine, clock, channel)
    assert channel.read == POLICY.max_checks, "a dead-lettered notice is not read again"


def test_two_numbers_on_an_asynchronous_channel_that_later_fails_one_are_confirmed_or_dead_lettered(engine, clock):
    """Acceptance 24: each tracking number is either confirmed on the channel or sits in the dead-letter table
    with the channel's error, and nothing is lost."""
    a_shipment(engine, clock, DHL, UPS)
    channel = Channel()
    deliver(engine, clock, channel)
    assert statuses(engine) == {"JJD0001": "sent", "1Z999AA10123456784": "sent"}
    channel.holds = {"JJD0001"}
    channel.errors = {"1Z999AA10123456784": "carrier_code_invalid: 'UPS' is not a carrier of this marketplace"}
    check(engine, clock, channel)
    found = pushes(engine)
    assert found["JJD0001"]["status"] == "confirmed"
    assert found["1Z999AA10123456784"]["status"] == "failed"
    assert found["1Z999AA10123456784"]["last_error"].startswith("not confirmed by the channel: 1Z999AA10123456784:")
    letter = the_dead_letter(engine)
    assert "carrier_code_invalid: 'UPS' is not a carrier of this marketplace" in letter["last_error"]
    assert {n for n, p in found.items() if p["status"] != "confirmed"} <= {"1Z999AA10123456784"}


def test_a_replay_brings_the_failed_numbers_back_to_pending_and_sends_them_again(engine, clock):
    a_shipment(engine, clock, DHL, UPS)
    channel = Channel(holds={"JJD0001"}, errors={"1Z999AA10123456784": "label rejected"})
    deliver(engine, clock, channel)
    check(engine, clock, channel)
    letter = the_dead_letter(engine)
    with engine.begin() as conn:
        assert dead_letters.replay(conn, letter["id"], clock.now(), by="ops@host")
    assert statuses(engine) == {"JJD0001": "confirmed", "1Z999AA10123456784": "pending"}
    channel.errors, channel.holds = {}, {"JJD0001", "1Z999AA10123456784"}
    deliver(engine, clock, channel)
    after = pushes(engine)
    assert after["1Z999AA10123456784"]["status"] == "sent" and after["1Z999AA10123456784"]["checks"] == 0
    check(engine, clock, channel)
    assert statuses(engine) == {"JJD0001": "confirmed", "1Z999AA10123456784": "confirmed"}
    assert len(channel.told) == 2
    with engine.connect() as conn:
        assert outbox.counts(conn).get("dead", 0) == 0


def test_a_notice_the_channel_refuses_shows_its_pushes_failed_with_the_channels_error(engine, clock):
    a_shipment(engine, clock, DHL, UPS)
    refusal = RequestRejected(
        "POST orders/1001/notes answered 400: woocommerce_rest_shop_order_invalid_id",
        status=400,
        excerpt='{"code":"woocommerce_rest_shop_order_invalid_id"}',
    )
    deliver(engine, clock, Channel(refuse=refusal))
    found = pushes(engine)
    assert {p["status"] for p in found.values()} == {"failed"}
    assert all("woocommerce_rest_shop_order_invalid_id" in p["last_error"] for p in found.values())
    with engine.connect() as conn:
        assert {p["number"] for p in tracking.pushes(conn, status=PushStatus.failed)} == set(found)
        assert tracking.pushes(conn, status=PushStatus.pending) == []
    letter = the_dead_letter(engine)
    with engine.begin() as conn:
        dead_letters.replay(conn, letter["id"], clock.now(), by="ops@host")
    assert set(statuses(engine).values()) == {"pending"}


def test_a_notice_being_retried_reads_as_pending_with_the_last_error(engine, clock):
    a_shipment(engine, clock, DHL)
    deliver(engine, clock, Channel(refuse=RetryableError("503 Service Unavailable from shop.example")))
    [push] = pushes(engine).values()
    assert push["status"] == "pending" and "503 Service Unavailable" in push["last_error"]


def test_a_read_back_the_channel_refuses_counts_as_a_check_with_its_error(engine, clock):
    a_shipment(engine, clock, DHL)
    channel = Channel()
    deliver(engine, clock, channel)
    channel.unreadable = FatalError("GET /admin/orders/1001 answered 404: Order with id: 1001 was not found")
    for _ in range(POLICY.max_checks):
        check(engine, clock, channel)
    [push] = pushes(engine).values()
    assert push["status"] == "failed" and "was not found" in push["last_error"]
    assert "read-back refused" in the_dead_letter(engine)["last_error"]


def test_a_dry_run_reads_back_but_changes_nothing(engine, clock):
    a_shipment(engine, clock, DHL)
    channel = Channel(holds={"JJD0001"})
    deliver(engine, clock, channel)
    report = check(engine, clock, channel, dry_run=True)
    assert report.counts.fetched == 1 and channel.read == 1
    assert statuses(engine) == {"JJD0001": "sent"}


def test_channels_without_a_read_back_keep_their_pushes_sent(engine, clock):
    a_shipment(engine, clock, DHL)
    deliver(engine, clock, FakeShipmentSink())
    report = check(engine, clock, FakeShipmentSink())
    assert report.counts.fetched == 0 and statuses(engine) == {"JJD0001": "sent"}


def test_shipments_list_prints_each_tracking_number_with_its_status(engine, clock):
    a_shipment(engine, clock, DHL, UPS)
    channel = Channel(holds={"JJD0001"}, errors={"1Z999AA10123456784": "label rejected"})
    deliver(engine, clock, channel)
    check(engine, clock, channel)
    root = typer.Typer()
    root.add_typer(shipments_cli.app, name="shipments")
    hub = Hub(config=Config(), engine=engine, clock=clock)

    def run(*args: str) -> Any:
        result = CliRunner().invoke(root, ["shipments", "list", *args], obj=lambda: hub)
        assert result.exit_code == 0, result.output
        return result.output

    listed = orjson.loads(run("--order", "web:1001", "--json"))
    assert [(p["number"], p["status"]) for p in listed] == [("JJD0001", "confirmed"), ("1Z999AA10123456784", "failed")]
    [failed] = orjson.loads(run("--status", "failed", "--json"))
    assert failed["shipment"] == "SHP-1" and "label rejected" in failed["last_error"]
    assert "1Z999AA10123456784" in run()
