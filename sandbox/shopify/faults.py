"""Misbehaviour to inject: throttling, server errors, slow and malformed responses; seeded, so replayable."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Faults:
    """Each request draws its fate from `random.Random(seed)`: request N meets the same fault in every run.

    `fail_on` maps a 1-based request number to the status that request gets (429, 500, 503, ...), for
    tests that need one precise failure; it wins over the probabilities.
    """

    seed: int = 0
    throttle: float = 0.0  # probability of a 429 with Retry-After
    server_error: float = 0.0  # probability of a 500
    slow: float = 0.0  # probability of a response held back `delay` seconds
    delay: float = 1.0
    malformed: float = 0.0  # probability of a 200 whose JSON body is cut short
    retry_after: str = "2.0"
    fail_on: Mapping[int, int] = field(default_factory=dict)
    cut_once: frozenset[str] = frozenset()
    """Requests ("POST order-service/sales-order", path after the API root) whose first answer is cut short
    after it was acted on: the caller cannot tell whether it took effect (where a simulator supports it)."""


@dataclass(frozen=True, slots=True)
class Fault:
    status: int | None = None  # answer with this error status instead of the real response
    delay: float = 0.0
    malformed: bool = False


NO_FAULT = Fault()


class FaultPlan:
    """Draws the fault of each request in arrival order."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self.requests = 0
        self._cut: set[str] = set()

    def cut_now(self, request: str) -> bool:
        """True the first time `request` ("METHOD path") is one of `cut_once`."""
        if request not in self.faults.cut_once or request in self._cut:
            return False
        self._cut.add(request)
        return True

    def next(self) -> Fault:
        self.requests += 1
        # Always four draws, so one request's fate never shifts the draws of the next.
        throttle, error, slow, malformed = (self._rng.random() for _ in range(4))
        f = self.faults
        status = f.fail_on.get(self.requests)
        if status is None and throttle < f.throttle:
            status = 429
        elif status is None and error < f.server_error:
            status = 500
        return Fault(
            status=status,
            delay=f.delay if slow < f.slow else 0.0,
            malformed=status is None and malformed < f.malformed,
        )
