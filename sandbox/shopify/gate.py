"""What every request meets before a handler: injected faults, the access token and the call limit."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from fastapi import Request
from fastapi.responses import Response

from sandbox.shopify.faults import NO_FAULT, Fault, FaultPlan
from sandbox.shopify.ratelimit import LeakyBucket
from sandbox.shopify.responses import INVALID_TOKEN, THROTTLED, error_response

TOKEN_HEADER = "X-Shopify-Access-Token"
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
Next = Callable[[Request], Awaitable[Response]]


class Gate:
    """HTTP middleware; one per app, so its bucket and fault draws belong to one simulated shop."""

    def __init__(self, *, token: str, bucket: LeakyBucket, faults: FaultPlan | None) -> None:
        self._token = token.encode()
        self._bucket = bucket
        self.plan = faults

    async def __call__(self, request: Request, call_next: Next) -> Response:
        fault = NO_FAULT if self.plan is None else self.plan.next()
        response = await self._answer(request, call_next, fault)
        response.headers[CALL_LIMIT_HEADER] = self._bucket.header()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return response

    async def _answer(self, request: Request, call_next: Next, fault: Fault) -> Response:
        if fault.status is not None:
            return self._fault_response(fault.status)
        if not hmac.compare_digest(request.headers.get(TOKEN_HEADER, "").encode(), self._token):
            return error_response(401, INVALID_TOKEN)
        if not self._bucket.take():
            return error_response(429, THROTTLED, {"Retry-After": "2.0"})
        response = await call_next(request)
        return await _cut_short(response) if fault.malformed else response

    def _fault_response(self, status: int) -> Response:
        if status == 429:
            retry_after = "2.0" if self.plan is None else self.plan.faults.retry_after
            return error_response(429, THROTTLED, {"Retry-After": retry_after})
        return error_response(status, HTTPStatus(status).phrase)


async def _cut_short(response: Response) -> Response:
    """The same response with its body truncated mid-JSON, as a dropped connection or a broken proxy leaves it."""
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body[: len(body) // 2], response.status_code, headers, media_type="application/json")
