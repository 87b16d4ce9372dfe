"""INSERT … ON CONFLICT for both stores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(conn: Connection, table: Table) -> Any:
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    set_: Mapping[str, Any],
) -> None:
    """Insert `rows`; where `keys` already exist, apply `set_` (column → expression) instead."""
    if not rows:
        return
    stmt = dialect_insert(conn, table)
    resolved = {name: (expr(stmt.excluded) if callable(expr) else expr) for name, expr in set_.items()}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=resolved), list(rows))


def insert_ignore(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, keys: Sequence[str]) -> None:
    """Insert `rows`, leaving rows whose `keys` already exist as they are."""
    if rows:
        conn.execute(dialect_insert(conn, table).on_conflict_do_nothing(index_elements=list(keys)), list(rows))
