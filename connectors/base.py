"""What a connector offers the jobs: declared once here, implemented per system."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import orjson
from pydantic import BaseModel, SecretStr

from core.errors import OmshubError
from core.model import CanonicalOrder
from core.payment_failures import PaymentFailureNotice
from core.providers import FulfillmentProvider, PaymentProcessor
from core.publish import Published
from core.quarantine import Rejected
from core.shipments import OnChannel, ShipmentNotice


@dataclass(frozen=True, slots=True)
class Window:
    """Orders changed in [start, end] (both inclusive, UTC)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[CanonicalOrder | Rejected]
    fetched: int
    last_changed: datetime | None
    """The latest upstream change time in this page (for the bookmark)."""


@dataclass(slots=True)
class PushResult:
    pushed: list[Published] = field(default_factory=list)
    failed: list[tuple[Published, str]] = field(default_factory=list)
    unlisted: list[Published] = field(default_factory=list)
    """SKUs the channel does not sell: nothing to publish there."""
    resolved: dict[str, str] = field(default_factory=dict)
    """SKU → the channel's item id, looked up during this push (new or changed since `items`); the caller binds them."""
    forgotten: set[str] = field(default_factory=set)
    """SKUs of `items` the channel no longer lists; the caller drops their bindings."""


def retry_moved(
    refused: Sequence[tuple[Published, str]], before: Mapping[str, str], known: Mapping[str, str], result: PushResult
) -> list[Published]:
    """After a catalogue read following refusals of ids bound earlier (`before`: SKU → the refused id): the levels
    whose SKU now has another id in `known`, to be written again; the rest are settled in `result` (still the
    same id: failed with the channel's reason; no longer listed: unlisted)."""
    result.failed += [(level, why) for level, why in refused if known.get(level.sku) == before[level.sku]]
    result.unlisted += [level for level, _why in refused if level.sku not in known]
    return [level for level, _why in refused if known.get(level.sku, before[level.sku]) != before[level.sku]]


class OrderSource(Protocol):
    def order_pages(self, window: Window, *, time_left: float | None = None) -> Iterator[OrderPage]:
        """Pages of orders changed inside the window, oldest change first, fetched lazily; retries give up
        rather than wait past `time_left` seconds (the run's deadline)."""


@runtime_checkable
class OrderLookup(Protocol):
    def fetch_orders(self, external_ids: Sequence[str], *, time_left: float | None = None) -> OrderPage:
        """These orders as the channel has them now (ids it does not know are left out), mapped like a page.
        For channels where some changes (Medusa's payment capture) do not move the change time a window
        pull sees, and to act on a webhook."""


def merge_pages(pages: Iterable[OrderPage]) -> OrderPage:
    """The pages read for one lookup, as one page."""
    read = list(pages)
    moments = [p.last_changed for p in read if p.last_changed is not None]
    return OrderPage([o for p in read for o in p.orders], sum(p.fetched for p in read), max(moments, default=None))


PING = "ping"
"""The topic of a delivery that only checks the address (WooCommerce sends one when a webhook is created)."""


class BadSignature(OmshubError):
    """A webhook delivery whose signature is missing or does not match its body: it is not from the channel."""


class MalformedWebhook(OmshubError):
    """A signed webhook delivery without what identifies it: a delivery id, a topic, or the id of its order."""


@dataclass(frozen=True, slots=True)
class WebhookNotice:
    """What a verified webhook delivery is about."""

    delivery_id: str | None
    """Names the delivery, the same on every redelivery; None for a ping."""
    topic: str
    external_id: str | None
    """The order to fetch again, as `fetch_orders` takes it; None when the delivery is not about an order."""


@runtime_checkable
class WebhookReceiver(OrderLookup, Protocol):
    """A channel that sends webhooks. A delivery is a hint only: the order it names is fetched again."""

    def read_webhook(self, headers: Mapping[str, str], body: bytes, *, secret: SecretStr) -> WebhookNotice:
        """Check the signature over the raw `body` with `secret` (BadSignature) before anything else is read,
        then say what the delivery is about (MalformedWebhook when it does not say). Header names in lower case."""


