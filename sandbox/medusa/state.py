"""The simulated backend in memory. One re-entrant lock guards all of it: the server and a test thread share it."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sandbox.medusa.catalog import build_catalog
from sandbox.medusa.errors import NotFound
from sandbox.medusa.ids import IdSource, millis
from sandbox.medusa.model import LevelWrite, Order, Reservation, SalesChannel, Variant
from sandbox.shopify.catalog import ProductSpec

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who may call: one admin user (email and password, for JWTs) and one secret API key."""

    email: str
    password: str
    api_key: str
    token_lifetime: timedelta = timedelta(hours=24)


STORE_OPENED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


class MedusaState:
    """Catalogue, stock, orders, issued tokens and call counts of one backend."""

    def __init__(
        self,
        *,
        clock: Clock,
        seed: int,
        credentials: Credentials,
        products: Iterable[ProductSpec],
        stock: int | Mapping[str, int],
        locations: Sequence[str],
        sales_channels: Sequence[str],
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.ids = IdSource(seed)
        self.credentials = credentials
        self.created_at = STORE_OPENED  # before its orders; fixed, so a seed always gives the same setup ids
        catalog = build_catalog(
            self.ids,
            self.created_at,
            products=products,
            stock=stock,
            locations=locations,
            sales_channels=sales_channels,
        )
        self.locations = catalog.locations
        self.sales_channels = catalog.sales_channels
        self.variants = catalog.variants
        self.inventory_items = catalog.inventory_items
        self.levels = catalog.levels
        self.region_id = self.ids.new("reg", self.created_at)
        self.user_id = self.ids.new("user", self.created_at)
        self.currency_code = "eur"
        self.reservations: dict[str, Reservation] = {}
        self.orders: dict[str, Order] = {}
        self.tokens: dict[str, datetime] = {}  # JWT -> expiry
        self.calls: Counter[str] = Counter()  # "GET /admin/orders" -> requests answered
        self.level_writes: list[LevelWrite] = []
        self._by_sku = {v.sku: v for v in self.variants.values()}

    def now(self) -> datetime:
        return millis(self.clock())

    def new_id(self, prefix: str, at: datetime | None = None) -> str:
        with self.lock:
            return self.ids.new(prefix, self.now() if at is None else at)

    def count(self, endpoint: str) -> None:
        with self.lock:
            self.calls[endpoint] += 1

    def variant(self, sku: str) -> Variant:
        found = self._by_sku.get(sku)
        if found is None:
            raise NotFound(f"Variant with sku: {sku} was not found")
        return found

    def sales_channel(self, key: str) -> SalesChannel:
        """A channel by id or by name."""
        for channel in self.sales_channels.values():
            if key in (channel.id, channel.name):
                return channel
        raise NotFound(f"Sales channel with id: {key} was not found")

    def order(self, order_id: str) -> Order:
        found = self.orders.get(order_id)
        if found is None:
            raise NotFound(f"Order id not found: {order_id}")
        return found

    def location_id(self, key: str) -> str:
        """A stock location's id, from its id or its name."""
        for location in self.locations.values():
            if key in (location.id, location.name):
                return location.id
        raise NotFound(f"Stock location with id: {key} was not found")
