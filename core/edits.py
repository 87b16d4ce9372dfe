"""Order edits: add lines to an order that has not fully shipped, or change a line's quantity (0 removes what
is left of it), as a request that is then confirmed, declined or canceled. One edit per order is open at a time.

Confirming applies the edit through core.order_changes: totals are recomputed from the lines, reservations are
adjusted, the difference is charged or refunded when the hub settles the order's money, and an order already
released sends the added units to its provider (or holds its fulfillment when the edit lowers units sent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from core import amendments, order_changes, outbox, queries, shipments
from core.errors import InvalidRequest
from core.model import FulfillmentStatus, OrderStatus
from core.order_changes import ChangeKind, ChangeStatus, Effects
from core.store.schema import order_changes as changes_table

EDIT_CONFIRMED = "order.edit_confirmed"
_DONE = (FulfillmentStatus.shipped, FulfillmentStatus.delivered, FulfillmentStatus.returned)


@dataclass(frozen=True, slots=True)
class NewLine:
    """A line a change adds: `unit_price` in minor units of the order's currency; `tax_rate` a decimal fraction
    ('0.19') applied to the line (on top of the price, or within it when the order's prices include tax)."""

    sku: str
    quantity: int
    unit_price: int
    title: str = ""
    tax_rate: str | None = None


def request(
    conn: Connection,
    order_ref: str,
    now: datetime,
    *,
    add: Sequence[NewLine] = (),
    quantities: Mapping[str, int] | None = None,
    note: str | None = None,
    requested_by: str = "operator",
) -> dict[str, Any]:
    """Ask for an edit: `add` new lines, set `quantities` of existing lines (line key or SKU → units, never
    below what has been fulfilled or canceled). Nothing changes until it is confirmed."""
    order = queries.get_order(conn, order_ref)
    order_id = int(order["id"])
    if order["status"] in (OrderStatus.canceled, OrderStatus.archived) or order["fulfillment_status"] in _DONE:
        raise InvalidRequest(
            f"order {order_id} is {order['status']}/{order['fulfillment_status']}: only an order that has not fully"
            " shipped can be edited (use a return or an exchange)"
        )
    oc = changes_table.c
    waiting = conn.execute(
        select(oc.reference).where(
            oc.order_id == order_id, oc.kind == ChangeKind.edit.value, oc.status == ChangeStatus.requested.value
        )
    ).scalar()
    if waiting is not None:
        raise InvalidRequest(f"order {order_id} has edit {waiting} waiting: confirm, decline or cancel it first")
    reference = order_changes.next_reference(conn, order_id, ChangeKind.edit)
    recorded = shipments.shipped_units(conn, order_id)
    actions = [_resize(order["lines"], recorded, ref, units) for ref, units in (quantities or {}).items()]
    actions += new_lines(reference, add)
    if not actions:
        raise InvalidRequest("an edit needs at least one change: add a line or set a line's quantity")
    return order_changes.create(
        conn, order_ref, ChangeKind.edit, actions, now, reference=reference, note=note, requested_by=requested_by
    )


def confirm(conn: Connection, reference: str, effects: Effects, now: datetime) -> dict[str, Any]:
    """Apply the edit (see the module) and queue `order.edit_confirmed`."""
    _edit(conn, reference)
    change = order_changes.confirm(conn, reference, effects, now)
    payload = {
        "reference": reference,
        "total_before": change["total_before"],
        "total_after": change["total_after"],
        "difference": change["difference"],
        "payment": change["payment_reference"],
        "fulfillment": change["fulfillment"],
    }
    outbox.append(conn, [outbox.Event(EDIT_CONFIRMED, "order", str(change["order_id"]), payload)], now)
    return change


def decline(conn: Connection, reference: str, now: datetime, *, reason: str | None = None) -> dict[str, Any]:
    """The customer (or the shop) said no: nothing of the edit applies."""
    _edit(conn, reference)
    return order_changes.close(conn, reference, ChangeStatus.declined, now, note=reason)


def cancel(conn: Connection, reference: str, now: datetime) -> dict[str, Any]:
    _edit(conn, reference)
    return order_changes.close(conn, reference, ChangeStatus.canceled, now)


def new_lines(reference: str, lines: Sequence[NewLine]) -> list[dict[str, Any]]:
    """The actions adding `lines`, keyed `REFERENCE/1`, `REFERENCE/2`, ..."""
    return [
        amendments.add_action(
            f"{reference}/{n}", line.sku, line.quantity, line.unit_price, title=line.title, tax_rate=line.tax_rate
        )
        for n, line in enumerate(lines, start=1)
    ]


def _resize(lines: list[dict[str, Any]], recorded: Mapping[str, int], ref: str, units: int) -> dict[str, Any]:
    """The action setting a line to `units`: never below the units that left (shipped as the channel or the hub
    saw it, returned) or were canceled."""
    line = queries.order_line(lines, ref)
    key = str(line["line_key"])
    left = max(int(line["shipped_quantity"]), int(line["returned_quantity"]), recorded.get(key, 0))
    floor = max(int(line["fulfilled_quantity"]) + int(line["canceled_quantity"]), left)
    if units < floor or (units == 0 and floor):
        raise InvalidRequest(
            f"line {key!r} ({line['sku']}): cannot go to {units}: {floor} unit(s) fulfilled or canceled"
        )
    if units == int(line["quantity"]):
        raise InvalidRequest(f"line {key!r} ({line['sku']}) already has {units} unit(s)")
    return amendments.set_quantity_action(key, units)


def _edit(conn: Connection, reference: str) -> None:
    if order_changes.get(conn, reference)["kind"] != ChangeKind.edit:
        raise InvalidRequest(f"{reference} is not an order edit")
