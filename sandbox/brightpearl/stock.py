"""Stock as the simulated account keeps it, derived from what happened to it.

`inStock` at a warehouse is the units received there (seeded stock, stock corrections, returns booked in from
sales credits) less the units on its shipped goods-out notes. A sales credit changes nothing until its goods
are booked in (`book_in`, the goods-in note of the returned parcel), which puts its product rows back into
stock at its warehouse, once. Open sales orders (not cancelled) allocate the unshipped units of their rows at their
warehouse, oldest order first, as far as the warehouse has units not yet allocated; the rest waits for stock.
`onHand` is inStock less allocated: what the account can still promise (negative only when more was shipped
than received). Nothing is in transit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sandbox.brightpearl.errors import bad_request
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.wire import CANCELLED

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Figures:
    in_stock: int = 0
    allocated: int = 0

    @property
    def on_hand(self) -> int:
        return self.in_stock - self.allocated

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.in_stock + other.in_stock, self.allocated + other.allocated)

    def json(self) -> Json:
        return {"inStock": self.in_stock, "onHand": self.on_hand, "allocated": self.allocated, "inTransit": 0}


def figures(state: BrightpearlState) -> dict[tuple[int, int], Figures]:
    """Figures by (product id, warehouse id), for every pair that ever held or allocated stock."""
    with state.lock:
        in_stock: Counter[tuple[int, int]] = Counter(state.received)
        shipped: Counter[int] = Counter()  # sales-order row id -> units shipped
        for note in state.notes.values():
            for line in note.lines if note.shipped else ():
                shipped[line.row_id] += line.quantity
                if line.product_id is not None:
                    in_stock[line.product_id, note.warehouse_id] -= line.quantity
        allocated: Counter[tuple[int, int]] = Counter()
        for order in sorted(state.orders.values(), key=lambda o: o.id):
            for row in order.rows if order.status_id != CANCELLED else ():
                if row.product_id is not None:
                    key = (row.product_id, order.warehouse_id)
                    free = max(in_stock[key] - allocated[key], 0)
                    allocated[key] += min(max(int(row.quantity) - shipped[row.id], 0), free)
        return {key: Figures(in_stock[key], allocated[key]) for key in in_stock.keys() | allocated.keys()}


def availability_json(state: BrightpearlState, product_ids: list[int] | None) -> Json:
    """The product-availability answer: stock-tracked products among `product_ids` (None: all), each with its
    total and its figures per warehouse."""
    by_key = figures(state)
    answer: Json = {}
    for product in sorted(state.products.values(), key=lambda p: p.id):
        if product.stock_tracked and (product_ids is None or product.id in product_ids):
            warehouses = {w: by_key[product.id, w] for w in sorted(state.warehouses) if (product.id, w) in by_key}
            total = sum(warehouses.values(), Figures())
            answer[str(product.id)] = {
                "total": total.json(),
                "warehouses": {str(w): found.json() for w, found in warehouses.items()},
            }
    return answer


def correct(state: BrightpearlState, warehouse_id: int, body: Json) -> list[int]:
    """Apply a stock correction (`corrections`: productId, quantity (+ in, − out), reason); the new goods
    movement ids. Refused whole when any correction is invalid."""
    raw = body.get("corrections")
    if not isinstance(raw, list) or not raw:
        raise bad_request("corrections must be a non-empty list")
    with state.lock:
        if warehouse_id not in state.warehouses:
            raise bad_request(f"Warehouse {warehouse_id} does not exist")
        moves = [_correction(state, n, item) for n, item in enumerate(raw)]
        for product_id, quantity in moves:
            state.receive(product_id, warehouse_id, quantity)
        return [state.new_id("movement") for _ in moves]


def book_in(state: BrightpearlState, credit_id: int) -> None:
    """The returned parcel of a sales credit arrives: its product rows go back into stock at its warehouse."""
    with state.lock:
        credit = state.credit(credit_id)
        if credit_id in state.credits_received:
            raise bad_request(f"Sales credit {credit_id} was already booked in")
        for row in credit.rows:
            if row.product_id is not None:
                state.receive(row.product_id, credit.warehouse_id, int(row.quantity))
        state.credits_received.add(credit_id)


def _correction(state: BrightpearlState, n: int, item: Any) -> tuple[int, int]:
    if not isinstance(item, dict):
        raise bad_request(f"corrections[{n}] must be an object")
    product_id = item.get("productId")
    product = state.products.get(product_id) if isinstance(product_id, int) else None
    if product is None or not product.stock_tracked:
        raise bad_request(f"corrections[{n}].productId: no stock-tracked product {item.get('productId')}")
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0:
        raise bad_request(f"corrections[{n}].quantity must be a whole number other than 0")
    if not item.get("reason"):
        raise bad_request(f"corrections[{n}].reason is required")
    return product.id, quantity
