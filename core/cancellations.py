"""Orders canceled in their channel after they were released to a fulfillment provider.

Before the provider took the request there is nothing to undo there; after, the cancel is sent to the
provider and the request is marked canceled only on its acknowledgement. A provider that can no longer
cancel (the goods left) leaves the order on `requires_action`, for a person to open a return.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from core import fulfillment_holds, outbox
from core.fulfillment import RequestStatus
from core.model import OrderStatus
from core.store.schema import fulfillment_requests, orders

FULFILLMENT_CANCEL = "fulfillment.cancel_requested"
_OPEN = (RequestStatus.requested, RequestStatus.accepted)


def cancel_released(conn: Connection, now: datetime) -> int:
    """Queue the cancel of every open request whose order was canceled; returns how many."""
    fr = fulfillment_requests.c
    canceled = select(orders.c.id).where(orders.c.status == OrderStatus.canceled.value)
    due = conn.execute(select(fulfillment_requests).where(fr.status.in_(_OPEN), fr.order_id.in_(canceled))).mappings()
    rows = [dict(row) for row in due]
    for row in rows:
        _set_status(conn, row["id"], RequestStatus.cancel_requested, now)
        payload = {"provider": row["provider"], "reference": row["reference"], "provider_ref": row["provider_ref"]}
        outbox.append(conn, [outbox.Event(FULFILLMENT_CANCEL, "order", str(row["order_id"]), payload)], now)
    return len(rows)


def is_withdrawn(conn: Connection, reference: str) -> bool:
    """True when the request's order was canceled before it was sent: it is not to be sent any more."""
    status = conn.execute(select(fulfillment_requests.c.status).where(fulfillment_requests.c.reference == reference))
    return status.scalar_one_or_none() in (RequestStatus.cancel_requested, RequestStatus.canceled)


def acknowledged(conn: Connection, reference: str, now: datetime) -> None:
    _set_status(conn, _request(conn, reference)["id"], RequestStatus.canceled, now)


def refused(conn: Connection, reference: str, now: datetime) -> None:
    """The provider could not cancel (already shipped): the order needs a person and, likely, a return."""
    request = _request(conn, reference)
    _set_status(conn, request["id"], RequestStatus.cancel_refused, now)
    reason = (
        f"canceled in the channel after {request['provider']} had shipped it ({reference});"
        " open a return for the units that left"
    )
    fulfillment_holds.hold(conn, request["order_id"], reason, now)
    conn.execute(
        update(orders).where(orders.c.id == request["order_id"]).values(status=OrderStatus.requires_action.value)
    )


def _request(conn: Connection, reference: str) -> dict[str, Any]:
    row = conn.execute(select(fulfillment_requests).where(fulfillment_requests.c.reference == reference)).mappings()
    return dict(row.one())


def _set_status(conn: Connection, request_id: int, status: RequestStatus, now: datetime) -> None:
    conn.execute(
        update(fulfillment_requests)
        .where(fulfillment_requests.c.id == request_id)
        .values(status=status, updated_at=now)
    )
