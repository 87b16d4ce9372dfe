"""The dispatch handler that tells an order's channel about a shipment the hub recorded."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine

from connectors.base import Connector
from core import tracking
from core.clock import Clock
from core.outbox import OutboxMessage
from core.shipments import notice_of
from jobs.dispatch import Handler

_CALL_SECONDS = 120.0
"""How long one channel may take over one notice, retries included."""


def shipment_handler(connectors: Mapping[str, Connector], engine: Engine, clock: Clock) -> Handler:
    """Tell the channel; once it accepted, the shipment's tracking pushes are sent (those its answer shows,
    confirmed)."""

    def tell_channel(message: OutboxMessage) -> None:
        connector = connectors.get(message.payload["channel"])
        sink = connector.shipments if connector is not None else None
        if sink is None:  # a channel without a connector (orders imported by hand) has nobody to tell
            return
        notice = notice_of(message.payload)
        shown = sink.report_shipment(notice, time_left=_CALL_SECONDS)
        with engine.begin() as conn:
            tracking.sent(conn, notice.reference, shown, clock.now())

    return tell_channel
