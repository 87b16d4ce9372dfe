"""The simulated shop in memory: catalogue and stock, orders, refunds and notes, and the calls it answered."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sandbox.shopify.catalog import PRODUCTS, ProductSpec
from sandbox.woocommerce.catalog import Item, build_catalogue
from sandbox.woocommerce.sitetime import Clock, SiteTime

Order = dict[str, Any]
FIRST_POST_ID = 101  # products, variations, orders and refunds are all WordPress posts: one id sequence
FIRST_CUSTOMER_ID = 2  # user 1 is the shop's administrator


@dataclass(frozen=True, slots=True)
class OrderIndex:
    """What listing filters and sorts on, read once from a saved order: every date site-local and UTC."""

    id: int
    status: str
    customer_id: int
    created_local: datetime
    created_gmt: datetime
    modified_local: datetime
    modified_gmt: datetime

    @classmethod
    def of(cls, order: Order) -> OrderIndex:
        return cls(
            id=order["id"],
            status=order["status"],
            customer_id=order["customer_id"],
            created_local=datetime.fromisoformat(order["date_created"]),
            created_gmt=datetime.fromisoformat(order["date_created_gmt"]),
            modified_local=datetime.fromisoformat(order["date_modified"]),
            modified_gmt=datetime.fromisoformat(order["date_modified_gmt"]),
        )


class WooState:
    """One shop. Orders and items are replaced whole, never changed in place, so a reader's copy stays consistent.

    Every method takes `lock`; a caller that must read and write as one step (place an order if stock allows)
    holds it around both, as it is re-entrant.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        products: Iterable[ProductSpec] = PRODUCTS,
        stock: int | Mapping[str, int] = 20,
        utc_offset: timedelta = timedelta(hours=2),
        currency: str = "EUR",
    ) -> None:
        self.time = SiteTime(clock, utc_offset)
        self.currency = currency
        self.lock = threading.RLock()
        self.calls: Counter[str] = Counter()  # "GET orders", "POST products/batch", ... answered so far
        self._counters = {
            "post": FIRST_POST_ID - 1,
            "order_item": 0,
            "comment": 0,
            "meta": 0,
            "customer": FIRST_CUSTOMER_ID - 1,
        }
        self.opened = self.time.now() - timedelta(days=365)  # the catalogue predates every order
        catalogue = build_catalogue(products, stock=stock, since=self.opened, new_id=lambda: self.new_id("post"))
        self._items = {item.id: item for item in catalogue}
        self._skus = {item.sku: item.id for item in catalogue if item.sku}
        self._orders: dict[int, tuple[OrderIndex, Order]] = {}
        self._refunds: dict[int, list[dict[str, Any]]] = {}
        self._notes: dict[int, list[dict[str, Any]]] = {}
        self._taken: dict[int, dict[int, int]] = {}  # order id -> item id -> units its stock reduction took
        self.version = 0  # bumped by every order change; lets readers cache what they derived

    def new_id(self, kind: str) -> int:
        """The next id of a kind: "post", "order_item" (order lines), "comment" (notes), "meta" or "customer"."""
        with self.lock:
            self._counters[kind] += 1
            return self._counters[kind]

    def count(self, call: str) -> None:
        with self.lock:
            self.calls[call] += 1

    # The catalogue and its stock.

    def item(self, item_id: int) -> Item | None:
        with self.lock:
            return self._items.get(item_id)

    def item_by_sku(self, sku: str) -> Item | None:
        with self.lock:
            item_id = self._skus.get(sku)
            return None if item_id is None else self._items[item_id]

    def items(self) -> list[Item]:
        with self.lock:
            return list(self._items.values())

    def stock_of(self, sku: str) -> int | None:
        """The stock_quantity the shop shows for a SKU; None when it does not track stock."""
        item = self.item_by_sku(sku)
        if item is None:
            raise KeyError(f"no product with SKU {sku!r}")
        return item.stock_quantity if item.manage_stock else None

    def update_item(self, item_id: int, *, manage_stock: bool | None, stock_quantity: int | None) -> Item:
        """Apply a stock edit as WooCommerce does: the quantity is ignored unless stock is (now) managed."""
        with self.lock:
            item = self._items[item_id]
            managed = item.manage_stock if manage_stock is None else manage_stock
            quantity = stock_quantity if managed and stock_quantity is not None else item.stock_quantity
            changed = replace(item, manage_stock=managed, stock_quantity=quantity, modified=self.time.now())
            self._items[item_id] = changed
            return changed

    def shift_stock(self, deltas: Mapping[int, int], *, at: datetime) -> None:
        """Add each delta to its item's stock (negative to take units); unmanaged items are left alone."""
        with self.lock:
            for item_id, delta in deltas.items():
                item = self._items[item_id]
                if item.manage_stock and item.stock_quantity is not None and delta:
                    self._items[item_id] = replace(item, stock_quantity=item.stock_quantity + delta, modified=at)

    def taken(self, order_id: int) -> dict[int, int]:
        with self.lock:
            return dict(self._taken.get(order_id, {}))

    def set_taken(self, order_id: int, units: Mapping[int, int]) -> None:
        with self.lock:
            self._taken[order_id] = {item_id: n for item_id, n in units.items() if n}

    # Orders, refunds and notes.

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

    def refunds(self, order_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._refunds.get(order_id, []))

    def add_refund(self, order_id: int, refund: dict[str, Any]) -> None:
        with self.lock:
            self._refunds.setdefault(order_id, []).insert(0, refund)  # newest first, as WooCommerce lists them

    def notes(self, order_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._notes.get(order_id, []))

    def add_note(self, order_id: int, note: dict[str, Any]) -> None:
        with self.lock:
            self._notes.setdefault(order_id, []).insert(0, note)
