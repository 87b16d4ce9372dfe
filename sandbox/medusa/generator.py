"""A seeded source of orders and of later events on them; times come only from the state's clock."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sandbox.medusa import ordering
from sandbox.medusa.buyers import random_cart
from sandbox.medusa.cart import Cart
from sandbox.medusa.model import Order
from sandbox.medusa.order_json import order_json
from sandbox.medusa.state import MedusaState
from sandbox.shopify.catalog import BERLIN, PEOPLE, Person

Json = dict[str, Any]
EVENT_WEIGHTS = {"order": 60, "capture": 15, "ship": 15, "cancel": 10}
TRACKING_URL = "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={}"


class MedusaGenerator:
    """New orders and events on earlier ones. The same seed, clock readings and calls give the same store."""

    def __init__(self, state: MedusaState, *, seed: int = 0) -> None:
        self.state = state
        self._rng = random.Random(seed)

    def populate(self, count: int, *, span: timedelta = timedelta(days=30)) -> None:
        """About `count` orders spread evenly over the `span` before now, some captured, shipped or canceled."""
        end = self.state.now()
        for i in range(count):
            at = end - span + span * i / max(count, 1)
            order = self._random_order(at)
            if order is not None and self._rng.random() < 0.5:
                self._event_on(order, self._rng.choice(["capture", "ship", "cancel"]), at + span / count / 2)

    def tick(self) -> Json | None:
        """One event at the clock's time: mostly a new order, else a capture, a shipment or a cancel of an
        earlier order. The order as it now stands, or None when nothing could happen (the store sold out)."""
        kind = self._rng.choices(list(EVENT_WEIGHTS), weights=list(EVENT_WEIGHTS.values()))[0]
        with self.state.lock:
            candidates = [o for o in self.state.orders.values() if kind in eligible_events(o)]
            order = self._rng.choice(candidates) if candidates else self._random_order(None)
            if order is not None and candidates:
                self._event_on(order, kind, None)
            return None if order is None else order_json(order)

    def place_order(
        self,
        lines: Mapping[str, int] | Sequence[tuple[str, int]],
        *,
        sales_channel: str | None = None,
        buyer: Person = PEOPLE[0],
        promotion: str | None = None,
        at: datetime | None = None,
    ) -> Json:
        """An order for SKU → quantity in a sales channel (id or name; the first when None), reserving stock.
        InsufficientStock when the channel's locations cannot cover a line; nothing is stored then."""
        state = self.state
        rows = list(lines.items()) if isinstance(lines, Mapping) else list(lines)
        first = next(iter(state.sales_channels.values()))
        cart = Cart(
            channel=first if sales_channel is None else state.sales_channel(sales_channel),
            lines=[(state.variant(sku), quantity) for sku, quantity in rows],
            buyer=buyer,
            region=BERLIN.regions[0],
            at=state.now() if at is None else at,
            promotion=promotion,
        )
        with state.lock:
            return order_json(ordering.place(state, cart))

    def capture(self, order_id: str) -> Json:
        return self._after(ordering.capture, order_id)

    def fulfill(self, order_id: str, *, location_id: str | None = None, items: Mapping[str, int] | None = None) -> str:
        """Fulfil lines (line id → quantity; all open ones when None); the new fulfillment's id."""
        place = None if location_id is None else self.state.location_id(location_id)
        return ordering.fulfill(self.state, order_id, location_id=place, items=items).id

    def ship(self, order_id: str, fulfillment_id: str, *, tracking_number: str = "00340434161234567890") -> Json:
        with self.state.lock:
            return order_json(ordering.ship(self.state, order_id, fulfillment_id, labels=[_label(tracking_number)]))

    def cancel(self, order_id: str) -> Json:
        return self._after(ordering.cancel, order_id)

    def complete(self, order_id: str) -> Json:
        return self._after(ordering.complete, order_id)

    def _after(self, change: Callable[[MedusaState, str], Order], order_id: str) -> Json:
        with self.state.lock:
            return order_json(change(self.state, order_id))

    def _random_order(self, at: datetime | None) -> Order | None:
        """A new order from a random buyer; a few tries with other picks before the store counts as sold out."""
        with self.state.lock:
            for _ in range(5):
                cart = random_cart(self.state, self._rng, self.state.now() if at is None else at)
                if cart is not None:
                    return ordering.place(self.state, cart)
            return None

    def _event_on(self, order: Order, kind: str, at: datetime | None) -> None:
        state = self.state
        if kind == "capture":
            ordering.capture(state, order.id, at=at)
        elif kind == "cancel":
            ordering.cancel(state, order.id, at=at)
        elif kind == "ship":
            for place, items in _by_location(state, order).items():
                fulfillment = ordering.fulfill(state, order.id, location_id=place, items=items, at=at)
                label = _label(str(self._rng.randrange(10**19, 10**20)))
                ordering.ship(state, order.id, fulfillment.id, labels=[label], at=at)


def _label(number: str) -> dict[str, str]:
    return {
        "tracking_number": number,
        "tracking_url": TRACKING_URL.format(number),
        "label_url": f"https://labels.example.com/{number}.pdf",
    }


def _by_location(state: MedusaState, order: Order) -> dict[str, dict[str, int]]:
    """The open lines grouped by the location that holds their reservation: one fulfillment per location."""
    first = state.sales_channels[order.sales_channel_id].location_ids[0]
    groups: dict[str, dict[str, int]] = {}
    for line in order.lines:
        if ordering.open_quantity(line):
            place = ordering.reserved_at(state, order, line) or first
            groups.setdefault(place, {})[line.id] = ordering.open_quantity(line)
    return groups


def eligible_events(order: Order) -> set[str]:
    """The events the real server would allow on the order as it stands."""
    if order.status == "canceled":
        return set()
    allowed = set()
    if order.payment.captured_at is None:
        allowed.add("capture")
    if any(ordering.open_quantity(line) for line in order.lines):
        allowed.add("ship")
    if not order.fulfillments:
        allowed.add("cancel")
    return allowed
