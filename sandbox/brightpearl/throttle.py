"""Brightpearl's throttle: a cap of requests per rolling minute per account; over it, 503 instead of an answer."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
DEFAULT_CAP = 200


@dataclass(frozen=True, slots=True)
class Allowance:
    admitted: bool
    remaining: int
    next_period_ms: int

    def headers(self) -> dict[str, str]:
        return {
            "brightpearl-requests-remaining": str(self.remaining),
            "brightpearl-next-throttle-period": str(self.next_period_ms),
        }


class RollingMinute:
    """The moments of the requests admitted during the last minute on the clock."""

    def __init__(self, clock: Callable[[], datetime], cap: int = DEFAULT_CAP) -> None:
        self.clock = clock
        self.cap = cap
        self._seen: deque[datetime] = deque()
        self._lock = threading.Lock()

    def take(self) -> Allowance:
        """Admit one request if the window has room; a refused request does not count."""
        now = self.clock()
        with self._lock:
            while self._seen and self._seen[0] <= now - WINDOW:
                self._seen.popleft()
            admitted = len(self._seen) < self.cap
            if admitted:
                self._seen.append(now)
            oldest = self._seen[0] if self._seen else now
            wait = oldest + WINDOW - now
            return Allowance(admitted, self.cap - len(self._seen), int(wait / timedelta(milliseconds=1)))
