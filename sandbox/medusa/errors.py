"""Refusals in Medusa's shape (`{"type","message"}`; 401 is `{"message":"Unauthorized"}`) and JSON writing."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException


class MedusaError(Exception):
    """A refusal with the status and error type the real server answers."""

    status = 400
    type = "invalid_data"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidData(MedusaError):
    pass


class NotAllowed(MedusaError):
    type = "not_allowed"


class NotFound(MedusaError):
    status = 404
    type = "not_found"


class Unauthorized(MedusaError):
    status = 401
    type = "unauthorized"


class InsufficientStock(NotAllowed):
    """An order asked for more than a sales channel's locations have available."""


def _exact(value: object) -> orjson.Fragment:
    """Fractional quantities stored as Decimal go out as the number that came in."""
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body, default=_exact), status, headers, media_type="application/json")


def error_body(error: MedusaError) -> dict[str, str]:
    return {"type": error.type, "message": error.message}


UNAUTHORIZED = {"message": "Unauthorized"}


async def on_medusa_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, MedusaError)
    return json_response(error_body(exc), exc.status)


async def on_http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    kind = "not_found" if exc.status_code == 404 else "invalid_data"
    return json_response({"type": kind, "message": str(exc.detail)}, exc.status_code)
