"""The Shopify connector: orders in (Admin REST `orders.json`, Link-header pages), stock out
(`inventory_levels/set.json`), failed payments as a tag and a note on the order, and a check of credentials and
location mapping.

Declaration: a stream of orders ordered by `updated_at`, `status=any` (the default hides cancelled
and closed orders), inclusive `updated_at_min/max` bounds, 250 per page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.base import (
    ChannelSettings,
    ConnectorType,
    OrderPage,
    PushResult,
    WebhookNotice,
    Window,
    merge_pages,
    retry_moved,
)
from connectors.http import HttpSettings, RetryPolicy, Sender, json_body, make_client, sender_within
from connectors.paging import LinkHeaderPaginator, iterate_pages
from connectors.shopify import payment_notes, schema, webhooks
from connectors.shopify.mapper import map_page
from connectors.shopify.pacing import CallLimitPacer
from connectors.shopify.schema import ORDER_LIST, OrderList, Payload
from core.errors import FatalError, OmshubError, RequestRejected
from core.model import CanonicalOrder
from core.payment_failures import PaymentFailureNotice
from core.publish import WHOLE_CHANNEL, Published
from core.quarantine import Rejected

_IDS_PER_READ = 50
"""inventory_levels.json takes at most 50 inventory item ids per request."""

_SCOPES = {
    "read_orders": "pull-orders",
    "read_products": "push-inventory (SKU → inventory item)",
    "write_inventory": "push-inventory",
    "read_locations": "this check",
}
"""Access scopes the hub uses, and what for."""


class ShopifyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_version: str = Field(default="2024-10", pattern=r"^\d{4}-\d{2}$")
    page_size: int = Field(default=250, ge=1, le=250)
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    leak_rate: float = Field(default=2.0, gt=0, description="calls/s the shop's bucket drains (Plus: 20)")
    catalogue_refresh: float = Field(
        default=900.0, gt=0, description="seconds before the product catalogue is read again for SKUs it did not list"
    )


class ShopifyConnector:
    def __init__(
        self,
        settings: ChannelSettings,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        options = settings.options
        assert isinstance(options, ShopifyOptions)
        self.settings, self.options = settings, options
        http = HttpSettings(
            base_url=settings.base_url.rstrip("/") + f"/admin/api/{options.api_version}/",
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            retry=RetryPolicy(max_attempts=options.max_attempts),
        )
        self.policy = http.retry
        token = settings.credentials["access_token"].get_secret_value()
        self.pacer = CallLimitPacer(leak_per_second=options.leak_rate, sleep=sleep)
        self.client = make_client(
            http, headers={"X-Shopify-Access-Token": token}, transport=transport, on_response=self.pacer.observe
        )
        self.orders = self
        self.stock = self
        self.shipments = None  # fulfillments back to Shopify are not built yet
        self.fulfillment = None  # a sales channel, not a provider
        self.payments = None
        self._catalogue_read_at: float | None = None
        self._sleep = sleep

    def _sender(self, time_left: float | None, *, idempotent: bool | None = None) -> Sender:
        """This connector's retry policy and pacing, giving up at the caller's deadline."""
        return sender_within(
            self.policy, time_left, idempotent=idempotent, sleep=self._sleep, before_request=self.pacer.before_request
        )

    def order_pages(self, window: Window, *, time_left: float | None = None) -> Iterator[OrderPage]:
        params = {
            "status": "any",
            "updated_at_min": window.start.isoformat(),
            "updated_at_max": window.end.isoformat(),
            "order": "updated_at asc",
            "limit": str(self.options.page_size),
        }
        yield from self._pages(self.client.build_request("GET", "orders.json", params=params), time_left)

    def fetch_orders(self, external_ids: Sequence[str], *, time_left: float | None = None) -> OrderPage:
        """These orders as the shop has them now (`ids`, with `status=any`); an id that is not a Shopify order
        id, or that the shop does not return (deleted), is left out."""
        wanted = [i for i in dict.fromkeys(external_ids) if i.isascii() and i.isdigit()]
        size = self.options.page_size
        chunks = (wanted[start : start + size] for start in range(0, len(wanted), size))
        return merge_pages(page for chunk in chunks for page in self._pages(self._by_ids(chunk), time_left))

    def read_webhook(self, headers: Mapping[str, str], body: bytes, *, secret: SecretStr) -> WebhookNotice:
        return webhooks.read(headers, body, secret)

    def report_payment_failure(self, notice: PaymentFailureNotice, *, time_left: float | None = None) -> None:
        """A tag and a note line on the order; the PUT sets both whole, so sending it again changes nothing."""
        read, write = self._sender(time_left), self._sender(time_left, idempotent=True)
        payment_notes.report(self.client, notice, read=read, write=write)

    def _by_ids(self, ids: list[str]) -> httpx.Request:
        params = {"ids": ",".join(ids), "status": "any", "limit": str(self.options.page_size)}
        return self.client.build_request("GET", "orders.json", params=params)

    def _pages(self, first: httpx.Request, time_left: float | None) -> Iterator[OrderPage]:
        sender = self._sender(time_left)
        codes = {str(shop_id): code for code, shop_id in self.settings.location_ids.items()}  # where returns go
        pages = iterate_pages(
            self.client, first, LinkHeaderPaginator(), decode=_order_list, records=_orders, send=sender
        )
        for page in pages:
            mapped = map_page(page.records, locations=codes)
            yield OrderPage(mapped, len(page.records), _last_change(page.records, mapped))

    def push_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> PushResult:
        result = PushResult()
        known = dict(items)
        read = self._sender(time_left)
        fresh = any(level.sku not in known for level in levels) and self._catalogue_due()
        if fresh:
            self._read_catalogue(read, known, result)
        set_level = self._sender(time_left, idempotent=True)  # an absolute set is safe to repeat
        doubtful = self._set_levels(set_level, known, levels, result, final=fresh)
        if doubtful:
            # Ids bound earlier that the shop refuses: the variant may have been re-created. Read the
            # catalogue again and retry the SKUs whose item id changed; the rest keep their error.
            before = {level.sku: known[level.sku] for level, _why in doubtful}
            self._read_catalogue(read, known, result)
            moved = retry_moved(doubtful, before, known, result)
            self._set_levels(set_level, known, moved, result, final=True)
        return result

    def _set_levels(
        self,
        set_level: Callable[..., httpx.Response],
        known: Mapping[str, str],
        levels: Sequence[Published],
        result: PushResult,
        *,
        final: bool,
    ) -> list[tuple[Published, str]]:
        """Set each level; returns the refusals that a re-read catalogue might cure (when not `final`)."""
        doubtful: list[tuple[Published, str]] = []
        for level in levels:
            location = self.settings.location_ids.get(level.location)
            item = known.get(level.sku)
            if item is None:
                result.unlisted.append(level)
                continue
            if location is None:
                result.failed.append((level, _no_location(level.location)))
                continue
            body = {"location_id": int(location), "inventory_item_id": int(item), "available": level.available}
            try:
                set_level(self.client, self.client.build_request("POST", "inventory_levels/set.json", json=body))
            except RequestRejected as exc:
                stale = exc.status in (404, 422) and not final
                (doubtful if stale else result.failed).append((level, str(exc)))
                continue
            result.pushed.append(level)
        return doubtful

    def read_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> dict[tuple[str, str], int]:
        read = self._sender(time_left)
        mapped = [p for p in levels if p.location in self.settings.location_ids]
        codes = {str(self.settings.location_ids[p.location]): p.location for p in mapped}
        skus = {items[p.sku]: p.sku for p in mapped if p.sku in items}
        ids, found = sorted(skus), {}
        for start in range(0, len(ids), _IDS_PER_READ):
            params = {
                "inventory_item_ids": ",".join(ids[start : start + _IDS_PER_READ]),
                "location_ids": ",".join(sorted(codes)),
                "limit": "250",
            }
            first = self.client.build_request("GET", "inventory_levels.json", params=params)
            for page in iterate_pages(self.client, first, LinkHeaderPaginator(), records=_levels, send=read):
                for row in page.records:
                    sku, code = skus.get(str(row.get("inventory_item_id"))), codes.get(str(row.get("location_id")))
                    if sku is not None and code is not None and isinstance(row.get("available"), int):
                        found[sku, code] = row["available"]
        return found

    def _catalogue_due(self) -> bool:
        """Unknown SKUs send us to the catalogue at most every `catalogue_refresh` seconds: a SKU the
        shop does not sell would otherwise cost a full catalogue read on every push."""
        read_at = self._catalogue_read_at
        return read_at is None or time.monotonic() - read_at >= self.options.catalogue_refresh

    def _read_catalogue(self, sender: Callable[..., httpx.Response], known: dict[str, str], result: PushResult) -> None:
        """Bring `known` (SKU → inventory item id) in line with every product variant; changes go to `resolved`."""
        params = {"fields": "id,variants", "limit": "250"}
        first = self.client.build_request("GET", "products.json", params=params)
        listed: dict[str, str] = {}
        for page in iterate_pages(self.client, first, LinkHeaderPaginator(), records=_products, send=sender):
            for product in page.records:
                for variant in product.get("variants") or []:
                    if variant.get("sku") and variant.get("inventory_item_id") is not None:
                        listed[str(variant["sku"])] = str(variant["inventory_item_id"])
        self._catalogue_read_at = time.monotonic()
        for sku in [sku for sku in known if sku not in listed]:
            del known[sku]
            result.forgotten.add(sku)
        for sku, item in listed.items():
            if known.get(sku) != item:
                known[sku] = result.resolved[sku] = item

    def check(self) -> list[str]:
        read = self._sender(None)
        try:
            scopes_url = self.settings.base_url.rstrip("/") + "/admin/oauth/access_scopes.json"
            granted = json_body(read(self.client, self.client.build_request("GET", scopes_url)))
            listed = json_body(read(self.client, self.client.build_request("GET", "locations.json")))
        except OmshubError as exc:
            return [str(exc)]
        handles = {str(scope.get("handle")) for scope in granted.get("access_scopes", [])}
        problems = [
            f"the access token lacks the {scope} scope, which {job} needs; grant it in the app's configuration"
            for scope, job in _SCOPES.items()
            if scope not in handles and scope.replace("read_", "write_", 1) not in handles  # write_x implies read_x
        ]
        known = {str(loc.get("id")): loc for loc in listed.get("locations", [])}
        for code, location_id in self.settings.location_ids.items():
            found = known.get(str(location_id))
            if found is None:
                problems.append(f"location_ids.{code} = {location_id}: no such Shopify location")
            elif found.get("active") is False:
                problems.append(f"location_ids.{code} = {location_id}: the Shopify location is not active")
        return problems

    def close(self) -> None:
        self.client.close()


def _no_location(code: str) -> str:
    if code == WHOLE_CHANNEL:
        return "Shopify keeps stock per location: map one in location_ids (and pooled_at to publish the sum there)"
    return f"location {code!r} has no Shopify id in location_ids"


def _order_list(content: bytes) -> OrderList:
    """An orders.json body, each order left as its own JSON text (see connectors.shopify.schema)."""
    try:
        return ORDER_LIST.decode(content)
    except msgspec.ValidationError:
        raise FatalError("orders.json answered without an 'orders' list") from None


def _orders(body: OrderList) -> list[msgspec.Raw]:
    return body.orders


def _levels(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("inventory_levels"), list):
        raise FatalError("inventory_levels.json answered without an 'inventory_levels' list")
    return list(body["inventory_levels"])


def _products(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("products"), list):
        raise FatalError("products.json answered without a 'products' list")
    return list(body["products"])


def _last_change(records: Sequence[Payload], mapped: Sequence[CanonicalOrder | Rejected]) -> datetime | None:
    """The latest `updated_at` of the page, of the orders that were not taken in as well."""
    moments = [
        order.updated_at if isinstance(order, CanonicalOrder) else schema.last_change(record)
        for record, order in zip(records, mapped, strict=True)
    ]
    return max((moment.astimezone(UTC) for moment in moments if moment is not None), default=None)


SHOPIFY = ConnectorType(name="shopify", options=ShopifyOptions, credentials=("access_token",), build=ShopifyConnector)
