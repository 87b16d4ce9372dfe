"""The outbox consumer API: claim with a lease, complete, fail with backoff, dead-letter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import outbox
from core.outbox import Event, OutboxRetry, OutboxStatus


def put(engine, clock, *topics: str) -> None:
    with engine.begin() as conn:
        outbox.append(conn, [Event(t, "order", "1", {"n": i}) for i, t in enumerate(topics)], clock.now())


def claim(engine, clock, worker: str = "w1", **kw) -> list[outbox.OutboxMessage]:
    with engine.begin() as conn:
        return outbox.claim(conn, worker, clock.now(), **kw)


def test_due_rows_are_claimed_oldest_first_and_not_twice_while_leased(engine, clock):
    put(engine, clock, "order.placed", "inventory.reserved", "order.updated")
    first = claim(engine, clock, limit=2)
    assert [m.topic for m in first] == ["order.placed", "inventory.reserved"]
    assert [m.topic for m in claim(engine, clock, "w2")] == ["order.updated"]
    assert claim(engine, clock, "w3") == []


def test_a_crashed_consumers_rows_come_back_when_the_lease_expires(engine, clock):
    put(engine, clock, "order.placed")
    claim(engine, clock, lease=timedelta(minutes=5))
    clock.advance(timedelta(minutes=4))
    assert claim(engine, clock, "w2") == []
    clock.advance(timedelta(minutes=2))
    assert [m.topic for m in claim(engine, clock, "w2")] == ["order.placed"]


def test_completed_rows_are_not_claimed_again(engine, clock):
    put(engine, clock, "order.placed")
    [message] = claim(engine, clock)
    with engine.begin() as conn:
        outbox.complete(conn, [message.id], clock.now())
    clock.advance(timedelta(hours=1))
    assert claim(engine, clock) == []
    with engine.connect() as conn:
        assert outbox.counts(conn) == {"done": 1}


def test_a_failure_backs_off_exponentially_then_dead_letters(engine, clock):
    policy = OutboxRetry(max_attempts=3, base_delay=timedelta(seconds=30), max_delay=timedelta(hours=1))
    put(engine, clock, "order.placed")
    statuses = []
    for wait in (timedelta(seconds=30), timedelta(seconds=60)):
        [message] = claim(engine, clock)
        with engine.begin() as conn:
            statuses.append(outbox.fail(conn, message.id, "503 from provider", clock.now(), policy))
        clock.advance(wait - timedelta(seconds=1))
        assert claim(engine, clock) == [], "claimed before its backoff ended"
        clock.advance(timedelta(seconds=1))
    [message] = claim(engine, clock)
    assert message.attempts == 2
    with engine.begin() as conn:
        statuses.append(outbox.fail(conn, message.id, "503 from provider", clock.now(), policy))
    assert statuses == [OutboxStatus.pending, OutboxStatus.pending, OutboxStatus.dead]
    clock.advance(timedelta(days=1))
    assert claim(engine, clock) == []
    with engine.connect() as conn:
        assert outbox.counts(conn) == {"dead": 1}


def test_claims_can_be_limited_to_topics(engine, clock):
    put(engine, clock, "order.placed", "inventory.reserved")
    assert [m.topic for m in claim(engine, clock, topics=["inventory.reserved"])] == ["inventory.reserved"]


@pytest.mark.parametrize(("attempt", "seconds"), [(1, 30), (2, 60), (3, 120), (4, 240), (12, 6 * 3600)])
def test_retry_delays_double_up_to_the_cap(attempt, seconds):
    assert OutboxRetry().delay(attempt) == timedelta(seconds=seconds)
