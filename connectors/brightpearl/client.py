"""The Brightpearl HTTP client: the account's API root, the private-app headers, and the calls of one operation.

Every answer is wrapped as `{"response": …}`; search answers hold positional rows that are zipped with
`metaData.columns[].name` (see schema.search_rows). Searches page with a 1-based `firstResult` and `pageSize`:
the next page starts at `metaData.lastResult + 1` while `metaData.morePagesAvailable` is true.

The account token is a secret: connectors.http names requests by method, host and path only, and blanks
headers whose names look secret (`brightpearl-account-token`) in body excerpts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import ChannelSettings
from connectors.brightpearl.schema import response_of, search_rows
from connectors.http import Deadline, HttpSettings, RetryPolicy, json_body, make_client, send
from connectors.paging import CursorPaginator, Page, dig, iterate_pages
from core.errors import CredentialsRejected, FatalError, RequestRejected

CREDENTIALS_FIX = (
    "check credentials.app_ref and credentials.account_token (a private app of this Brightpearl account,"
    " under App Store > Private apps)"
)


class BrightpearlOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    installed_integration_instance_id: int = Field(
        gt=0, description="with externalRef, makes sales-order creation idempotent at Brightpearl"
    )
    channel_id: int | None = Field(default=None, gt=0)
    price_list_id: int | None = Field(default=None, gt=0)
    shipping_method_id: int | None = Field(default=None, gt=0)
    order_status_id: int | None = Field(default=None, gt=0, description="status of new sales orders")
    cancel_status_id: int | None = Field(default=None, gt=0, description="the account's cancelled order status")
    credit_status_id: int | None = Field(
        default=None, gt=0, description="status of new sales credits (returns); default: the account's default"
    )
    guest_contact_id: int | None = Field(default=None, gt=0, description="customer of orders without an email")
    tax_code: str = Field(default="T20", min_length=1)
    shipping_tax_code: str | None = Field(default=None, min_length=1, description="default: tax_code")
    shipping_nominal_code: str | None = Field(default=None, min_length=1)
    stock_source: bool = Field(
        default=False,
        description="Brightpearl's warehouses are the hub's truth for stock: the pull-stock job sets the stocked"
        " quantities of the locations in location_ids from Brightpearl's availability",
    )
    page_size: int = Field(default=200, ge=1, le=500)
    product_cache_seconds: float = Field(
        default=600.0, ge=0, description="seconds a product id found by SKU is used before it is searched again; 0: off"
    )
    product_cache_size: int = Field(default=10_000, ge=1, description="SKUs whose product ids are remembered")
    unshipped_hold_days: float = Field(
        default=14.0, ge=0, description="an unshipped goods-out note this young holds the shipments bookmark back"
    )
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)


def _next_first_result(page: Page) -> str | None:
    meta = dig(page.body, "response.metaData")
    if not isinstance(meta, dict) or meta.get("morePagesAvailable") is not True:
        return None
    return str(int(meta["lastResult"]) + 1)


BY_FIRST_RESULT = CursorPaginator("firstResult", _next_first_result)


def _results(body: Any) -> list[Any]:
    return list(body["response"]["results"])


class BrightpearlClient:
    """One account's client and retry policy; `calls` makes the calls of one operation."""

    def __init__(
        self,
        settings: ChannelSettings,
        options: BrightpearlOptions,
        transport: httpx.BaseTransport | None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        http = HttpSettings(
            base_url=settings.base_url.rstrip("/") + "/",
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            retry=RetryPolicy(max_attempts=options.max_attempts),
        )
        self.policy = http.retry
        self.page_size = options.page_size
        self.http = make_client(http, headers=_auth_headers(settings), transport=transport)
        self.sleep = sleep

    def calls(self, time_left: float | None) -> Calls:
        return Calls(self, None if time_left is None else Deadline.after(time_left))


class Calls:
    """The calls of one operation, sharing its deadline; answers come out of their envelope."""

    def __init__(self, client: BrightpearlClient, deadline: Deadline | None) -> None:
        self.client, self.deadline = client, deadline

    def send(self, request: httpx.Request, *, idempotent: bool | None = None) -> httpx.Response:
        bp = self.client
        try:
            return send(
                bp.http, request, policy=bp.policy, deadline=self.deadline, idempotent=idempotent, sleep=bp.sleep
            )
        except CredentialsRejected as exc:
            raise CredentialsRejected(f"{exc}; {CREDENTIALS_FIX}", status=exc.status) from None

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        request = self.client.http.build_request("GET", path, params=params)
        return response_of(json_body(self.send(request)), f"GET {path}")

    def get_set(self, path: str) -> Any:
        """A GET of an id set; Brightpearl answers 404 when none of the ids exists (None here)."""
        try:
            return self.get(path)
        except RequestRejected as exc:
            if exc.status == 404:
                return None
            raise

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """A POST is sent once: after it may have been acted on, UnknownOutcome (a 503 is safe to repeat)."""
        request = self.client.http.build_request("POST", path, json=body)
        return response_of(json_body(self.send(request, idempotent=False)), f"POST {path}")

    def put(self, path: str, body: Mapping[str, Any]) -> None:
        self.send(self.client.http.build_request("PUT", path, json=body))

    def search(self, path: str, params: Mapping[str, str]) -> Iterator[list[dict[str, Any]]]:
        """Each page of a search as rows by column name."""
        query = {**params, "pageSize": str(self.client.page_size), "firstResult": "1"}
        first = self.client.http.build_request("GET", path, params=query)
        for page in iterate_pages(self.client.http, first, BY_FIRST_RESULT, records=_results, send=self._send):
            yield search_rows(page.body, f"GET {path}")

    def _send(self, _client: httpx.Client, request: httpx.Request) -> httpx.Response:
        return self.send(request)


def _auth_headers(settings: ChannelSettings) -> dict[str, str]:
    try:
        app_ref = settings.credentials["app_ref"].get_secret_value()
        token = settings.credentials["account_token"].get_secret_value()
    except KeyError as exc:
        raise FatalError(f"channel {settings.name}: credentials.{exc.args[0]} is missing") from None
    return {"brightpearl-app-ref": app_ref, "brightpearl-account-token": token}
