"""The Medusa v2 connector: orders in (`GET /admin/orders`, offset pages), stock out (inventory location
levels in batches), shipments back (fulfillment + shipment), failed payments in the order's metadata, and a
check of credentials and mapping.

Declaration: orders ordered by `updated_at`, inclusive `updated_at[$gte]/[$lte]` bounds in milliseconds,
`fields=` naming every field the mapper reads (the list returns almost nothing by default), bodies decoded
with Decimal numbers. Medusa ignores filters it does not know, so the sales channel is also checked here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import ChannelSettings, ConnectorType, OrderPage, PushResult, Window, retry_moved
from connectors.http import HttpSettings, RetryPolicy, json_body, make_client, send, sender_within
from connectors.keyset import ChangeTimePaginator
from connectors.medusa import auth, payment_notes, shipments
from connectors.medusa.mapper import map_page
from connectors.medusa.stock import StockLevels
from connectors.paging import OffsetPaginator, Paginator, iterate_pages
from core.errors import CredentialsRejected, FatalError, OmshubError, RequestRejected
from core.payment_failures import PaymentFailureNotice
from core.publish import Published
from core.shipments import OnChannel, ShipmentNotice

ORDER_FIELDS = ",".join(
    [
        "id,display_id,status,version,created_at,updated_at,canceled_at,total,tax_total",
        "+email,+currency_code,+sales_channel_id,+customer_id",
        "*customer,*items,*items.tax_lines,*items.adjustments,*items.detail",
        "*shipping_address,*billing_address",
        "*shipping_methods,*shipping_methods.tax_lines,*shipping_methods.adjustments",
        "summary,*payment_collections",
    ]
)
_IDS_PER_FETCH = 50


class MedusaOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sales_channel_id: str | None = Field(default=None, description="pull only this sales channel's orders")
    page_size: int = Field(default=100, ge=1, le=1000)
    batch_size: int = Field(default=100, ge=1, le=1000, description="location levels per batch write")
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    catalogue_refresh: float = Field(
        default=900.0, gt=0, description="seconds before the variant catalogue is read again for SKUs it did not list"
    )
    token_lifetime: float = Field(default=86_400.0, gt=60, description="seconds an emailpass token is valid")


class MedusaConnector:
    def __init__(
        self,
        settings: ChannelSettings,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        options = settings.options
        assert isinstance(options, MedusaOptions)
        self.settings, self.options = settings, options
        basic = auth.basic_auth(settings.credentials)
        login = None if basic is not None else auth.login_body(settings.credentials)
        http = HttpSettings(
            base_url=settings.base_url.rstrip("/"),
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            retry=RetryPolicy(max_attempts=options.max_attempts),
        )
        self.policy = http.retry
        self.client = make_client(http, auth=basic, transport=transport)
        self.token = (
            None
            if login is None
            else auth.SessionToken(self._login(login), lifetime=options.token_lifetime, clock=clock)
        )
        self.levels = StockLevels(
            self.client, settings.location_ids, batch_size=options.batch_size, page_size=options.page_size
        )
        self.orders = self
        self.stock = self
        self.shipments = self
        self.fulfillment = None  # a sales channel, not a provider
        self.payments = None
        self._sleep, self._clock = sleep, clock
        self._catalogue_read_at: float | None = None

    def _login(self, body: dict[str, str]) -> Callable[[], Any]:
        def login() -> Any:
            request = self.client.build_request("POST", auth.LOGIN_PATH, json=body)
            return json_body(send(self.client, request, policy=self.policy, idempotent=True, sleep=self._sleep))

        return login

    def _sender(self, time_left: float | None, *, idempotent: bool | None = None) -> Callable[..., httpx.Response]:
        """Send with retries up to the caller's deadline; with a session token, a 401 fetches a new token and
        the request is sent once more (refused, it was not acted on)."""
        token = self.token
        hook = None if token is None else token.before_request
        attempt = sender_within(
            self.policy, time_left, idempotent=idempotent, before_request=hook, sleep=self._sleep, monotonic=self._clock
        )

        def send_one(client: httpx.Client, request: httpx.Request) -> httpx.Response:
            try:
                return attempt(client, request)
            except auth.LoginRefused:
                raise
            except CredentialsRejected as exc:
                if token is None or exc.status != 401:
                    raise
                token.forget()
                return attempt(client, request)

        return send_one

    def order_pages(self, window: Window, *, time_left: float | None = None) -> Iterator[OrderPage]:
        params: dict[str, Any] = {
            "updated_at[$gte]": _iso(window.start),
            "updated_at[$lte]": _iso(window.end),
            "order": "updated_at",
            "limit": str(self.options.page_size),
            "offset": "0",
            "fields": ORDER_FIELDS,
        }
        if self.options.sales_channel_id is not None:
            params["sales_channel_id[]"] = self.options.sales_channel_id
        first = self.client.build_request("GET", "/admin/orders", params=params)
        yield from self._pages(first, time_left, paginator=_BY_CHANGE)

    def fetch_orders(self, external_ids: Sequence[str], *, time_left: float | None = None) -> OrderPage:
        """These orders as Medusa has them now (payment capture does not move updated_at, so a poll misses it)."""
        wanted, mapped, fetched, moments = list(dict.fromkeys(external_ids)), [], 0, []
        for start in range(0, len(wanted), _IDS_PER_FETCH):
            chunk = wanted[start : start + _IDS_PER_FETCH]
            params = {"id[]": chunk, "fields": ORDER_FIELDS, "limit": str(len(chunk)), "offset": "0"}
            first = self.client.build_request("GET", "/admin/orders", params=params)
            for page in self._pages(first, time_left, only=set(chunk)):
                mapped += page.orders
                fetched += page.fetched
                moments += [page.last_changed] if page.last_changed is not None else []
        return OrderPage(mapped, fetched, max(moments, default=None))

    def _pages(
        self,
        first: httpx.Request,
        time_left: float | None,
        only: set[str] | None = None,
        *,
        paginator: Paginator = OffsetPaginator(),
    ) -> Iterator[OrderPage]:
        sender = self._sender(time_left)
        for page in iterate_pages(self.client, first, paginator, records=_orders, send=sender):
            raw_orders = [o for o in _exact_orders(page.response) if only is None or o.get("id") in only]
            ours = [o for o in raw_orders if self._in_channel(o)]
            yield OrderPage(map_page(ours), len(raw_orders), _last_change(raw_orders))

    def _in_channel(self, raw: dict[str, Any]) -> bool:
        wanted = self.options.sales_channel_id
        return wanted is None or raw.get("sales_channel_id") == wanted

    def push_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> PushResult:
        known = dict(items)
        read, write = self._sender(time_left), self._sender(time_left, idempotent=True)  # absolute sets repeat safely
        looked_up = PushResult()
        fresh = any(level.sku not in known for level in levels) and self._catalogue_due()
        if fresh:
            self._read_catalogue(read, known, looked_up)
        result, gone = self.levels.push(levels, known, read=read, write=write)
        if gone:
            # Items bound earlier that Medusa no longer has: the variant may have been re-created. Read the
            # catalogue again (unless this push just did) and retry the SKUs whose item id changed.
            before = {level.sku: known[level.sku] for level in gone}
            if not fresh:
                self._read_catalogue(read, known, looked_up)
            moved = retry_moved([(level, _gone(before[level.sku])) for level in gone], before, known, result)
            retried, _still_gone = self.levels.push(moved, known, read=read, write=write)
            result.pushed += retried.pushed
            result.failed += retried.failed
        result.resolved, result.forgotten = looked_up.resolved, looked_up.forgotten
        return result

    def read_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> dict[tuple[str, str], int]:
        return self.levels.read(levels, items, send=self._sender(time_left))

    def _catalogue_due(self) -> bool:
        """Unknown SKUs send us to the catalogue at most every `catalogue_refresh` seconds."""
        read_at = self._catalogue_read_at
        return read_at is None or self._clock() - read_at >= self.options.catalogue_refresh

    def _read_catalogue(self, read: Callable[..., httpx.Response], known: dict[str, str], changes: PushResult) -> None:
        """Bring `known` in line with the variant catalogue; what changed goes to resolved / forgotten."""
        listed = self.levels.catalogue(send=read)
        self._catalogue_read_at = self._clock()
        for sku in [sku for sku in known if sku not in listed]:
            del known[sku]
            changes.forgotten.add(sku)
        for sku, item in listed.items():
            if known.get(sku) != item:
                known[sku] = changes.resolved[sku] = item

    def report_shipment(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel | None:
        location = self.settings.location_ids.get(notice.location)
        if location is None:
            raise FatalError(f"location {notice.location!r} has no Medusa stock location id in location_ids")
        read, write = self._sender(time_left), self._sender(time_left)
        return shipments.report(self.client, notice, location, read=read, write=write)

    def shipment_on_channel(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel:
        return shipments.read_back(self.client, notice, read=self._sender(time_left))

    def report_payment_failure(self, notice: PaymentFailureNotice, *, time_left: float | None = None) -> None:
        """The order's metadata names the failure; setting it again to the same value is harmless."""
        read, write = self._sender(time_left), self._sender(time_left, idempotent=True)
        payment_notes.report(self.client, notice, read=read, write=write)

    def check(self) -> list[str]:
        read = self._sender(None)
        try:
            listed = json_body(read(self.client, self.client.build_request("GET", "/admin/stock-locations")))
        except CredentialsRejected as exc:
            return [f"Medusa refused the credentials ({exc.status}); {auth.credentials_fix(self.settings.credentials)}"]
        except OmshubError as exc:
            return [str(exc)]
        known = {str(loc.get("id")) for loc in listed.get("stock_locations", [])}
        problems = [
            f"location_ids.{code} = {location_id}: no such Medusa stock location"
            for code, location_id in self.settings.location_ids.items()
            if location_id not in known
        ]
        channel = self.options.sales_channel_id
        if channel is not None:
            try:
                read(self.client, self.client.build_request("GET", f"/admin/sales-channels/{channel}"))
            except RequestRejected as exc:
                problems.append(f"options.sales_channel_id = {channel}: no such Medusa sales channel ({exc.status})")
            except OmshubError as exc:
                problems.append(str(exc))
        return problems

    def close(self) -> None:
        self.client.close()


