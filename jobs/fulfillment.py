"""The hub's side of fulfillment providers: sending fulfillment requests (a dispatch handler), and the
pull-shipments job that takes their shipments in."""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from sqlalchemy import Connection, Engine, select

from connectors.base import Connector
from core import bookmarks, cancellations, fulfillment, payments, provider_shipments, returns
from core.bookmarks import Bookmark
from core.clock import Clock
from core.errors import FatalError
from core.outbox import OutboxMessage
from core.payments import PaymentPolicy
from core.providers import FulfillmentAccepted, FulfillmentProvider
from core.store.schema import orders
from jobs.dispatch import Handler
from jobs.runner import RunScope

SHIPMENTS = "shipments"
log = structlog.get_logger("omshub.fulfillment")
_CALL_SECONDS = 120.0


def request_handler(providers: Mapping[str, Connector], engine: Engine, clock: Clock) -> Handler:
    """Send a fulfillment request. After a failed try (a timeout may have created it) the provider is first asked
    for what it holds under the request's reference; only when it holds nothing is the request sent again."""

    def send_request(message: OutboxMessage) -> None:
        name = message.payload["provider"]
        provider = _fulfiller(providers, name)
        request = fulfillment.request_of(message.payload)
        with engine.connect() as conn:
            if cancellations.is_withdrawn(conn, request.reference):
                return  # the order was canceled before this went out
        accepted = provider.find_fulfillment(request.reference, time_left=_CALL_SECONDS) if message.attempts else None
        if accepted is None:
            accepted = provider.create_fulfillment(request, time_left=_CALL_SECONDS)
        with engine.begin() as conn:
            fulfillment.accepted(conn, name, request.reference, accepted.provider_ref, clock.now())

    return send_request


def pull_shipments(
    scope: RunScope, name: str, provider: FulfillmentProvider, captures: Mapping[str, PaymentPolicy] | None = None
) -> None:
    """Take in the provider's shipments since the bookmark, each one once, the bookmark with them; queue the
    payment captures the channels' policies ask for (`captures`: channel → policy)."""
    found, after = provider.shipments_since(scope.bookmark_before, time_left=scope.time_left())
    scope.counts.fetched += len(found)
    if scope.dry_run:
        return
    with scope.engine.begin() as conn:
        for shipment in found:
            order_id = provider_shipments.receive(conn, name, shipment, scope.clock.now())
            scope.counts.created += order_id is not None
            scope.counts.unchanged += order_id is None
            policy = (captures or {}).get(_channel_of(conn, order_id)) if order_id is not None else None
            if order_id is not None and policy is not None:
                payments.capture_after_shipment(conn, order_id, policy, scope.clock.now())
        if after is not None:
            bookmarks.save(conn, name, Bookmark(SHIPMENTS, after), scope.clock.now())
            scope.bookmark_after = after


def cancel_handler(providers: Mapping[str, Connector], engine: Engine, clock: Clock) -> Handler:
    """Ask the provider to cancel a released request; canceled only on its acknowledgement."""

    def cancel(message: OutboxMessage) -> None:
        payload = message.payload
        provider = _fulfiller(providers, payload["provider"])
        accepted: FulfillmentAccepted | None = None
        if payload["provider_ref"]:
            accepted = FulfillmentAccepted(payload["reference"], payload["provider_ref"])
        else:  # sent but not (yet) confirmed: a timeout may have created it
            accepted = provider.find_fulfillment(payload["reference"], time_left=_CALL_SECONDS)
        done = accepted is None or provider.cancel_fulfillment(accepted, time_left=_CALL_SECONDS)
        with engine.begin() as conn:
            if done:
                cancellations.acknowledged(conn, payload["reference"], clock.now())
            else:
                cancellations.refused(conn, payload["reference"], clock.now())

    return cancel


def return_handler(providers: Mapping[str, Connector], engine: Engine, clock: Clock) -> Handler:
    """Announce a return to the provider that shipped the units; after a failed try, look its reference up first."""

    def announce(message: OutboxMessage) -> None:
        provider = _fulfiller(providers, message.payload["provider"])
        request = returns.return_of(message.payload)
        found = provider.find_return(request.reference, time_left=_CALL_SECONDS) if message.attempts else None
        if found is None:
            found = provider.create_return(request, time_left=_CALL_SECONDS)
        log.info(
            "return.announced", provider=message.payload["provider"], reference=found.reference, id=found.provider_ref
        )

    return announce


def _channel_of(conn: Connection, order_id: int) -> str:
    return str(conn.execute(select(orders.c.channel).where(orders.c.id == order_id)).scalar_one())


def _fulfiller(providers: Mapping[str, Connector], name: str) -> FulfillmentProvider:
    connector = providers.get(name)
    if connector is None or connector.fulfillment is None:
        raise FatalError(
            f"fulfillment provider {name!r} is not configured; add [providers.{name}] with role fulfillment"
        )
    return connector.fulfillment
