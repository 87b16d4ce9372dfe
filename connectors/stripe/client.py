"""The Stripe HTTP client: `/v1/...` under the base URL, `Authorization: Bearer sk_…`, a pinned
`Stripe-Version`, form-encoded bodies with bracketed keys, and Stripe's error object read into the hub's errors.

Every POST carries `Idempotency-Key: {reference}`. Stripe saves the first result for a key and replays it,
so the HTTP layer may repeat these POSTs after a timeout or a 5xx like any idempotent request, always with
the same key. Errors that carry Stripe's error object are mapped here, before connectors.http sees them:

    402 card_error                                  -> Declined (a business outcome, turned into a result)
    409 (a request with the same key in flight),
        code idempotency_key_in_use or lock_timeout -> RetryableError, unless Stripe-Should-Retry: false
    other 4xx (invalid_request_error, idempotency_error: the key was used with other parameters)
                                                    -> RequestRejected naming type, code and param
    401/403, 429, 5xx                               -> left to connectors.http (credentials, throttling, retry)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import ChannelSettings
from connectors.http import HttpSettings, RetryPolicy, Sender, describe, excerpt, json_body, make_client, sender_within
from connectors.stripe import schema
from core.clock import Clock, SystemClock
from core.errors import FatalError, OmshubError, RequestRejected, RetryableError

MAX_KEY_CHARS = 255
_RETRY_CODES = frozenset({"idempotency_key_in_use", "lock_timeout", "rate_limit"})
_LEFT_TO_HTTP = frozenset({401, 403, 429})


class StripeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_version: str = Field(
        default="2024-06-20", pattern=r"^\d{4}-\d{2}-\d{2}(\.\w+)?$", description="sent as Stripe-Version"
    )
    multicapture: bool = Field(
        default=False, description="the account has multicapture: capture several times (final_capture=false)"
    )
    authorization_days: int = Field(
        default=7, ge=1, le=31, description="days an authorization lasts when Stripe gives no capture_before"
    )
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)


class Declined(OmshubError):
    """A card error: a business outcome that the connector returns as a failed PaymentResult."""

    def __init__(self, error: schema.PaymentError, intent: Mapping[str, Any] | None) -> None:
        super().__init__(f"declined: {error.reason()}")
        self.error, self.intent = error, intent


class StripeClient:
    def __init__(
        self,
        settings: ChannelSettings,
        options: StripeOptions,
        transport: httpx.BaseTransport | None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock = SystemClock(),
    ) -> None:
        http = HttpSettings(
            base_url=settings.base_url.rstrip("/"),
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            retry=RetryPolicy(max_attempts=options.max_attempts),
        )
        headers = {"Authorization": f"Bearer {secret_key(settings)}", "Stripe-Version": options.api_version}
        self.http = make_client(http, headers=headers, transport=transport, on_response=raise_stripe_error)
        self.policy, self._sleep, self._clock = http.retry, sleep, clock

    def sender(self, time_left: float | None) -> Sender:
        """Per operation: every request of one operation gives up at the same deadline."""
        return sender_within(self.policy, time_left, sleep=self._sleep, clock=self._clock)

    def get(self, path: str, params: Mapping[str, str], *, send: Sender) -> Any:
        return json_body(send(self.http, self.http.build_request("GET", path, params=params)))

    def post(self, path: str, form: Mapping[str, str], *, reference: str, send: Sender) -> Any:
        """POST a form with `reference` as the Idempotency-Key (the same on every attempt)."""
        if not 0 < len(reference) <= MAX_KEY_CHARS:
            raise FatalError(f"reference {reference[:40]!r}…: Stripe takes idempotency keys of 1 to 255 characters")
        request = self.http.build_request("POST", path, data=dict(form), headers={"Idempotency-Key": reference})
        return json_body(send(self.http, request))


def secret_key(settings: ChannelSettings) -> str:
    key = settings.credentials.get("secret_key")
    if key is None:
        raise FatalError(f"{settings.name}: credentials.secret_key is missing (a Stripe secret key sk_…)")
    return key.get_secret_value()


def raise_stripe_error(response: httpx.Response) -> None:
    """Response hook: raise the hub's error for an answer carrying Stripe's error object (see the table above)."""
    status = response.status_code
    if status < 400 or status >= 500 or status in _LEFT_TO_HTTP:
        return
    response.read()
    try:
        found = schema.error(orjson.loads(response.content))
    except orjson.JSONDecodeError:
        found = None
    if found is None:
        return
    error, intent = found
    if error.type == "card_error":
        raise Declined(error, intent)
    where, what = describe(response.request), _described(error)
    if _retryable(response, error):
        raise RetryableError(f"{where} answered {status}: {what}; the same Idempotency-Key is sent again")
    raise RequestRejected(f"{where} answered {status}: {what}{_hint(error)}", status=status, excerpt=excerpt(response))


def _retryable(response: httpx.Response, error: schema.PaymentError) -> bool:
    hint = response.headers.get("Stripe-Should-Retry")
    if hint is not None:
        return bool(hint == "true")
    return response.status_code == 409 or error.code in _RETRY_CODES


def _described(error: schema.PaymentError) -> str:
    param = f" (param {error.param})" if error.param else ""
    message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
    return f"Stripe {error.type} {error.code or '(no code)'}{param}: {message}"


def _hint(error: schema.PaymentError) -> str:
    if error.type == "idempotency_error":
        return (
            "; this Idempotency-Key was used before with other parameters: an operation's reference must always"
            " be sent with the same amount, so give a changed operation a new reference"
        )
    return ""
