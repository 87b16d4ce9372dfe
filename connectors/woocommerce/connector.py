"""The WooCommerce connector: orders in (`GET orders`, page numbers), stock out (`products/batch` and
`products/{id}/variations/batch`), shipments told as customer notes, failed payments as private notes (and the
order on hold), and a check of the credentials.

Declaration: a stream of orders ordered by `modified` ascending, `status=any`, bounded by `modified_after`
and `modified_before` compared with the `_gmt` columns (`dates_are_gmt=true`; without it the site's local
time is used). Both bounds are exclusive and second-granular, so each is widened by one second.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from connectors.base import ChannelSettings, ConnectorType, OrderPage, PushResult, WebhookNotice, Window, merge_pages
from connectors.http import Sender
from connectors.keyset import ChangeTimePaginator
from connectors.paging import PageNumberPaginator, iterate_pages
from connectors.woocommerce import mapper, payment_notes, schema, shipments, webhooks
from connectors.woocommerce.client import WooClient, WooCommerceOptions, records_list
from connectors.woocommerce.stock import StockWriter
from core.errors import CredentialsRejected, OmshubError, RequestRejected
from core.model import CanonicalOrder
from core.payment_failures import PaymentFailureNotice
from core.publish import Published
from core.quarantine import Rejected
from core.shipments import OnChannel, ShipmentNotice

_ONE_SECOND = timedelta(seconds=1)
_GMT_FORMAT = "%Y-%m-%dT%H:%M:%S"


class WooCommerceConnector:
    def __init__(
        self,
        settings: ChannelSettings,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        options = settings.options
        assert isinstance(options, WooCommerceOptions)
        self.settings, self.options = settings, options
        self.woo = WooClient(settings, options, transport, sleep=sleep)
        self.client = self.woo.http
        self._stock = StockWriter(self.woo, options)
        self.orders = self
        self.stock = self
        self.shipments = self
        self.fulfillment = None  # a sales channel, not a provider
        self.payments = None

    def order_pages(self, window: Window, *, time_left: float | None = None) -> Iterator[OrderPage]:
        params = {
            "modified_after": _bound(window.start - _ONE_SECOND),
            "modified_before": _bound(window.end + _ONE_SECOND),
            "dates_are_gmt": "true",
            "orderby": "modified",
            "order": "asc",
            "status": "any",
            "per_page": str(self.options.page_size),
            "page": "1",
        }
        first = self.woo.request("GET", "orders", params=params)
        read = self.woo.sender(time_left)
        pages = iterate_pages(self.client, first, _BY_CHANGE, records=_orders, send=read)
        for page in pages:
            yield OrderPage(self._map(page.records, read), len(page.records), _last_change(page.records))

    def fetch_orders(self, external_ids: Sequence[str], *, time_left: float | None = None) -> OrderPage:
        """These orders as the shop has them now (`include`, with `status=any`); an id that is not a WooCommerce
        order id, or that the shop does not return (deleted, or in the trash), is left out."""
        wanted = [i for i in dict.fromkeys(external_ids) if i.isascii() and i.isdigit()]
        size, read, pages = self.options.page_size, self.woo.sender(time_left), []
        for start in range(0, len(wanted), size):
            params = {"include": ",".join(wanted[start : start + size]), "status": "any", "per_page": str(size)}
            first = self.woo.request("GET", "orders", params={**params, "page": "1"})
            for page in iterate_pages(self.client, first, PageNumberPaginator(), records=_orders, send=read):
                pages.append(OrderPage(self._map(page.records, read), len(page.records), _last_change(page.records)))
        return merge_pages(pages)

    def read_webhook(self, headers: Mapping[str, str], body: bytes, *, secret: SecretStr) -> WebhookNotice:
        return webhooks.read(headers, body, secret)

    def _map(self, records: list[Any], read: Sender) -> list[CanonicalOrder | Rejected]:
        """Map each order, with its refunds read first when it lists any."""
        mapped: list[CanonicalOrder | Rejected] = []
        for raw in records:
            order_id = schema.raw_id(raw)
            try:
                details = self._refunds(order_id, read) if _has_refunds(raw) and order_id else []
            except RequestRejected as exc:
                mapped.append(Rejected(order_id, f"refunds: could not be read ({exc})", raw))
                continue
            mapped.append(mapper.map_one(raw, details, aliases=self.options.status_aliases))
        return mapped

    def _refunds(self, order_id: str, read: Sender) -> list[Any]:
        first = self.woo.request("GET", f"orders/{order_id}/refunds", params={"per_page": "100", "page": "1"})
        found: list[Any] = []
        records = _listed(f"GET orders/{order_id}/refunds")
        for page in iterate_pages(self.client, first, PageNumberPaginator(), records=records, send=read):
            found += page.records
        return found

    def push_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> PushResult:
        return self._stock.push_levels(levels, items=items, time_left=time_left)

    def read_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> dict[tuple[str, str], int]:
        return self._stock.read_levels(levels, items=items, time_left=time_left)

    def report_shipment(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel:
        return shipments.report(self.woo, notice, time_left=time_left)

    def shipment_on_channel(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel:
        return shipments.read_back(self.woo, notice, time_left=time_left)

    def report_payment_failure(self, notice: PaymentFailureNotice, *, time_left: float | None = None) -> None:
        payment_notes.report(self.woo, notice, self.options.payment_failed_status, time_left=time_left)

    def check(self) -> list[str]:
        problems = []
        if self.settings.location_ids:
            problems.append(
                "location_ids: WooCommerce keeps one stock figure per product, not per location; leave"
                " location_ids out for this channel (its stock is published channel-wide)"
            )
        read = self.woo.sender(None)
        try:
            read(self.client, self.woo.request("GET", "orders", params={"per_page": "1", "_fields": "id"}))
        except CredentialsRejected as exc:
            problems.append(
                f"the consumer_key/consumer_secret were refused ({exc.status}): create a REST API key with"
                " read_write permission under WooCommerce > Settings > Advanced > REST API, and put both in"
                " this channel's credentials"
            )
        except OmshubError as exc:
            problems.append(str(exc))
        return problems

    def close(self) -> None:
        self.client.close()


def _bound(moment: datetime) -> str:
    """A UTC time as `modified_after/before` take it with dates_are_gmt: whole seconds, no offset."""
    return moment.astimezone(UTC).strftime(_GMT_FORMAT)


def _listed(what: str) -> Callable[[Any], list[Any]]:
    return lambda body: records_list(body, what)


_orders = _listed("GET orders")


def _has_refunds(raw: Any) -> bool:
    return isinstance(raw, dict) and isinstance(raw.get("refunds"), list) and bool(raw["refunds"])


def _changed_at(raw: Any) -> datetime | None:
    value = raw.get("date_modified_gmt") if isinstance(raw, dict) else None
    try:
        moment = schema.gmt(value)
    except ValueError:
        return None
    return moment if isinstance(moment, datetime) else None


def _last_change(raw_orders: list[Any]) -> datetime | None:
    return max(filter(None, map(_changed_at, raw_orders)), default=None)


_BY_CHANGE = ChangeTimePaginator(
    bound_param="modified_after",
    write_bound=lambda moment: _bound(moment - _ONE_SECOND),  # exclusive: one second earlier keeps its second
    changed_at=_changed_at,
    size_param="per_page",
    step_param="page",
    step_by_records=False,
)
"""Orders walked by moving `modified_after` to the last order read (see connectors.keyset)."""


WOOCOMMERCE = ConnectorType(
    name="woocommerce",
    options=WooCommerceOptions,
    credentials=("consumer_key", "consumer_secret"),
    build=WooCommerceConnector,
)
