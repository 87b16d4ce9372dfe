"""The transactional outbox: events written with the change that caused them, consumed after commit.

A consumer claims due rows (a lease, so a crashed consumer's rows come back), acts on them outside
any transaction, then marks each one done or failed. Failures back off exponentially; after
`max_attempts` the row is dead-lettered and waits for an operator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, or_, select, update

from core.store.bulk import insert_tuples
from core.store.schema import outbox

_COLUMNS = ("topic", "aggregate_type", "aggregate_id", "payload", "status", "attempts", "available_at", "created_at")


class OutboxStatus(StrEnum):
    pending = "pending"
    done = "done"
    dead = "dead"


class Event(NamedTuple):
    topic: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    topic: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class OutboxRetry:
    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=6)

    def delay(self, attempt: int) -> timedelta:
        """Wait before attempt `attempt + 1`: base, 2×base, 4×base, … capped at max_delay."""
        return min(self.max_delay, self.base_delay * (1 << max(attempt - 1, 0)))


def append(conn: Connection, events: Sequence[Event], now: datetime) -> None:
    if not events:
        return
    pending = OutboxStatus.pending.value
    rows = [(e.topic, e.aggregate_type, e.aggregate_id, e.payload, pending, 0, now, now) for e in events]
    insert_tuples(conn, outbox, _COLUMNS, rows)


def claim(
    conn: Connection,
    worker: str,
    now: datetime,
    *,
    limit: int = 100,
    lease: timedelta = timedelta(minutes=5),
    topics: Sequence[str] | None = None,
) -> list[OutboxMessage]:
    """Lease up to `limit` due rows to `worker`, oldest first. Commit before acting on them."""
    due = (
        select(outbox.c.id)
        .where(
            outbox.c.status == OutboxStatus.pending.value,
            outbox.c.available_at <= now,
            or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if topics:
        due = due.where(outbox.c.topic.in_(list(topics)))
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(conn.execute(due).scalars())
    if not ids:
        return []
    conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(claimed_by=worker, claimed_until=now + lease))
    rows = conn.execute(select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id))
    return [OutboxMessage(r.id, r.topic, r.aggregate_type, r.aggregate_id, r.payload, r.attempts) for r in rows]


def complete(conn: Connection, ids: Sequence[int], now: datetime) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(list(ids)))
        .values(status=OutboxStatus.done.value, finished_at=now, claimed_until=None)
    )


def fail(conn: Connection, message_id: int, error: str, now: datetime, policy: OutboxRetry) -> OutboxStatus:
    """Record a failed attempt; back off, or dead-letter once the attempts are used up."""
    attempts = conn.execute(select(outbox.c.attempts).where(outbox.c.id == message_id)).scalar_one() + 1
    dead = attempts >= policy.max_attempts
    status = OutboxStatus.dead if dead else OutboxStatus.pending
    conn.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(
            attempts=attempts,
            status=status.value,
            last_error=error,
            claimed_until=None,
            available_at=now + policy.delay(attempts),
            finished_at=now if dead else None,
        )
    )
    return status


def counts(conn: Connection) -> dict[str, int]:
    query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
    return {status: n for status, n in conn.execute(query)}