def _iso(moment: datetime) -> str:
    """UTC with milliseconds and Z, as Medusa stores and compares times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _orders(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
        raise FatalError("GET /admin/orders answered without an 'orders' list")
    return list(body["orders"])


def _exact_orders(response: httpx.Response) -> list[dict[str, Any]]:
    """The page's orders decoded again with every number as a Decimal, so no amount goes through a float."""
    body = json.loads(response.content, parse_float=Decimal)
    return [order for order in body["orders"] if isinstance(order, dict)]


def _changed_at(raw: Any) -> datetime | None:
    value = raw.get("updated_at") if isinstance(raw, dict) else None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment is not None and moment.tzinfo is not None else None


def _last_change(raw_orders: list[dict[str, Any]]) -> datetime | None:
    return max(filter(None, map(_changed_at, raw_orders)), default=None)


_BY_CHANGE = ChangeTimePaginator(
    bound_param="updated_at[$gte]",
    write_bound=lambda moment: _iso(moment),
    changed_at=_changed_at,
    size_param="limit",
    step_param="offset",
    step_by_records=True,
)
"""Orders walked by moving `updated_at[$gte]` to the last order read (see connectors.keyset)."""


def _gone(item: str) -> str:
    return f"inventory item {item} no longer exists in Medusa, and its variant still names it"


MEDUSA = ConnectorType(
    name="medusa",
    options=MedusaOptions,
    credentials=(),
    build=MedusaConnector,
    credential_choices=(("api_key",), ("email", "password")),
)
