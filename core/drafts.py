"""Draft orders: an order an operator, a script or a POS puts together (lines, customer, addresses, prices, an
optional discount) that reserves nothing and reaches no provider until it is converted. Converting runs the
draft through the normal intake, as the order `draft-N` of its channel, exactly once: converting again returns
the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select, update

from core import channels, outbox
from core.errors import InvalidRequest, NotFound
from core.intake import ingest_in
from core.model import CanonicalOrder
from core.store.schema import draft_orders
from core.validation import describe_errors

DRAFT_CONVERTED = "draft_order.converted"
FILLED_IN = ("external_id", "status")
"""What conversion decides, so a draft may not say: its external id (draft-N) and its status (pending)."""


class DraftStatus(StrEnum):
    open = "open"
    converted = "converted"


class _At:
    """A clock stopped at one moment, for the intake of a conversion."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment


def create(
    conn: Connection, channel: str, draft: Mapping[str, Any], now: datetime, *, created_by: str = "operator"
) -> dict[str, Any]:
    """Keep a draft for `channel`; it is checked as the order it will become (a bad one is refused, naming the
    field), and reserves nothing."""
    channels.policy(conn, channel)  # an unknown channel stops here, naming the section to add
    for taken in FILLED_IN:
        if taken in draft:
            raise InvalidRequest(f"a draft has no {taken}: it becomes draft-N of its channel, pending, on conversion")
    draft_id = conn.execute(
        draft_orders.insert()
        .values(
            channel=channel,
            status=DraftStatus.open.value,
            payload=dict(draft),
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        .returning(draft_orders.c.id)
    ).scalar_one()
    reference = f"draft-{draft_id}"
    _as_order(reference, draft, now)  # refuse what could never be converted, before keeping it
    conn.execute(update(draft_orders).where(draft_orders.c.id == draft_id).values(reference=reference))
    return get(conn, reference)


def convert(conn: Connection, reference: str, now: datetime) -> dict[str, Any]:
    """Turn the draft into an order through the intake (reservations, holds, release as for any order); once."""
    query = select(draft_orders).where(draft_orders.c.reference == reference).with_for_update()
    row = conn.execute(query).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no draft {reference!r}; `omshub drafts list` shows them")
    if row["status"] == DraftStatus.converted:
        return get(conn, reference)
    order = _as_order(reference, row["payload"], now)
    result = ingest_in(conn, row["channel"], [order], clock=_At(now))
    if result.quarantined or reference not in result.order_ids:
        raise InvalidRequest(
            f"draft {reference} was not taken in; see `omshub quarantine list --channel {row['channel']}`"
        )
    order_id = result.order_ids[reference]
    conn.execute(
        update(draft_orders)
        .where(draft_orders.c.id == row["id"])
        .values(status=DraftStatus.converted.value, order_id=order_id, updated_at=now)
    )
    payload = {"reference": reference, "channel": row["channel"], "order_id": order_id}
    outbox.append(conn, [outbox.Event(DRAFT_CONVERTED, "order", str(order_id), payload)], now)
    return get(conn, reference)


def get(conn: Connection, reference: str) -> dict[str, Any]:
    row = conn.execute(select(draft_orders).where(draft_orders.c.reference == reference)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no draft {reference!r}; `omshub drafts list` shows them")
    return dict(row)


def list_drafts(conn: Connection, *, channel: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    query = select(draft_orders).where(draft_orders.c.reference.is_not(None)).order_by(draft_orders.c.id)
    if channel is not None:
        query = query.where(draft_orders.c.channel == channel)
    if status is not None:
        query = query.where(draft_orders.c.status == status)
    return [dict(row) for row in conn.execute(query).mappings()]


def as_order(reference: str, draft: Mapping[str, Any], now: datetime) -> CanonicalOrder:
    """The order `draft` becomes as `reference`: pending, changed `now`, placed `now` unless it says when. One that
    is not a valid order raises pydantic's ValidationError, naming each field as the draft has it."""
    moment = now.isoformat()
    raw = {"placed_at": moment, **draft, "external_id": reference, "updated_at": moment, "status": "pending"}
    raw.setdefault("display_number", reference)
    return CanonicalOrder.model_validate(raw)


def _as_order(reference: str, draft: Mapping[str, Any], now: datetime) -> CanonicalOrder:
    try:
        return as_order(reference, draft, now)
    except ValidationError as exc:
        raise InvalidRequest(f"draft: {describe_errors(exc)}") from None
