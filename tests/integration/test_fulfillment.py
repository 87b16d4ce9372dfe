"""Orders go to their fulfillment provider once; shipments come back once and move stock, lines and status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import fulfillment
from core.intake import ingest
from core.outbox import OutboxRetry
from core.providers import ProviderShipment
from core.routing import Router, Rule
from core.runs import Trigger
from core.shipments import SHIPMENT_CREATED, Tracking
from core.stock_admin import check
from core.store.schema import fulfillment_requests, order_lines, orders
from jobs.dispatch import dispatch
from jobs.fulfillment import pull_shipments, request_handler
from jobs.runner import Runner, RunReport
from tests.fakes import FakeConnector, FakeFulfillmentProvider
from tests.support import levels, line, order, setup_hub

ROUTER = Router({"near": "bp", "far": "bp"}, [Rule("uk-3pl", country="GB")])
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Byron",
    "address_1": "Kastanienallee 12",
    "city": "Berlin",
    "postal_code": "10435",
    "country_code": "DE",
}


def paid(external_id: str, *lines: dict, **extra) -> dict:
    return order(external_id, *lines, **{"payment_status": "captured", "shipping_address": ADDRESS, **extra})


def run(engine, clock, job, work):
    return Runner(engine, clock, holder="t").run_shared(
        (job, ""), work, trigger=Trigger.manual, deadline=timedelta(minutes=1)
    )


def release_and_send(engine, clock, provider: FakeFulfillmentProvider):
    handlers = {
        fulfillment.FULFILLMENT_REQUESTED: request_handler({"bp": FakeConnector(fulfillment=provider)}, engine, clock)
    }
    with engine.begin() as conn:
        fulfillment.release(conn, ROUTER, clock.now())
    run(
        engine,
        clock,
        "dispatch",
        lambda scope: dispatch(scope, handlers, batch=10, policy=OutboxRetry(base_delay=timedelta(seconds=5))),
    )


def take_notes(engine, clock, provider: FakeFulfillmentProvider, *notes: ProviderShipment) -> RunReport:
    """A pull-shipments run of provider bp that finds `notes` (all it has shipped so far)."""
    provider.shipped = list(notes)
    work = lambda scope: pull_shipments(scope, "bp", provider)  # noqa: E731
    return Runner(engine, clock, holder="t").run(
        ("pull-shipments", "bp"), work, trigger=Trigger.manual, deadline=timedelta(minutes=1)
    )


def note(ref: str, *lines: tuple[str, int], tracking: tuple[Tracking, ...] = ()) -> ProviderShipment:
    return ProviderShipment(ref, "ful-1-near-bp", "near", lines, tracking)


def test_a_paid_fully_reserved_order_is_released_once_per_location_and_provider(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 1, ("MUG", "far"): 5, ("TEA", "near"): 4})
    ingest(
        engine,
        "web",
        [paid("1", line("MUG", 3, line_id="a"), line("TEA", 2, line_id="b"), shipping_total=490)],
        clock=clock,
    )
    ingest(engine, "web", [order("2", line("TEA", 1))], clock=clock)  # not paid yet: stays with the hub
    with engine.begin() as conn:
        assert fulfillment.release(conn, ROUTER, clock.now()) == 2
        assert fulfillment.release(conn, ROUTER, clock.now()) == 0
        rows = conn.execute(select(fulfillment_requests).order_by(fulfillment_requests.c.reference)).mappings().all()
    assert [(r["reference"], r["provider"], r["status"]) for r in rows] == [
        ("ful-1-far-bp", "bp", "requested"),
        ("ful-1-near-bp", "bp", "requested"),
    ]
    assert rows[1]["lines"] == [
        {"line_key": "a", "sku": "MUG", "quantity": 1},
        {"line_key": "b", "sku": "TEA", "quantity": 2},
    ]


def test_a_timeout_after_sending_is_resolved_by_looking_up_the_reference_not_by_sending_again(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid("1", line("MUG", 2, line_id="a"))], clock=clock)
    provider = FakeFulfillmentProvider(lose_answer=True)
    release_and_send(engine, clock, provider)
    assert provider.sends == 1
    clock.advance(timedelta(seconds=10))
    release_and_send(engine, clock, provider)
    assert provider.sends == 1, "the second try found the request the first one created"
    with engine.connect() as conn:
        row = conn.execute(select(fulfillment_requests)).mappings().one()
    assert (row["status"], row["provider_ref"]) == ("accepted", "BP-1")


def test_routing_rules_send_a_british_order_to_its_own_provider(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid("1", line("MUG", 1), shipping_address={**ADDRESS, "country_code": "GB"})], clock=clock)
    with engine.begin() as conn:
        fulfillment.release(conn, ROUTER, clock.now())
        assert conn.execute(select(fulfillment_requests.c.provider)).scalar_one() == "uk-3pl"


def test_a_split_shipment_deducts_stock_once_per_note_and_moves_the_order_to_shipped(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    ingest(engine, "web", [paid("1", line("MUG", 2, line_id="a"), line("TEA", 1, line_id="b"))], clock=clock)
    provider = FakeFulfillmentProvider()
    release_and_send(engine, clock, provider)
    first = note("note-1", ("MUG", 1), tracking=(Tracking("JJD1", "DHL"),))
    take_notes(engine, clock, provider, first)
    assert levels(engine) == {("MUG", "near"): (4, 1), ("TEA", "near"): (5, 1)}
    report = take_notes(engine, clock, provider, first, note("note-2", ("MUG", 1), ("TEA", 1)))
    assert (report.counts.created, report.counts.unchanged) == (1, 1), "note-1 seen again is taken in once"
    assert levels(engine) == {("MUG", "near"): (3, 0), ("TEA", "near"): (4, 0)}
    with engine.connect() as conn:
        assert conn.execute(select(orders.c.fulfillment_status)).scalar_one() == "shipped"
        shipped = dict(conn.execute(select(order_lines.c.line_key, order_lines.c.shipped_quantity)).all())
        notices = conn.exec_driver_sql(f"SELECT count(*) FROM outbox WHERE topic = '{SHIPMENT_CREATED}'").scalar_one()
        assert check(conn) == []
        assert conn.execute(select(fulfillment_requests.c.status)).scalar_one() == "shipped"
    assert shipped == {"a": 2, "b": 1} and notices == 2


def test_two_lines_of_one_sku_shipped_over_two_notes_count_what_the_first_note_took(engine, clock):
    """A note names SKUs, not lines: its units go to the request's lines of that SKU in line order, each line
    taking only what is left of it once earlier notes are counted."""
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid("1", line("MUG", 2, line_id="a"), line("MUG", 1, line_id="b"))], clock=clock)
    provider = FakeFulfillmentProvider()
    release_and_send(engine, clock, provider)
    report = take_notes(engine, clock, provider, note("note-1", ("MUG", 1)), note("note-2", ("MUG", 2)))
    assert report.status.value == "success", report.error_message
    assert levels(engine) == {("MUG", "near"): (2, 0)}
    with engine.connect() as conn:
        shipped = dict(conn.execute(select(order_lines.c.line_key, order_lines.c.shipped_quantity)).all())
        assert conn.execute(select(orders.c.fulfillment_status)).scalar_one() == "shipped"
        assert check(conn) == []
    assert shipped == {"a": 2, "b": 1}


def test_a_note_carrying_more_than_the_order_has_left_records_what_fits_and_the_run_goes_on(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid("1", line("MUG", 2, line_id="a"))], clock=clock)
    provider = FakeFulfillmentProvider()
    release_and_send(engine, clock, provider)
    report = take_notes(engine, clock, provider, note("note-1", ("MUG", 3)), note("note-2", ("MUG", 1)))
    assert report.status.value == "success", report.error_message
    with engine.connect() as conn:
        assert dict(conn.execute(select(order_lines.c.line_key, order_lines.c.shipped_quantity)).all()) == {"a": 2}
        assert check(conn) == []
    assert levels(engine) == {("MUG", "near"): (3, 0)}


@pytest.mark.parametrize(("units", "status"), [(2, "shipped"), (1, "partially_shipped")])
def test_the_channels_next_version_does_not_undo_what_the_provider_shipped(engine, clock, units, status):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid("1", line("MUG", 2, line_id="a"))], clock=clock)
    provider = FakeFulfillmentProvider()
    release_and_send(engine, clock, provider)
    take_notes(engine, clock, provider, note("note-1", ("MUG", units)))
    for minutes, said in ((5, "not_fulfilled"), (6, "fulfilled")):  # before and after it heard of the shipment
        newer = paid("1", line("MUG", 2, line_id="a"), minutes=minutes, notes="gift", fulfillment_status=said)
        ingest(engine, "web", [newer], clock=clock)
        with engine.connect() as conn:
            assert conn.execute(select(order_lines.c.shipped_quantity)).scalar_one() == units
            assert conn.execute(select(orders.c.fulfillment_status)).scalar_one() == status, said
    assert levels(engine) == {("MUG", "near"): (5 - units, 2 - units)}, "nothing reserved again for units gone"


def test_units_the_channel_reported_fulfilled_first_are_not_deducted_again_by_the_providers_note(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid("1", line("MUG", 2, line_id="a"))], clock=clock)
    provider = FakeFulfillmentProvider()
    release_and_send(engine, clock, provider)
    ingest(engine, "web", [paid("1", line("MUG", 2, line_id="a", fulfilled_quantity=2), minutes=5)], clock=clock)
    assert levels(engine) == {("MUG", "near"): (3, 0)}
    take_notes(engine, clock, provider, note("note-1", ("MUG", 2)))
    assert levels(engine) == {("MUG", "near"): (3, 0)}
    with engine.connect() as conn:
        assert check(conn) == []
        assert conn.execute(select(order_lines.c.fulfilled_quantity)).scalar_one() == 2


def test_a_request_its_provider_has_not_accepted_in_time_is_counted_for_the_alert(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5})
    ingest(engine, "web", [paid("1", line("MUG", 1)), paid("2", line("MUG", 1))], clock=clock)
    with engine.begin() as conn:
        fulfillment.release(conn, ROUTER, clock.now())
    provider = FakeFulfillmentProvider()
    handlers = {
        fulfillment.FULFILLMENT_REQUESTED: request_handler({"bp": FakeConnector(fulfillment=provider)}, engine, clock)
    }
    provider.lose_answer = True  # the first is sent and its answer lost: not accepted yet; the second is
    run(engine, clock, "dispatch", lambda scope: dispatch(scope, handlers, batch=10, policy=OutboxRetry()))
    within = {"bp": timedelta(hours=2)}
    with engine.connect() as conn:
        assert fulfillment.unacknowledged(conn, "web", within, clock.now() + timedelta(hours=1)) == 0
        assert fulfillment.unacknowledged(conn, "web", within, clock.now() + timedelta(hours=3)) == 1
        assert fulfillment.unacknowledged(conn, "pos", within, clock.now() + timedelta(hours=3)) == 0
    clock.advance(timedelta(minutes=10))
    run(engine, clock, "dispatch", lambda scope: dispatch(scope, handlers, batch=10, policy=OutboxRetry()))
    with engine.connect() as conn:
        assert fulfillment.unacknowledged(conn, "web", within, clock.now() + timedelta(hours=3)) == 0
