"""The simulated shop in memory: locations, products with variants, inventory levels and orders."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sandbox.shopify.catalog import PRODUCTS, QUEBEC, ProductSpec, ShopProfile

Clock = Callable[[], datetime]
Order = dict[str, Any]

# Shopify ids are int64 and, for orders, line items and variants, far above 2**31.
_ID_BASES = {
    "location": 61_728_000_000,
    "product": 8_104_000_000_000,
    "variant": 44_518_000_000_000,
    "inventory_item": 46_572_000_000_000,
    "customer": 7_021_000_000_000,
    "customer_address": 9_150_000_000_000,
    "order": 5_612_000_000_000,
    "line_item": 14_385_000_000_000,
    "shipping_line": 4_608_000_000_000,
    "refund": 912_000_000_000,
    "refund_line_item": 498_000_000_000,
    "order_adjustment": 271_000_000_000,
    "transaction": 6_830_000_000_000,
    "fulfillment": 5_104_000_000_000,
}
_ID_STEP = 104_729


class InventoryError(ValueError):
    """A level change Shopify would refuse (unknown item, unknown or inactive location)."""


@dataclass(frozen=True, slots=True)
class Location:
    id: int
    name: str
    city: str
    province_code: str
    country_code: str
    active: bool


@dataclass(frozen=True, slots=True)
class Variant:
    id: int
    product_id: int
    product_title: str
    vendor: str
    title: str
    sku: str
    price: Decimal
    inventory_item_id: int
    position: int
    grams: int
    requires_shipping: bool
    taxable: bool
    gift_card: bool

    @property
    def tracked(self) -> bool:
        """Gift cards are not stock-tracked, so they have no inventory levels."""
        return not self.gift_card


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    title: str
    vendor: str
    product_type: str
    variants: tuple[Variant, ...]


@dataclass(frozen=True, slots=True)
class Level:
    inventory_item_id: int
    location_id: int
    available: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OrderIndex:
    """The fields of a stored order that listing filters and sorts on, parsed once when it is saved."""

    id: int
    created_at: datetime
    updated_at: datetime
    processed_at: datetime
    cancelled: bool
    closed: bool
    financial_status: str
    fulfillment_status: str | None

    @classmethod
    def of(cls, order: Order) -> OrderIndex:
        return cls(
            id=order["id"],
            created_at=datetime.fromisoformat(order["created_at"]),
            updated_at=datetime.fromisoformat(order["updated_at"]),
            processed_at=datetime.fromisoformat(order["processed_at"]),
            cancelled=order["cancelled_at"] is not None,
            closed=order["closed_at"] is not None,
            financial_status=order["financial_status"],
            fulfillment_status=order["fulfillment_status"],
        )


class ShopState:
    """One shop. Orders are replaced whole, never mutated in place, so a reader's copy stays consistent."""

    def __init__(
        self, *, clock: Clock, profile: ShopProfile = QUEBEC, products: Iterable[ProductSpec] = PRODUCTS
    ) -> None:
        self.clock = clock
        self.profile = profile
        self.zone = timezone(profile.utc_offset)
        self.lock = threading.RLock()
        self.created_at = clock() - timedelta(days=365)  # the shop, its locations and catalogue predate its orders
        self._counters: dict[str, int] = {}
        self._orders: dict[int, tuple[OrderIndex, Order]] = {}
        self._next_number = 1001
        self.version = 0  # bumped by every order change; lets readers cache what they derived
        self.locations = {loc.id: loc for loc in self._build_locations()}
        self.products = {p.id: p for p in (self._build_product(spec) for spec in products)}
        self.variants = {v.id: v for p in self.products.values() for v in p.variants}
        self.items = {v.inventory_item_id: v for v in self.variants.values()}
        self.levels = self._initial_levels()

    def new_id(self, kind: str) -> int:
        with self.lock:
            n = self._counters.get(kind, 0) + 1
            self._counters[kind] = n
        return _ID_BASES[kind] + n * _ID_STEP

    def next_order_number(self) -> int:
        with self.lock:
            number = self._next_number
            self._next_number += 1
        return number

    def timestamp(self, moment: datetime | None = None) -> str:
        """A time as Shopify writes it: whole seconds, in the shop's UTC offset."""
        at = self.clock() if moment is None else moment
        return at.astimezone(self.zone).replace(microsecond=0).isoformat()

    def save_order(self, order: Order) -> None:
        index = OrderIndex.of(order)
        with self.lock:
            self._orders[index.id] = (index, order)
            self.version += 1

    def order(self, order_id: int) -> Order | None:
        with self.lock:
            found = self._orders.get(order_id)
        return None if found is None else found[1]

    def orders(self) -> list[tuple[OrderIndex, Order]]:
        with self.lock:
            return list(self._orders.values())

    def set_level(self, inventory_item_id: int, location_id: int, available: int) -> Level:
        variant = self.items.get(inventory_item_id)
        if variant is None:
            raise InventoryError(f"Inventory item {inventory_item_id} does not exist")
        if not variant.tracked:
            raise InventoryError("Inventory item does not have inventory tracking enabled")
        location = self.locations.get(location_id)
        if location is None:
            raise InventoryError(f"Location {location_id} does not exist")
        if not location.active:
            raise InventoryError(f"Location {location.name} is not active")
        level = Level(inventory_item_id, location_id, available, self.clock())
        with self.lock:
            self.levels[(inventory_item_id, location_id)] = level
        return level

    def take_available(self, inventory_item_id: int, quantity: int) -> None:
        """Units sold: off the available levels of the item, location by location (may go negative last)."""
        with self.lock:
            levels = [lv for key, lv in self.levels.items() if key[0] == inventory_item_id]
            for i, level in enumerate(levels):
                take = quantity if i == len(levels) - 1 else min(quantity, max(level.available, 0))
                self.levels[(inventory_item_id, level.location_id)] = replace(
                    level, available=level.available - take, updated_at=self.clock()
                )
                quantity -= take

    def put_back(self, inventory_item_id: int, location_id: int, quantity: int) -> None:
        """Restocked units: onto the item's available level at the location (an untracked item has none)."""
        variant = self.items.get(inventory_item_id)
        if variant is None or not variant.tracked:
            return
        with self.lock:
            level = self.levels.get((inventory_item_id, location_id))
            available = quantity if level is None else level.available + quantity
            self.levels[(inventory_item_id, location_id)] = Level(
                inventory_item_id, location_id, available, self.clock()
            )

    def level_list(self) -> list[Level]:
        with self.lock:
            return list(self.levels.values())

    def _build_locations(self) -> list[Location]:
        return [
            Location(self.new_id("location"), s.name, s.city, s.province_code, s.country_code, s.active)
            for s in self.profile.locations
        ]

    def _build_product(self, spec: ProductSpec) -> Product:
        product_id = self.new_id("product")
        variants = tuple(
            Variant(
                id=self.new_id("variant"),
                product_id=product_id,
                product_title=spec.title,
                vendor=spec.vendor,
                title=v.title,
                sku=v.sku,
                price=v.price,
                inventory_item_id=self.new_id("inventory_item"),
                position=position,
                grams=spec.grams,
                requires_shipping=spec.requires_shipping,
                taxable=spec.taxable,
                gift_card=spec.gift_card,
            )
            for position, v in enumerate(spec.variants, start=1)
        )
        return Product(product_id, spec.title, spec.vendor, spec.product_type, variants)

    def _initial_levels(self) -> dict[tuple[int, int], Level]:
        active = [loc.id for loc in self.locations.values() if loc.active]
        return {
            (item, loc): Level(item, loc, (i * 7 + j * 13) % 40 + 3, self.created_at)
            for i, (item, variant) in enumerate(self.items.items())
            for j, loc in enumerate(active)
            if variant.tracked
        }
