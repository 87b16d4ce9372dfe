"""Refusals in Stripe's shape, `{"error": {"type", "code", "message", ...}}`, and the handlers that send them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from sandbox.shopify.responses import json_response

Json = dict[str, Any]
DOCS = "https://stripe.com/docs/error-codes"


class StripeError(Exception):
    """A refusal with the HTTP status and error object Stripe would answer.

    `saved` is False for a request refused before it started executing (a parameter that fails
    validation): its Idempotency-Key stays free, as on the real API.
    """

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        extra: Mapping[str, Any] | None = None,
        saved: bool = True,
    ) -> None:
        super().__init__(status, kind, message)
        self.status = status
        self.kind = kind
        self.message = message
        self.code = code
        self.param = param
        self.extra = dict(extra or {})
        self.saved = saved

    def body(self) -> Json:
        error: Json = {"type": self.kind, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}#{self.code.replace('_', '-')}"
        if self.param is not None:
            error["param"] = self.param
        return {"error": {**error, **self.extra}}


def invalid_request(message: str, *, code: str | None = None, param: str | None = None) -> StripeError:
    """A 400 from execution (a state or amount the object does not allow); saved under its key."""
    return StripeError(400, "invalid_request_error", message, code=code, param=param)


def invalid_param(param: str, message: str, *, code: str = "parameter_invalid") -> StripeError:
    """A 400 from parameter validation: not saved under the Idempotency-Key."""
    return StripeError(400, "invalid_request_error", message, code=code, param=param, saved=False)


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(
        404, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def unexpected_state(message: str) -> StripeError:
    return invalid_request(message, code="payment_intent_unexpected_state")


def error_response(error: StripeError, headers: Mapping[str, str] | None = None) -> Response:
    return json_response(error.body(), error.status, headers)


async def on_stripe_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StripeError)
    return error_response(exc)


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths answer as Stripe does: 404 `invalid_request_error` naming the URL."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        message = f"Unrecognized request URL ({request.method}: {request.url.path})."
        return error_response(StripeError(404, "invalid_request_error", message))
    return error_response(StripeError(exc.status_code, "invalid_request_error", str(exc.detail)))
