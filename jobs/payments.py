"""The dispatch handler of payment operations: capture, refund, release and inspect through the processor.

The operation's row says what to do and how far it got. Once it succeeded or was declined it is never sent
again; before each try it is marked `sent`, so a crash or a timeout leaves an operation whose outcome is
unknown, and the next try goes to the processor under the same reference, which the processor answers with
what it did the first time (its idempotency key, or its own record of our reference) instead of acting twice.
A decline or a lapsed authorization is also written down for the order's channel (core.payment_failures), which
the second handler here tells through its connector.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from sqlalchemy import Engine

from connectors.base import Connector, PaymentFailureSink
from core import payment_failures, payments
from core.clock import Clock
from core.errors import AuthorizationExpired, FatalError
from core.outbox import OutboxMessage
from core.payments import Kind, Operation, OpStatus
from core.providers import PaymentProcessor, PaymentResult, PaymentState
from jobs.dispatch import Handler

_CALL_SECONDS = 120.0
log = structlog.get_logger("omshub.payments")


def payment_handler(providers: Mapping[str, Connector], engine: Engine, clock: Clock) -> Handler:
    def settle(message: OutboxMessage) -> None:
        with engine.begin() as conn:
            op = payments.operation(conn, message.payload["reference"])
            if op.status in payments.FINAL:
                return
            payments.mark(conn, op.reference, OpStatus.sent, clock.now())
        processor = _processor(providers, op.processor)
        try:
            result = _charge(processor, op, engine) if op.kind is Kind.charge else _call(processor, op)
        except AuthorizationExpired as exc:
            with engine.begin() as conn:
                payments.expired(conn, op, str(exc), clock.now())
                payment_failures.queue(conn, op, str(exc), clock.now())
            raise
        except FatalError as exc:
            with engine.begin() as conn:
                payments.mark(conn, op.reference, OpStatus.failed, clock.now(), str(exc))
            raise
        with engine.begin() as conn:
            payments.completed(conn, op, result, clock.now())
            if result.declined is not None:
                payment_failures.queue(conn, op, f"declined: {result.declined}", clock.now())

    return settle


def payment_failure_handler(connectors: Mapping[str, Connector]) -> Handler:
    """Tell the order's channel that its payment failed. A channel without a connector (orders imported by hand)
    has nobody to tell; one whose connector cannot take the notice is logged and left as it is."""

    def tell_channel(message: OutboxMessage) -> None:
        channel = message.payload["channel"]
        connector = connectors.get(channel)
        if connector is None:
            return
        notice = payment_failures.notice_of(message.payload)
        if not isinstance(connector, PaymentFailureSink):
            log.warning("payment.failure_not_told", channel=channel, reference=notice.reference)
            return
        connector.report_payment_failure(notice, time_left=_CALL_SECONDS)
        log.info("payment.failure_told", channel=channel, reference=notice.reference)

    return tell_channel


def _call(processor: PaymentProcessor, op: Operation) -> PaymentResult:
    if op.kind is Kind.capture:
        return processor.capture(op.payment_reference, op.amount, reference=op.reference, time_left=_CALL_SECONDS)
    if op.kind is Kind.refund:
        return processor.refund(op.payment_reference, op.amount, reference=op.reference, time_left=_CALL_SECONDS)
    if op.kind is Kind.release:
        return processor.cancel(op.payment_reference, reference=op.reference, time_left=_CALL_SECONDS)
    return processor.retrieve(op.payment_reference, time_left=_CALL_SECONDS)


def _charge(processor: PaymentProcessor, op: Operation, engine: Engine) -> PaymentResult:
    """A new payment on the payment method of the order's payment, authorized and captured at once. The new
    payment's id is kept as soon as it exists, so a later try captures it rather than authorizing again."""
    made = op.result_reference
    if made is None:
        first = processor.retrieve(op.payment_reference, time_left=_CALL_SECONDS)
        method = first.payment_method
        if method is None:
            raise FatalError(
                f"{op.payment_reference}: the processor names no payment method to charge {op.reference} on;"
                " take the payment from the customer another way"
            )
        authorized = processor.authorize(
            op.amount,
            op.currency,
            reference=op.reference,
            payment_method=method,
            customer=first.customer,
            time_left=_CALL_SECONDS,
        )
        if authorized.declined is not None:
            return authorized
        if authorized.state is not PaymentState.authorized:
            raise FatalError(
                f"{op.reference}: the new payment {authorized.provider_ref} is {authorized.state}, not authorized:"
                " it needs the customer; take the payment from the customer another way"
            )
        made = authorized.provider_ref
        with engine.begin() as conn:
            payments.charged(conn, op.reference, made)
    return processor.capture(made, op.amount, reference=f"{op.reference}-capture", time_left=_CALL_SECONDS)


def _processor(providers: Mapping[str, Connector], name: str) -> PaymentProcessor:
    connector = providers.get(name)
    if connector is None or connector.payments is None:
        raise FatalError(f"payment processor {name!r} is not configured; add [providers.{name}] with role payment")
    return connector.payments
