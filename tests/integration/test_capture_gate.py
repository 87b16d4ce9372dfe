"""Captures only in the channel statuses a channel's payments configuration names: a capture due earlier waits
(no failure, no hold) and happens once the order reaches such a status, at placement or for what shipped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.intake import ingest
from core.payment_failures import PAYMENT_FAILED
from core.payments import PaymentPolicy
from core.providers import ProviderShipment
from core.store.schema import orders
from core.store.schema import outbox as outbox_rows
from tests.fakes import FakeFulfillmentProvider, FakePaymentProcessor
from tests.integration.test_payments import dispatch_all
from tests.integration.test_payments import ship as ship_notes
from tests.support import line, order, setup_hub

PROCESSING = frozenset({"processing"})


def placed(status: str, *, minutes: int = 0) -> dict[str, Any]:
    """A WooCommerce-like order, authorized by card, in the shop's status `status`."""
    lines = (line("MUG", 1, 1500, line_id="a"), line("TEA", 1, 1000, line_id="b"))
    extra = {"payment_status": "authorized", "payment_reference": "pi_3PRbT2Lk", "channel_status": status}
    return order("7001", *lines, minutes=minutes, **extra)


def sweep_and_dispatch(engine, clock, policy: PaymentPolicy, processor, provider=None) -> None:
    """What one dispatch run does with money and releases, then every due outbox row."""
    dispatch_all(engine, clock, provider or FakeFulfillmentProvider(), processor, policy)


def ship(engine, clock, provider, policy: PaymentPolicy, *notes: ProviderShipment) -> None:
    ship_notes(engine, clock, provider, *notes, policy=policy)


def state(engine) -> tuple[str, str, str | None, int]:
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.status, orders.c.payment_status, orders.c.hold_reason)).one()
        failures = conn.execute(select(outbox_rows.c.id).where(outbox_rows.c.topic == PAYMENT_FAILED)).all()
    return row.status, row.payment_status, row.hold_reason, len(failures)


def note(ref: str, sku: str) -> ProviderShipment:
    return ProviderShipment(ref, "ful-1-near-bp", "near", ((sku, 1),))


def test_a_capture_at_placement_waits_for_a_capturable_status_then_happens(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    policy = PaymentPolicy("cards", "on_placement", capturable_statuses=PROCESSING)
    processor = FakePaymentProcessor()
    ingest(engine, "web", [placed("on-hold")], clock=clock)  # the shop is still checking the order
    sweep_and_dispatch(engine, clock, policy, processor)
    assert processor.calls == [] and state(engine) == ("pending", "authorized", None, 0)  # waiting is not failing

    ingest(engine, "web", [placed("processing", minutes=5)], clock=clock)
    sweep_and_dispatch(engine, clock, policy, processor)
    assert processor.captures == {"cap-1-1": 2500} and state(engine)[1] == "captured"


def test_without_capturable_statuses_a_capture_happens_in_any_status(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    processor = FakePaymentProcessor()
    ingest(engine, "web", [placed("on-hold")], clock=clock)
    sweep_and_dispatch(engine, clock, PaymentPolicy("cards", "on_placement"), processor)
    assert processor.captures == {"cap-1-1": 2500}


def test_shipment_captures_skipped_in_a_status_that_does_not_allow_them_are_made_once_it_does(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    policy = PaymentPolicy("cards", multiple_captures=True, capturable_statuses=PROCESSING)
    processor, provider = FakePaymentProcessor(authorized=2500, multiple=True), FakeFulfillmentProvider()
    ingest(engine, "web", [placed("on-hold")], clock=clock)
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    ship(engine, clock, provider, policy, note("n1", "MUG"))  # the first parcel leaves before the shop allows it
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    assert processor.calls == [] and state(engine) == ("pending", "authorized", None, 0)

    clock.advance(timedelta(minutes=10))
    ingest(engine, "web", [placed("processing", minutes=10)], clock=clock)
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    assert processor.captures == {"cap-1-1": 1500}
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    assert processor.calls == ["cap-1-1"], "nothing left the warehouse since: nothing more to capture"

    clock.advance(timedelta(minutes=10))
    ship(engine, clock, provider, policy, note("n1", "MUG"), note("n2", "TEA"))  # allowed now: captured at once
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    assert processor.captures == {"cap-1-1": 1500, "cap-1-2": 1000} and state(engine)[1] == "captured"


def test_one_capture_at_the_last_shipment_waits_for_the_status_and_then_takes_the_whole_order(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    policy = PaymentPolicy("cards", "on_shipment", "last_shipment", capturable_statuses=PROCESSING)
    processor, provider = FakePaymentProcessor(), FakeFulfillmentProvider()
    ingest(engine, "web", [placed("on-hold")], clock=clock)
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    ship(engine, clock, provider, policy, note("n1", "MUG"), note("n2", "TEA"))
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    assert processor.calls == []

    clock.advance(timedelta(minutes=10))
    ingest(engine, "web", [placed("processing", minutes=10)], clock=clock)
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    sweep_and_dispatch(engine, clock, policy, processor, provider)
    assert processor.captures == {"cap-1-1": 2500}


def test_a_version_that_states_no_channel_status_keeps_the_one_known(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [placed("processing")], clock=clock)
    silent = placed("processing", minutes=5)
    del silent["channel_status"]  # as a change the hub makes to the order itself (an edit) reads it
    ingest(engine, "web", [silent], clock=clock)
    with engine.connect() as conn:
        assert conn.execute(select(orders.c.channel_status)).scalar_one() == "processing"
