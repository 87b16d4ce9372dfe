"""Errors in the WordPress REST shape, `{"code", "message", "data": {"status"}}`, and the handlers that send them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from sandbox.shopify.responses import json_response

CANNOT_VIEW = ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
NO_ROUTE = ("rest_no_route", "No route was found matching the URL and request method.")


class WooError(Exception):
    """A refusal with the HTTP status, code and message WooCommerce would answer."""

    def __init__(self, status: int, code: str, message: str, *, params: Mapping[str, str] | None = None) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.params = dict(params) if params else None

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status}
        if self.params is not None:
            data["params"] = self.params
        return {"code": self.code, "message": self.message, "data": data}


def invalid_param(name: str, reason: str) -> WooError:
    """WordPress's answer to a query or body value its schema refuses."""
    return WooError(400, "rest_invalid_param", f"Invalid parameter(s): {name}", params={name: reason})


def error_response(error: WooError, headers: Mapping[str, str] | None = None) -> Response:
    return json_response(error.body(), error.status, headers)


async def on_woo_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, WooError)
    return error_response(exc)


async def on_http_error(_: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer as WordPress does: `rest_no_route` with 404."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        return error_response(WooError(404, *NO_ROUTE))
    return error_response(WooError(exc.status_code, "rest_error", str(exc.detail)))
