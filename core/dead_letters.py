"""Dead letters: outbox rows whose delivery used up its attempts, waiting for an operator; and their replay.

A replay puts the row back in line with fresh attempts and records, against the original, who replayed it,
when, and the error it had died of. Replaying a row that is not dead (never died, or already replayed and
not yet failed again) changes nothing, so a replay can be repeated safely.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from core.errors import NotFound
from core.outbox import OutboxStatus
from core.store.schema import orders, outbox, outbox_replays

_LISTED = (
    outbox.c.id,
    outbox.c.topic,
    outbox.c.aggregate_type,
    outbox.c.aggregate_id,
    outbox.c.attempts,
    outbox.c.last_error,
    outbox.c.finished_at,
    outbox.c.payload,
)


def list_dead(conn: Connection, *, channel: str | None = None) -> list[dict[str, Any]]:
    """Dead letters, oldest first, each with the channel it concerns (None for hub-wide ones)."""
    query = select(*_LISTED).where(outbox.c.status == OutboxStatus.dead.value).order_by(outbox.c.id)
    rows = [dict(row) for row in conn.execute(query).mappings()]
    channels = _channels_of(conn, rows)
    listed = []
    for row in rows:
        payload = row.pop("payload")
        row["channel"] = (
            payload.get("channel") if isinstance(payload, dict) and payload.get("channel") else channels.get(row["id"])
        )
        if channel is None or row["channel"] == channel:
            listed.append(row)
    return listed


def get(conn: Connection, letter_id: int) -> dict[str, Any]:
    """One outbox row (dead or not) with its payload and the replays recorded against it."""
    row = conn.execute(select(outbox).where(outbox.c.id == letter_id)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no outbox row {letter_id}; `omshub dlq list` shows the dead letters")
    found = dict(row)
    replays = select(outbox_replays).where(outbox_replays.c.outbox_id == letter_id).order_by(outbox_replays.c.id)
    found["replays"] = [dict(r) for r in conn.execute(replays).mappings()]
    return found


def replay_all(conn: Connection, now: datetime, *, by: str, channel: str | None = None) -> list[int]:
    """Replay every dead letter (of `channel`'s orders, if given); the ids put back in line."""
    return [row["id"] for row in list_dead(conn, channel=channel) if replay(conn, row["id"], now, by=by)]


def replay(conn: Connection, letter_id: int, now: datetime, *, by: str) -> bool:
    """Put a dead letter back in line with fresh attempts; False (and nothing changed) when it is not dead."""
    row = conn.execute(
        select(outbox.c.status, outbox.c.attempts, outbox.c.last_error).where(outbox.c.id == letter_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no outbox row {letter_id}; `omshub dlq list` shows the dead letters")
    revived = conn.execute(
        update(outbox)
        .where(outbox.c.id == letter_id, outbox.c.status == OutboxStatus.dead.value)
        .values(status=OutboxStatus.pending.value, attempts=0, available_at=now, claimed_until=None, finished_at=None)
    ).rowcount
    if not revived:
        return False
    conn.execute(
        outbox_replays.insert().values(
            outbox_id=letter_id,
            replayed_at=now,
            replayed_by=by,
            attempts_before=row.attempts,
            error_before=row.last_error,
        )
    )
    return True


def _channels_of(conn: Connection, rows: list[dict[str, Any]]) -> dict[int, str]:
    """The channel of each row about an order, by outbox id."""
    about = {
        r["id"]: int(r["aggregate_id"])
        for r in rows
        if r["aggregate_type"] == "order" and str(r["aggregate_id"]).isdigit()
    }
    if not about:
        return {}
    found = conn.execute(select(orders.c.id, orders.c.channel).where(orders.c.id.in_(set(about.values()))))
    by_order = dict(found.all())
    return {letter: by_order[oid] for letter, oid in about.items() if oid in by_order}
