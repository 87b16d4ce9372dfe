"""Errors named for the reaction they need."""

from __future__ import annotations

from dataclasses import dataclass


class OmshubError(Exception):
    """Base of every error the hub raises on purpose; its message is meant for an operator."""


class RetryableError(OmshubError):
    """A transient failure (rate limit, 5xx, timeout, lock conflict): back off and try again.

    `retry_after` is how long the other side asked us to wait, in seconds, when it said so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(RetryableError):
    """The other side is throttling us (HTTP 429, Brightpearl's 503): wait `retry_after`, then try again."""


class Timeout(RetryableError):
    """No answer in time.

    `sent` says whether the request may have reached the other side. Before sending (connect, pool) a retry
    is always safe; after sending, only an idempotent request may be repeated. For any other request the
    HTTP layer raises `UnknownOutcome` instead of this error.
    """

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class PoolExhausted(Timeout):
    """No free connection in the client's pool in time: more concurrent requests than connections."""

    def __init__(self, message: str) -> None:
        super().__init__(message, sent=False)


class UnknownOutcome(OmshubError):
    """A request that is not safe to repeat may or may not have taken effect.

    Raised for a timeout, a dropped connection or a 500/502/504 after a non-idempotent request was sent.
    Neither retry it blindly nor give it up: look the object up by our reference (or re-send with the same
    idempotency key), then decide.
    """


class FatalError(OmshubError):
    """A failure that retrying cannot fix (auth, bad request, bad configuration)."""


class AuthorizationExpired(FatalError):
    """The payment's authorization lapsed (or the processor canceled it): capturing it cannot succeed; it needs a
    new authorization or a new payment."""


class CredentialsRejected(FatalError):
    """The other side refused our credentials or their scopes (HTTP 401/403)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class RequestRejected(FatalError):
    """The other side refused the request itself (a 4xx other than 401/403, or a final 5xx)."""

    def __init__(self, message: str, *, status: int, excerpt: str) -> None:
        super().__init__(message)
        self.status = status
        self.excerpt = excerpt


class NotFound(OmshubError):
    """The object asked for does not exist."""


class InvalidRequest(OmshubError):
    """An operator's request that does not fit the data (more units than are left, an unknown line)."""


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
