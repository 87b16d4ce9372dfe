"""Payments of shipped orders are captured once, at the shipment the channel's policy names."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import fulfillment, payments
from core.intake import ingest
from core.outbox import OutboxRetry
from core.payments import PAYMENT_CAPTURE, CapturePolicy
from core.providers import ProviderShipment
from core.routing import Router
from core.runs import Trigger
from core.store.schema import orders
from jobs.dispatch import dispatch
from jobs.fulfillment import capture_handler, pull_shipments, request_handler
from jobs.runner import Runner
from tests.fakes import FakeConnector, FakeFulfillmentProvider, FakePaymentProcessor
from tests.support import T0, line, order, setup_hub

ROUTER = Router({"near": "bp"})


def authorized(external_id: str, *lines: dict) -> dict:
    return order(external_id, *lines, payment_status="authorized", payment_reference="pi_3PRbT2LkdIwHu7ix0cFq1a2b")


def dispatch_all(engine, clock, provider, processor):
    handlers = {
        fulfillment.FULFILLMENT_REQUESTED: request_handler({"bp": FakeConnector(fulfillment=provider)}, engine, clock),
        PAYMENT_CAPTURE: capture_handler({"cards": FakeConnector(payments=processor)}, engine, clock),
    }
    with engine.begin() as conn:
        fulfillment.release(conn, ROUTER, clock.now())
    Runner(engine, clock, holder="t").run_shared(
        ("dispatch", ""),
        lambda scope: dispatch(scope, handlers, batch=20, policy=OutboxRetry()),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


def ship(engine, clock, provider, *notes: ProviderShipment, policy: CapturePolicy):
    provider.shipped = list(notes)
    Runner(engine, clock, holder="t").run(
        ("pull-shipments", "bp"),
        lambda scope: pull_shipments(scope, "bp", provider, {"web": policy}),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


def payment(engine) -> tuple[str, int]:
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.payment_status, orders.c.captured_total)).one()
    return row[0], row[1]


def test_the_order_total_is_captured_once_at_the_last_shipment(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [authorized("1", line("MUG", 1, line_id="a"), line("TEA", 1, line_id="b"))], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor)
    policy = CapturePolicy("cards", "last_shipment")
    first = ProviderShipment("n1", "ful-1-near-bp", "near", (("MUG", 1),))
    ship(engine, clock, provider, first, policy=policy)
    dispatch_all(engine, clock, provider, processor)
    assert processor.captures == {} and payment(engine) == ("authorized", 0)
    ship(engine, clock, provider, first, ProviderShipment("n2", "ful-1-near-bp", "near", (("TEA", 1),)), policy=policy)
    dispatch_all(engine, clock, provider, processor)
    dispatch_all(engine, clock, provider, processor)
    assert processor.captures == {"cap-1": 2000} and payment(engine) == ("captured", 2000)


def test_at_the_first_shipment_the_whole_order_is_captured_and_later_shipments_capture_nothing(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [authorized("1", line("MUG", 1, line_id="a"), line("TEA", 1, line_id="b"))], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor)
    policy = CapturePolicy("cards", "first_shipment")
    first = ProviderShipment("n1", "ful-1-near-bp", "near", (("MUG", 1),))
    ship(engine, clock, provider, first, policy=policy)
    ship(engine, clock, provider, first, ProviderShipment("n2", "ful-1-near-bp", "near", (("TEA", 1),)), policy=policy)
    dispatch_all(engine, clock, provider, processor)
    assert processor.captures == {"cap-1": 2000} and payment(engine) == ("captured", 2000)


def test_a_declined_capture_puts_the_payment_on_requires_action(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized("1", line("MUG", 1, line_id="a"))], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor(decline=True)
    dispatch_all(engine, clock, provider, processor)
    ship(
        engine,
        clock,
        provider,
        ProviderShipment("n1", "ful-1-near-bp", "near", (("MUG", 1),)),
        policy=CapturePolicy("cards"),
    )
    dispatch_all(engine, clock, provider, processor)
    assert payment(engine) == ("requires_action", 0)


def test_an_order_without_a_payment_reference_is_not_captured(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [order("1", line("MUG", 1, line_id="a"), payment_status="authorized")], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor)
    ship(
        engine,
        clock,
        provider,
        ProviderShipment("n1", "ful-1-near-bp", "near", (("MUG", 1),)),
        policy=CapturePolicy("cards"),
    )
    dispatch_all(engine, clock, provider, processor)
    assert processor.captures == {} and payment(engine) == ("authorized", 0)


def test_orders_waiting_to_ship_whose_authorization_lapses_within_a_day_are_counted(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 9})
    ingest(
        engine,
        "web",
        [
            authorized("1", line("MUG", 1)),
            order("2", line("MUG", 1), payment_status="authorized"),  # no reference: the hub does not capture it
            {**authorized("3", line("MUG", 1)), "fulfillment_status": "shipped"},
        ],
        clock=clock,
    )
    seven_days = timedelta(days=7)
    with engine.connect() as conn:
        placed = T0
        assert payments.expiring_authorizations(conn, "web", seven_days, placed + timedelta(days=5)) == 0
        assert payments.expiring_authorizations(conn, "web", seven_days, placed + timedelta(days=6, hours=12)) == 1
