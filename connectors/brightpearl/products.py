"""Brightpearl products by SKU: `GET product-service/product-search` (rows of `productId`, `SKU`, …) and
`GET product-service/product/{ID-SET}` (`identity.sku`).

The SKU filter of the search is not an exact match (`SKU=MUG-XL` also answers `MUG-XL-2`), so only rows whose
SKU is the one asked for count; of several products with one SKU, the oldest (lowest id) is taken. Looking up
one SKU costs a search; looking up many is cheaper as one walk of the catalogue, 500 products a page. Ids
found are remembered in the connector's ProductCache (see `ids`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from connectors.brightpearl import schema
from connectors.brightpearl.client import Calls
from connectors.brightpearl.product_cache import ProductCache

PRODUCT_SEARCH = "product-service/product-search"
PRODUCTS_PER_GET = 100
"""Ids per product GET: a few hundred ids make a URI long enough to be refused (414)."""
SEARCH_EACH_UP_TO = 20
"""Up to this many SKUs are looked up one search each; more, by a walk of the catalogue."""


def lookup(calls: Calls, skus: Sequence[str]) -> dict[str, int]:
    """Product ids of the SKUs Brightpearl knows, by the cheaper of searches per SKU and a catalogue walk."""
    if len(skus) <= SEARCH_EACH_UP_TO:
        return by_search(calls, skus)
    pages = calls.search(PRODUCT_SEARCH, {"columns": "productId,SKU"})
    return _exact(set(skus), (row for page in pages for row in page))


def by_search(calls: Calls, skus: Sequence[str]) -> dict[str, int]:
    """Product ids of the SKUs Brightpearl knows, one search per SKU."""
    rows = (row for sku in skus for page in calls.search(PRODUCT_SEARCH, {"SKU": sku}) for row in page)
    return _exact(set(skus), rows)


Lookup = Callable[[Calls, Sequence[str]], dict[str, int]]


def ids(calls: Calls, skus: Sequence[str], cache: ProductCache, *, lookup: Lookup = by_search) -> dict[str, int]:
    """Product ids of the SKUs Brightpearl knows: fresh entries of `cache` first, the others looked up (one
    search each, unless another `lookup` is given) and remembered."""
    wanted = list(dict.fromkeys(skus))
    known = cache.known(wanted)
    missing = [sku for sku in wanted if sku not in known]
    found = lookup(calls, missing) if missing else {}
    cache.keep(found)
    return known | found


def read(calls: Calls, product_ids: Iterable[int]) -> dict[int, schema.Product]:
    """The products of these ids that exist."""
    found: dict[int, schema.Product] = {}
    for chunk in chunks(sorted(set(product_ids)), PRODUCTS_PER_GET):
        path = f"product-service/product/{','.join(str(product_id) for product_id in chunk)}"
        found |= schema.products(calls.get_set(path), f"GET {path}")
    return found


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    return (items[start : start + size] for start in range(0, len(items), size))


def _exact(wanted: set[str], rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in rows:
        sku = row.get("SKU")
        if isinstance(sku, str) and sku in wanted:
            product_id = schema.number(row["productId"], PRODUCT_SEARCH)
            found[sku] = min(found.get(sku, product_id), product_id)
    return found
