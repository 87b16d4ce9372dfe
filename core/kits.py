"""Bundles (kits): a SKU sold as a set of components, e.g. GIFT-BOX = 1×MUG + 2×TEA.

A bundle holds no stock of its own. At a location it is available as often as its scarcest
component allows (components at different locations are not combined: a kit ships from one place),
selling one reserves its components there, and its published level follows theirs, so a
component's change republishes every bundle that contains it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete

from core.store.bulk import fetch_all, in_list
from core.store.schema import bundle_components

Components = tuple[tuple[str, int], ...]
"""(component SKU, units per bundle), sorted by SKU."""
Kits = Mapping[str, Components]
"""Bundle SKU → its components."""
NO_KITS: Kits = {}


def kit_available(components: Components, stock: Mapping[tuple[str, Any], int], location: Hashable) -> int:
    """Bundles that the components' stock at one location can make (never below zero)."""
    return max(min(stock.get((sku, location), 0) // units for sku, units in components), 0)


def expand(kits: Kits, sku: str, quantity: int) -> list[tuple[str, int]]:
    """The (SKU, units) that `quantity` of `sku` takes from stock: its components, or itself."""
    components = kits.get(sku)
    if components is None:
        return [(sku, quantity)]
    return [(component, quantity * units) for component, units in components]


def held_bundles(components: Components, held: Mapping[str, int]) -> int:
    """Whole bundles that the component units held for one line at one location make up."""
    return min(held.get(sku, 0) // units for sku, units in components)


def load(conn: Connection, skus: Iterable[str]) -> dict[str, Components]:
    """The kits among these SKUs."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    condition, param = in_list(conn, "bundle_sku", wanted)
    sql = f"SELECT bundle_sku, component_sku, quantity FROM bundle_components WHERE {condition}"
    return _grouped(fetch_all(conn, sql, (param,)))


def load_all(conn: Connection) -> dict[str, Components]:
    return _grouped(fetch_all(conn, "SELECT bundle_sku, component_sku, quantity FROM bundle_components", ()))


def sync(conn: Connection, kits: Kits) -> None:
    """Make the stored kits match the configuration."""
    conn.execute(delete(bundle_components))
    rows = [
        {"bundle_sku": bundle, "component_sku": sku, "quantity": units}
        for bundle, components in kits.items()
        for sku, units in components
    ]
    if rows:
        conn.execute(bundle_components.insert(), rows)


def in_sync(conn: Connection, kits: Kits) -> bool:
    return load_all(conn) == dict(kits)


def _grouped(rows: Iterable[tuple[str, str, int]]) -> dict[str, Components]:
    found: dict[str, list[tuple[str, int]]] = {}
    for bundle, sku, units in rows:
        found.setdefault(bundle, []).append((sku, units))
    return {bundle: tuple(sorted(parts)) for bundle, parts in found.items()}
