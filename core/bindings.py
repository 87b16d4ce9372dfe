"""The binder: one table linking (system, kind, external id) to our internal id, unique both ways."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, select

from core.store.bulk import insert_tuples
from core.store.schema import bindings


def bind_many(conn: Connection, system: str, kind: str, pairs: Mapping[str, int]) -> None:
    """Record external id → internal id for each pair; a clash with an existing binding fails the transaction."""
    if pairs:
        rows = [(system, kind, ext, internal) for ext, internal in pairs.items()]
        insert_tuples(conn, bindings, ("system", "kind", "external_id", "internal_id"), rows)


def internal_ids(conn: Connection, system: str, kind: str, external_ids: Iterable[str]) -> dict[str, int]:
    """External id → internal id for those of `external_ids` that are bound."""
    wanted = list(external_ids)
    if not wanted:
        return {}
    query = select(bindings.c.external_id, bindings.c.internal_id).where(
        bindings.c.system == system, bindings.c.kind == kind, bindings.c.external_id.in_(wanted)
    )
    return {ext: internal for ext, internal in conn.execute(query)}


def external_id(conn: Connection, system: str, kind: str, internal_id: int) -> str | None:
    query = select(bindings.c.external_id).where(
        bindings.c.system == system, bindings.c.kind == kind, bindings.c.internal_id == internal_id
    )
    return conn.execute(query).scalar_one_or_none()
