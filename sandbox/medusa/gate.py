"""What every request meets before a handler: injected faults (a proxy's 429/503, a crash's 500, slowness),
then authentication; afterwards the answered call is counted per endpoint."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from sandbox.medusa.auth import authorized
from sandbox.medusa.errors import UNAUTHORIZED, json_response
from sandbox.medusa.state import MedusaState
from sandbox.shopify.faults import NO_FAULT, Fault, FaultPlan, Faults

Next = Callable[[Request], Awaitable[Response]]
OPEN_PATHS = ("/auth/",)
_BODIES = {
    429: {"message": "Too Many Requests"},
    500: {"code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred."},
    503: {"message": "Service Unavailable"},
}


@dataclass(frozen=True)
class MedusaFaults(Faults):
    """`Faults` plus `unavailable`: the probability of a 503 from a proxy in front of the server."""

    unavailable: float = 0.0


class MedusaFaultPlan:
    """The Shopify sandbox's draws for 429/500/slow/malformed, and a separate seeded draw for 503."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._plan = FaultPlan(faults)
        self._rng = random.Random(f"{faults.seed}:503")

    def next(self) -> Fault:
        fault = self._plan.next()
        unavailable = getattr(self.faults, "unavailable", 0.0)
        if fault.status is None and self._rng.random() < unavailable:
            return Fault(status=503, delay=fault.delay)
        return fault


class Gate:
    """HTTP middleware; one per app."""

    def __init__(self, state: MedusaState, faults: Faults | None) -> None:
        self._state = state
        self.plan = None if faults is None else MedusaFaultPlan(faults)

    async def __call__(self, request: Request, call_next: Next) -> Response:
        fault = NO_FAULT if self.plan is None else self.plan.next()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is not None:
            return self._fault_response(fault.status)
        if not request.url.path.startswith(OPEN_PATHS) and not authorized(
            self._state, request.headers.get("authorization", "")
        ):
            return json_response(UNAUTHORIZED, 401)
        response = await call_next(request)
        route = request.scope.get("route")
        if route is not None:
            self._state.count(f"{request.method} {route.path}")
        return await _cut_short(response) if fault.malformed else response

    def _fault_response(self, status: int) -> Response:
        body = _BODIES.get(status, {"message": "Error"})
        retry_after = "2" if self.plan is None else self.plan.faults.retry_after
        headers = {"Retry-After": retry_after} if status in (429, 503) else None
        return json_response(body, status, headers)


async def _cut_short(response: Response) -> Response:
    """The same response with its body cut mid-JSON, as a dropped connection leaves it."""
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body[: len(body) // 2], response.status_code, headers, media_type="application/json")
