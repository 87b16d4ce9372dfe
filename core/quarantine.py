"""Quarantine: bad records kept with their payload and reason, so nothing is lost."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from core.raw_json import value_of
from core.store.bulk import execute_many, in_list, write_datetime
from core.store.schema import quarantine
from core.store.upsert import upsert


@dataclass(frozen=True, slots=True)
class Rejected:
    external_id: str | None
    reason: str
    payload: Any


def fingerprint(rejected: Rejected) -> str:
    if rejected.external_id:
        return rejected.external_id
    digest = hashlib.sha256(orjson.dumps(value_of(rejected.payload), option=orjson.OPT_SORT_KEYS, default=str))
    return "sha256:" + digest.hexdigest()


def put(conn: Connection, channel: str, rejected: Sequence[Rejected], now: datetime) -> None:
    """Store each rejected record; seeing one again updates its reason, payload and last_seen."""
    rows = [
        {
            "channel": channel,
            "fingerprint": fingerprint(r),
            "external_id": r.external_id,
            "reason": r.reason,
            "payload": r.payload,
            "first_seen": now,
            "last_seen": now,
            "times_seen": 1,
            "resolved_at": None,
        }
        for r in rejected
    ]
    upsert(
        conn,
        quarantine,
        rows,
        keys=["channel", "fingerprint"],
        set_={
            "reason": lambda ex: ex.reason,
            "payload": lambda ex: ex.payload,
            "last_seen": lambda ex: ex.last_seen,
            "times_seen": quarantine.c.times_seen + 1,
            "resolved_at": None,
        },
    )


def resolve(conn: Connection, channel: str, external_ids: Iterable[str], now: datetime) -> None:
    """Mark open entries resolved once a valid version of the same order has been taken in."""
    ids = list(external_ids)
    if not ids:
        return
    condition, param = in_list(conn, "fingerprint", ids)
    sql = f"UPDATE quarantine SET resolved_at = ? WHERE channel = ? AND resolved_at IS NULL AND {condition}"
    execute_many(conn, sql, [(write_datetime(conn, now), channel, param)])
