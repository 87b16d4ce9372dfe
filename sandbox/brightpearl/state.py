"""The simulated Brightpearl account in memory. One re-entrant lock guards it: the server and a test share it."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from sandbox.brightpearl.errors import not_found
from sandbox.brightpearl.model import Contact, GoodsOutNote, Product, SalesOrder, Warehouse
from sandbox.shopify.catalog import ProductSpec

Clock = Callable[[], datetime]
CATALOGUE_CREATED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
FIRST_PRODUCT_ID = 1000
FIRST_WAREHOUSE_ID = 2


class BrightpearlState:
    """Catalogue, contacts, sales orders and credits, goods-out notes and call counts of one account."""

    def __init__(
        self,
        *,
        clock: Clock,
        seed: int,
        products: Iterable[ProductSpec],
        warehouses: Sequence[str],
        installed_integration_instance_id: int,
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.calls: Counter[str] = Counter()  # "GET order-service/order-search" -> requests answered
        self.installed_integration_instance_id = installed_integration_instance_id
        self.warehouses = {
            FIRST_WAREHOUSE_ID + n: Warehouse(FIRST_WAREHOUSE_ID + n, name) for n, name in enumerate(warehouses)
        }
        self.products = {p.id: p for p in _products(products)}
        self.contacts: dict[int, Contact] = {}
        self.addresses: dict[int, dict[str, object]] = {}  # postal addresses, as posted
        self.orders: dict[int, SalesOrder] = {}  # sales orders only
        self.credits: dict[int, SalesOrder] = {}  # sales credits (type SC), ids from the orders' sequence
        self.credits_received: set[int] = set()  # credits whose goods were booked in
        self.notes: dict[int, GoodsOutNote] = {}
        self._notes_by_order: dict[int, list[GoodsOutNote]] = {}
        self.received: Counter[tuple[int, int]] = Counter()  # (product id, warehouse id) -> units received
        self.rng = random.Random(f"{seed}:tracking")
        self._next = {"address": 300, "contact": 200, "order": 100_000, "row": 1, "note": 80_000, "movement": 5000}

    def now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def new_id(self, kind: str) -> int:
        """The next id of a kind: "address", "contact", "order", "row", "note" or "movement"."""
        with self.lock:
            self._next[kind] += 1
            return self._next[kind]

    def count(self, call: str) -> None:
        with self.lock:
            self.calls[call] += 1

    def order(self, order_id: int) -> SalesOrder:
        found = self.orders.get(order_id)
        if found is None:
            raise not_found(f"Order {order_id} not found")
        return found

    def credit(self, credit_id: int) -> SalesOrder:
        found = self.credits.get(credit_id)
        if found is None:
            raise not_found(f"Sales credit {credit_id} not found")
        return found

    def notes_of(self, order_id: int) -> list[GoodsOutNote]:
        with self.lock:
            return list(self._notes_by_order.get(order_id, ()))

    def add_note(self, note: GoodsOutNote) -> None:
        with self.lock:
            self.notes[note.id] = note
            self._notes_by_order.setdefault(note.order_id, []).append(note)

    def shipping_status(self, order: SalesOrder) -> str:
        """NST (nothing shipped), SPS (some rows shipped) or ASS (all shipped)."""
        shipped: Counter[int] = Counter()
        for note in self.notes_of(order.id):
            for line in note.lines:
                shipped[line.row_id] += line.quantity if note.shipped else 0
        if not shipped or not any(shipped.values()):
            return "NST"
        whole = all(shipped[r.id] >= r.quantity for r in order.rows if r.product_id is not None)
        return "ASS" if whole else "SPS"

    def receive(self, product_id: int, warehouse_id: int, units: int) -> None:
        """Units of a product arrive at a warehouse (a negative number leaves: a stock correction)."""
        with self.lock:
            self.received[product_id, warehouse_id] += units

    def product_by_sku(self, sku: str) -> Product | None:
        return next((p for p in self.products.values() if p.sku.lower() == sku.lower()), None)

    def contact_by_email(self, email: str) -> Contact | None:
        return next((c for c in self.contacts.values() if c.email.lower() == email.lower()), None)


def _products(specs: Iterable[ProductSpec]) -> list[Product]:
    """One product per variant: Brightpearl has no variants, only products grouped by option values."""
    found: list[Product] = []
    for spec in specs:
        for variant in spec.variants:
            name = spec.title if variant.title == "Default Title" else f"{spec.title} - {variant.title}"
            product_id = FIRST_PRODUCT_ID + len(found)
            found.append(Product(product_id, name, variant.sku, variant.price, CATALOGUE_CREATED, not spec.gift_card))
    return found
