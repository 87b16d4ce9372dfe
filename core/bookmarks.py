"""Bookmarks: how far each (channel, stream) has been read, committed with the page it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from core.store.schema import bookmarks
from core.store.upsert import upsert


@dataclass(frozen=True, slots=True)
class Bookmark:
    stream: str
    value: str


def save(conn: Connection, channel: str, bookmark: Bookmark, now: datetime) -> None:
    row = {"channel": channel, "stream": bookmark.stream, "value": bookmark.value, "updated_at": now}
    upsert(
        conn,
        bookmarks,
        [row],
        keys=["channel", "stream"],
        set_={"value": lambda ex: ex.value, "updated_at": lambda ex: ex.updated_at},
    )


def load(conn: Connection, channel: str, stream: str) -> str | None:
    query = select(bookmarks.c.value).where(bookmarks.c.channel == channel, bookmarks.c.stream == stream)
    return conn.execute(query).scalar_one_or_none()
