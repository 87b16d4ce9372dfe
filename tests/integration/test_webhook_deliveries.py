"""Webhook deliveries in the store: each is handled until it is handled once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import webhooks
from core.store.schema import webhook_deliveries
from core.webhooks import UNFINISHED_AFTER, Delivery, Outcome

DELIVERY = Delivery("shop", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "orders/updated", "5612000000001")


def claim(engine, clock, delivery: Delivery = DELIVERY) -> bool:
    with engine.begin() as conn:
        return webhooks.claim(conn, delivery, clock.now())


def finish(engine, clock, outcome: Outcome, error: str | None = None) -> None:
    with engine.begin() as conn:
        webhooks.finish(conn, DELIVERY, outcome, clock.now(), error=error)


def recorded(engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(webhook_deliveries)).mappings().one())


def test_a_new_delivery_is_claimed_and_recorded_as_received(engine, clock):
    assert claim(engine, clock)
    row = recorded(engine)
    assert (row["outcome"], row["attempts"], row["topic"], row["external_id"]) == (
        "received",
        1,
        "orders/updated",
        "5612000000001",
    )
    assert row["received_at"] == row["started_at"] == clock.now() and row["finished_at"] is None


def test_a_delivery_that_was_handled_is_not_claimed_again(engine, clock):
    claim(engine, clock)
    finish(engine, clock, Outcome.unchanged)
    clock.advance(timedelta(hours=1))
    assert not claim(engine, clock)
    row = recorded(engine)
    assert (row["outcome"], row["attempts"]) == ("unchanged", 1)


def test_a_delivery_being_handled_is_not_claimed_by_its_redelivery(engine, clock):
    claim(engine, clock)
    clock.advance(UNFINISHED_AFTER - timedelta(seconds=1))
    assert not claim(engine, clock)


def test_a_delivery_left_unfinished_by_a_stopped_process_is_claimed_again(engine, clock):
    claim(engine, clock)
    clock.advance(UNFINISHED_AFTER + timedelta(seconds=1))
    assert claim(engine, clock)
    assert recorded(engine)["attempts"] == 2


def test_a_delivery_whose_handling_failed_is_claimed_again_and_its_error_cleared(engine, clock):
    claim(engine, clock)
    finish(engine, clock, Outcome.failed, "GET shop-eu.myshopify.com/admin/api/2024-10/orders.json answered 503")
    assert recorded(engine)["error"].endswith("answered 503")
    clock.advance(timedelta(minutes=1))
    assert claim(engine, clock)
    row = recorded(engine)
    assert (row["outcome"], row["attempts"], row["error"], row["finished_at"]) == ("received", 2, None, None)
    assert row["started_at"] == clock.now() and row["received_at"] == clock.now() - timedelta(minutes=1)


def test_the_same_delivery_id_of_another_channel_is_another_delivery(engine, clock):
    claim(engine, clock)
    assert claim(engine, clock, Delivery("shop-us", DELIVERY.delivery_id, DELIVERY.topic, DELIVERY.external_id))
