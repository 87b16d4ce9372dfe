"""Admin authentication: JWTs from `POST /auth/user/emailpass` and the secret API key over HTTP Basic."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from sandbox.medusa.errors import InvalidData, Unauthorized
from sandbox.medusa.state import MedusaState


def log_in(state: MedusaState, body: Any) -> str:
    """A new JWT for the admin user, valid for the configured lifetime on the state's clock."""
    if not isinstance(body, dict):
        raise InvalidData("Invalid request: expected a JSON object with email and password")
    given = (str(body.get("email", "")), str(body.get("password", "")))
    credentials = state.credentials
    if not (_same(given[0], credentials.email) and _same(given[1], credentials.password)):
        raise Unauthorized("Invalid email or password")
    now = state.now()
    expires = now + credentials.token_lifetime
    token = _jwt(state, issued=now, expires=expires)
    with state.lock:
        state.tokens[token] = expires
    return token


def authorized(state: MedusaState, header: str) -> bool:
    """Whether an `Authorization` header carries a live JWT (Bearer) or the secret API key (Basic)."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        with state.lock:
            expires = state.tokens.get(value.strip())
        return expires is not None and state.now() < expires
    if scheme.lower() == "basic":
        key = _api_key(value.strip())
        return key is not None and _same(key, state.credentials.api_key)
    return False


def _api_key(value: str) -> str | None:
    """`sk_…` sent raw or base64 of `sk_…:`, as Medusa's `getApiKeyInfo` accepts both."""
    if not value.startswith("sk_"):
        try:
            value = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    return value.removesuffix(":")


def _jwt(state: MedusaState, *, issued: datetime, expires: datetime) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {
        "actor_id": state.user_id,
        "actor_type": "user",
        "auth_identity_id": state.user_id.replace("user_", "authid_"),
        "app_metadata": {"user_id": state.user_id},
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    signing_input = f"{_b64(header)}.{_b64(payload)}"
    secret = hashlib.sha256(state.credentials.api_key.encode()).digest()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def _b64(part: dict[str, Any]) -> str:
    raw = json.dumps(part, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
