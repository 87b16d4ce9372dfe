"""What happens to an order: placed (reserving stock), payment captured, fulfilled, shipped, canceled, completed,
its metadata updated.

Capture leaves `updated_at` and `version` alone, as the real server does; every other change bumps both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sandbox.medusa import stock
from sandbox.medusa.cart import Cart, build_order
from sandbox.medusa.errors import InvalidData, NotAllowed, NotFound
from sandbox.medusa.ids import millis
from sandbox.medusa.model import Fulfillment, Label, Line, Order
from sandbox.medusa.state import MedusaState


def place(state: MedusaState, cart: Cart) -> Order:
    """Store a new order and reserve its lines; InsufficientStock (nothing stored) when a line cannot be covered."""
    with state.lock:
        order = build_order(state, cart)
        stock.reserve(state, order, cart.channel)
        state.orders[order.id] = order
        return order


def capture(state: MedusaState, order_id: str, *, at: datetime | None = None) -> Order:
    with state.lock:
        order = state.order(order_id)
        payment = order.payment
        if payment.canceled_at is not None or payment.captured_at is not None:
            raise NotAllowed(f"The payment: {payment.id} cannot be captured")
        now = _moment(state, at)
        payment.capture_id = state.ids.new("capt", now)
        payment.captured_at = now
        return order


def fulfill(
    state: MedusaState,
    order_id: str,
    *,
    location_id: str | None = None,
    items: Mapping[str, int] | None = None,
    metadata: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Fulfillment:
    """Fulfil `items` (line id -> quantity; all that is left when None) from `location_id` (where the first
    of those lines is reserved when None)."""
    with state.lock:
        order = state.order(order_id)
        if order.status == "canceled":
            raise NotAllowed(f"Order with id {order_id} has been canceled.")
        wanted = _fulfillable(order, items)
        place = _default_location(state, order, wanted) if location_id is None else location_id
        if place not in state.locations:
            raise NotFound(f"Stock location with id: {place} was not found")
        now = _moment(state, at)
        fulfillment = Fulfillment(state.ids.new("ful", now), place, {}, metadata, now)
        for line, quantity in wanted:
            stock.consume(state, order, line, quantity=quantity, location_id=place, at=now)
            line.fulfilled_quantity += quantity
            fulfillment.items[line.id] = (state.ids.new("fulit", now), quantity)
        order.fulfillments.append(fulfillment)
        order.touch(now)
        return fulfillment


def ship(
    state: MedusaState,
    order_id: str,
    fulfillment_id: str,
    *,
    labels: Sequence[Mapping[str, str]] = (),
    at: datetime | None = None,
) -> Order:
    """Mark a fulfillment shipped, with its tracking labels; all of its items ship."""
    with state.lock:
        order = state.order(order_id)
        fulfillment = next((f for f in order.fulfillments if f.id == fulfillment_id), None)
        if fulfillment is None:
            raise NotFound(f"Fulfillment with id: {fulfillment_id} was not found")
        if fulfillment.shipped_at is not None:
            raise NotAllowed(f"Fulfillment with id: {fulfillment_id} has already been shipped")
        now = _moment(state, at)
        fulfillment.shipped_at = now
        fulfillment.labels.extend(_label(state, raw, now) for raw in labels)
        lines = {line.id: line for line in order.lines}
        for line_id, (_, quantity) in fulfillment.items.items():
            lines[line_id].shipped_quantity += quantity
        order.touch(now)
        return order


def cancel(state: MedusaState, order_id: str, *, at: datetime | None = None) -> Order:
    """Cancel an order without fulfillments: its reservations are freed and its payment canceled."""
    with state.lock:
        order = state.order(order_id)
        if order.status == "canceled":
            raise NotAllowed(f"Order with id {order_id} has already been canceled.")
        if order.fulfillments:
            raise NotAllowed("All fulfillments must be canceled before canceling an order")
        now = _moment(state, at)
        stock.release(state, order, now)
        order.status, order.canceled_at = "canceled", now
        order.payment.canceled_at = now
        order.touch(now)
        return order


def complete(state: MedusaState, order_id: str, *, at: datetime | None = None) -> Order:
    with state.lock:
        order = state.order(order_id)
        if order.status != "pending":
            raise NotAllowed(f"Order with id {order_id} cannot be completed from status {order.status}")
        order.status = "completed"
        order.touch(_moment(state, at))
        return order


def update_metadata(
    state: MedusaState, order_id: str, metadata: Mapping[str, Any], *, at: datetime | None = None
) -> Order:
    """Merge `metadata` into the order's, as Medusa does: a key set to "" is removed, the others are set."""
    with state.lock:
        order = state.order(order_id)
        merged = {**(order.metadata or {}), **metadata}
        order.metadata = {key: value for key, value in merged.items() if value != ""}
        order.touch(_moment(state, at))
        return order


def payment_status(order: Order) -> str:
    payment = order.payment
    if payment.captured_at is not None:
        return "refunded" if payment.canceled_at is not None else "captured"
    return "canceled" if payment.canceled_at is not None else "authorized"


def fulfillment_status(order: Order) -> str:
    if order.status == "canceled":
        return "canceled"
    ordered = sum(line.quantity for line in order.lines)
    shipped = sum(line.shipped_quantity for line in order.lines)
    fulfilled = sum(line.fulfilled_quantity for line in order.lines)
    if shipped:
        return "shipped" if shipped == ordered else "partially_shipped"
    if fulfilled:
        return "fulfilled" if fulfilled == ordered else "partially_fulfilled"
    return "not_fulfilled"


def open_quantity(line: Line) -> int:
    return line.quantity - line.fulfilled_quantity


def _fulfillable(order: Order, items: Mapping[str, int] | None) -> list[tuple[Line, int]]:
    lines = {line.id: line for line in order.lines}
    if items is None:
        return [(line, open_quantity(line)) for line in order.lines if open_quantity(line)]
    wanted = []
    for line_id, quantity in items.items():
        line = lines.get(line_id)
        if line is None:
            raise InvalidData(f"Item {line_id} does not belong to order {order.id}")
        if type(quantity) is not int or not 0 < quantity <= open_quantity(line):
            raise InvalidData(f"Cannot fulfill more items than have been purchased for item {line_id}")
        wanted.append((line, quantity))
    if not wanted:
        raise InvalidData("Invalid request: no items to fulfill")
    return wanted


def _label(state: MedusaState, raw: Mapping[str, str], at: datetime) -> Label:
    try:
        return Label(state.ids.new("fulla", at), raw["tracking_number"], raw["tracking_url"], raw["label_url"])
    except (KeyError, TypeError):
        raise InvalidData("Invalid request: labels need tracking_number, tracking_url and label_url") from None


def _moment(state: MedusaState, at: datetime | None) -> datetime:
    return state.now() if at is None else millis(at)


def reserved_at(state: MedusaState, order: Order, line: Line) -> str | None:
    """The location holding the line's reservation, if it still has one."""
    for reservation_id in order.reservation_ids:
        reservation = state.reservations[reservation_id]
        if reservation.line_item_id == line.id:
            return reservation.location_id
    return None


def _default_location(state: MedusaState, order: Order, wanted: list[tuple[Line, int]]) -> str:
    place = reserved_at(state, order, wanted[0][0])
    return state.sales_channels[order.sales_channel_id].location_ids[0] if place is None else place
