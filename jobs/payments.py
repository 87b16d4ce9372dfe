"""The dispatch handler of payment operations: capture, refund, release and inspect through the processor.

The operation's row says what to do and how far it got. Once it succeeded or was declined it is never sent
again; before each try it is marked `sent`, so a crash or a timeout leaves an operation whose outcome is
unknown, and the next try goes to the processor under the same reference, which the processor answers with
what it did the first time (its idempotency key, or its own record of our reference) instead of acting twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine

from connectors.base import Connector
from core import payments
from core.clock import Clock
from core.errors import AuthorizationExpired, FatalError
from core.outbox import OutboxMessage
from core.payments import Kind, Operation, OpStatus
from core.providers import PaymentProcessor, PaymentResult
from jobs.dispatch import Handler

_CALL_SECONDS = 120.0


def payment_handler(providers: Mapping[str, Connector], engine: Engine, clock: Clock) -> Handler:
    def settle(message: OutboxMessage) -> None:
        with engine.begin() as conn:
            op = payments.operation(conn, message.payload["reference"])
            if op.status in payments.FINAL:
                return
            payments.mark(conn, op.reference, OpStatus.sent, clock.now())
        processor = _processor(providers, op.processor)
        try:
            result = _call(processor, op)
        except AuthorizationExpired as exc:
            with engine.begin() as conn:
                payments.expired(conn, op, str(exc), clock.now())
            raise
        except FatalError as exc:
            with engine.begin() as conn:
                payments.mark(conn, op.reference, OpStatus.failed, clock.now(), str(exc))
            raise
        with engine.begin() as conn:
            payments.completed(conn, op, result, clock.now())

    return settle


def _call(processor: PaymentProcessor, op: Operation) -> PaymentResult:
    if op.kind is Kind.capture:
        return processor.capture(op.payment_reference, op.amount, reference=op.reference, time_left=_CALL_SECONDS)
    if op.kind is Kind.refund:
        return processor.refund(op.payment_reference, op.amount, reference=op.reference, time_left=_CALL_SECONDS)
    if op.kind is Kind.release:
        return processor.cancel(op.payment_reference, reference=op.reference, time_left=_CALL_SECONDS)
    return processor.retrieve(op.payment_reference, time_left=_CALL_SECONDS)


def _processor(providers: Mapping[str, Connector], name: str) -> PaymentProcessor:
    connector = providers.get(name)
    if connector is None or connector.payments is None:
        raise FatalError(f"payment processor {name!r} is not configured; add [providers.{name}] with role payment")
    return connector.payments
