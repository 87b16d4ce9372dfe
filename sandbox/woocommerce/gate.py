"""What every API request meets before a handler: injected faults, then the consumer key and secret."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

from sandbox.shopify.faults import NO_FAULT, Fault, FaultPlan
from sandbox.woocommerce.errors import CANNOT_VIEW, WooError, error_response

API_ROOT = "/wp-json/wc/"
Next = Callable[[Request], Awaitable[Response]]
FAULTS = {
    429: ("rate_limit_exceeded", "Too many requests. Please wait and try again."),
    500: ("internal_server_error", "There has been a critical error on this website."),
    503: ("service_unavailable", "The site is temporarily unavailable for maintenance."),
}


class WooGate:
    """HTTP middleware; one per app, so its fault draws belong to one simulated shop."""

    def __init__(self, *, consumer_key: str, consumer_secret: str, faults: FaultPlan | None) -> None:
        self._credentials = f"{consumer_key}:{consumer_secret}".encode()
        self.plan = faults

    async def __call__(self, request: Request, call_next: Next) -> Response:
        if not request.url.path.startswith(API_ROOT):
            return await call_next(request)
        fault = NO_FAULT if self.plan is None else self.plan.next()
        response = await self._answer(request, call_next, fault)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return response

    async def _answer(self, request: Request, call_next: Next, fault: Fault) -> Response:
        if fault.status is not None:
            return self._fault_response(fault.status)
        if not self.admits(request):
            return error_response(WooError(401, *CANNOT_VIEW))
        response = await call_next(request)
        return await _cut_short(response) if fault.malformed else response

    def admits(self, request: Request) -> bool:
        """HTTP Basic with key and secret, or `consumer_key`/`consumer_secret` query parameters."""
        given = _basic(request.headers.get("Authorization", ""))
        if given is None:
            key, secret = request.query_params.get("consumer_key"), request.query_params.get("consumer_secret")
            given = None if key is None or secret is None else f"{key}:{secret}".encode()
        return given is not None and hmac.compare_digest(given, self._credentials)

    def _fault_response(self, status: int) -> Response:
        code, message = FAULTS.get(status, ("http_error", f"HTTP error {status}."))
        retry_after = "2" if self.plan is None else self.plan.faults.retry_after
        headers = {"Retry-After": retry_after} if status in (429, 503) else None
        return error_response(WooError(status, code, message), headers)


def _basic(header: str) -> bytes | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        return base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


async def _cut_short(response: Response) -> Response:
    """The same response with its body truncated mid-JSON, as a dropped connection or a broken proxy leaves it."""
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body[: len(body) // 2], response.status_code, headers, media_type="application/json")
