"""What every request meets before a handler: injected faults, the account and its private-app headers, then
the throttle; every answer carries the throttle headers, and answered calls are counted per endpoint."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

from sandbox.brightpearl.errors import BrightpearlError, error_response
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.throttle import RollingMinute
from sandbox.shopify.faults import NO_FAULT, FaultPlan, Faults

Next = Callable[[Request], Awaitable[Response]]
API_ROOT = "/public-api/"
TOO_BUSY = "You have sent too many requests. Please wait before sending another request."
NOT_AUTHENTICATED = "Not authenticated: check brightpearl-app-ref and brightpearl-account-token."


class BrightpearlGate:
    """HTTP middleware; one per app, so its fault draws and throttle window belong to one account."""

    def __init__(
        self,
        state: BrightpearlState,
        *,
        account: str,
        credentials: tuple[str, str],
        throttle: RollingMinute,
        faults: Faults | None,
    ) -> None:
        self._state = state
        self._account = account
        self._credentials = credentials
        self.throttle = throttle
        self.plan = None if faults is None else FaultPlan(faults)

    async def __call__(self, request: Request, call_next: Next) -> Response:
        if not request.url.path.startswith(API_ROOT):
            return await call_next(request)
        fault = NO_FAULT if self.plan is None else self.plan.next()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if not self._admits(request):
            return error_response(BrightpearlError(401, "CMNC-401", NOT_AUTHENTICATED))
        allowance = self.throttle.take()
        headers = allowance.headers()
        if not allowance.admitted or fault.status in (429, 503):
            return error_response(BrightpearlError(503, "CMNC-503", TOO_BUSY), headers)
        if fault.status is not None:
            return error_response(BrightpearlError(fault.status, "CMNC-500", "Internal server error"), headers)
        response = await call_next(request)
        response.headers.update(headers)
        route = request.scope.get("route")
        if route is not None:
            path = str(route.path).removeprefix(f"{API_ROOT}{{account}}/")
            self._state.count(f"{request.method} {path}")
        raw = f"{request.method} {request.url.path.removeprefix(f'{API_ROOT}{self._account}/')}"
        cut = fault.malformed or (self.plan is not None and self.plan.cut_now(raw))
        return await _cut_short(response) if cut else response

    def _admits(self, request: Request) -> bool:
        account = request.url.path.removeprefix(API_ROOT).partition("/")[0]
        given = (request.headers.get("brightpearl-app-ref", ""), request.headers.get("brightpearl-account-token", ""))
        same = all(hmac.compare_digest(a.encode(), b.encode()) for a, b in zip(given, self._credentials, strict=True))
        return account == self._account and same


async def _cut_short(response: Response) -> Response:
    """The same response with its body cut mid-JSON, as a dropped connection leaves it."""
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body[: len(body) // 2], response.status_code, headers, media_type="application/json")
