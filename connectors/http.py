"""The HTTP client factory, the one mapping from HTTP outcomes to the hub's errors, and the retry loop.

    2xx                                           -> the response
    429; 503 + brightpearl-next-throttle-period   -> RateLimited, retry_after from Retry-After / the period (ms)
    408, 5xx except 501 and 505                   -> RetryableError, retry_after from Retry-After if given
    401, 403                                      -> CredentialsRejected (credentials or scopes)
    any other status                              -> RequestRejected, with the status and a short body excerpt
    Stripe-Should-Retry: true / false             -> overrides the status: retryable / RequestRejected
    connect or pool timeout; read or write one    -> Timeout(sent=False) or PoolExhausted; Timeout(sent=True)
    refused, dropped or garbled connection        -> RetryableError
    bad URL or scheme, redirect loop              -> FatalError

A request that is not idempotent (`is_idempotent`) is repeated only when the other side certainly did not act
on it: connect errors and timeouts, 408, 429 and 503. Any other transient outcome for it (a timeout or dropped
connection after sending, 500/502/504) is an `UnknownOutcome`: the caller looks the object up by its reference
before anything is sent again. Messages name method, host and path, never headers or query strings, and body
excerpts have the request's credentials blanked out.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import orjson
import structlog
from pydantic import BaseModel, ConfigDict, Field
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from core.clock import Clock, SystemClock
from core.errors import (
    CredentialsRejected,
    FatalError,
    OmshubError,
    PoolExhausted,
    RateLimited,
    RequestRejected,
    RetryableError,
    Timeout,
    UnknownOutcome,
)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
BRIGHTPEARL_THROTTLE_HEADER = "brightpearl-next-throttle-period"
EXCERPT_CHARS = 200
_SECRET_MARKERS = ("auth", "token", "key", "secret", "password", "cookie", "signature")
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_CANNOT_SEND = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.TooManyRedirects)
_SAFE_TO_REPEAT = frozenset({408, 429, 503})

log = structlog.get_logger("omshub.http")


class RetryPolicy(BaseModel):
    """How one call retries: attempts, exponential back-off with jitter, and the longest Retry-After to honour."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=5, ge=1)
    backoff_base: float = Field(default=1.0, gt=0, description="seconds; wait n is between half and all of base·2ⁿ⁻¹")
    backoff_cap: float = Field(default=60.0, gt=0, description="seconds; no back-off step is longer")
    max_retry_after: float = Field(default=120.0, ge=0, description="a longer Retry-After ends the call, no sleep")


class HttpSettings(BaseModel):
    """One external system's HTTP settings; every timeout is explicit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    write_timeout: float = Field(default=30.0, gt=0)
    pool_timeout: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=10, ge=1)
    user_agent: str = "omshub/0.1"
    retry: RetryPolicy = Field(default_factory=RetryPolicy)


@dataclass(frozen=True, slots=True)
class Deadline:
    """The moment a run must be done by, on a monotonic clock (a fake one in tests)."""

    at: float
    monotonic: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, *, monotonic: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(monotonic() + seconds, monotonic)

    def remaining(self) -> float:
        return self.at - self.monotonic()


def make_client(
    settings: HttpSettings,
    *,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    on_response: Callable[[httpx.Response], None] | None = None,
) -> httpx.Client:
    """A long-lived keep-alive client; `transport` is where tests plug in respx or an `httpx.MockTransport`."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.write_timeout,
        pool=settings.pool_timeout,
    )
    limits = httpx.Limits(max_connections=settings.max_connections, max_keepalive_connections=settings.max_connections)
    defaults = {"User-Agent": settings.user_agent, "Accept": "application/json", **(headers or {})}
    hooks = {"response": [on_response]} if on_response is not None else {}
    return httpx.Client(
        base_url=settings.base_url,
        headers=defaults,
        auth=auth,
        timeout=timeout,
        limits=limits,
        transport=transport,
        event_hooks=hooks,
    )


Sender = Callable[[httpx.Client, httpx.Request], httpx.Response]


