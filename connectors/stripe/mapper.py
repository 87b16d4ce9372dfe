"""One PaymentIntent → one PaymentResult (pure: no I/O).

requires_capture, nothing received            -> authorized
requires_capture, some received (multicapture) -> partially_captured
succeeded, received < amount                  -> partially_captured (the rest was released)
succeeded, received = amount                  -> captured
any of these with refunds                     -> partially_refunded, or refunded once all is refunded
canceled (by us, or "automatic": expired)     -> canceled
requires_payment_method after an error        -> failed, with the decline reason
requires_payment_method / _confirmation / _action, processing -> requires_action
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.stripe import schema
from connectors.stripe.schema import Intent, from_wire
from core.providers import PaymentResult, PaymentState

_WAITING = frozenset({"requires_payment_method", "requires_confirmation", "requires_action", "processing"})


def payment_result(raw: Mapping[str, Any], *, authorization_days: int, declined: str | None = None) -> PaymentResult:
    """`raw` is the payment_intent as Stripe answered it (kept whole in `PaymentResult.raw`)."""
    intent = schema.intent(raw)
    currency = intent.currency.upper()
    captured = from_wire(intent.amount_received, currency)
    refunded = refunded_to_customer(intent)
    state = state_of(intent, captured=captured, refunded=refunded)
    if state is PaymentState.failed and declined is None and intent.last_payment_error is not None:
        declined = intent.last_payment_error.reason()
    held = intent.latest_charge is not None and state not in (PaymentState.failed, PaymentState.requires_action)
    return PaymentResult(
        provider_ref=intent.id,
        state=state,
        currency=currency,
        authorized=from_wire(intent.amount, currency) if held else 0,
        captured=captured,
        refunded=refunded,
        expires_at=expires_at(intent, authorization_days=authorization_days),
        declined=declined,
        payment_method=intent.payment_method,
        customer=intent.customer,
        raw=raw,
    )


def state_of(intent: Intent, *, captured: int, refunded: int) -> PaymentState:
    if refunded > 0:
        return PaymentState.refunded if refunded >= captured else PaymentState.partially_refunded
    status = intent.status
    if status == "requires_capture":
        return PaymentState.partially_captured if captured > 0 else PaymentState.authorized
    if status == "succeeded":
        whole = captured >= from_wire(intent.amount, intent.currency)
        return PaymentState.captured if whole else PaymentState.partially_captured
    if status == "canceled":
        return PaymentState.partially_captured if captured > 0 else PaymentState.canceled
    if status == "requires_payment_method" and intent.last_payment_error is not None:
        return PaymentState.failed
    assert status in _WAITING
    return PaymentState.requires_action


def refunded_to_customer(intent: Intent) -> int:
    """What went back to the customer: the charge's `amount_refunded` less the authorization released unused
    (after a partial single capture, a cancel or an expiry), in hub minor units."""
    charge = intent.charge
    if charge is None:
        return 0
    settled = intent.status in ("succeeded", "canceled")
    released = charge.amount - charge.amount_captured if settled else 0
    refunded = min(max(charge.amount_refunded - released, 0), intent.amount_received)
    return from_wire(refunded, intent.currency)


def remaining_to_refund(intent: Intent) -> int:
    return from_wire(intent.amount_received, intent.currency) - refunded_to_customer(intent)


def expires_at(intent: Intent, *, authorization_days: int) -> datetime | None:
    """When an uncaptured authorization lapses: the card's `capture_before` when Stripe gives it, else
    `authorization_days` after the intent was created."""
    if intent.status != "requires_capture":
        return None
    charge = intent.charge
    details = charge.payment_method_details if charge is not None else None
    card = details.card if details is not None else None
    if card is not None and card.capture_before is not None:
        return datetime.fromtimestamp(card.capture_before, UTC)
    return datetime.fromtimestamp(intent.created, UTC) + timedelta(days=authorization_days)
