"""Brightpearl's envelope: `{"response": ...}` on success, `{"errors": [{"code", "message"}]}` on failure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from sandbox.shopify.responses import json_response

Json = dict[str, Any]


class BrightpearlError(Exception):
    """A refusal with the HTTP status, error code and message Brightpearl would answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str, code: str = "CMNC-400") -> BrightpearlError:
    return BrightpearlError(400, code, message)


def not_found(message: str) -> BrightpearlError:
    return BrightpearlError(404, "CMNC-404", message)


def ok(response: Any, headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    return json_response({"response": response, **extra}, 200, headers)


def error_response(error: BrightpearlError, headers: Mapping[str, str] | None = None) -> Response:
    body = {"errors": [{"code": error.code, "message": error.message}]}
    return json_response(body, error.status, headers)


async def on_brightpearl_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, BrightpearlError)
    return error_response(exc)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        return error_response(not_found(f"No resource at {request.method} {request.url.path}"))
    return error_response(BrightpearlError(exc.status_code, f"CMNC-{exc.status_code}", str(exc.detail)))


def when(moment: datetime | None) -> str | None:
    """A moment as Brightpearl writes it: ISO-8601 in UTC with milliseconds."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_moment(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise bad_request(f"{name}: '{text}' is not an ISO-8601 date") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def id_set(text: str, *, limit: int = 500) -> list[int] | None:
    """An ID-SET (`1000-1010`, `5,9,22-26`) as sorted ids; None for `*` (all)."""
    if text.strip() == "*":
        return None
    ids: set[int] = set()
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise bad_request(f"'{text}' is not a valid ID set")
        ids.update(range(int(low), int(high or low) + 1))
        if len(ids) > limit:
            raise bad_request(f"An ID set may hold at most {limit} ids")
    return sorted(ids)
