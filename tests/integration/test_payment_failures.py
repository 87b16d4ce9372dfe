"""A failed payment (a declined capture, a lapsed authorization) puts the order on requires_action and is told to
its channel once: through the outbox, retried with backoff, dead-lettered after the last attempt; and the
failure stands across the channel's later versions until the channel reports the payment settled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import dead_letters, payments
from core.errors import RetryableError
from core.intake import ingest
from core.outbox import OutboxMessage, OutboxRetry
from core.payment_failures import PAYMENT_FAILED, PaymentFailureNotice
from core.payments import PAYMENT_OPERATION, OpStatus, PaymentPolicy
from core.providers import PaymentResult, PaymentState
from core.runs import Trigger
from core.store.schema import orders
from core.store.schema import outbox as outbox_rows
from jobs.dispatch import dispatch
from jobs.payments import payment_failure_handler, payment_handler
from jobs.runner import Runner
from tests.fakes import FakeConnector, FakePaymentProcessor
from tests.support import line, order, setup_hub

PLACEMENT = PaymentPolicy("cards", "on_placement")


@dataclass
class FakeChannel(FakeConnector):
    """A channel connector that records the payment failures it is told; `failing` makes the next tries fail."""

    told: list[PaymentFailureNotice] = field(default_factory=list)
    failing: int = 0

    def report_payment_failure(self, notice: PaymentFailureNotice, *, time_left: float | None = None) -> None:
        if self.failing:
            self.failing -= 1
            raise RetryableError("503 from the shop")
        self.told.append(notice)


def authorized(*, minutes: int = 0, **extra: Any) -> dict[str, Any]:
    extra = {"payment_status": "authorized", "payment_reference": "pi_3PRbT2LkdIwHu7ix", **extra}
    return order("5012", line("MUG", 1, 2500, line_id="a"), minutes=minutes, **extra)


def run_dispatch(engine, clock, processor, channel, *, retry: OutboxRetry | None = None) -> None:
    handlers = {
        PAYMENT_OPERATION: payment_handler({"cards": FakeConnector(payments=processor)}, engine, clock),
        PAYMENT_FAILED: payment_failure_handler({"web": channel}),
    }
    with engine.begin() as conn:
        payments.capture_on_placement(conn, {"web": PLACEMENT}, clock.now())
    Runner(engine, clock, holder="t").run_shared(
        ("dispatch", ""),
        lambda scope: dispatch(scope, handlers, batch=20, policy=retry or OutboxRetry()),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


def order_row(engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(orders)).mappings().one())


def failure_rows(engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(outbox_rows).where(outbox_rows.c.topic == PAYMENT_FAILED).order_by(outbox_rows.c.id)
        return [dict(row) for row in conn.execute(query).mappings()]


def test_a_declined_capture_puts_the_order_on_requires_action_and_tells_its_channel_once(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized()], clock=clock)
    processor, channel = FakePaymentProcessor(decline=True), FakeChannel()
    run_dispatch(engine, clock, processor, channel)

    row = order_row(engine)
    assert (row["status"], row["payment_status"]) == ("requires_action", "requires_action")
    assert row["hold_reason"] == "the processor declined cap-1-1: expired_card"
    assert [(n.reference, n.order_external_id, n.kind, n.amount, n.reason) for n in channel.told] == [
        ("cap-1-1", "5012", "capture", 2500, "declined: expired_card")
    ]
    assert [(r["status"], r["payload"]["channel"]) for r in failure_rows(engine)] == [("done", "web")]
    with engine.begin() as conn:  # whoever replays the operation, the decline stands and is not told again
        conn.execute(outbox_rows.update().where(outbox_rows.c.topic == PAYMENT_OPERATION).values(status="pending"))
    run_dispatch(engine, clock, processor, channel)
    assert processor.calls == ["cap-1-1"] and len(channel.told) == 1 and len(failure_rows(engine)) == 1


def test_a_lapsed_authorization_is_told_once_however_often_its_dead_letter_is_replayed(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized()], clock=clock)
    processor, channel = FakePaymentProcessor(expired=True), FakeChannel()
    run_dispatch(engine, clock, processor, channel)
    with engine.begin() as conn:
        [letter] = dead_letters.list_dead(conn)
        assert letter["topic"] == PAYMENT_OPERATION
        assert dead_letters.replay(conn, letter["id"], clock.now(), by="ops")
    run_dispatch(engine, clock, processor, channel)

    assert processor.calls == ["cap-1-1", "cap-1-1"]  # tried again on replay, and lapsed again
    assert [n.reference for n in channel.told] == ["cap-1-1"] and "authorization was canceled" in channel.told[0].reason
    with engine.connect() as conn:
        assert [op["status"] for op in payments.operations(conn, 1)] == [OpStatus.auth_expired]


def test_a_channel_that_cannot_be_told_is_retried_with_backoff_then_dead_lettered(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized()], clock=clock)
    processor, channel = FakePaymentProcessor(decline=True), FakeChannel(failing=9)
    retry = OutboxRetry(max_attempts=3, base_delay=timedelta(seconds=30))
    waits = []
    for _ in range(3):
        run_dispatch(engine, clock, processor, channel, retry=retry)
        [row] = failure_rows(engine)
        waits.append((row["attempts"], row["status"], row["available_at"] - clock.now()))
        clock.advance(row["available_at"] - clock.now())
    assert waits == [
        (1, "pending", timedelta(seconds=30)),
        (2, "pending", timedelta(seconds=60)),
        (3, "dead", timedelta(seconds=120)),
    ]
    assert "503 from the shop" in failure_rows(engine)[0]["last_error"] and channel.told == []

    channel.failing, [dead] = 0, failure_rows(engine)
    with engine.begin() as conn:
        assert dead_letters.replay(conn, dead["id"], clock.now(), by="ops")
    run_dispatch(engine, clock, processor, channel, retry=retry)
    assert [n.reference for n in channel.told] == ["cap-1-1"]


def test_a_channel_without_a_connector_or_one_that_cannot_take_the_notice_has_nobody_to_tell(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized()], clock=clock)
    run_dispatch(engine, clock, FakePaymentProcessor(decline=True), FakeConnector())
    assert [row["status"] for row in failure_rows(engine)] == ["done"]
    [row] = failure_rows(engine)
    message = OutboxMessage(row["id"], row["topic"], row["aggregate_type"], row["aggregate_id"], row["payload"], 0)
    payment_failure_handler({})(message)  # an import-only channel: nothing to call, nothing raised


def test_the_failure_stands_in_the_channels_next_versions_until_the_channel_reports_the_payment_settled(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized()], clock=clock)
    run_dispatch(engine, clock, FakePaymentProcessor(decline=True), FakeChannel())
    reason = order_row(engine)["hold_reason"]

    ingest(engine, "web", [authorized(minutes=5, notes="call the customer")], clock=clock)  # still authorized there
    row = order_row(engine)
    assert (row["status"], row["payment_status"], row["hold_reason"]) == ("requires_action", "requires_action", reason)

    ingest(engine, "web", [authorized(minutes=10, payment_status="captured")], clock=clock)  # paid another way
    row = order_row(engine)
    assert (row["status"], row["payment_status"], row["hold_reason"]) == ("pending", "captured", None)


def test_what_the_processor_said_after_the_failure_is_kept_against_the_channels_stale_payment_status(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized()], clock=clock)
    run_dispatch(engine, clock, FakePaymentProcessor(expired=True), FakeChannel())
    with engine.begin() as conn:  # a read of the payment finds the lapsed authorization canceled
        lapsed = PaymentResult("pi_3PRbT2LkdIwHu7ix", PaymentState.canceled, "EUR", 2500, 0, 0)
        payments.record(conn, 1, lapsed, clock.now())
    ingest(engine, "web", [authorized(minutes=5)], clock=clock)  # the shop still shows it authorized
    row = order_row(engine)
    assert (row["status"], row["payment_status"]) == ("requires_action", "canceled")
    assert "authorization expired before cap-1-1" in row["hold_reason"]
