"""PaymentIntents, their charges and refunds as the simulator keeps them, and their JSON."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Json = dict[str, Any]
CANCELABLE = ("requires_payment_method", "requires_confirmation", "requires_action", "requires_capture")


@dataclass(slots=True)
class Charge:
    id: str
    payment_intent: str
    amount: int
    currency: str
    payment_method: str
    created: datetime
    amount_captured: int = 0
    amount_refunded: int = 0
    """Refunded to the customer by refunds."""
    amount_released: int = 0
    """The authorization given back uncaptured (a final partial capture, a cancel); Stripe shows it refunded."""
    capture_before: datetime | None = None

    @property
    def unrefunded(self) -> int:
        return self.amount_captured - self.amount_refunded


@dataclass(slots=True)
class PaymentIntent:
    id: str
    client_secret: str
    amount: int
    currency: str
    capture_method: str
    created: datetime
    status: str = "requires_payment_method"
    payment_method: str | None = None
    customer: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    amount_capturable: int = 0
    amount_received: int = 0
    latest_charge: str | None = None
    authorized_at: datetime | None = None
    canceled_at: datetime | None = None
    cancellation_reason: str | None = None
    last_payment_error: Json | None = None


@dataclass(slots=True)
class Refund:
    id: str
    amount: int
    currency: str
    charge: str
    payment_intent: str
    created: datetime
    reason: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def stamp(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def charge_json(charge: Charge) -> Json:
    return {
        "id": charge.id,
        "object": "charge",
        "amount": charge.amount,
        "amount_captured": charge.amount_captured,
        "amount_refunded": charge.amount_refunded + charge.amount_released,
        "captured": charge.amount_captured > 0,
        "refunded": charge.amount_refunded + charge.amount_released == charge.amount,
        "currency": charge.currency,
        "paid": True,
        "status": "succeeded",
        "payment_intent": charge.payment_intent,
        "payment_method": charge.payment_method,
        "created": stamp(charge.created),
        "payment_method_details": {"type": "card", "card": {"capture_before": stamp(charge.capture_before)}},
        "livemode": False,
    }


def intent_json(intent: PaymentIntent, charge: Charge | None = None) -> Json:
    """The intent; `latest_charge` is the charge object when one is given (`expand[]=latest_charge`)."""
    return {
        "id": intent.id,
        "object": "payment_intent",
        "amount": intent.amount,
        "amount_capturable": intent.amount_capturable,
        "amount_received": intent.amount_received,
        "currency": intent.currency,
        "status": intent.status,
        "capture_method": intent.capture_method,
        "confirmation_method": "automatic",
        "client_secret": intent.client_secret,
        "customer": intent.customer,
        "description": intent.description,
        "metadata": dict(intent.metadata),
        "payment_method": intent.payment_method,
        "payment_method_types": ["card"],
        "latest_charge": charge_json(charge) if charge is not None else intent.latest_charge,
        "last_payment_error": intent.last_payment_error,
        "next_action": None,
        "canceled_at": stamp(intent.canceled_at),
        "cancellation_reason": intent.cancellation_reason,
        "created": stamp(intent.created),
        "livemode": False,
    }


def refund_json(refund: Refund) -> Json:
    return {
        "id": refund.id,
        "object": "refund",
        "amount": refund.amount,
        "currency": refund.currency,
        "charge": refund.charge,
        "payment_intent": refund.payment_intent,
        "status": "succeeded",
        "reason": refund.reason,
        "metadata": dict(refund.metadata),
        "balance_transaction": None,
        "receipt_number": None,
        "created": stamp(refund.created),
    }


def list_json(url: str, items: Iterable[Json], *, has_more: bool) -> Json:
    return {"object": "list", "data": list(items), "has_more": has_more, "url": url}
