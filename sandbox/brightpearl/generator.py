"""The warehouse's pace: orders released longer than `ship_after` ago are shipped on the next tick; returned
parcels are booked in when a test says they arrived."""

from __future__ import annotations

import random
from datetime import timedelta

from sandbox.brightpearl.model import GoodsOutNote
from sandbox.brightpearl.shipping import Split, ship_now
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.stock import book_in
from sandbox.brightpearl.wire import CANCELLED


class BrightpearlGenerator:
    """Ships due orders; a seeded share of them (`split_rate`) as two notes, from two warehouses or as two
    parcels. The same seed, clock readings and calls give the same notes and tracking references."""

    def __init__(
        self,
        state: BrightpearlState,
        *,
        seed: int = 0,
        ship_after: timedelta = timedelta(minutes=5),
        split_rate: float = 0.2,
    ) -> None:
        self.state = state
        self.ship_after = ship_after
        self.split_rate = split_rate
        self._rng = random.Random(seed)

    def tick(self) -> list[GoodsOutNote]:
        """Ship every order released at least `ship_after` before now and not yet shipped; the new notes."""
        state = self.state
        with state.lock:
            due = [
                order.id
                for order in sorted(state.orders.values(), key=lambda o: o.id)
                if order.status_id != CANCELLED
                and order.released_on <= state.now() - self.ship_after
                and not state.notes_of(order.id)
            ]
            return [note for order_id in due for note in ship_now(state, order_id, self._split())]

    def ship_now(self, order_id: int, split: Split = "none") -> list[GoodsOutNote]:
        """Ship one order at once, whatever its age (see `shipping.ship_now`)."""
        return ship_now(self.state, order_id, split)

    def book_in(self, credit_id: int) -> None:
        """The goods of a sales credit arrive and go back into stock (see `stock.book_in`)."""
        book_in(self.state, credit_id)

    def _split(self) -> Split:
        draw, kind = self._rng.random(), self._rng.random()
        if draw >= self.split_rate:
            return "none"
        return "warehouses" if kind < 0.5 else "parcels"
