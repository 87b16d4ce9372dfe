"""dispatch: hand due outbox rows to their handlers, then mark them done or failed.

Claims are leased and committed before any handler runs (no network call inside a transaction).
A topic without a handler has nobody to tell yet and is completed as such; providers register
handlers as they are configured. A failed delivery is retried later through the same handler, which
must first look up by our reference whatever an unknown outcome (a timeout after sending) may have
created, never re-send blindly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import structlog

from core import outbox
from core.errors import FatalError, RetryableError, UnknownOutcome
from core.outbox import OutboxMessage, OutboxRetry
from jobs.runner import RunScope

Handler = Callable[[OutboxMessage], None]
log = structlog.get_logger("omshub.dispatch")


def dispatch(scope: RunScope, handlers: Mapping[str, Handler], *, batch: int, policy: OutboxRetry) -> None:
    worker = f"{scope.job}:{id(scope)}"
    while True:
        scope.check()
        with scope.engine.begin() as conn:
            claimed = outbox.claim(conn, worker, scope.clock.now(), limit=batch)
        if not claimed:
            return
        scope.counts.fetched += len(claimed)
        for message in claimed:
            scope.check()  # on shutdown, stop between messages: the rest are re-claimed once their lease ends
            _deliver(scope, message, handlers.get(message.topic), policy)


def _deliver(scope: RunScope, message: OutboxMessage, handler: Handler | None, policy: OutboxRetry) -> None:
    """Deliver one row. A retryable failure or an unknown outcome backs off and tries again; a fatal one (the other
    side refused for good: an expired authorization, a bad request) goes to the dead letters at once, since
    sending it again unchanged cannot succeed."""
    error, retry = None, policy
    if handler is not None:
        try:
            handler(message)
        except (RetryableError, UnknownOutcome) as exc:
            error = f"{type(exc).__name__}: {exc}"
        except FatalError as exc:
            error, retry = f"{type(exc).__name__}: {exc}", replace(policy, max_attempts=message.attempts + 1)
    with scope.engine.begin() as conn:
        if error is None:
            outbox.complete(conn, [message.id], scope.clock.now())
            scope.counts.pushed += handler is not None
            return
        status = outbox.fail(conn, message.id, error, scope.clock.now(), retry)
    log.warning("outbox.failed", message_id=message.id, topic=message.topic, status=status.value, error=error)
