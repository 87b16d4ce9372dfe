"""SKU → Brightpearl product id, remembered in the process so that orders of the same SKUs do not search the
catalogue again each time.

One cache per connector instance, shared by its threads (a lock guards every read and change; no call to
Brightpearl happens under it). It holds at most `size` SKUs, dropping the least recently used first, and an
entry is used for `seconds` after it was looked up, then looked up again. Only products found are kept: a SKU
Brightpearl does not know is searched each time, so a product created there is picked up at once. A SKU is
forgotten as soon as Brightpearl refuses a request naming its product (the product may have been deleted and
created again under a new id). `seconds` 0 turns the cache off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence


class ProductCache:
    def __init__(self, seconds: float, size: int, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.size = seconds, size
        self._monotonic = monotonic
        self._entries: OrderedDict[str, tuple[int, float]] = OrderedDict()  # SKU -> (product id, expires at)
        self._lock = threading.Lock()

    def known(self, skus: Sequence[str]) -> dict[str, int]:
        """The product ids of `skus` still fresh here; expired entries are dropped on the way."""
        now = self._monotonic()
        found: dict[str, int] = {}
        with self._lock:
            for sku in skus:
                entry = self._entries.get(sku)
                if entry is None:
                    continue
                if entry[1] <= now:
                    del self._entries[sku]
                    continue
                self._entries.move_to_end(sku)
                found[sku] = entry[0]
        return found

    def keep(self, found: Mapping[str, int]) -> None:
        """Remember product ids just looked up, the oldest-used entries making room."""
        if self.seconds <= 0:
            return
        expires = self._monotonic() + self.seconds
        with self._lock:
            for sku, product_id in found.items():
                self._entries[sku] = (product_id, expires)
                self._entries.move_to_end(sku)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, skus: Iterable[str]) -> None:
        with self._lock:
            for sku in skus:
                self._entries.pop(sku, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
