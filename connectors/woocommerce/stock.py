"""Stock out to WooCommerce, and what the shop shows: one figure per product or variation.

Item ids are "PRODUCT_ID" for a simple product and "PARENT_ID/VARIATION_ID" for a variation. Levels are
written as absolute values with `manage_stock: true` (WooCommerce ignores `stock_quantity` otherwise), up to
`batch_size` per `POST products/batch` or `POST products/{parent}/variations/batch`. A batch answers 200 even
when items fail: each item's own `error` is read, and one meaning the id is gone sends us back to the
catalogue once, to retry the SKUs whose id changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from connectors.base import PushResult, retry_moved
from connectors.http import Sender, json_body
from connectors.paging import PageNumberPaginator, iterate_pages
from connectors.woocommerce.client import WooClient, WooCommerceOptions, records_list
from core.errors import RequestRejected
from core.publish import WHOLE_CHANNEL, Published

_PER_READ = 100
"""`include` ids per read (WooCommerce's largest page)."""
_NO_STOCK_TYPES = frozenset({"variable", "grouped", "external"})
"""Product types whose own figure is not stock: variable products keep it on their variations."""

Refusals = list[tuple[Published, str]]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Target:
    id: int
    parent: int | None = None

    @classmethod
    def parse(cls, item: str) -> Target | None:
        parent, _, child = item.partition("/")
        if not parent.isdigit() or (child and not child.isdigit()):
            return None
        return cls(int(child), int(parent)) if child else cls(int(parent))

    @property
    def collection(self) -> str:
        return "products" if self.parent is None else f"products/{self.parent}/variations"


class StockWriter:
    def __init__(self, woo: WooClient, options: WooCommerceOptions) -> None:
        self.woo, self.options = woo, options
        self._catalogue_read_at: float | None = None

    def push_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> PushResult:
        result = PushResult()
        known = dict(items)
        wanted = [level for level in levels if _acceptable(level, result)]
        read = self.woo.sender(time_left)
        fresh = any(level.sku not in known for level in wanted) and self._catalogue_due()
        if fresh:
            self._read_catalogue(read, known, result)
        write = self.woo.sender(time_left, idempotent=True)  # absolute values: safe to repeat
        doubtful = self._write(write, known, wanted, result, final=fresh)
        if doubtful:
            # Ids bound earlier that the shop no longer knows: the product may have been re-created. Read
            # the catalogue again and retry the SKUs whose id changed; the rest keep their error.
            before = {level.sku: known[level.sku] for level, _why in doubtful}
            self._read_catalogue(read, known, result)
            moved = retry_moved(doubtful, before, known, result)
            self._write(write, known, moved, result, final=True)
        return result

    def _write(
        self, write: Sender, known: Mapping[str, str], levels: Sequence[Published], result: PushResult, *, final: bool
    ) -> Refusals:
        """Write the levels in batches per endpoint; returns the refusals a re-read catalogue might cure."""
        groups: dict[str, list[tuple[Published, int]]] = {}
        for level in levels:
            item = known.get(level.sku)
            target = None if item is None else Target.parse(item)
            if item is None:
                result.unlisted.append(level)
            elif target is None:
                result.failed.append((level, f"item id {item!r} is neither PRODUCT_ID nor PARENT_ID/VARIATION_ID"))
            else:
                groups.setdefault(f"{target.collection}/batch", []).append((level, target.id))
        doubtful: Refusals = []
        for endpoint, entries in groups.items():
            for chunk in _chunks(entries, self.options.batch_size):
                doubtful += self._send_batch(write, endpoint, chunk, result, final=final)
        return doubtful

    def _send_batch(
        self, write: Sender, endpoint: str, chunk: list[tuple[Published, int]], result: PushResult, *, final: bool
    ) -> Refusals:
        body = {"update": [{"id": id_, "manage_stock": True, "stock_quantity": lv.available} for lv, id_ in chunk]}
        doubtful: Refusals = []
        try:
            answer = json_body(write(self.woo.http, self.woo.request("POST", endpoint, json=body)))
        except RequestRejected as exc:
            stale = exc.status == 404 and not final
            (doubtful if stale else result.failed).extend((level, str(exc)) for level, _id in chunk)
            return doubtful
        answers = _answers(answer)
        for level, id_ in chunk:
            item = answers.get(id_)
            error = item.get("error") if item is not None else {"message": "the batch answer does not list this id"}
            if not error:
                result.pushed.append(level)
                continue
            why = f"POST {endpoint}: item {id_} refused: {_describe(error)}"
            (doubtful if _gone(error) and not final else result.failed).append((level, why))
        return doubtful

    def read_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> dict[tuple[str, str], int]:
        read = self.woo.sender(time_left)
        groups: dict[str, dict[int, str]] = {}
        for level in levels:
            target = Target.parse(items[level.sku]) if level.sku in items else None
            if target is not None and level.location == WHOLE_CHANNEL:
                groups.setdefault(target.collection, {})[target.id] = level.sku
        found: dict[tuple[str, str], int] = {}
        for collection, skus in groups.items():
            for chunk in _chunks(sorted(skus), _PER_READ):
                params = {"include": ",".join(map(str, chunk)), "_fields": "id,stock_quantity", "per_page": "100"}
                for row in self._walk(read, collection, params):
                    sku, quantity = skus.get(row.get("id", -1)), row.get("stock_quantity")
                    if sku is not None and isinstance(quantity, int) and not isinstance(quantity, bool):
                        found[sku, WHOLE_CHANNEL] = quantity
        return found

    def _catalogue_due(self) -> bool:
        """Unknown SKUs send us to the catalogue at most every `catalogue_refresh` seconds: a SKU the shop
        does not sell would otherwise cost a full catalogue read on every push."""
        read_at = self._catalogue_read_at
        return read_at is None or time.monotonic() - read_at >= self.options.catalogue_refresh

    def _read_catalogue(self, read: Sender, known: dict[str, str], result: PushResult) -> None:
        """Bring `known` (SKU → item id) in line with every product and variation; changes go to `resolved`."""
        listed: dict[str, str] = {}
        params = {"_fields": "id,sku,type,parent_id,variations", "per_page": "100"}
        for product in self._walk(read, "products", params):
            pid = product.get("id")
            if not isinstance(pid, int):
                continue
            if product.get("type") == "variable" and product.get("variations"):
                fields = {"_fields": "id,sku", "per_page": "100"}
                for variation in self._walk(read, f"products/{pid}/variations", fields):
                    if variation.get("sku") and isinstance(variation.get("id"), int):
                        listed[str(variation["sku"])] = f"{pid}/{variation['id']}"
            elif product.get("sku") and product.get("type") not in _NO_STOCK_TYPES:
                listed[str(product["sku"])] = str(pid)
        self._catalogue_read_at = time.monotonic()
        for sku in [sku for sku in known if sku not in listed]:
            del known[sku]
            result.forgotten.add(sku)
        for sku, item in listed.items():
            if known.get(sku) != item:
                known[sku] = result.resolved[sku] = item

    def _walk(self, read: Sender, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        first = self.woo.request("GET", path, params={**params, "page": "1"})
        pages = iterate_pages(
            self.woo.http, first, PageNumberPaginator(), records=lambda b: records_list(b, f"GET {path}"), send=read
        )
        for page in pages:
            yield from (row for row in page.records if isinstance(row, dict))


def _acceptable(level: Published, result: PushResult) -> bool:
    if level.location != WHOLE_CHANNEL:
        why = (
            f"location {level.location!r}: WooCommerce keeps one stock figure per product, not per location;"
            " leave location_ids out for this channel so its stock is published channel-wide"
        )
        result.failed.append((level, why))
        return False
    if isinstance(level.available, bool) or not isinstance(level.available, int) or level.available < 0:
        result.failed.append((level, f"{level.available!r} is not a whole number of units of at least 0"))
        return False
    return True


def _answers(body: Any) -> dict[int, dict[str, Any]]:
    rows = body.get("update") if isinstance(body, dict) else None
    return {row["id"]: row for row in rows or [] if isinstance(row, dict) and isinstance(row.get("id"), int)}


def _gone(error: Any) -> bool:
    """`woocommerce_rest_product_invalid_id`, `…_product_variation_invalid_id`, or a 404: the id is gone."""
    if not isinstance(error, dict):
        return False
    data = error.get("data")
    status = data.get("status") if isinstance(data, dict) else None
    return str(error.get("code", "")).endswith("_invalid_id") or status == 404


def _describe(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    code, message = error.get("code"), error.get("message", "")
    return f"{code}: {message}" if code else str(message)


def _chunks(entries: Sequence[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(entries), size):
        yield list(entries[start : start + size])
