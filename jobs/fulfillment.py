"""The hub's side of fulfillment providers: sending fulfillment requests (a dispatch handler), and the
pull-shipments job that takes their shipments in."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine

from connectors.base import Connector
from core import bookmarks, fulfillment, provider_shipments
from core.bookmarks import Bookmark
from core.clock import Clock
from core.errors import FatalError
from core.outbox import OutboxMessage
from core.providers import FulfillmentProvider
from jobs.dispatch import Handler
from jobs.runner import RunScope

SHIPMENTS = "shipments"
_CALL_SECONDS = 120.0


def request_handler(providers: Mapping[str, Connector], engine: Engine, clock: Clock) -> Handler:
    """Send a fulfillment request. After a failed try (a timeout may have created it) the provider is first asked
    for what it holds under the request's reference; only when it holds nothing is the request sent again."""

    def send_request(message: OutboxMessage) -> None:
        name = message.payload["provider"]
        provider = _fulfiller(providers, name)
        request = fulfillment.request_of(message.payload)
        accepted = provider.find_fulfillment(request.reference, time_left=_CALL_SECONDS) if message.attempts else None
        if accepted is None:
            accepted = provider.create_fulfillment(request, time_left=_CALL_SECONDS)
        with engine.begin() as conn:
            fulfillment.accepted(conn, name, request.reference, accepted.provider_ref, clock.now())

    return send_request


def pull_shipments(scope: RunScope, name: str, provider: FulfillmentProvider) -> None:
    """Take in the provider's shipments since the bookmark; each one once, the bookmark with them."""
    found, after = provider.shipments_since(scope.bookmark_before, time_left=scope.time_left())
    scope.counts.fetched += len(found)
    if scope.dry_run:
        return
    with scope.engine.begin() as conn:
        for shipment in found:
            taken = provider_shipments.receive(conn, name, shipment, scope.clock.now())
            scope.counts.created += taken
            scope.counts.unchanged += not taken
        if after is not None:
            bookmarks.save(conn, name, Bookmark(SHIPMENTS, after), scope.clock.now())
            scope.bookmark_after = after


def _fulfiller(providers: Mapping[str, Connector], name: str) -> FulfillmentProvider:
    connector = providers.get(name)
    if connector is None or connector.fulfillment is None:
        raise FatalError(
            f"fulfillment provider {name!r} is not configured; add [providers.{name}] with role fulfillment"
        )
    return connector.fulfillment
