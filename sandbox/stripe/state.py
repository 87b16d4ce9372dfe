"""The simulated Stripe account in memory: intents, charges, refunds, saved idempotent results, call counts.

One re-entrant lock guards it all: the server thread and a test thread share it.
"""

from __future__ import annotations

import random
import string
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from sandbox.stripe import intents
from sandbox.stripe.errors import missing
from sandbox.stripe.idempotency import IdempotencyKeys
from sandbox.stripe.model import Charge, PaymentIntent, Refund

Clock = Callable[[], datetime]
_ALPHABET = string.ascii_letters + string.digits


class StripeState:
    def __init__(self, *, clock: Clock, seed: int = 0, authorization_days: int = 7) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.authorization_window = timedelta(days=authorization_days)
        self.intents: dict[str, PaymentIntent] = {}
        self.charges: dict[str, Charge] = {}
        self.refunds: dict[str, Refund] = {}
        self.calls: Counter[str] = Counter()  # "POST /v1/payment_intents/{id}/capture" -> requests answered
        self.keys = IdempotencyKeys()
        self.declines: list[str] = []  # decline codes the next confirmations meet, first first
        self.execution_time = 0.0  # seconds an idempotent POST keeps its key in flight
        self._rng = random.Random(seed)

    def now(self) -> datetime:
        return self.clock()

    def new_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}_" + "".join(self._rng.choices(_ALPHABET, k=24))

    def count(self, call: str) -> None:
        with self.lock:
            self.calls[call] += 1

    def intent(self, intent_id: str) -> PaymentIntent:
        """The intent as it stands now: an authorization past its window has been canceled."""
        with self.lock:
            found = self.intents.get(intent_id)
            if found is None:
                raise missing("payment_intent", intent_id, "intent")
            self._expire_if_due(found)
            return found

    def charge(self, charge_id: str) -> Charge:
        found = self.charges.get(charge_id)
        if found is None:
            raise missing("charge", charge_id, "charge")
        return found

    def latest_charge(self, intent: PaymentIntent) -> Charge | None:
        return None if intent.latest_charge is None else self.charges[intent.latest_charge]

    def refunds_of(self, intent_id: str) -> list[Refund]:
        """The intent's refunds, newest first (as Stripe lists them)."""
        with self.lock:
            return [r for r in reversed(self.refunds.values()) if r.payment_intent == intent_id]

    def authorize(
        self,
        amount: int,
        currency: str = "eur",
        *,
        payment_method: str = "pm_card_visa",
        metadata: dict[str, str] | None = None,
    ) -> PaymentIntent:
        """A confirmed manual-capture intent (`requires_capture`), as if a checkout had just authorized it."""
        new = intents.NewIntent(
            amount=amount,
            currency=currency.lower(),
            capture_method="manual",
            payment_method=payment_method,
            confirm=True,
            metadata=dict(metadata or {}),
        )
        return intents.create(self, new)

    def decline_next(self, decline_code: str = "generic_decline") -> None:
        """The next confirmation is declined with `decline_code`, whatever its payment method."""
        with self.lock:
            self.declines.append(decline_code)

    def expire_authorizations(self) -> list[str]:
        """Cancel every authorization older than the window on the clock (Stripe does it on its own); their ids."""
        with self.lock:
            return [i.id for i in list(self.intents.values()) if self._expire_if_due(i)]

    def expire_authorization(self, intent_id: str) -> None:
        """Let one authorization lapse now, whatever its age."""
        with self.lock:
            intent = self.intent(intent_id)
            if intent.status == "requires_capture":
                self._lapse(intent, self.now())

    def _expire_if_due(self, intent: PaymentIntent) -> bool:
        if intent.status != "requires_capture" or intent.authorized_at is None:
            return False
        deadline = intent.authorized_at + self.authorization_window
        if self.now() < deadline:
            return False
        self._lapse(intent, deadline)
        return True

    def _lapse(self, intent: PaymentIntent, at: datetime) -> None:
        """The authorization ends uncaptured: what was capturable is released (shown refunded on the charge)."""
        if intent.latest_charge is not None:
            self.charges[intent.latest_charge].amount_released += intent.amount_capturable
        _end(intent, at)


def _end(intent: PaymentIntent, at: datetime) -> None:
    intent.amount_capturable = 0
    intent.canceled_at = at
    intent.cancellation_reason = "automatic"
    intent.status = "succeeded" if intent.amount_received else "canceled"
