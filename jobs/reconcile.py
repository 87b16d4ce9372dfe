"""reconcile: re-pull a trailing window, re-read orders whose payment is still expected to move (where
the channel's change time misses it), and give orders held for want of stock another try."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from connectors.base import OrderLookup, OrderSource, Window
from core.holds import retry_held
from core.model import OrderStatus, PaymentStatus
from core.store.schema import orders
from jobs.pull_orders import pull_window
from jobs.runner import RunScope

EXPECTING_PAYMENT = (PaymentStatus.awaiting, PaymentStatus.authorized, PaymentStatus.partially_captured)
_CLOSED = (OrderStatus.canceled, OrderStatus.archived, OrderStatus.completed)
_PER_LOOKUP = 50


def reconcile(scope: RunScope, source: OrderSource, *, window: timedelta) -> None:
    pull_window(scope, source, stream=None, window=Window(scope.started_at - window, scope.started_at))
    if isinstance(source, OrderLookup):
        reread_open_payments(scope, source)
    release_held(scope)


def reread_open_payments(scope: RunScope, lookup: OrderLookup) -> None:
    """Orders of the channel whose payment the hub still expects to change, read again and ingested."""
    with scope.engine.connect() as conn:
        query = select(orders.c.external_id).where(
            orders.c.channel == scope.channel,
            orders.c.payment_status.in_([s.value for s in EXPECTING_PAYMENT]),
            orders.c.status.not_in([s.value for s in _CLOSED]),
        )
        open_ids = sorted(conn.execute(query).scalars())
    for start in range(0, len(open_ids), _PER_LOOKUP):
        scope.check()
        page = lookup.fetch_orders(open_ids[start : start + _PER_LOOKUP], time_left=scope.time_left())
        scope.ingest(page.orders, None)


def release_held(scope: RunScope) -> None:
    """Orders held for want of stock get another try (the "repair stuck orders" half of reconcile)."""
    if scope.dry_run:
        return
    with scope.engine.begin() as conn:
        scope.counts.updated += retry_held(conn, scope.channel, scope.clock.now())
