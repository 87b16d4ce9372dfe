"""A seeded source of new orders and of later changes to them (payment, completion, cancellation, refunds)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sandbox.shopify.catalog import Region
from sandbox.woocommerce import lifecycle
from sandbox.woocommerce.buyer import COUPONS, REGIONS, Shopper, cart_for, lines_for
from sandbox.woocommerce.order_json import PAYMENTS, Order, Payment
from sandbox.woocommerce.pricing import Cart
from sandbox.woocommerce.store import WooState

ChangeKind = Literal["pay", "complete", "cancel", "refund"]
CHANGE_WEIGHTS: dict[ChangeKind, int] = {"pay": 30, "complete": 40, "cancel": 12, "refund": 18}
ALLOWED: dict[ChangeKind, tuple[str, ...]] = {
    "pay": ("pending", "on-hold"),
    "complete": ("processing",),
    "cancel": ("pending", "on-hold", "processing"),
    "refund": ("processing", "completed"),
}
REASONS = ("Article endommagé", "Falsche Größe", "Customer changed their mind", "")


class WooGenerator:
    """New orders and changes to existing ones, saved into the shop's state.

    With the same seed, the same clock readings and the same calls, it produces the same shop.
    """

    def __init__(self, state: WooState, *, seed: int = 0) -> None:
        self.state = state
        self._rng = random.Random(seed)
        self._shopper = Shopper(state, self._rng)
        self._order_ids: list[int] = []

    def populate(self, count: int, *, span: timedelta = timedelta(days=30)) -> None:
        """Create `count` orders spread evenly over the `span` before now, with changes along the way."""
        end = self.state.time.now()
        for i in range(count):
            at = end - span + span * i / count
            self.new_order(at=at)
            if self._rng.random() < 0.35:
                self.random_change(at=at)

    def tick(self) -> Order | None:
        """One event at the clock's time: mostly a new order, else a change to an earlier one.

        None only when nothing is in stock and no earlier order can change.
        """
        changed = self.random_change() if self._rng.random() < 0.3 else None
        return changed if changed is not None else self.new_order()

    def new_order(self, *, at: datetime | None = None) -> Order | None:
        """A random buyer's order of what is in stock; None when nothing is."""
        region = self._shopper.region()
        cart = self._shopper.cart(region)
        return None if cart is None else self._place(cart, region, at=at, payment=None)

    def place_order(
        self, skus: Mapping[str, int], *, payment: str = "stripe", at: datetime | None = None, coupon: str | None = None
    ) -> Order:
        """An order for these SKUs and quantities, shipped to Berlin; `payment` is a key of `PAYMENTS`
        ("stripe", "paypal", "bacs", "cod", "abandoned"). `OutOfStock` when the shop shows fewer units."""
        chosen = None if coupon is None else next(c for c in COUPONS if c.code == coupon.lower())
        cart = cart_for(lines_for(self.state, skus), REGIONS[0], coupon=chosen)
        return self._place(cart, REGIONS[0], at=at, payment=PAYMENTS[payment])

    def pay(self, order_id: int, *, at: datetime | None = None) -> Order:
        return lifecycle.change_status(self.state, order_id, "processing", at=self._at(at))

    def complete(self, order_id: int, *, at: datetime | None = None) -> Order:
        return lifecycle.change_status(self.state, order_id, "completed", at=self._at(at))

    def cancel(self, order_id: int, *, at: datetime | None = None) -> Order:
        return lifecycle.change_status(self.state, order_id, "cancelled", at=self._at(at))

    def trash(self, order_id: int, *, at: datetime | None = None) -> Order:
        return lifecycle.change_status(self.state, order_id, "trash", at=self._at(at))

    def refund(
        self,
        order_id: int,
        skus: Mapping[str, int] | None = None,
        *,
        amount: Decimal | None = None,
        reason: str = "",
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Refund (and restock) units by SKU and/or an amount; with neither, everything that is left."""
        order = lifecycle.existing(self.state, order_id)
        if skus is None and amount is None:
            units = self._remaining_units(order)
            left = Decimal(order["total"]) + sum((Decimal(r["total"]) for r in order["refunds"]), Decimal(0))
            return lifecycle.refund(self.state, order_id, units=units, amount=left, reason=reason, at=self._at(at))
        units = self._units_by_sku(order, skus or {})
        return lifecycle.refund(self.state, order_id, units=units, amount=amount, reason=reason, at=self._at(at))

    def random_change(self, *, at: datetime | None = None) -> Order | None:
        """Change one randomly drawn earlier order in a way its status allows; None when the draws find none."""
        for _ in range(10):
            if not self._order_ids:
                return None
            order = lifecycle.existing(self.state, self._rng.choice(self._order_ids))
            kinds = [k for k, statuses in ALLOWED.items() if order["status"] in statuses]
            if kinds:
                kind = self._rng.choices(kinds, weights=[CHANGE_WEIGHTS[k] for k in kinds])[0]
                return self._change(order, kind, at=self._at(at))
        return None

    def _change(self, order: Order, kind: ChangeKind, *, at: datetime) -> Order:
        if kind == "refund":
            remaining = self._remaining_units(order)
            partial = len(remaining) > 1 and self._rng.random() < 0.5
            if partial:
                line_id = self._rng.choice(sorted(remaining))
                units = {line_id: self._rng.randint(1, remaining[line_id])}
                reason = self._rng.choice(REASONS)
                lifecycle.refund(self.state, order["id"], units=units, reason=reason, at=at)
            else:
                self.refund(order["id"], reason=self._rng.choice(REASONS), at=at)
            return lifecycle.existing(self.state, order["id"])
        status = {"pay": "processing", "complete": "completed", "cancel": "cancelled"}[kind]
        return lifecycle.change_status(self.state, order["id"], status, at=at)

    def _place(self, cart: Cart, region: Region, *, at: datetime | None, payment: Payment | None) -> Order:
        header = self._shopper.header(self._at(at), region, ships=cart.shipping is not None, payment=payment)
        order = lifecycle.place(self.state, cart, header)
        self._order_ids.append(order["id"])
        return order

    def _remaining_units(self, order: Order) -> dict[int, int]:
        done = lifecycle.refunded_units(self.state, order["id"])
        left = {line["id"]: line["quantity"] - done.get(line["id"], 0) for line in order["line_items"]}
        return {line_id: n for line_id, n in left.items() if n > 0}

    def _units_by_sku(self, order: Order, skus: Mapping[str, int]) -> dict[int, int]:
        remaining = self._remaining_units(order)
        units: dict[int, int] = {}
        for sku, quantity in skus.items():
            line = next((ln for ln in order["line_items"] if ln["sku"] == sku and ln["id"] in remaining), None)
            if line is None:
                raise lifecycle.RefundError(f"order {order['id']} has no refundable line for SKU {sku!r}")
            units[line["id"]] = quantity
        return units

    def _at(self, at: datetime | None) -> datetime:
        return self.state.time.now() if at is None else at.replace(microsecond=0)
