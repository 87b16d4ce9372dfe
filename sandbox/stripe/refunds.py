"""Refunds of captured money: never more than captured minus already refunded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.stripe import money
from sandbox.stripe.errors import invalid_param, invalid_request
from sandbox.stripe.form import Form, read_choice, read_int, read_metadata, read_str
from sandbox.stripe.model import Charge, PaymentIntent, Refund

if TYPE_CHECKING:
    from sandbox.stripe.state import StripeState

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def create_refund(state: StripeState, form: Form) -> Refund:
    """Refund `amount` (the whole unrefunded rest when absent) of the intent's or the charge's captured money."""
    amount, reason, metadata = read_int(form, "amount"), read_choice(form, "reason", REASONS), read_metadata(form)
    with state.lock:
        intent, charge = _target(state, form)
        if charge is None or charge.amount_captured == 0:
            raise invalid_request(
                f"This PaymentIntent ({intent.id}) does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        if charge.unrefunded == 0:
            raise invalid_request(f"Charge {charge.id} has already been refunded.", code="charge_already_refunded")
        if amount is not None and amount > charge.unrefunded:
            raise invalid_request(
                f"Refund amount ({money.shown(amount, charge.currency)}) is greater than unrefunded amount on "
                f"charge ({money.shown(charge.unrefunded, charge.currency)})",
                code="amount_too_large",
                param="amount",
            )
        refund = Refund(
            id=state.new_id("re"),
            amount=charge.unrefunded if amount is None else amount,
            currency=charge.currency,
            charge=charge.id,
            payment_intent=intent.id,
            created=state.now(),
            reason=reason,
            metadata=metadata,
        )
        charge.amount_refunded += refund.amount
        state.refunds[refund.id] = refund
        return refund


def _target(state: StripeState, form: Form) -> tuple[PaymentIntent, Charge | None]:
    intent_id, charge_id = read_str(form, "payment_intent"), read_str(form, "charge")
    if intent_id is not None:
        intent = state.intent(intent_id)
        return intent, state.latest_charge(intent)
    if charge_id is not None:
        charge = state.charge(charge_id)
        return state.intent(charge.payment_intent), charge
    raise invalid_param("payment_intent", "One of the following params should be provided: charge, payment_intent.")
