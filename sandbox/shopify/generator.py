"""A seeded source of new orders and of the later changes to them. Time comes only from the shop's clock."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from sandbox.shopify import changes
from sandbox.shopify.changes import CANCEL_REASONS, PAID, Tracking
from sandbox.shopify.current import UNPAID, line_states
from sandbox.shopify.refunds import Removal
from sandbox.shopify.shopping import Shopper
from sandbox.shopify.state import Order, ShopState

ChangeKind = Literal["pay", "fulfill", "refund", "edit", "cancel"]
CHANGE_WEIGHTS: dict[ChangeKind, int] = {"pay": 35, "fulfill": 35, "refund": 10, "edit": 8, "cancel": 12}
CARRIERS = {
    "CA": ("Canada Post", "https://www.canadapost-postescanada.ca/track-reperage/en#/details/{}"),
    "*": ("DHL Express", "https://www.dhl.com/de-en/home/tracking.html?tracking-id={}"),
}


class OrderGenerator:
    """New orders and changes to existing ones, all saved into the shop's state.

    With the same seed, the same clock readings and the same calls, it produces the same orders.
    """

    def __init__(self, state: ShopState, *, seed: int = 0) -> None:
        self.state = state
        self._rng = random.Random(seed)
        self._shopper = Shopper(state, self._rng)
        self._warehouse = next(loc.id for loc in state.locations.values() if loc.active)
        self._order_ids: list[int] = []

    def new_order(self, *, at: datetime | None = None) -> Order:
        order = self._shopper.order(self.state.clock() if at is None else at)
        if order["source_name"] == "pos":  # sold over the counter: paid and handed over at once
            order = changes.fulfill(
                order, now=order["created_at"], ids=self.state.new_id, location_id=order["location_id"], tracking=None
            )
        self.state.save_order(order)
        self._order_ids.append(order["id"])
        return order

    def buy(self, wanted: Mapping[str, int], *, at: datetime | None = None) -> Order:
        """An order for these SKUs and quantities; like Shopify, placing it takes the units off the
        available levels, from the first location that has them."""
        variants = {v.sku: v for v in self.state.variants.values()}
        picks = [(variants[sku], quantity) for sku, quantity in wanted.items()]
        order = self._shopper.order_for(picks, self.state.clock() if at is None else at)
        for variant, quantity in picks:
            self.state.take_available(variant.inventory_item_id, quantity)
        self.state.save_order(order)
        self._order_ids.append(order["id"])
        return order

    def populate(self, count: int, *, span: timedelta = timedelta(days=30)) -> None:
        """Create `count` orders spread evenly over the `span` before now, with changes along the way."""
        end = self.state.clock()
        for i in range(count):
            at = end - span + span * i / count
            self.new_order(at=at)
            if self._rng.random() < 0.3:
                self.random_change(at=at)

    def tick(self) -> Order:
        """One event at the clock's time: usually a new order, sometimes a change to an earlier one."""
        changed = self.random_change() if self._rng.random() < 0.3 else None
        return changed if changed is not None else self.new_order()

    def random_change(self, *, at: datetime | None = None) -> Order | None:
        """Change one randomly drawn earlier order in a way its state allows; None when the draws find none."""
        for _ in range(10):
            if not self._order_ids:
                return None
            order = self.state.order(self._rng.choice(self._order_ids))
            kinds = [] if order is None else eligible_changes(order)
            if order is not None and kinds:
                kind = self._rng.choices(kinds, weights=[CHANGE_WEIGHTS[k] for k in kinds])[0]
                return self.change(order["id"], kind, at=at)
        return None

    def change(self, order_id: int, kind: ChangeKind, *, at: datetime | None = None) -> Order:
        """Apply one change of `kind` to a stored order; ValueError if its state does not allow it."""
        order = self.state.order(order_id)
        if order is None:
            raise KeyError(f"no order {order_id}")
        now = self.state.timestamp(at)
        changed = self._apply(order, kind, now)
        self.state.save_order(changed)
        return changed

    def _apply(self, order: Order, kind: ChangeKind, now: str) -> Order:
        ids, where = self.state.new_id, self._warehouse
        if kind == "pay":
            return changes.pay(order, now=now)
        if kind == "fulfill":
            tracking, line_ids = self._shipment(order)
            return changes.fulfill(order, now=now, ids=ids, location_id=where, tracking=tracking, line_ids=line_ids)
        if kind == "cancel":
            return changes.cancel(order, self._rng.choice(CANCEL_REASONS), now=now, ids=ids, location_id=where)
        if kind == "refund":
            return changes.refund(order, self._refund_removal(order), now=now, ids=ids, location_id=where)
        return changes.edit_quantity(order, self._edit_removal(order), now=now, ids=ids, location_id=where)

    def _shipment(self, order: Order) -> tuple[Tracking | None, list[int]]:
        states = line_states(order)
        open_lines = [line_id for line_id, s in states.items() if s.fulfillable]
        partial = len(open_lines) > 1 and self._rng.random() < 0.2
        address = order.get("shipping_address")
        tracking = None
        if address is not None:
            company, url = CARRIERS.get(address["country_code"], CARRIERS["*"])
            number = str(self._rng.randrange(10**15, 10**16))
            tracking = Tracking(company, number, url.format(number))
        return tracking, open_lines[:1] if partial else []

    def _refund_removal(self, order: Order) -> Removal:
        states = line_states(order)
        line_id = self._rng.choice([i for i, s in states.items() if s.current])
        state = states[line_id]
        returnable = min(state.returnable, state.current)
        if returnable:
            return Removal(line_id, self._rng.randint(1, returnable), "return")
        return Removal(line_id, self._rng.randint(1, state.fulfillable), "cancel")

    def _edit_removal(self, order: Order) -> Removal:
        states = line_states(order)
        line_id = self._rng.choice([i for i, s in states.items() if s.fulfillable])
        units_left = sum(s.current for s in states.values())
        return Removal(line_id, self._rng.randint(1, min(states[line_id].fulfillable, units_left - 1)), "cancel")


def eligible_changes(order: Order) -> list[ChangeKind]:
    """The changes Shopify would allow on the order as it stands."""
    if order["cancelled_at"] is not None:
        return []
    states = list(line_states(order).values())
    paid, unpaid = order["financial_status"] in PAID, order["financial_status"] in UNPAID
    checks: dict[ChangeKind, bool] = {
        "pay": unpaid,
        "fulfill": any(s.fulfillable for s in states),
        "refund": paid and any(s.current for s in states),
        "edit": unpaid and any(s.fulfillable for s in states) and sum(s.current for s in states) > 1,
        "cancel": order["fulfillment_status"] is None,
    }
    return [kind for kind, allowed in checks.items() if allowed]
