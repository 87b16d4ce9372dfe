"""Stay under a Shopify shop's call limit instead of running into 429s.

Every response says how full the shop's leaky bucket is (`X-Shopify-Shop-Api-Call-Limit: 32/40`).
One pacer per credential, shared by every job that uses it, waits before a request while the bucket
is within `headroom` calls of full, for as long as the bucket needs to drain that far.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

HEADER = "X-Shopify-Shop-Api-Call-Limit"


class CallLimitPacer:
    def __init__(
        self,
        *,
        leak_per_second: float,
        headroom: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.leak, self.headroom = leak_per_second, headroom
        self._sleep, self._monotonic = sleep, monotonic
        self._lock = threading.Lock()
        self._used, self._size, self._seen_at = 0.0, 0, 0.0

    def observe(self, response: httpx.Response) -> None:
        """Remember the bucket's level from a response (any status)."""
        used, _, size = response.headers.get(HEADER, "").partition("/")
        if used.isdigit() and size.isdigit():
            with self._lock:
                self._used, self._size, self._seen_at = float(used), int(size), self._monotonic()

    def before_request(self, request: httpx.Request) -> None:
        """Wait until the bucket has room; the estimate leaks at the shop's rate since it was last seen."""
        with self._lock:
            if not self._size:
                return
            now = self._monotonic()
            level = max(self._used - self.leak * (now - self._seen_at), 0.0)
            excess = level - (self._size - self.headroom)
            if excess <= 0:
                self._used, self._seen_at = level + 1, now
                return
            wait = excess / self.leak
            self._used, self._seen_at = level + 1 - excess, now + wait
        self._sleep(wait)
