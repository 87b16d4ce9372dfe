"""The warehouse at work: goods-out notes for a released order, shipped with a tracking reference and SHW."""

from __future__ import annotations

from typing import Literal

from sandbox.brightpearl.errors import bad_request
from sandbox.brightpearl.model import GoodsOutNote, NoteEvent, NoteLine, SalesOrder
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.wire import CANCELLED

Split = Literal["none", "warehouses", "parcels"]
PACKING = ("PRI", "PIC", "PAC", "SHW")  # SHW back-fills the earlier steps


def ship_now(state: BrightpearlState, order_id: int, split: Split = "none") -> list[GoodsOutNote]:
    """Create and ship the order's goods-out notes: one note, or two from two warehouses ("warehouses"),
    or two parcels from one warehouse ("parcels"); an order with a single unit is never split."""
    with state.lock:
        order = state.order(order_id)
        if order.status_id == CANCELLED:
            raise bad_request(f"Order {order_id} is cancelled")
        if state.notes_of(order_id):
            raise bad_request(f"Order {order_id} already has goods-out notes")
        units = _units(order)
        if not units:
            return []
        groups = [units] if split == "none" or len(units) < 2 else [units[: len(units) // 2], units[len(units) // 2 :]]
        places = _places(state, order, split, len(groups))
        return [
            _ship(state, order, lines, warehouse_id=w, sequence=n + 1)
            for n, (lines, w) in enumerate(zip(groups, places, strict=True))
        ]


def _units(order: SalesOrder) -> list[NoteLine]:
    """Every unit to ship as its own line, in row order (so a split can cut between or inside rows)."""
    return [
        NoteLine(row.id, row.product_id, 1)
        for row in order.rows
        if row.product_id is not None
        for _ in range(int(row.quantity))
    ]


def _places(state: BrightpearlState, order: SalesOrder, split: Split, count: int) -> list[int]:
    if split != "warehouses" or count < 2 or len(state.warehouses) < 2:
        return [order.warehouse_id] * count
    other = next(w for w in state.warehouses if w != order.warehouse_id)
    return [order.warehouse_id, other]


def _ship(
    state: BrightpearlState, order: SalesOrder, units: list[NoteLine], *, warehouse_id: int, sequence: int
) -> GoodsOutNote:
    now = state.now()
    note = GoodsOutNote(
        id=state.new_id("note"),
        order_id=order.id,
        warehouse_id=warehouse_id,
        lines=_merged(units),
        created_on=now,
        updated_on=now,
        sequence=sequence,
        shipped_on=now,
        tracking_reference=f"00340434{state.rng.randrange(10**11, 10**12)}",
        events=[NoteEvent(code, now) for code in PACKING],
    )
    state.add_note(note)
    return note


def _merged(units: list[NoteLine]) -> list[NoteLine]:
    counts: dict[tuple[int, int | None], int] = {}
    for unit in units:
        counts[(unit.row_id, unit.product_id)] = counts.get((unit.row_id, unit.product_id), 0) + unit.quantity
    return [NoteLine(row_id, product_id, quantity) for (row_id, product_id), quantity in counts.items()]
