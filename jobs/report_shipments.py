"""The dispatch handler that tells an order's channel about a shipment the hub recorded."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Connector
from core.outbox import OutboxMessage
from core.shipments import notice_of
from jobs.dispatch import Handler

_CALL_SECONDS = 120.0
"""How long one channel may take over one notice, retries included."""


def shipment_handler(connectors: Mapping[str, Connector]) -> Handler:
    def tell_channel(message: OutboxMessage) -> None:
        connector = connectors.get(message.payload["channel"])
        sink = connector.shipments if connector is not None else None
        if sink is not None:  # a channel without a connector (orders imported by hand) has nobody to tell
            sink.report_shipment(notice_of(message.payload), time_left=_CALL_SECONDS)

    return tell_channel
