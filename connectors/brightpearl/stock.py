"""Brightpearl's stock figures for the hub, when its warehouses are the source of truth for stock.

`GET warehouse-service/product-availability/{PRODUCT-ID-SET}` answers per product a `total` and, per warehouse
id, `inStock` (units there), `allocated` (held for sales orders), `onHand` (in stock less allocated: what
Brightpearl can still promise, the figure the hub takes) and `inTransit`. A warehouse the product has no
figures in is left out (nothing there); products that are not stock-tracked are left out of the answer; a set
none of whose ids answers is a 404. Ids go PRODUCTS_PER_GET a call.

Product ids come from the hub's bindings (SKU → product id); SKUs without one are taken from the connector's
ProductCache or looked up by SKU (see products). An id that availability leaves out is read as a product:
still there under the same SKU, it is not stock-tracked; gone or renamed, its binding (or cache entry) is
dropped and the SKU looked up afresh next time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from connectors.brightpearl import products, schema
from connectors.brightpearl.client import Calls
from connectors.brightpearl.product_cache import ProductCache
from core.stock_source import ProviderLevel, StockReading

AVAILABILITY = "warehouse-service/product-availability"
NOTHING = schema.Figures()


def stock_levels(
    calls: Calls,
    skus: Sequence[str],
    *,
    items: Mapping[str, str],
    locations: Mapping[int, str],
    cache: ProductCache,
) -> StockReading:
    """The figures of `skus` at each warehouse of `locations` (warehouse id → hub location code)."""
    wanted = list(dict.fromkeys(skus))
    bound = {sku: int(items[sku]) for sku in wanted if items.get(sku, "").isdigit()}
    found = products.ids(calls, [sku for sku in wanted if sku not in bound], cache, lookup=products.lookup)
    ids = bound | found
    figures = read_availability(calls, ids.values())
    left_out = {sku: product_id for sku, product_id in ids.items() if product_id not in figures}
    kept = _still_listed(calls, left_out)
    cache.forget(sku for sku in left_out if sku not in kept)
    reading = StockReading(
        unknown=[sku for sku in wanted if sku not in ids or (sku in left_out and sku not in kept)],
        untracked=sorted(kept),
        resolved={sku: str(product_id) for sku, product_id in found.items() if sku not in left_out or sku in kept},
        forgotten={sku for sku in left_out if sku in bound and sku not in kept},
    )
    for sku, product_id in ids.items():
        if product_id in figures:
            warehouses = figures[product_id].warehouses
            reading.levels += [
                ProviderLevel(sku, location, warehouses.get(str(warehouse), NOTHING).on_hand)
                for warehouse, location in sorted(locations.items())
            ]
    return reading


def read_availability(calls: Calls, product_ids: Iterable[int]) -> dict[int, schema.Availability]:
    """Availability by product id, for the stock-tracked products among `product_ids`."""
    found: dict[int, schema.Availability] = {}
    for chunk in products.chunks(sorted(set(product_ids)), products.PRODUCTS_PER_GET):
        path = f"{AVAILABILITY}/{','.join(str(product_id) for product_id in chunk)}"
        found |= schema.availability(calls.get_set(path), f"GET {path}")
    return found


def _still_listed(calls: Calls, left_out: Mapping[str, int]) -> set[str]:
    """The SKUs of `left_out` whose product still exists under that SKU (not stock-tracked, then)."""
    listed = products.read(calls, left_out.values()) if left_out else {}
    return {
        sku for sku, product_id in left_out.items() if product_id in listed and listed[product_id].identity.sku == sku
    }
