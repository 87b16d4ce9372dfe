"""How the connector proves who it is to a Medusa v2 backend.

Two ways, chosen by the credentials given: a secret API key (`sk_…`), sent as HTTP Basic with the key as
the user name and an empty password; or an admin user's email and password, exchanged at
`POST /auth/user/emailpass` for a JWT sent as `Authorization: Bearer`. The JWT lives 24 hours: a new one is
fetched a margin before it expires, and once more when a request is answered 401 (the server may have
been restarted with a new secret).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from core.errors import CredentialsRejected, FatalError

LOGIN_PATH = "/auth/user/emailpass"
REFRESH_MARGIN = 300.0
"""Seconds before the token's end at which a new one is fetched."""

API_KEY_FIX = "check credentials.api_key (a secret API key sk_…, created under Settings → Secret API Keys)"
PASSWORD_FIX = "check credentials.email and credentials.password (an admin user of this Medusa backend)"


class LoginRefused(CredentialsRejected):
    """The email and password were refused; fetching a new token cannot help."""


def basic_auth(credentials: Mapping[str, SecretStr]) -> httpx.BasicAuth | None:
    """HTTP Basic from `api_key`, or None when the channel logs in with email and password instead."""
    key = credentials.get("api_key")
    return None if key is None else httpx.BasicAuth(key.get_secret_value(), "")


def login_body(credentials: Mapping[str, SecretStr]) -> dict[str, str]:
    """The emailpass login body; FatalError naming the keys when neither way of signing in is configured."""
    email, password = credentials.get("email"), credentials.get("password")
    if email is None or password is None:
        raise FatalError(
            "Medusa needs credentials.api_key (a secret API key sk_…), or credentials.email and"
            " credentials.password (an admin user); neither is complete in this channel's settings"
        )
    return {"email": email.get_secret_value(), "password": password.get_secret_value()}


def credentials_fix(credentials: Mapping[str, SecretStr]) -> str:
    return API_KEY_FIX if "api_key" in credentials else PASSWORD_FIX


class SessionToken:
    """A JWT fetched with `login` and renewed before `lifetime` seconds pass on `clock`; shared by threads."""

    def __init__(self, login: Callable[[], Any], *, lifetime: float, clock: Callable[[], float]) -> None:
        self._login = login
        self._lifetime = lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def before_request(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.token()}"

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                started = self._clock()
                self._token = self._fetch()
                self._renew_at = started + self._lifetime - min(REFRESH_MARGIN, self._lifetime / 10)
            return self._token

    def forget(self) -> None:
        """Drop the token (it was refused); the next request fetches a new one."""
        with self._lock:
            self._token = None

    def _fetch(self) -> str:
        try:
            body = self._login()
        except CredentialsRejected as exc:
            raise LoginRefused(f"Medusa refused the login ({exc.status}); {PASSWORD_FIX}", status=exc.status) from None
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise FatalError(f"POST {LOGIN_PATH} answered without a token; is this a Medusa v2 backend?")
        return token
