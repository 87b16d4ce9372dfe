"""Webhook deliveries, by (channel, delivery id): claimed before they are handled, their outcome recorded after.

A redelivery of one that was handled, or is being handled now, is not handled again. One whose handling failed is
claimed again, and so is one left unfinished (claimed more than `UNFINISHED_AFTER` ago by a process that stopped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, update

from core.store.schema import webhook_deliveries
from core.store.upsert import dialect_insert

UNFINISHED_AFTER = timedelta(minutes=5)
"""Longer than handling one delivery may take (its re-fetch gives up well before)."""


class Outcome(StrEnum):
    received = "received"
    """Claimed and being handled."""
    created = "created"
    updated = "updated"
    unchanged = "unchanged"
    quarantined = "quarantined"
    missing = "missing"
    """The channel no longer returns the order (deleted): nothing changed."""
    failed = "failed"
    """The order could not be fetched or taken in; the next pull brings it, a redelivery tries again."""


@dataclass(frozen=True, slots=True)
class Delivery:
    channel: str
    delivery_id: str
    topic: str
    external_id: str


def claim(conn: Connection, delivery: Delivery, now: datetime) -> bool:
    """Take `delivery` to handle: True when it is new, failed before, or was left unfinished; False otherwise."""
    wd = webhook_deliveries.c
    stmt = dialect_insert(conn, webhook_deliveries).values(
        channel=delivery.channel,
        delivery_id=delivery.delivery_id,
        topic=delivery.topic,
        external_id=delivery.external_id,
        outcome=Outcome.received.value,
        attempts=1,
        received_at=now,
        started_at=now,
    )
    again = {"outcome": Outcome.received.value, "attempts": wd.attempts + 1, "error": None, "finished_at": None}
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel", "delivery_id"],
        set_={**again, "started_at": now},
        where=(wd.outcome == Outcome.failed.value)
        | ((wd.outcome == Outcome.received.value) & (wd.started_at < now - UNFINISHED_AFTER)),
    ).returning(wd.attempts)
    return conn.execute(stmt).first() is not None


def finish(conn: Connection, delivery: Delivery, outcome: Outcome, now: datetime, *, error: str | None = None) -> None:
    """Record how handling the claimed `delivery` ended (`error`: why it failed)."""
    wd = webhook_deliveries.c
    conn.execute(
        update(webhook_deliveries)
        .where(wd.channel == delivery.channel, wd.delivery_id == delivery.delivery_id)
        .values(outcome=outcome.value, error=error, finished_at=now)
    )
