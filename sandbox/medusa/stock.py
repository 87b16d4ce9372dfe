"""Reservations and levels: an order reserves each line at one location, fulfillment turns that into a stocked
decrement, cancel frees it. Every function here expects the caller to hold the state's lock."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.medusa.errors import InsufficientStock, InvalidData, NotFound
from sandbox.medusa.model import Level, LevelWrite, Line, Order, Quantity, Reservation, SalesChannel
from sandbox.medusa.state import MedusaState


def plan_locations(state: MedusaState, channel: SalesChannel, wanted: list[tuple[str, int]]) -> list[str]:
    """For each (inventory item, quantity), the first of the channel's locations that has it available.

    Medusa itself takes the channel's first location whatever it holds; the simulated buyers never order
    more than is available, so the first location that covers the line stands in for that.
    """
    taken: Counter[tuple[str, str]] = Counter()
    chosen = []
    for item_id, quantity in wanted:
        place = next(
            (
                loc
                for loc in channel.location_ids
                if state.levels[(item_id, loc)].available_quantity - taken[(item_id, loc)] >= quantity
            ),
            None,
        )
        if place is None:
            raise InsufficientStock(f"Some variant does not have the required inventory: {item_id}")
        taken[(item_id, place)] += quantity
        chosen.append(place)
    return chosen


def reserve(state: MedusaState, order: Order, channel: SalesChannel) -> None:
    """One reservation per line whose variant has an inventory item; all or none."""
    lines = [line for line in order.lines if line.variant.inventory_item_id is not None]
    wanted = [(_item_id(line), line.quantity) for line in lines]
    for line, place in zip(lines, plan_locations(state, channel, wanted), strict=True):
        reservation = Reservation(
            state.ids.new("resitem", order.created_at), line.id, _item_id(line), place, line.quantity
        )
        state.reservations[reservation.id] = reservation
        order.reservation_ids.append(reservation.id)
        _adjust(state.levels[(reservation.inventory_item_id, place)], reserved=line.quantity, at=order.created_at)


def release(state: MedusaState, order: Order, at: datetime) -> None:
    """Delete every reservation the order still holds."""
    for reservation_id in order.reservation_ids:
        reservation = state.reservations.pop(reservation_id)
        level = state.levels[(reservation.inventory_item_id, reservation.location_id)]
        _adjust(level, reserved=-reservation.quantity, at=at)
    order.reservation_ids.clear()


def consume(state: MedusaState, order: Order, line: Line, *, quantity: int, location_id: str, at: datetime) -> None:
    """Fulfil `quantity` of `line` from `location_id`: its reservation shrinks, stock there goes down."""
    item_id = line.variant.inventory_item_id
    if item_id is None:
        return
    for reservation_id in list(order.reservation_ids):
        reservation = state.reservations[reservation_id]
        if reservation.line_item_id == line.id:
            used = min(quantity, reservation.quantity)
            _adjust(state.levels[(item_id, reservation.location_id)], reserved=-used, at=at)
            if used == reservation.quantity:
                del state.reservations[reservation_id]
                order.reservation_ids.remove(reservation_id)
            else:
                state.reservations[reservation_id] = replace(reservation, quantity=reservation.quantity - used)
    level = state.levels.get((item_id, location_id))
    if level is None:
        raise NotFound(f"Item {item_id} is not stocked at location {location_id}")
    _adjust(level, stocked=-quantity, at=at)


def set_stocked(state: MedusaState, item_id: str, location_id: str, value: Any, *, endpoint: str) -> Level:
    """Set an absolute stocked quantity. Like the real server, fractions and values below reserved are taken."""
    state.level_writes.append(LevelWrite(endpoint, item_id, location_id, value))
    level = existing_level(state, item_id, location_id)
    level.stocked_quantity = quantity_value(value, "stocked_quantity")
    level.updated_at = state.now()
    return level


def create_level(state: MedusaState, item_id: str, location_id: str, value: Any, *, endpoint: str) -> Level:
    state.level_writes.append(LevelWrite(endpoint, item_id, location_id, value))
    if item_id not in state.inventory_items:
        raise NotFound(f"Inventory item with id: {item_id} was not found")
    if location_id not in state.locations:
        raise NotFound(f"Stock location with id: {location_id} was not found")
    if (item_id, location_id) in state.levels:
        raise InvalidData(f"Inventory level for item {item_id} and location {location_id} already exists")
    now = state.now()
    stocked = quantity_value(0 if value is None else value, "stocked_quantity")
    level = Level(state.ids.new("iloc", now), item_id, location_id, stocked, 0, 0, now, now)
    state.levels[(item_id, location_id)] = level
    return level


def delete_level(state: MedusaState, level_id: str) -> None:
    key = next((key for key, level in state.levels.items() if level.id == level_id), None)
    if key is None:
        raise NotFound(f"Inventory level with id: {level_id} was not found")
    if state.levels[key].reserved_quantity:
        raise InvalidData(f"Cannot remove Inventory Level {level_id} with reserved stock.")
    del state.levels[key]


def existing_level(state: MedusaState, item_id: str, location_id: str) -> Level:
    level = state.levels.get((item_id, location_id))
    if level is None:
        raise NotFound(f"Item {item_id} is not stocked at location {location_id}")
    return level


def quantity_value(value: Any, name: str) -> Quantity:
    """A quantity from a JSON body parsed with Decimal floats: any number not below zero."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidData(f"Invalid request: Expected type: 'number' for field '{name}', got: '{type(value).__name__}'")
    if value < 0:
        raise InvalidData(f"Invalid request: Value for field '{name}' too small, expected at least: '0'")
    return value


def _item_id(line: Line) -> str:
    assert line.variant.inventory_item_id is not None
    return line.variant.inventory_item_id


def _adjust(level: Level, *, reserved: int = 0, stocked: int = 0, at: datetime) -> None:
    level.reserved_quantity += reserved
    level.stocked_quantity += stocked
    level.updated_at = at