def sender_within(
    policy: RetryPolicy,
    time_left: float | None,
    *,
    idempotent: bool | None = None,
    before_request: Callable[[httpx.Request], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Clock = SystemClock(),
    monotonic: Callable[[], float] = time.monotonic,
) -> Sender:
    """`send` for the requests of one operation: each retries under `policy`, and all give up at the same
    deadline, `time_left` seconds from now (None: no deadline). Made per operation, not per connector: the
    jobs of one channel share its connector from several threads."""
    deadline = None if time_left is None else Deadline.after(time_left, monotonic=monotonic)

    def send_one(client: httpx.Client, request: httpx.Request) -> httpx.Response:
        return send(
            client,
            request,
            policy=policy,
            deadline=deadline,
            idempotent=idempotent,
            before_request=before_request,
            sleep=sleep,
            clock=clock,
        )

    return send_one


def send(
    client: httpx.Client,
    request: httpx.Request,
    *,
    policy: RetryPolicy,
    deadline: Deadline | None = None,
    idempotent: bool | None = None,
    before_request: Callable[[httpx.Request], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Clock = SystemClock(),
    jitter: Callable[[], float] = random.random,
) -> httpx.Response:
    """Send `request` and return its 2xx response, retrying only `RetryableError`s.

    Waits grow exponentially with jitter and are never shorter than the Retry-After asked for. The call gives
    up, re-raising the last error itself, after `policy.max_attempts`, when the next wait would pass
    `deadline`, or when the other side asks for a wait longer than `policy.max_retry_after` (the run is then
    deferred rather than asleep). `idempotent=None` derives it from the method and an Idempotency-Key header;
    pass True for a POST the other side deduplicates by a key in its body. `before_request` runs before every
    attempt: the place for a shared per-credential rate limiter.
    """
    retrying = Retrying(
        retry=retry_if_exception_type(RetryableError),
        wait=_wait(policy, jitter),
        stop=_stop(policy, deadline),
        sleep=sleep,
        before_sleep=_log_retry,
        reraise=True,
    )
    repeatable = is_idempotent(request) if idempotent is None else idempotent
    try:
        return retrying(_attempt, client, request, idempotent=repeatable, clock=clock, before_request=before_request)
    finally:
        retrying.iter_state.reset()  # tenacity keeps the last attempt (its response) in a reference cycle


class ThrottleCount:
    """Throttling answers (429, Brightpearl's 503) seen while counting, retried or not."""

    def __init__(self) -> None:
        self.seen = 0


_throttles: ContextVar[ThrottleCount | None] = ContextVar("omshub_throttles", default=None)


@contextmanager
def counting_throttles() -> Iterator[ThrottleCount]:
    """Count the throttling answers every call made in this thread's context receives until the block ends."""
    count = ThrottleCount()
    token = _throttles.set(count)
    try:
        yield count
    finally:
        _throttles.reset(token)


def _attempt(
    client: httpx.Client,
    request: httpx.Request,
    *,
    idempotent: bool,
    clock: Clock,
    before_request: Callable[[httpx.Request], None] | None,
) -> httpx.Response:
    if before_request is not None:
        before_request(request)
    try:
        response = client.send(request)
    except httpx.RequestError as exc:
        raise error_for_transport(exc, request, idempotent=idempotent) from exc
    error = error_for_response(response, idempotent=idempotent, clock=clock)
    if error is not None:
        counting = _throttles.get()
        if counting is not None and isinstance(error, RateLimited):
            counting.seen += 1
        raise error
    return response


def _wait(policy: RetryPolicy, jitter: Callable[[], float]) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        step = min(policy.backoff_cap, policy.backoff_base * 2.0 ** (state.attempt_number - 1))
        backoff = step * (0.5 + jitter() / 2)
        asked = _asked_wait(state)
        return backoff if asked is None else max(backoff, asked * (1 + jitter() / 10))

    return wait


def _stop(policy: RetryPolicy, deadline: Deadline | None) -> Callable[[RetryCallState], bool]:
    def stop(state: RetryCallState) -> bool:
        asked = _asked_wait(state)
        return (
            state.attempt_number >= policy.max_attempts
            or (asked is not None and asked > policy.max_retry_after)
            or (deadline is not None and state.upcoming_sleep > deadline.remaining())
        )

    return stop


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    log.warning("http.retrying", attempt=state.attempt_number, wait=round(state.upcoming_sleep, 3), error=str(error))


def _asked_wait(state: RetryCallState) -> float | None:
    error = state.outcome.exception() if state.outcome is not None else None
    return error.retry_after if isinstance(error, RetryableError) else None


def is_idempotent(request: httpx.Request) -> bool:
    """GET, HEAD, OPTIONS, PUT and DELETE are idempotent by definition; other methods only with an Idempotency-Key."""
    return request.method in IDEMPOTENT_METHODS or IDEMPOTENCY_HEADER in request.headers


def error_for_response(response: httpx.Response, *, idempotent: bool, clock: Clock) -> OmshubError | None:
    """The error an HTTP answer stands for, or None for a success (see the table at the top of this module)."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    where = describe(response.request)
    if status in (401, 403):
        return CredentialsRejected(
            f"{where} answered {status}: the credentials or their scopes were refused; check the token in this"
            f" system's settings and that the app was granted the access scopes this call needs ({excerpt(response)})",
            status=status,
        )
    if not _transient(response):
        body = excerpt(response)
        return RequestRejected(f"{where} answered {status}: {body}", status=status, excerpt=body)
    wait = _asked_to_wait(response, clock.now())
    if status == 429 or (status == 503 and BRIGHTPEARL_THROTTLE_HEADER in response.headers):
        asked = "no wait given" if wait is None else f"asked to wait {wait:g} s"
        return RateLimited(f"{where} is throttled ({status}); {asked}", retry_after=wait)
    if not idempotent and status not in _SAFE_TO_REPEAT:
        return UnknownOutcome(f"{where} answered {status} after it was sent; {_LOOK_IT_UP}")
    return RetryableError(f"{where} answered {status}, a server-side failure", retry_after=wait)


_LOOK_IT_UP = "it may have taken effect: look it up by its reference before sending it again"


def _transient(response: httpx.Response) -> bool:
    hint: str | None = response.headers.get("Stripe-Should-Retry")
    if hint is not None:
        return hint == "true"
    status = response.status_code
    return status in _SAFE_TO_REPEAT or (500 <= status < 600 and status not in (501, 505))


def _asked_to_wait(response: httpx.Response, now: datetime) -> float | None:
    """Retry-After, or on Brightpearl's throttling 503 the milliseconds its own header gives."""
    throttle = parse_retry_after(response.headers.get(BRIGHTPEARL_THROTTLE_HEADER), now)
    if response.status_code == 503 and throttle is not None:
        return throttle / 1000
    return parse_retry_after(response.headers.get("Retry-After"), now)


def error_for_transport(exc: httpx.RequestError, request: httpx.Request, *, idempotent: bool) -> OmshubError:
    """The error a failed exchange stands for; `sent` means the other side may have acted on the request."""
    where = describe(request)
    what = type(exc).__name__ + (f": {_redact(str(exc), request)[:120]}" if str(exc) else "")
    if isinstance(exc, _CANNOT_SEND):
        return FatalError(f"{where} cannot be sent ({what}); check the base URL and header values in the settings")
    sent = not isinstance(exc, _NOT_SENT)
    if sent and not idempotent:
        return UnknownOutcome(f"{where} failed after it was sent ({what}); {_LOOK_IT_UP}")
    if isinstance(exc, httpx.PoolTimeout):
        return PoolExhausted(f"{where} got no pooled connection in time: more concurrent requests than connections")
    if isinstance(exc, httpx.TimeoutException):
        return Timeout(f"{where} timed out ({what})", sent=sent)
    return RetryableError(f"{where} failed ({what})")


def json_body(response: httpx.Response, decode: Callable[[bytes], Any] = orjson.loads) -> Any:
    """The decoded JSON body of a successful response (`decode` may read it into typed structs instead).

    A body that is not JSON is a RetryableError, not a SkippableRecord: it is the whole answer that went wrong
    (a proxy's or a maintenance HTML page, a cut-off body), not one bad record. We cannot tell which records it
    held, so skipping it would move the bookmark past them; ending the run at its last committed page and
    reading the page again later loses nothing.
    """
    try:
        return decode(response.content)
    except (orjson.JSONDecodeError, msgspec.DecodeError, RecursionError):
        kind = response.headers.get("Content-Type", "no content type")
        raise RetryableError(
            f"{describe(response.request)} answered {response.status_code} with a body that is not JSON"
            f" ({kind}): {excerpt(response)}"
        ) from None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds (fractional too, as Shopify sends) or an HTTP-date."""
    try:
        seconds = float(value or "")
    except ValueError:
        return _seconds_until(value or "", now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        moment = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment.replace(tzinfo=moment.tzinfo or UTC) - now).total_seconds())


def describe(request: httpx.Request) -> str:
    """How messages name a request: method, host and path; never the query or headers, which may hold secrets."""
    return f"{request.method} {request.url.host}{request.url.path}"


def excerpt(response: httpx.Response) -> str:
    """The start of the body on one line, with the request's credentials blanked."""
    text = _redact(" ".join(response.text.split()), response.request)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


def _redact(text: str, request: httpx.Request) -> str:
    for secret in _secrets(request):
        text = text.replace(secret, "***")
    return text


def _secrets(request: httpx.Request) -> list[str]:
    found = [request.url.password or ""]
    for name, value in request.headers.items():
        if looks_secret(name):
            found += [value, *value.split()[1:]]
    found += [value for name, value in request.url.params.multi_items() if looks_secret(name)]
    return sorted((secret for secret in found if len(secret) >= 4), key=len, reverse=True)


def looks_secret(name: str) -> bool:
    """Whether a header or query parameter of this name may carry a credential."""
    return any(marker in name.lower() for marker in _SECRET_MARKERS)
