"""Bearer tokens from the `[api.tokens]` configuration, in two scopes: `read` and `operator`.

Every endpoint but the health checks names the scope it needs. A missing or unknown token is answered
401, a read token on an operator endpoint 403. Tokens are compared in constant time, each against every
configured one, and never logged. The status page, which a browser opens, also takes HTTP Basic auth whose
password is a token.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from prometheus_client import Counter

from config.settings import ApiToken

Scope = Literal["read", "operator"]
_GRANTS: dict[Scope, frozenset[Scope]] = {"read": frozenset({"read"}), "operator": frozenset({"read", "operator"})}
_bearer = HTTPBearer(auto_error=False, description="A token from [api.tokens] in the configuration.")
BASIC_CHALLENGE = 'Basic realm="omshub"'


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    scope: Scope


class Tokens:
    """The configured tokens, and a count of the requests refused for want of a good one."""

    def __init__(self, tokens: Mapping[str, ApiToken], refused: Counter) -> None:
        self._tokens = [(name, t.token.get_secret_value().encode(), t.scope) for name, t in tokens.items()]
        self._refused = refused

    def caller(self, given: str | None, needed: Scope) -> Caller:
        if not given:
            raise self._refuse("missing", status.HTTP_401_UNAUTHORIZED, "a bearer token is required")
        offered = given.encode()
        found = None
        for name, secret, scope in self._tokens:
            if hmac.compare_digest(offered, secret) and found is None:
                found = Caller(name, scope)
        if found is None:
            raise self._refuse("unknown", status.HTTP_401_UNAUTHORIZED, "the bearer token is not valid")
        if needed not in _GRANTS[found.scope]:
            raise self._refuse("scope", status.HTTP_403_FORBIDDEN, f"this needs a token with the {needed} scope")
        return found

    def _refuse(self, reason: str, code: int, message: str) -> HTTPException:
        self._refused.labels(reason=reason).inc()
        headers = {"WWW-Authenticate": "Bearer"} if code == status.HTTP_401_UNAUTHORIZED else None
        return HTTPException(code, message, headers=headers)


def requires(needed: Scope) -> Callable[..., Caller]:
    """A dependency that lets the request through with a token of scope `needed` (operator covers read)."""

    def check(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Caller:
        tokens: Tokens = request.app.state.tokens
        return tokens.caller(credentials.credentials if credentials else None, needed)

    return check


def browser_reader(request: Request) -> Caller:
    """The read scope from a bearer token, or from HTTP Basic auth whose password is a token (any user name).
    Refused as the other endpoints refuse (and counted alike), but a 401 carries a Basic challenge, so that a
    browser asks for the token."""
    tokens: Tokens = request.app.state.tokens
    try:
        return tokens.caller(_offered(request.headers.get("Authorization")), "read")
    except HTTPException as refused:
        if refused.status_code != status.HTTP_401_UNAUTHORIZED:
            raise
        detail = f"{refused.detail}; a browser gives it as the password of HTTP Basic auth (any user name)"
        raise HTTPException(refused.status_code, detail, headers={"WWW-Authenticate": BASIC_CHALLENGE}) from None


def _offered(authorization: str | None) -> str | None:
    """The token of a Bearer header, or the password of a Basic one; None for anything else."""
    scheme, value = get_authorization_scheme_param(authorization)
    if scheme.lower() == "bearer":
        return value
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value, validate=True).decode().partition(":")[2]
    except (binascii.Error, UnicodeDecodeError):
        return None


_REFUSAL = {"content": {"application/json": {"example": {"detail": "the bearer token is not valid"}}}}
READ_REFUSALS: dict[int | str, dict[str, Any]] = {401: {"description": "No valid bearer token.", **_REFUSAL}}
OPERATOR_REFUSALS: dict[int | str, dict[str, Any]] = {
    **READ_REFUSALS,
    403: {"description": "The token has the read scope only.", **_REFUSAL},
}
"""The answers of a refused token, as the OpenAPI document lists them."""

Reader = Annotated[Caller, Depends(requires("read"))]
Operator = Annotated[Caller, Depends(requires("operator"))]
BrowserReader = Annotated[Caller, Depends(browser_reader)]
