"""What PaymentIntents allow: create (and confirm), capture all or part, cancel; card declines are recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sandbox.stripe import money
from sandbox.stripe.errors import StripeError, invalid_param, invalid_request, unexpected_state
from sandbox.stripe.form import Form, read_bool, read_choice, read_int, read_metadata, read_str
from sandbox.stripe.model import CANCELABLE, Charge, PaymentIntent, intent_json

if TYPE_CHECKING:
    from sandbox.stripe.state import StripeState

GOOD_CARDS = ("pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_jcb")
DECLINING_CARDS = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_chargeDeclinedLostCard": "lost_card",
}
DECLINE_MESSAGES = {"insufficient_funds": "Your card has insufficient funds."}
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")


@dataclass(frozen=True, slots=True)
class NewIntent:
    amount: int
    currency: str
    capture_method: str = "automatic"
    payment_method: str | None = None
    confirm: bool = False
    customer: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def read_new_intent(form: Form) -> NewIntent:
    amount, currency = read_int(form, "amount"), read_str(form, "currency")
    if amount is None:
        raise invalid_param("amount", "Missing required param: amount.", code="parameter_missing")
    if currency is None or len(currency) != 3 or not currency.isalpha():
        raise invalid_param("currency", "Missing or invalid currency: use a lowercase ISO code.")
    money.check_amount(amount, currency.lower())
    return NewIntent(
        amount=amount,
        currency=currency.lower(),
        capture_method=read_choice(form, "capture_method", ("automatic", "automatic_async", "manual")) or "automatic",
        payment_method=read_str(form, "payment_method"),
        confirm=read_bool(form, "confirm", False),
        customer=read_str(form, "customer"),
        description=read_str(form, "description"),
        metadata=read_metadata(form),
    )


def create(state: StripeState, new: NewIntent, *, intent_id: str | None = None) -> PaymentIntent:
    """Store a new intent and, with `confirm`, confirm it (a decline raises after the intent is stored).
    `intent_id` names it (to seed an account with payments other systems already refer to)."""
    with state.lock:
        intent_id = intent_id or state.new_id("pi")
        intent = PaymentIntent(
            id=intent_id,
            client_secret=f"{intent_id}_secret_{state.new_id('s')[2:]}",
            amount=new.amount,
            currency=new.currency,
            capture_method=new.capture_method,
            created=state.now(),
            payment_method=new.payment_method,
            customer=new.customer,
            description=new.description,
            metadata=dict(new.metadata),
        )
        intent.status = "requires_payment_method" if new.payment_method is None else "requires_confirmation"
        state.intents[intent.id] = intent
        if new.confirm:
            confirm(state, intent, new.payment_method)
        return intent


def confirm(state: StripeState, intent: PaymentIntent, payment_method: str | None) -> PaymentIntent:
    with state.lock:
        if intent.status not in ("requires_payment_method", "requires_confirmation"):
            raise unexpected_state(
                f"This PaymentIntent's status is {intent.status}, but it must be one of requires_payment_method "
                "or requires_confirmation to be confirmed."
            )
        method = payment_method or intent.payment_method
        if method is None:
            raise unexpected_state("You cannot confirm this PaymentIntent because it's missing a payment method.")
        intent.payment_method = method
        decline = _decline_code(state, method)
        if decline is not None:
            raise _declined(intent, decline)
        _authorize(state, intent, method)
        return intent


def _decline_code(state: StripeState, method: str) -> str | None:
    if state.declines:
        return state.declines.pop(0)
    if method in DECLINING_CARDS:
        return DECLINING_CARDS[method]
    if method not in GOOD_CARDS:
        raise StripeError(
            404,
            "invalid_request_error",
            f"No such PaymentMethod: '{method}'",
            code="resource_missing",
            param="payment_method",
        )
    return None


def _declined(intent: PaymentIntent, decline_code: str) -> StripeError:
    message = DECLINE_MESSAGES.get(decline_code, "Your card was declined.")
    error = {"type": "card_error", "code": "card_declined", "decline_code": decline_code, "message": message}
    intent.status = "requires_payment_method"
    intent.last_payment_error = {**error, "payment_method": {"id": intent.payment_method, "object": "payment_method"}}
    extra = {"decline_code": decline_code, "payment_intent": intent_json(intent)}
    return StripeError(402, "card_error", message, code="card_declined", extra=extra)


def _authorize(state: StripeState, intent: PaymentIntent, method: str) -> None:
    charge = Charge(
        id=state.new_id("ch"),
        payment_intent=intent.id,
        amount=intent.amount,
        currency=intent.currency,
        payment_method=method,
        created=state.now(),
    )
    state.charges[charge.id] = charge
    intent.latest_charge = charge.id
    intent.last_payment_error = None
    intent.authorized_at = state.now()
    if intent.capture_method == "manual":
        intent.status, intent.amount_capturable = "requires_capture", intent.amount
        charge.capture_before = intent.authorized_at + state.authorization_window
    else:
        intent.status, intent.amount_received, charge.amount_captured = "succeeded", intent.amount, intent.amount


def capture(
    state: StripeState,
    intent: PaymentIntent,
    amount: int | None,
    *,
    final: bool = True,
    metadata: dict[str, str] | None = None,
) -> PaymentIntent:
    """Capture `amount` (all that is capturable when None); a final capture releases the rest, which the
    charge then counts in `amount_refunded`, as Stripe does. `metadata` is merged into the intent's."""
    with state.lock:
        if intent.status != "requires_capture":
            raise unexpected_state(
                f"This PaymentIntent could not be captured because it has a status of {intent.status}. Only a "
                "PaymentIntent with one of the following statuses may be captured: requires_capture."
            )
        taken = intent.amount_capturable if amount is None else amount
        if taken > intent.amount_capturable:
            raise invalid_request(
                f"The amount_to_capture ({money.shown(taken, intent.currency)}) must be less than or equal to "
                f"the amount_capturable ({money.shown(intent.amount_capturable, intent.currency)}).",
                code="amount_too_large",
                param="amount_to_capture",
            )
        charge = state.charge(intent.latest_charge or "")
        charge.amount_captured += taken
        intent.amount_received += taken
        intent.amount_capturable -= taken
        if final:
            charge.amount_released += intent.amount_capturable
            intent.amount_capturable = 0
        intent.metadata.update(metadata or {})
        if intent.amount_capturable == 0:
            intent.status = "succeeded"
        return intent


def cancel(state: StripeState, intent: PaymentIntent, reason: str | None) -> PaymentIntent:
    with state.lock:
        if intent.status not in CANCELABLE:
            raise unexpected_state(
                f"You cannot cancel this PaymentIntent because it has a status of {intent.status}. Only a "
                f"PaymentIntent with one of the following statuses may be canceled: {', '.join(CANCELABLE)}."
            )
        if intent.latest_charge is not None and intent.status == "requires_capture":
            state.charge(intent.latest_charge).amount_released += intent.amount_capturable
        intent.amount_capturable = 0
        intent.canceled_at = state.now()
        intent.cancellation_reason = reason
        intent.status = "succeeded" if intent.amount_received else "canceled"
        return intent


def read_cancellation_reason(form: Form) -> str | None:
    return read_choice(form, "cancellation_reason", CANCELLATION_REASONS)
