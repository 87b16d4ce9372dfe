"""check-tracking: read back shipments whose notice a channel accepted, until each tracking number is
confirmed there or failed (and the notice dead-lettered with the reason); see core.tracking."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import structlog
from sqlalchemy import Connection

from connectors.base import Connector, ShipmentReader
from core import tracking
from core.errors import FatalError
from core.tracking import Awaiting, Checked, CheckPolicy
from jobs.runner import RunScope

log = structlog.get_logger("omshub.tracking")


def check_tracking(
    scope: RunScope, connectors: Mapping[str, Connector], policy: CheckPolicy, *, batch: int = 50
) -> None:
    """Read back each due shipment once. A channel that refuses a read-back (FatalError) has that counted as a
    check; a retryable failure ends the run, and the shipment is read again next time."""
    readers = _readers(connectors)
    after = 0
    while True:
        scope.check()
        with scope.engine.connect() as conn:
            found = tracking.due(conn, scope.clock.now(), policy, channels=sorted(readers), after=after, limit=batch)
        if not found:
            return
        for awaiting in found:
            scope.check()
            _read_back(scope, readers[awaiting.channel], awaiting, policy)
            after = awaiting.outbox_id


def _readers(connectors: Mapping[str, Connector]) -> dict[str, ShipmentReader]:
    """The channels whose connector can read shipments back; the others' pushes stay sent."""
    readers: dict[str, ShipmentReader] = {}
    for name, connector in connectors.items():
        sink = connector.shipments
        if isinstance(sink, ShipmentReader):
            readers[name] = sink
    return readers


def _read_back(scope: RunScope, reader: ShipmentReader, awaiting: Awaiting, policy: CheckPolicy) -> None:
    scope.counts.fetched += 1
    try:
        shown = reader.shipment_on_channel(awaiting.notice, time_left=scope.time_left())
    except FatalError as exc:
        error = f"{type(exc).__name__}: {exc}"
        _record(scope, awaiting, lambda conn, now: tracking.unreadable(conn, awaiting, error, now, policy))
        return
    _record(scope, awaiting, lambda conn, now: tracking.checked(conn, awaiting, shown, now, policy))


def _record(scope: RunScope, awaiting: Awaiting, check: Callable[[Connection, datetime], Checked]) -> None:
    if scope.dry_run:
        return
    with scope.engine.begin() as conn:
        result = check(conn, scope.clock.now())
    scope.counts.updated += result.confirmed + result.failed
    scope.counts.unchanged += result.waiting
    if result.dead_letter is not None:
        log.warning("tracking.failed", reference=awaiting.notice.reference, error=result.dead_letter)
