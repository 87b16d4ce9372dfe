"""Stock levels out to Medusa v2: per inventory item × stock location, set in batches.

Medusa's available_quantity is stocked_quantity minus its own reservations (one per open order line),
while the hub's published value already accounts for those orders. So the stocked quantity written is the
published value plus the level's reserved_quantity, read in bulk just before the write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import httpx

from connectors.base import PushResult
from connectors.paging import OffsetPaginator, iterate_pages
from core.errors import FatalError, RequestRejected
from core.publish import WHOLE_CHANNEL, Published

Send = Callable[[httpx.Client, httpx.Request], httpx.Response]
_IDS_PER_READ = 100
"""Inventory items per reservation read (`id[]` in the query string, about 3.5 KB of URL), one read per batch."""
BATCH_PATH = "/admin/inventory-items/location-levels/batch"


@dataclass(frozen=True, slots=True)
class Level:
    """What Medusa holds for one inventory item at one stock location."""

    reserved: Decimal
    available: Decimal


class Current(NamedTuple):
    levels: dict[tuple[str, str], Level]
    items: set[str]
    """The inventory items Medusa still has (with or without levels)."""


class StockLevels:
    """Push and read levels; remembers when it last read the variant catalogue."""

    def __init__(
        self, client: httpx.Client, location_ids: Mapping[str, str], *, batch_size: int, page_size: int
    ) -> None:
        self.client, self.location_ids = client, location_ids
        self.batch_size, self.page_size = batch_size, page_size

    def push(
        self, levels: Sequence[Published], known: Mapping[str, str], *, read: Send, write: Send
    ) -> tuple[PushResult, list[Published]]:
        """Write each level whose SKU has an item in `known` (SKU → inventory item id); see PushResult. Levels
        whose bound item Medusa no longer has come back unwritten, for the caller to look up again."""
        result = PushResult()
        targets: list[tuple[Published, str, str]] = []
        for level in levels:
            item, location = known.get(level.sku), self.location_ids.get(level.location)
            if item is None:
                result.unlisted.append(level)
            elif location is None:
                result.failed.append((level, _no_location(level.location)))
            else:
                targets.append((level, item, location))
        current = self.current(sorted({item for _level, item, _loc in targets}), send=read)
        gone = [level for level, item, _loc in targets if item not in current.items]
        targets = [target for target in targets if target[1] in current.items]
        for start in range(0, len(targets), self.batch_size):
            self._write(targets[start : start + self.batch_size], current.levels, result, send=write)
        return result, gone

    def _write(
        self,
        chunk: list[tuple[Published, str, str]],
        current: Mapping[tuple[str, str], Level],
        result: PushResult,
        *,
        send: Send,
    ) -> None:
        body: dict[str, list[dict[str, Any]]] = {"create": [], "update": []}
        sent: list[Published] = []
        for level, item, location in chunk:
            held = current.get((item, location))
            stocked = level.available + (held.reserved if held is not None else 0)
            problem = _refused_quantity(level, stocked)
            if problem is not None:
                result.failed.append((level, problem))
                continue
            row = {"inventory_item_id": item, "location_id": location, "stocked_quantity": int(stocked)}
            body["update" if held is not None else "create"].append(row)
            sent.append(level)
        if not sent:
            return
        try:
            send(self.client, self.client.build_request("POST", BATCH_PATH, json={k: v for k, v in body.items() if v}))
        except RequestRejected as exc:
            result.failed += [(level, str(exc)) for level in sent]
            return
        result.pushed += sent

    def read(self, levels: Sequence[Published], items: Mapping[str, str], *, send: Send) -> dict[tuple[str, str], int]:
        """Medusa's available_quantity per (SKU, hub location code) for the pairs asked about."""
        wanted = {
            (items[p.sku], self.location_ids[p.location]): (p.sku, p.location)
            for p in levels
            if p.sku in items and p.location in self.location_ids
        }
        current = self.current(sorted({item for item, _loc in wanted}), send=send)
        return {
            wanted[key]: int(level.available)
            for key, level in current.levels.items()
            if key in wanted and level.available == level.available.to_integral_value()
        }

    def current(self, item_ids: Sequence[str], *, send: Send) -> Current:
        """The levels of these inventory items at every location, by (item id, location id)."""
        found = Current({}, set())
        for start in range(0, len(item_ids), _IDS_PER_READ):
            chunk = list(item_ids[start : start + _IDS_PER_READ])
            params = {"id[]": chunk, "fields": "id,*location_levels", "limit": str(len(chunk)), "offset": "0"}
            for item in self._walk("/admin/inventory-items", params, "inventory_items", send):
                found.items.add(str(item["id"]))
                for row in item.get("location_levels") or []:
                    found.levels[str(item["id"]), str(row["location_id"])] = Level(
                        _quantity(row.get("reserved_quantity")), _quantity(row.get("available_quantity"))
                    )
        return found

    def catalogue(self, *, send: Send) -> dict[str, str]:
        """SKU → inventory item id of every variant that has exactly one inventory item. A variant made of
        several items (a kit) has no stock of its own to set, so it is not listed."""
        params = {"fields": "id,sku,*inventory_items", "limit": str(self.page_size), "offset": "0"}
        listed: dict[str, str] = {}
        for variant in self._walk("/admin/product-variants", params, "variants", send):
            links = variant.get("inventory_items") or []
            if variant.get("sku") and len(links) == 1 and links[0].get("inventory_item_id"):
                listed[str(variant["sku"])] = str(links[0]["inventory_item_id"])
        return listed

    def _walk(self, path: str, params: dict[str, Any], key: str, send: Send) -> Iterator[dict[str, Any]]:
        first = self.client.build_request("GET", path, params=params)
        for page in iterate_pages(self.client, first, OffsetPaginator(), records=_records(key), send=send):
            exact = json.loads(page.response.content, parse_float=Decimal)  # quantities are BigNumbers
            yield from (row for row in exact[key] if isinstance(row, dict))


def _records(key: str) -> Callable[[Any], list[Any]]:
    def records(body: Any) -> list[Any]:
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            raise FatalError(f"Medusa answered without a {key!r} list")
        return list(body[key])

    return records


def _quantity(value: Any) -> Decimal:
    return Decimal(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else Decimal(0)


def _refused_quantity(level: Published, stocked: Decimal | int) -> str | None:
    """Medusa accepts negative and fractional stocked quantities; we never send one."""
    if level.available < 0:
        return f"available {level.available} is negative; not sent"
    if stocked < 0 or stocked != int(stocked):
        return f"stocked quantity {stocked} (available plus Medusa's reservations) is not a whole number ≥ 0"
    return None


def _no_location(code: str) -> str:
    if code == WHOLE_CHANNEL:
        return "Medusa keeps stock per stock location: map one in location_ids (and pooled_at to publish the sum there)"
    return f"location {code!r} has no Medusa stock location id (sloc_…) in location_ids"
