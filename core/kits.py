"""Bundles (kits): a SKU sold as a set of components, e.g. GIFT-BOX = 1×MUG + 2×TEA.

A bundle holds no stock of its own, and its published level follows its components', so a component's
change republishes every bundle that contains it. By default a kit ships from one place: at a location
it is available as often as its scarcest component there allows, and selling one reserves its
components at that location. A `pooled` kit may take its components from different locations: it is
available as often as the components' stock over the counted locations allows, and a line selling it
holds each component as a line of its own (key `LINE/COMPONENT`), reserved like any other line.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete

from core.store.bulk import fetch_all, in_list
from core.store.schema import bundle_components

Components = tuple[tuple[str, int], ...]
"""(component SKU, units per bundle), sorted by SKU."""
Kits = Mapping[str, Components]
"""Bundle SKU → its components."""
NO_KITS: Kits = {}
SUB_LINE = "/"
"""Joins a pooled kit's line key and a component SKU into the key of the line that holds that component."""


class KitSpec(NamedTuple):
    components: Components
    pooled: bool = False


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


def components_of(kits: Kits) -> set[str]:
    return {sku for components in kits.values() for sku, _units in components}


def load(conn: Connection, skus: Iterable[str], *, pooled: bool = False) -> dict[str, Components]:
    """The kits among these SKUs that ship from one place (or, with `pooled`, those that do not)."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    condition, param = in_list(conn, "bundle_sku", wanted)
    sql = f"SELECT bundle_sku, component_sku, quantity, pooled FROM bundle_components WHERE {condition}"
    return {
        sku: kit.components for sku, kit in _grouped(fetch_all(conn, sql, (param,))).items() if kit.pooled == pooled
    }


def load_all(conn: Connection) -> dict[str, KitSpec]:
    return _grouped(fetch_all(conn, "SELECT bundle_sku, component_sku, quantity, pooled FROM bundle_components", ()))


def sync(conn: Connection, kits: Mapping[str, KitSpec]) -> None:
    """Make the stored kits match the configuration."""
    conn.execute(delete(bundle_components))
    rows = [
        {"bundle_sku": bundle, "component_sku": sku, "quantity": units, "pooled": kit.pooled}
        for bundle, kit in kits.items()
        for sku, units in kit.components
    ]
    if rows:
        conn.execute(bundle_components.insert(), rows)


def in_sync(conn: Connection, kits: Mapping[str, KitSpec]) -> bool:
    return load_all(conn) == dict(kits)


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[str, KitSpec]:
    found: dict[str, list[tuple[str, int]]] = {}
    pooled: dict[str, bool] = {}
    for bundle, sku, units, shared in rows:
        found.setdefault(bundle, []).append((sku, units))
        pooled[bundle] = bool(shared)
    return {bundle: KitSpec(tuple(sorted(parts)), pooled[bundle]) for bundle, parts in found.items()}
