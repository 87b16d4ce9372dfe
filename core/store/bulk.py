"""Set-based writes for the hot path.

`insert_rows` sends many rows with one driver-level executemany. It converts values by column type
the way the SQLAlchemy types would (UTC datetimes, JSON), but once per value instead of through the
per-row statement machinery, which costs about three times as much on a page of orders.
`next_ids` hands out primary keys for rows about to be inserted, so children can refer to them
without a RETURNING round trip per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Column, Connection, Table, text

from core.store.types import UTCDateTime, json_text

Converter = Callable[[Any], Any]


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows given as mappings (all with the keys of the first)."""
    if not rows:
        return
    names = tuple(rows[0])
    values = itemgetter(*names)
    tuples = [values(row) for row in rows] if len(names) > 1 else [(values(row),) for row in rows]
    insert_tuples(conn, table, names, tuples)


def insert_tuples(conn: Connection, table: Table, names: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows given as tuples of the columns `names`, in that order."""
    if not rows:
        return
    sql, converters = _plan(conn.dialect.name, table, names)
    if converters:  # column by column: one map per converted column instead of a Python loop per row
        columns: list[Iterable[Any]] = list(zip(*rows, strict=True))
        for index, convert in converters:
            columns[index] = map(convert, columns[index])
        rows = list(zip(*columns, strict=True))
    conn.exec_driver_sql(sql, list(rows))


def driver_sql(dialect: str, sql: str) -> str:
    """Driver-level SQL is written with `?` placeholders; psycopg wants `%s`."""
    return sql if dialect == "sqlite" else sql.replace("?", "%s")


def fetch_all(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Rows of a driver-level query (`?` placeholders) as plain tuples, without result processing."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(driver_sql(conn.dialect.name, sql), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


@cache
def _plan(dialect: str, table: Table, names: tuple[str, ...]) -> tuple[str, list[tuple[int, Converter]]]:
    marks = ", ".join("?" for _ in names)
    sql = driver_sql(dialect, f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})")
    converters = [(i, _converter(dialect, table.c[name])) for i, name in enumerate(names)]
    return sql, [(i, conv) for i, conv in converters if conv is not None]


def _converter(dialect: str, column: Column[Any]) -> Converter | None:
    if isinstance(column.type, UTCDateTime):
        return _sqlite_datetime if dialect == "sqlite" else _aware_utc
    if isinstance(column.type, JSON):
        return _json
    return None


def _json(value: Any) -> str | None:
    return None if value is None else json_text(value)


@lru_cache(maxsize=4096)
def _sqlite_datetime(value: datetime | None) -> str | None:
    # The text SQLAlchemy's SQLite DateTime writes ("2026-01-31 09:15:00.000000"); isoformat is quicker than strftime.
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _aware_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def execute_many(conn: Connection, sql: str, params: Sequence[tuple[Any, ...]]) -> None:
    """Run a driver-level statement written with `?` placeholders once per parameter tuple."""
    if params:
        conn.exec_driver_sql(driver_sql(conn.dialect.name, sql), list(params))


def in_list(conn: Connection, column: str, values: Sequence[Any]) -> tuple[str, Any]:
    """A `column IN (…values…)` condition with one `?` parameter, whatever the number of values."""
    if conn.dialect.name == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(?))", orjson.dumps(list(values)).decode()
    return f"{column} = ANY(?)", list(values)


def write_datetime(conn: Connection, value: datetime) -> Any:
    """A datetime as a driver-level statement must send it for a UTCDateTime column."""
    return _sqlite_datetime(value) if conn.dialect.name == "sqlite" else _aware_utc(value)


def read_datetime(conn: Connection, column_type: Any, value: Any) -> Any:
    """A datetime read by a driver-level query, made what the column type returns (aware UTC)."""
    processor = column_type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    return processor(value) if processor is not None else value


def next_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` new primary keys for `table` (its column `id`), in increasing order.

    PostgreSQL draws them from the column's sequence. SQLite continues after the largest id; that
    is safe because every write transaction holds SQLite's writer lock from its start.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
        return sorted(conn.execute(query, {"table": table.name, "n": count}).scalars())
    start = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}")).scalar_one() + 1
    return list(range(start, start + count))
