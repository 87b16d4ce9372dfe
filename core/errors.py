"""Errors named for the reaction they need."""

from __future__ import annotations

from dataclasses import dataclass


class OmshubError(Exception):
    """Base of every error the hub raises on purpose; its message is meant for an operator."""


class RetryableError(OmshubError):
    """A transient failure (rate limit, 5xx, timeout, lock conflict): back off and try again."""


class FatalError(OmshubError):
    """A failure that retrying cannot fix (auth, bad request, bad configuration)."""


class NotFound(OmshubError):
    """The object asked for does not exist."""


class SkippableRecord(OmshubError):
    """One record is bad; quarantine it with its reason and go on with the rest."""

    def __init__(self, reason: str, *, external_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.external_id = external_id


@dataclass(frozen=True, slots=True)
class Shortage:
    """One line that cannot be served from the stock locations it may use."""

    line_key: str
    sku: str
    requested: int
    available: int

    def describe(self) -> str:
        return f"{self.sku} (line {self.line_key}): wanted {self.requested}, available {self.available}"


class InsufficientStock(OmshubError):
    """All short lines of one order, reported together."""

    def __init__(self, shortages: list[Shortage]) -> None:
        self.shortages = shortages
        super().__init__("insufficient stock: " + "; ".join(s.describe() for s in shortages))
