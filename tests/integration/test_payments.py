"""Payments the hub settles: captures for what shipped (or at placement), refunds within what was captured,
releases of authorizations canceled orders no longer need; each operation sent once whatever goes wrong."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import cancellations, capture_gate, fulfillment, fulfillment_holds, payments
from core.errors import InvalidRequest
from core.intake import ingest
from core.outbox import OutboxRetry
from core.payments import PAYMENT_OPERATION, OpStatus, PaymentPolicy
from core.providers import ProviderShipment
from core.routing import Router
from core.runs import Trigger
from core.store.schema import orders
from core.store.schema import outbox as outbox_rows
from jobs.dispatch import dispatch
from jobs.fulfillment import cancel_handler, pull_shipments, request_handler
from jobs.payments import payment_handler
from jobs.runner import Runner
from tests.fakes import FakeConnector, FakeFulfillmentProvider, FakePaymentProcessor
from tests.support import T0, line, order, setup_hub

ROUTER = Router({"near": "bp"})
LAST = PaymentPolicy("cards", "on_shipment", "last_shipment")
FIRST = PaymentPolicy("cards", "on_shipment", "first_shipment")
MULTI = PaymentPolicy("cards", "on_shipment", multiple_captures=True)
PLACEMENT = PaymentPolicy("cards", "on_placement")


def authorized(external_id: str, *lines: dict, **extra) -> dict:
    return order(
        external_id,
        *lines,
        **{"payment_status": "authorized", "payment_reference": "pi_3PRbT2LkdIwHu7ix0cFq1a2b", **extra},
    )


def two_lines(**extra) -> dict:
    return authorized("1", line("MUG", 1, line_id="a"), line("TEA", 1, line_id="b"), **extra)


def dispatch_all(engine, clock, provider, processor, policy: PaymentPolicy = LAST, *, retry=None):
    """One dispatch job: the money sweeps, release, then every due outbox row."""
    handlers = {
        fulfillment.FULFILLMENT_REQUESTED: request_handler({"bp": FakeConnector(fulfillment=provider)}, engine, clock),
        PAYMENT_OPERATION: payment_handler({"cards": FakeConnector(payments=processor)}, engine, clock),
    }
    with engine.begin() as conn:
        payments.settle_canceled(conn, {"web": policy}, clock.now())
        payments.capture_on_placement(conn, {"web": policy}, clock.now())
        capture_gate.capture_waiting(conn, {"web": policy}, clock.now())
        fulfillment.release(conn, ROUTER, clock.now())
    Runner(engine, clock, holder="t").run_shared(
        ("dispatch", ""),
        lambda scope: dispatch(scope, handlers, batch=20, policy=retry or OutboxRetry()),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


def ship(engine, clock, provider, *notes: ProviderShipment, policy: PaymentPolicy = LAST):
    provider.shipped = list(notes)
    Runner(engine, clock, holder="t").run(
        ("pull-shipments", "bp"),
        lambda scope: pull_shipments(scope, "bp", provider, {"web": policy}),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


def note(ref: str, *lines: tuple[str, int]) -> ProviderShipment:
    return ProviderShipment(ref, "ful-1-near-bp", "near", lines)


def payment(engine) -> tuple[str, int, int]:
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.payment_status, orders.c.captured_total, orders.c.refunded_total)).one()
    return row[0], row[1], row[2]


def ops(engine) -> list[tuple[str, int, str]]:
    with engine.connect() as conn:
        return [(op["reference"], op["amount"], op["status"]) for op in payments.operations(conn, 1)]


def test_the_order_total_is_captured_once_at_the_last_shipment(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [two_lines()], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor)
    first = note("n1", ("MUG", 1))
    ship(engine, clock, provider, first)
    dispatch_all(engine, clock, provider, processor)
    assert processor.captures == {} and payment(engine) == ("authorized", 0, 0)
    ship(engine, clock, provider, first, note("n2", ("TEA", 1)))
    dispatch_all(engine, clock, provider, processor)
    dispatch_all(engine, clock, provider, processor)
    assert processor.captures == {"cap-1-1": 2000} and payment(engine) == ("captured", 2000, 0)


def test_at_the_first_shipment_the_whole_order_is_captured_and_later_shipments_capture_nothing(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [two_lines()], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor, FIRST)
    first = note("n1", ("MUG", 1))
    ship(engine, clock, provider, first, policy=FIRST)
    ship(engine, clock, provider, first, note("n2", ("TEA", 1)), policy=FIRST)
    dispatch_all(engine, clock, provider, processor, FIRST)
    assert processor.captures == {"cap-1-1": 2000} and payment(engine) == ("captured", 2000, 0)


def test_with_multiple_captures_each_shipment_captures_what_it_carried_and_a_refund_stays_within_captured(
    engine, clock
):
    """Two shipments against one authorization, then partial refunds: captured equals the shipped value
    (shipping with the first parcel), never more than authorized; refunds never more than captured."""
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(
        engine,
        "web",
        [
            authorized(
                "1",
                line("MUG", 2, unit_price=1250, line_id="a"),
                line("TEA", 1, unit_price=999, line_id="b"),
                order_discount=300,
                shipping_total=495,
            )
        ],
        clock=clock,
    )
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor(authorized=3694, multiple=True)
    dispatch_all(engine, clock, provider, processor, MULTI)
    first = note("n1", ("MUG", 1))
    ship(engine, clock, provider, first, policy=MULTI)
    dispatch_all(engine, clock, provider, processor, MULTI)
    # MUG line: 2,500 less its share of the 300 discount (2,500/3,499 of it: 214) = 2,286; one unit = 1,143
    assert processor.captures == {"cap-1-1": 1143 + 495}
    ship(engine, clock, provider, first, note("n2", ("MUG", 1), ("TEA", 1)), policy=MULTI)
    dispatch_all(engine, clock, provider, processor, MULTI)
    assert sum(processor.captures.values()) == 3694 and len(processor.captures) == 2
    assert payment(engine) == ("captured", 3694, 0)

    with engine.begin() as conn:
        payments.request_refund(conn, "1", "cards", 1000, "operator", clock.now())
        with pytest.raises(InvalidRequest, match=r"cannot refund 26\.95 EUR.*26\.94 EUR not refunded yet"):
            payments.request_refund(conn, "1", "cards", 2695, "operator", clock.now())
    dispatch_all(engine, clock, provider, processor, MULTI)
    assert processor.refunds == {"ref-1-1": 1000} and payment(engine) == ("partially_refunded", 3694, 1000)


def test_a_declined_capture_puts_the_payment_on_requires_action_and_is_not_sent_again(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized("1", line("MUG", 1, line_id="a"))], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor(decline=True)
    dispatch_all(engine, clock, provider, processor)
    ship(engine, clock, provider, note("n1", ("MUG", 1)))
    dispatch_all(engine, clock, provider, processor)
    assert payment(engine) == ("requires_action", 0, 0)
    assert ops(engine) == [("cap-1-1", 1000, OpStatus.declined)]
    with engine.begin() as conn:  # whoever replays the row, the decline stands until a person acts
        conn.execute(outbox_rows.update().where(outbox_rows.c.topic == PAYMENT_OPERATION).values(status="pending"))
    dispatch_all(engine, clock, provider, processor)
    assert processor.calls == ["cap-1-1"]


def test_a_capture_whose_answer_was_lost_is_asked_again_under_its_reference_and_charges_once(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized("1", line("MUG", 1, line_id="a"))], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor(lost={"cap-1-1"})
    dispatch_all(engine, clock, provider, processor)
    ship(engine, clock, provider, note("n1", ("MUG", 1)))
    dispatch_all(engine, clock, provider, processor)
    assert ops(engine) == [("cap-1-1", 1000, OpStatus.sent)]  # the outcome is unknown until asked again
    clock.advance(timedelta(minutes=5))
    dispatch_all(engine, clock, provider, processor)
    assert processor.calls == ["cap-1-1", "cap-1-1"] and processor.captures == {"cap-1-1": 1000}
    assert ops(engine) == [("cap-1-1", 1000, OpStatus.succeeded)] and payment(engine) == ("captured", 1000, 0)
    with engine.begin() as conn:  # replayed a day later: the hub knows it is done and sends nothing
        conn.execute(outbox_rows.update().where(outbox_rows.c.topic == PAYMENT_OPERATION).values(status="pending"))
    clock.advance(timedelta(days=1))
    dispatch_all(engine, clock, provider, processor)
    assert processor.calls == ["cap-1-1", "cap-1-1"]


def test_a_capture_on_a_lapsed_authorization_is_not_retried_and_needs_a_person(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized("1", line("MUG", 1, line_id="a"))], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor(expired=True)
    dispatch_all(engine, clock, provider, processor)
    ship(engine, clock, provider, note("n1", ("MUG", 1)))
    dispatch_all(engine, clock, provider, processor)
    clock.advance(timedelta(hours=1))
    dispatch_all(engine, clock, provider, processor)
    assert processor.calls == ["cap-1-1"]
    assert ops(engine)[0][2] == OpStatus.auth_expired
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.payment_status, orders.c.hold_reason)).one()
        dead = conn.execute(select(outbox_rows.c.status).where(outbox_rows.c.topic == PAYMENT_OPERATION)).scalar()
    assert row.payment_status == "requires_action" and "authorization expired" in row.hold_reason
    assert dead == "dead"


def test_on_placement_the_whole_order_is_captured_before_anything_ships(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [two_lines(shipping_total=500)], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.captures == {"cap-1-1": 2500} and payment(engine) == ("captured", 2500, 0)
    assert provider.created  # released to the warehouse all the same


GIFT_CARD = {"line_id": "gc", "sku": None, "title": "Gift card", "quantity": 1, "unit_price": 2500}


@pytest.mark.parametrize(
    ("lines", "policy", "captured"),
    [
        ([GIFT_CARD], LAST, {"cap-1-1": 2500}),
        ([GIFT_CARD], FIRST, {"cap-1-1": 2500}),
        ([GIFT_CARD], MULTI, {"cap-1-1": 2500}),
        ([GIFT_CARD, {**line("MUG", 1, line_id="m"), "canceled_quantity": 1}], LAST, {"cap-1-1": 2500}),
        ([GIFT_CARD, line("MUG", 1, line_id="m")], LAST, {}),
        ([{**line("MUG", 1, line_id="m"), "canceled_quantity": 1}], LAST, {}),
        ([{**GIFT_CARD, "canceled_quantity": 1}], LAST, {}),
        ([{**GIFT_CARD, "fulfilled_quantity": 1}], LAST, {"cap-1-1": 2500}),
    ],
    ids=["last", "first", "multi", "the-rest-canceled", "a-mug-to-ship", "all-canceled", "card-canceled", "closed"],
)
def test_an_order_with_nothing_to_ship_is_captured_whole_as_no_parcel_will_call_for_it(
    engine, clock, lines, policy, captured
):
    setup_hub(engine, stock={("MUG", "near"): 5})
    closed = {"status": "completed"} if any(ln.get("fulfilled_quantity") for ln in lines) else {}
    ingest(engine, "web", [authorized("1", *lines, **closed)], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    for _ in range(3):
        dispatch_all(engine, clock, provider, processor, policy)
    assert processor.captures == captured, "once, and only when nothing ships"
    assert payment(engine)[0] == ("captured" if captured else "authorized")


def test_the_channels_next_version_does_not_take_back_what_the_processor_said(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [two_lines()], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert payment(engine) == ("captured", 2000, 0)
    ingest(engine, "web", [two_lines(minutes=5, notes="gift wrap")], clock=clock)  # the shop still says authorized
    assert payment(engine) == ("captured", 2000, 0)
    ingest(engine, "web", [two_lines(minutes=9, payment_status="refunded")], clock=clock)  # refunded in the shop
    assert payment(engine)[0] == "refunded"


def test_a_canceled_order_gets_its_captured_money_back_once(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [two_lines()], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    ingest(engine, "web", [two_lines(status="canceled", minutes=5)], clock=clock)
    with engine.begin() as conn:
        cancellations.cancel_released(conn, clock.now())
    cancel = cancel_handler({"bp": FakeConnector(fulfillment=provider)}, engine, clock)
    handlers = {cancellations.FULFILLMENT_CANCEL: cancel}
    Runner(engine, clock, holder="t").run_shared(
        ("dispatch", ""),
        lambda scope: dispatch(scope, handlers, batch=20, policy=OutboxRetry()),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )
    for _ in range(3):
        dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.captures == {"cap-1-1": 2000} and processor.refunds == {"ref-1-1": 2000}
    assert payment(engine) == ("refunded", 2000, 2000)


def test_a_canceled_order_whose_goods_left_all_the_same_is_refunded_only_once_a_person_released_it(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [two_lines()], clock=clock)
    provider, processor = FakeFulfillmentProvider(too_late=True), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    ingest(engine, "web", [two_lines(status="canceled", minutes=5)], clock=clock)
    with engine.begin() as conn:
        cancellations.cancel_released(conn, clock.now())
    cancel = cancel_handler({"bp": FakeConnector(fulfillment=provider)}, engine, clock)
    Runner(engine, clock, holder="t").run_shared(
        ("dispatch", ""),
        lambda scope: dispatch(scope, {cancellations.FULFILLMENT_CANCEL: cancel}, batch=20, policy=OutboxRetry()),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )
    ingest(engine, "web", [two_lines(status="canceled", minutes=9, notes="x")], clock=clock)
    for _ in range(2):
        dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.captures == {"cap-1-1": 2000} and processor.refunds == {}, "the goods left: a person decides"
    with engine.begin() as conn:
        fulfillment_holds.release(conn, "web:1", clock.now())
    for _ in range(2):
        dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.refunds == {"ref-1-1": 2000}


def test_a_canceled_order_never_captured_has_its_authorization_released(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized("1", line("MUG", 9, line_id="a"))], clock=clock)  # short: not released
    ingest(engine, "web", [authorized("1", line("MUG", 9, line_id="a"), status="canceled", minutes=5)], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor)
    dispatch_all(engine, clock, provider, processor)
    assert processor.calls == ["rel-1-1"] and payment(engine)[0] == "canceled"


def test_refund_requests_of_one_order_are_serialized(engine, clock):
    """Two operators refund 60 % each at the same moment: the second waits for the first and is refused."""
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [authorized("1", line("MUG", 1, line_id="a"))], clock=clock)
    provider, processor = FakeFulfillmentProvider(), FakePaymentProcessor()
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert payment(engine)[1] == 1000
    first_in, outcomes = threading.Event(), []

    def refund(hold: bool) -> None:
        try:
            with engine.begin() as conn:
                payments.request_refund(conn, "1", "cards", 600, "operator", clock.now())
                if hold:
                    first_in.set()
                    threading.Event().wait(0.5)
            outcomes.append("queued")
        except InvalidRequest:
            outcomes.append("refused")
        except Exception as exc:  # a lock conflict is also a refusal, reported by its type
            outcomes.append(type(exc).__name__)

    first = threading.Thread(target=refund, args=(True,))
    first.start()
    first_in.wait(5)
    second = threading.Thread(target=refund, args=(False,))
    second.start()
    first.join()
    second.join()
    assert outcomes == ["queued", "refused"]
    assert [op[1] for op in ops(engine) if op[0].startswith("ref")] == [600]


def test_an_authorization_read_from_the_processor_gives_its_own_lapse_for_the_warning(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 9})
    ingest(engine, "web", [authorized("1", line("MUG", 1, line_id="a"))], clock=clock)
    processor = FakePaymentProcessor(expires_at=T0 + timedelta(days=2))
    with engine.begin() as conn:
        assert payments.inspect_authorizations(conn, {"web": LAST}, clock.now()) == 1
        assert payments.inspect_authorizations(conn, {"web": LAST}, clock.now()) == 0
    dispatch_all(engine, clock, FakeFulfillmentProvider(), processor)
    seven = timedelta(days=7)
    with engine.connect() as conn:
        assert conn.execute(select(orders.c.authorized_total)).scalar() == 10_000
        assert payments.expiring_authorizations(conn, "web", seven, T0 + timedelta(hours=12)) == 0
        assert payments.expiring_authorizations(conn, "web", seven, T0 + timedelta(days=1, hours=1)) == 1
        assert payments.expiring_authorizations(conn, "web", seven, T0, warn=timedelta(days=3)) == 1


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
