"""JSON responses and errors in Shopify's shape: `{"errors": "..."}` or `{"errors": {"field": ...}}`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
Errors = str | list[str] | dict[str, Any]


class ApiError(Exception):
    """A refusal with the status and `errors` body Shopify would answer."""

    def __init__(self, status: int, errors: Errors) -> None:
        super().__init__(status, errors)
        self.status = status
        self.errors = errors


def _exact(value: object) -> orjson.Fragment:
    """Decimals (tax rates, refund subtotals) go out as JSON numbers written exactly, never through a float."""
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body, default=_exact), status, headers, media_type="application/json")


def error_response(status: int, errors: Errors, headers: Mapping[str, str] | None = None) -> Response:
    return json_response({"errors": errors}, status, headers)


async def on_api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.errors)


async def on_http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, exc.detail)
