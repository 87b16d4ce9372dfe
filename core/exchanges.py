"""Exchanges and claims: after-sale changes to shipped goods.

An exchange is a return of some shipped units and new lines in their place. The new lines are added to the
order (reserved, and sent through the normal routing when the order was released); the value of the units
asked back pays for them first. The difference is charged (when the new lines cost more) or refunded when
the return is received (when they cost less): the return's refund is what the units were worth less what
the new lines took of it.

A claim is a problem with delivered goods: `refund` gives the money for the claimed units back at once
(with or without a return), `replace` ships the same units again at no charge. A claim may open a return for
the units; its refund never pays for them twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, update

from core import order_changes, outbox, queries, returns, shipments
from core.edits import NewLine, new_lines
from core.errors import InvalidRequest
from core.order_changes import ChangeKind, Effects
from core.store.schema import order_changes as changes_table
from core.store.schema import returns as returns_table

EXCHANGE_CREATED = "order.exchange_created"
CLAIM_CREATED = "order.claim_created"


class ClaimType(Enum):
    """Money back, or the same units sent again (an Enum: a StrEnum member `replace` would hide str.replace)."""

    refund = "refund"
    replace = "replace"


def create_exchange(
    conn: Connection,
    order_ref: str,
    returned: Mapping[str, int],
    lines: Sequence[NewLine],
    effects: Effects,
    now: datetime,
    *,
    reason: str | None = None,
    note: str | None = None,
    location: str | None = None,
    requested_by: str = "operator",
) -> dict[str, Any]:
    """Ask `returned` units back (line key or SKU → units) and add `lines` in their place (see the module)."""
    if not lines:
        raise InvalidRequest("an exchange needs at least one new line; for money back only, use a return")
    order = queries.get_order(conn, order_ref)
    reference = order_changes.next_reference(conn, int(order["id"]), ChangeKind.exchange)
    back = _return(conn, order_ref, returned, reference, reason, location, requested_by, now)
    value_back = returns.refund_amount(order, {line["line_key"]: line["quantity"] for line in back["lines"]})
    actions = new_lines(reference, lines)
    change = order_changes.create(
        conn,
        order_ref,
        ChangeKind.exchange,
        actions,
        now,
        reference=reference,
        return_reference=back["reference"],
        reason=reason,
        note=note,
        requested_by=requested_by,
    )
    credit = min(int(change["difference"]), value_back)
    _offset(conn, back["reference"], credit)
    change = order_changes.confirm(conn, reference, effects, now, credit=credit)
    due = int(change["difference"]) - value_back
    payload = {
        "reference": reference,
        "return": back["reference"],
        "new_lines": [a["line_key"] for a in actions],
        "difference_due": due,
        "payment": change["payment_reference"],
    }
    outbox.append(conn, [outbox.Event(EXCHANGE_CREATED, "order", str(order["id"]), payload)], now)
    return {**change, "difference_due": due, "return": back}


def create_claim(
    conn: Connection,
    order_ref: str,
    claim_type: ClaimType,
    claimed: Mapping[str, int],
    effects: Effects,
    now: datetime,
    *,
    with_return: bool = False,
    reason: str | None = None,
    note: str | None = None,
    location: str | None = None,
    requested_by: str = "operator",
) -> dict[str, Any]:
    """Record a claim on `claimed` shipped units (line key or SKU → units): refund them now, or send them again
    at no charge; with `with_return`, ask them back too (restocked or not on receipt, never refunded twice)."""
    order = queries.get_order(conn, order_ref)
    order_id = int(order["id"])
    units = _shipped_units(conn, order, claimed)
    reference = order_changes.next_reference(conn, order_id, ChangeKind.claim)
    back = None
    if with_return:
        back = _return(conn, order_ref, units, reference, reason, location, requested_by, now)
    value = returns.refund_amount(order, units)
    by_key = {str(line["line_key"]): line for line in order["lines"]}
    actions: list[dict[str, Any]] = []
    if claim_type is ClaimType.replace:
        replacements = [
            NewLine(str(by_key[key]["sku"]), count, 0, title=f"Replacement: {by_key[key]['title']}")
            for key, count in units.items()
        ]
        actions = new_lines(reference, replacements)
    order_changes.create(
        conn,
        order_ref,
        ChangeKind.claim,
        actions,
        now,
        reference=reference,
        claim_type=claim_type.value,
        return_reference=back["reference"] if back else None,
        reason=reason,
        note=note,
        requested_by=requested_by,
    )
    if back is not None:
        _offset(conn, back["reference"], value)  # the claim settles the money for these units
    order_changes.confirm(conn, reference, Effects(router=effects.router), now)
    refund = None
    if claim_type is ClaimType.refund and effects.policy is not None:
        op, _left = returns.queue_refund(conn, order, effects.policy.processor, value, reference, now)
        refund = op.reference if op is not None else None
        conn.execute(
            update(changes_table).where(changes_table.c.reference == reference).values(payment_reference=refund)
        )
    payload = {
        "reference": reference,
        "type": claim_type.value,
        "lines": dict(units),
        "return": back["reference"] if back else None,
        "refund": refund,
        "replacement_lines": [a["line_key"] for a in actions],
    }
    outbox.append(conn, [outbox.Event(CLAIM_CREATED, "order", str(order_id), payload)], now)
    return {**order_changes.get(conn, reference), "claimed_value": value, "return": back}


def _return(
    conn: Connection,
    order_ref: str,
    units: Mapping[str, int],
    reference: str,
    reason: str | None,
    location: str | None,
    requested_by: str,
    now: datetime,
) -> dict[str, Any]:
    return returns.request(
        conn,
        order_ref,
        units,
        now,
        reason=reason,
        note=f"for {reference}",
        location=location,
        requested_by=requested_by,
    )


def _offset(conn: Connection, return_reference: str, amount: int) -> None:
    """What the change already gave for the returned units: their refund on receipt is that much less."""
    rt = returns_table.c
    conn.execute(update(returns_table).where(rt.reference == return_reference).values(refund_offset=max(amount, 0)))


def _shipped_units(conn: Connection, order: Mapping[str, Any], claimed: Mapping[str, int]) -> dict[str, int]:
    """The claimed units by line key: each line no more than shipped and not returned."""
    if not claimed:
        raise InvalidRequest("a claim needs at least one line: give SKU=UNITS (or LINE_KEY=UNITS)")
    recorded = shipments.shipped_units(conn, int(order["id"]))
    units: dict[str, int] = {}
    for ref, count in claimed.items():
        line = queries.order_line(order["lines"], ref)
        key = str(line["line_key"])
        shipped = max(int(line["shipped_quantity"]), recorded.get(key, 0))
        left = shipped - int(line["returned_quantity"]) - units.get(key, 0)
        if count < 1 or count > left:
            raise InvalidRequest(f"line {key!r} ({line['sku']}): {count} unit(s) claimed, {left} shipped and kept")
        units[key] = units.get(key, 0) + count
    return units
