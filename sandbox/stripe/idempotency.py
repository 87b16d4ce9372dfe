"""Idempotency-Key handling: the first executed response per key is saved and replayed; a key reused with other
parameters is refused, and so is a request that arrives while one with its key is still executing."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.stripe.errors import StripeError

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Saved:
    fingerprint: tuple[str, str]  # "METHOD path", the request's parameters
    status: int
    body: Any
    at: datetime


class IdempotencyKeys:
    """Saved results per key, and the keys whose request is executing right now (the per-key lock)."""

    def __init__(self) -> None:
        self._saved: dict[str, Saved] = {}
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, key: str, fingerprint: tuple[str, str], now: datetime) -> Saved | None:
        """The saved result to replay, or None after taking the key for a new execution.

        Raises 400 `idempotency_error` for other parameters or another endpoint under a saved key, and
        409 `idempotency_key_in_use` while a request with the key is executing.
        """
        if len(key) > MAX_KEY_LENGTH:
            raise StripeError(400, "invalid_request_error", "Idempotency-Key is too long.", saved=False)
        with self._lock:
            if key in self._in_flight:
                raise in_use(key)
            saved = self._saved.get(key)
            if saved is not None and now - saved.at >= KEY_LIFETIME:
                del self._saved[key]  # pruned: the key executes anew
                saved = None
            if saved is None:
                self._in_flight.add(key)
                return None
        if saved.fingerprint != fingerprint:
            raise mismatch(key, saved.fingerprint, fingerprint)
        return saved

    def finish(self, key: str, saved: Saved | None) -> None:
        """Release the key; keep the result when the request executed (`saved` not None)."""
        with self._lock:
            self._in_flight.discard(key)
            if saved is not None:
                self._saved[key] = saved


def in_use(key: str) -> StripeError:
    message = (
        "There is currently another in-progress request using this Stripe token (probably meaning that you "
        f"issued two requests with the same idempotency key '{key}' at the same time). Retry after the first "
        "request has completed."
    )
    return StripeError(409, "invalid_request_error", message, code="idempotency_key_in_use", saved=False)


def mismatch(key: str, saved: tuple[str, str], given: tuple[str, str]) -> StripeError:
    if saved[0] != given[0]:
        message = (
            f"Keys for idempotent requests can only be used for the same endpoint they were first used for "
            f"('{saved[0]}' vs '{given[0]}'). Try using a key other than '{key}' if you meant to execute a "
            "different request."
        )
    else:
        message = (
            "Keys for idempotent requests can only be used with the same parameters they were first used with. "
            f"Try using a key other than '{key}' if you meant to execute a different request."
        )
    return StripeError(400, "idempotency_error", message, saved=False)
