"""An order canceled in its channel after release: nothing sent, a cancel acknowledged, or a person called."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import cancellations, fulfillment
from core.intake import ingest
from core.outbox import OutboxRetry
from core.routing import Router
from core.runs import Trigger
from core.store.schema import fulfillment_requests, orders
from jobs.dispatch import dispatch
from jobs.fulfillment import cancel_handler, request_handler
from jobs.runner import Runner
from tests.fakes import FakeConnector, FakeFulfillmentProvider
from tests.support import levels, line, order, setup_hub


def paid(*, minutes: int = 0, **extra) -> dict:
    return order("1", line("MUG", 2, line_id="a"), minutes=minutes, payment_status="captured", **extra)


def dispatch_all(engine, clock, provider: FakeFulfillmentProvider, *, release: bool = True) -> None:
    providers = {"bp": FakeConnector(fulfillment=provider)}
    handlers = {
        fulfillment.FULFILLMENT_REQUESTED: request_handler(providers, engine, clock),
        cancellations.FULFILLMENT_CANCEL: cancel_handler(providers, engine, clock),
    }
    with engine.begin() as conn:
        cancellations.cancel_released(conn, clock.now())
        if release:
            fulfillment.release(conn, Router({"near": "bp"}), clock.now())
    Runner(engine, clock, holder="t").run_shared(
        ("dispatch", ""),
        lambda scope: dispatch(scope, handlers, batch=20, policy=OutboxRetry()),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


def request_status(engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(fulfillment_requests.c.status)).scalar_one())


def test_an_order_canceled_before_its_request_went_out_is_never_sent(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid()], clock=clock)
    with engine.begin() as conn:
        fulfillment.release(conn, Router({"near": "bp"}), clock.now())
    ingest(engine, "web", [paid(minutes=5, status="canceled")], clock=clock)
    provider = FakeFulfillmentProvider()
    dispatch_all(engine, clock, provider, release=False)
    assert provider.sends == 0 and provider.canceled == []
    assert request_status(engine) == "canceled"
    assert levels(engine) == {("MUG", "near"): (5, 0)}


def test_an_accepted_request_is_canceled_at_the_provider_and_marked_so_on_its_acknowledgement(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid()], clock=clock)
    provider = FakeFulfillmentProvider()
    dispatch_all(engine, clock, provider)
    assert request_status(engine) == "accepted"
    ingest(engine, "web", [paid(minutes=5, status="canceled")], clock=clock)
    dispatch_all(engine, clock, provider)
    dispatch_all(engine, clock, provider)
    assert provider.canceled == ["ful-1-near-bp"] and request_status(engine) == "canceled"


def test_a_provider_that_already_shipped_leaves_the_order_for_a_person_with_a_return_to_open(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid()], clock=clock)
    provider = FakeFulfillmentProvider(too_late=True)
    dispatch_all(engine, clock, provider)
    ingest(engine, "web", [paid(minutes=5, status="canceled")], clock=clock)
    dispatch_all(engine, clock, provider)
    assert request_status(engine) == "cancel_refused"
    with engine.connect() as conn:
        status, reason = conn.execute(select(orders.c.status, orders.c.hold_reason)).one()
    assert status == "requires_action" and "open a return" in reason
    ingest(engine, "web", [paid(minutes=9, status="canceled", notes="late note")], clock=clock)
    with engine.connect() as conn:
        kept = conn.execute(select(orders.c.fulfillment_status, orders.c.hold_reason, orders.c.fulfillment_hold)).one()
    assert tuple(kept) == ("requires_action", reason, reason), "the channel's next version keeps it for a person"
