"""Orders held for want of stock get another try: when stock has arrived, they are reserved and
released from `requires_action`; those still short stay held with their shortages named."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, or_, select, update

from core import channels, kits, order_store, outbox
from core.intake import lock_channel
from core.inventory import StockBook
from core.model import PaymentStatus
from core.order_events import order_events
from core.reservations import write_reservations
from core.stock_plan import LineTarget, StockOutcome, settle, split_pooled
from core.store.schema import order_lines, orders

HELD = "requires_action"


def retry_held(conn: Connection, channel: str, now: datetime) -> int:
    """Try again to reserve stock for the channel's held orders; returns how many were released."""
    lock_channel(conn, channel)  # the same per-channel lock as intake
    policy = channels.policy(conn, channel)
    held_ids = list(
        conn.execute(
            select(orders.c.id).where(
                orders.c.channel == channel,
                orders.c.status == HELD,
                orders.c.hold_reason.is_not(None),
                # held for stock only: not a failed payment, nor goods that left after a cancel (a person's)
                orders.c.payment_status != PaymentStatus.requires_action.value,
                or_(orders.c.fulfillment_hold.is_(None), orders.c.hold_reason != orders.c.fulfillment_hold),
            )
        ).scalars()
    )
    stored = order_store.load_stored(conn, held_ids)
    skus = {line["sku"] for s in stored.values() for line in s.lines.values() if line["sku"]}
    pooled = kits.load(conn, skus, pooled=True)
    book = StockBook(conn, skus | kits.components_of(pooled), now)
    released: dict[int, StockOutcome] = {}
    events: list[outbox.Event] = []
    for order_id, before in stored.items():
        targets = split_pooled(
            [
                LineTarget(key, line["sku"], line["quantity"] - line["canceled_quantity"] - line["fulfilled_quantity"])
                for key, line in before.lines.items()
            ],
            pooled,
        )
        outcome = settle(book, policy, f"order:{before.row['external_id']}", before.holdings, targets)
        if outcome.held:
            continue
        released[order_id] = outcome
        events += order_events(order_id, {**before.row, "status": "pending", "hold_reason": None}, before, outcome)
    if not released:
        return 0
    book.flush()
    write_reservations(conn, book, {oid: stored[oid].reserved for oid in released}, released, now)
    conn.execute(
        update(orders)
        .where(orders.c.id == bindparam("k_id"))
        .values(status="pending", hold_reason=orders.c.fulfillment_hold, updated_at=now),  # a fulfillment hold stays
        [{"k_id": oid} for oid in released],
    )
    backorders = [
        {"k_order": oid, "k_line": key, "k_backordered": line.backordered}
        for oid, outcome in released.items()
        for key, line in outcome.lines.items()
    ]
    conn.execute(
        update(order_lines)
        .where(order_lines.c.order_id == bindparam("k_order"), order_lines.c.line_key == bindparam("k_line"))
        .values(backordered_quantity=bindparam("k_backordered")),
        backorders,
    )
    outbox.append(conn, events, now)
    return len(released)
