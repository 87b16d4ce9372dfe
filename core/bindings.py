"""The binder: one table linking (system, kind, external id) to our internal id, unique both ways."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, delete, or_, select

from core.store.bulk import insert_tuples
from core.store.schema import bindings, inventory_items

ITEM_KIND = "inventory_item"
"""A channel's id for the thing it keeps stock of (Shopify inventory item, Medusa inventory item, …)."""


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


def rebind_many(conn: Connection, system: str, kind: str, pairs: Mapping[str, int]) -> None:
    """Bind external id → internal id, replacing whatever either side was bound to before."""
    if not pairs:
        return
    conn.execute(
        delete(bindings).where(
            bindings.c.system == system,
            bindings.c.kind == kind,
            or_(bindings.c.external_id.in_(list(pairs)), bindings.c.internal_id.in_(list(pairs.values()))),
        )
    )
    bind_many(conn, system, kind, pairs)


def channel_items(conn: Connection, channel: str) -> dict[str, str]:
    """SKU → the channel's item id, for every SKU bound on `channel`."""
    query = (
        select(inventory_items.c.sku, bindings.c.external_id)
        .join(inventory_items, inventory_items.c.id == bindings.c.internal_id)
        .where(bindings.c.system == channel, bindings.c.kind == ITEM_KIND)
    )
    return {sku: ext for sku, ext in conn.execute(query)}


def bind_items(conn: Connection, channel: str, items: Mapping[str, str]) -> None:
    """Record SKU → the channel's item id (as a connector resolved them), replacing stale bindings."""
    skus = list(items)  # a whole catalogue's worth, perhaps: looked up in slices
    pairs = {}
    for start in range(0, len(skus), 500):
        query = select(inventory_items.c.sku, inventory_items.c.id).where(
            inventory_items.c.sku.in_(skus[start : start + 500])
        )
        pairs.update({items[sku]: item_id for sku, item_id in conn.execute(query)})
    rebind_many(conn, channel, ITEM_KIND, pairs)


def unbind_items(conn: Connection, channel: str, skus: Iterable[str]) -> None:
    wanted = list(skus)
    if wanted:
        ids = select(inventory_items.c.id).where(inventory_items.c.sku.in_(wanted))
        conn.execute(
            delete(bindings).where(
                bindings.c.system == channel, bindings.c.kind == ITEM_KIND, bindings.c.internal_id.in_(ids)
            )
        )
