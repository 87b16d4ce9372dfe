"""Engines for the two supported stores.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with BEGIN IMMEDIATE:
the writer lock is taken up front, so a page's reads (levels, known orders) cannot go stale before
its writes. PostgreSQL uses row locks instead (see core.inventory).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from core.raw_json import json_value
from core.store.types import json_text


def make_engine(url: str, **options: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, json_serializer=json_text, json_deserializer=json_value, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-65536")
        # Checkpoint every ~40 MB of WAL instead of every 4 MB: a page of orders rewrites the same
        # index and level pages, and fewer checkpoints copy (and fsync) each of them fewer times.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
