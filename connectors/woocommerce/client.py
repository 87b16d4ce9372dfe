"""The WooCommerce HTTP client: `{site}/wp-json/wc/v3/`, consumer key and secret, and how one call is sent.

The key and secret go as HTTP Basic credentials, or, for servers that strip the Authorization header
("Consumer key is missing"), as the `consumer_key`/`consumer_secret` query parameters. Either way they are
blanked in every message: connectors.http names requests by method, host and path only, and redacts the
Authorization header and query parameters whose names look secret from body excerpts.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.base import ChannelSettings
from connectors.http import HttpSettings, RetryPolicy, Sender, make_client, sender_within
from connectors.woocommerce.mapper import STATUSES
from core.errors import FatalError

API_PATH = "/wp-json/wc/v3/"


class WooCommerceOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page_size: int = Field(default=100, ge=1, le=100, description="orders per page (WooCommerce allows 100)")
    batch_size: int = Field(default=100, ge=1, le=100, description="stock updates per batch request (at most 100)")
    query_auth: bool = Field(
        default=False, description="send the key and secret as query parameters (servers that strip Authorization)"
    )
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    catalogue_refresh: float = Field(
        default=900.0, gt=0, description="seconds before the product catalogue is read again for SKUs it did not list"
    )
    status_aliases: dict[str, str] = Field(
        default_factory=dict, description="a plugin's order status → the core status it stands for"
    )
    payment_failed_status: str | None = Field(
        default="on-hold",
        description="the status an open order (pending, processing) is set to when the hub finds its payment failed"
        " (a private note is always written); none: the note only",
    )

    @field_validator("status_aliases")
    @classmethod
    def _core_targets(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = sorted(f"{name} = {core!r}" for name, core in value.items() if core not in STATUSES)
        if wrong:
            raise ValueError(f"{', '.join(wrong)}: name one of the core statuses {', '.join(STATUSES)}")
        return value

    @model_validator(mode="after")
    def _known_failed_status(self) -> WooCommerceOptions:
        status = self.payment_failed_status
        if status is not None and status not in STATUSES and status not in self.status_aliases:
            raise ValueError(
                f"payment_failed_status = {status!r} is not a WooCommerce core status ({', '.join(STATUSES)}) nor"
                " one of status_aliases; the hub must understand the status when it reads the order back"
            )
        return self


class QueryAuth(httpx.Auth):
    """The consumer key and secret as query parameters, added to every request as it is sent."""

    def __init__(self, key: str, secret: str) -> None:
        self._params = {"consumer_key": key, "consumer_secret": secret}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params(self._params)
        yield request


class WooClient:
    """One site's client and retry policy; `sender` makes the per-call send function."""

    def __init__(
        self,
        settings: ChannelSettings,
        options: WooCommerceOptions,
        transport: httpx.BaseTransport | None,
        *,
        sleep: Callable[[float], None],
    ) -> None:
        http = HttpSettings(
            base_url=settings.base_url.rstrip("/") + API_PATH,
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            retry=RetryPolicy(max_attempts=options.max_attempts),
        )
        self.policy = http.retry
        self.http = make_client(http, auth=_auth(settings, query=options.query_auth), transport=transport)
        self._sleep = sleep

    def sender(self, time_left: float | None, *, idempotent: bool | None = None) -> Sender:
        """Send with the retry policy, giving up at the caller's deadline (see http.sender_within)."""
        return sender_within(self.policy, time_left, idempotent=idempotent, sleep=self._sleep)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Request:
        return self.http.build_request(method, path, **kwargs)


def _auth(settings: ChannelSettings, *, query: bool) -> httpx.Auth | tuple[str, str]:
    try:
        key = settings.credentials["consumer_key"].get_secret_value()
        secret = settings.credentials["consumer_secret"].get_secret_value()
    except KeyError as exc:
        raise FatalError(f"channel {settings.name}: credentials.{exc.args[0]} is missing") from None
    return QueryAuth(key, secret) if query else (key, secret)


def records_list(body: Any, what: str) -> list[Any]:
    """WooCommerce lists are bare JSON arrays."""
    if not isinstance(body, list):
        raise FatalError(f"{what} answered a {type(body).__name__} where a list was expected")
    return body
