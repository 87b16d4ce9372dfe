"""What every request meets before a handler: injected faults, then the secret key; answered calls are counted."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

from sandbox.shopify.faults import NO_FAULT, FaultPlan, Faults
from sandbox.stripe.errors import StripeError, error_response
from sandbox.stripe.state import StripeState

Next = Callable[[Request], Awaitable[Response]]
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, using "
    "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
)
FAULTS = {
    429: StripeError(
        429,
        "invalid_request_error",
        "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
        code="rate_limit",
    ),
    500: StripeError(500, "api_error", "An unknown error occurred"),
}


class StripeGate:
    """HTTP middleware; one per app, so its fault draws belong to one simulated account."""

    def __init__(self, state: StripeState, *, secret_key: str, faults: Faults | None) -> None:
        self._state = state
        self._key = secret_key.encode()
        self.plan = None if faults is None else FaultPlan(faults)

    async def __call__(self, request: Request, call_next: Next) -> Response:
        fault = NO_FAULT if self.plan is None else self.plan.next()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is not None:
            error = FAULTS.get(fault.status, StripeError(fault.status, "api_error", "An unknown error occurred"))
            return error_response(error, {"Stripe-Should-Retry": "true"})
        refusal = self._refusal(request.headers.get("authorization", ""))
        if refusal is not None:
            return error_response(refusal)
        response = await call_next(request)
        route = request.scope.get("route")
        if route is not None:
            self._state.count(f"{request.method} {route.path}")
        return await _cut_short(response) if fault.malformed else response

    def _refusal(self, header: str) -> StripeError | None:
        given = _secret(header)
        if given is None:
            return StripeError(401, "invalid_request_error", NO_KEY)
        if hmac.compare_digest(given.encode(), self._key):
            return None
        return StripeError(401, "invalid_request_error", f"Invalid API Key provided: {mask(given)}")


def _secret(header: str) -> str | None:
    """The key from `Bearer sk_...` or from Basic auth with the key as user name."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if scheme.lower() != "basic":
        return None
    try:
        user = base64.b64decode(token.strip(), validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user or None


def mask(key: str) -> str:
    """As Stripe echoes a wrong key: its prefix, stars, its last four characters."""
    prefix = key[: key.find("_", 3) + 1] if key.count("_") >= 2 else key[:3]
    return prefix + "*" * max(len(key) - len(prefix) - 4, 3) + key[-4:]


async def _cut_short(response: Response) -> Response:
    """The same response with its body cut mid-JSON, as a dropped connection leaves it."""
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body[: len(body) // 2], response.status_code, headers, media_type="application/json")
