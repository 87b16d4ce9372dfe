"""Shopify's REST call limit: a leaky bucket per app and shop, one unit per request."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sandbox.shopify.state import Clock


@dataclass(frozen=True, slots=True)
class CallLimit:
    size: int = 40  # standard plan; Plus shops have larger buckets
    leak_per_second: float = 2.0


class LeakyBucket:
    def __init__(self, limit: CallLimit, clock: Clock) -> None:
        self._limit = limit
        self._clock = clock
        self._level = 0.0
        self._last = clock()

    def take(self) -> bool:
        """Add one request to the bucket; False (throttled) when it is full."""
        self._leak()
        if self._level + 1 > self._limit.size:
            return False
        self._level += 1
        return True

    def header(self) -> str:
        """The `X-Shopify-Shop-Api-Call-Limit` value: used/size."""
        self._leak()
        return f"{math.ceil(self._level)}/{self._limit.size}"

    def _leak(self) -> None:
        now = self._clock()
        elapsed = max(0.0, (now - self._last).total_seconds())
        self._level = max(0.0, self._level - elapsed * self._limit.leak_per_second)
        self._last = now