def check_signature(body: bytes, given: str | None, secret: SecretStr, *, header: str) -> None:
    """BadSignature unless `given` is the base64 HMAC-SHA256 of `body` keyed by `secret` (compared in constant time)."""
    if not given:
        raise BadSignature(f"the {header} header is missing")
    digest = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest), given.strip().encode(errors="replace")):
        raise BadSignature(f"the {header} signature does not match the body")


def webhook_header(headers: Mapping[str, str], name: str, *, limit: int = 255) -> str:
    """A header a signed delivery must carry, of at most `limit` characters; `name` as the channel spells it."""
    value = headers.get(name.lower(), "").strip()
    if not value or len(value) > limit:
        raise MalformedWebhook(f"the {name} header must be given, at most {limit} characters")
    return value


def webhook_order_id(body: bytes, key: str) -> str:
    """The order id under `key` of a JSON object body (a positive whole number, as both shop systems use)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedWebhook("the body is not JSON") from None
    value = payload.get(key) if isinstance(payload, dict) else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if type(value) is not int or not 0 < value < 2**63:
        raise MalformedWebhook(f"the body has no order id in {key!r}")
    return str(value)


class StockSink(Protocol):
    def push_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> PushResult:
        """Publish absolute available quantities; per-item failures are returned, not raised.

        `items` maps SKU → the channel's item id as bound earlier; a SKU missing from it (or whose id the
        channel no longer knows) is looked up, and what was found comes back in `resolved`."""

    def read_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> dict[tuple[str, str], int]:
        """What the channel shows now for these (SKU, location) pairs, by pair; pairs it has no level for
        (or SKUs without an item id in `items`) are left out."""


class ShipmentSink(Protocol):
    def report_shipment(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel | None:
        """Tell the channel that these lines shipped (with tracking). Safe to repeat: the connector first
        looks `notice.reference` up in what it created earlier, and creates nothing twice (a repeat adds only
        tracking the channel lacks, where it can). Returns what the channel's answer shows of the shipment, or
        None when the answer does not tell (an asynchronous update: a read-back will). Raises
        RetryableError / FatalError / UnknownOutcome like any outbound call."""


@runtime_checkable
class ShipmentReader(Protocol):
    """A shipment sink that can read back what the channel holds (see core.tracking)."""

    def shipment_on_channel(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel:
        """What the channel shows now of the shipment created under `notice.reference`: whether it is there
        as shipped, which of the notice's tracking numbers it holds, and its error for any it reports failed."""


@runtime_checkable
class PaymentFailureSink(Protocol):
    """A channel connector that can tell the channel an order's payment failed."""

    def report_payment_failure(self, notice: PaymentFailureNotice, *, time_left: float | None = None) -> None:
        """Leave the notice on the channel's order where people working it see it (WooCommerce: a private note
        and a status; Shopify: a tag and a line of the order note; Medusa: the order's metadata). Safe to repeat:
        what the channel already holds under `notice.reference` is not written again."""


class Connector(Protocol):
    @property
    def orders(self) -> OrderSource | None: ...

    @property
    def stock(self) -> StockSink | None: ...

    @property
    def shipments(self) -> ShipmentSink | None: ...

    @property
    def fulfillment(self) -> FulfillmentProvider | None:
        """For a fulfillment provider (3PL/ERP) configured under [providers]."""

    @property
    def payments(self) -> PaymentProcessor | None:
        """For a payment processor configured under [providers]."""

    def check(self) -> list[str]:
        """Problems with credentials, scopes or location mapping found against the live system."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class ChannelSettings:
    """One channel's slice of the configuration, as its connector receives it."""

    name: str
    base_url: str
    credentials: Mapping[str, SecretStr]
    options: BaseModel
    location_ids: Mapping[str, str]
    """Hub location code → the channel's location id."""


@dataclass(frozen=True)
class ConnectorType:
    """A kind of connector: how its options are checked and how one is built."""

    name: str
    options: type[BaseModel]
    credentials: tuple[str, ...]
    build: Callable[[ChannelSettings, Any], Connector]
    """(settings, transport) → connector; transport is the HTTP test seam (None in production)."""
    credential_choices: tuple[tuple[str, ...], ...] = ()
    """Alternative credential sets, one of which must be complete (e.g. an API key, or email and password)."""
    roles: frozenset[str] = frozenset({"channel"})
    """What it can be configured as: a sales "channel", or a provider for "fulfillment" or "payment"."""
