"""A local simulator of the Stripe v1 API: PaymentIntents authorized now and captured at shipment, refunds,
Idempotency-Key replays, authorization expiry, card declines, and injected faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from sandbox.shopify.faults import Faults
from sandbox.stripe.app import DEFAULT_SECRET_KEY, create_app
from sandbox.stripe.errors import StripeError
from sandbox.stripe.model import Charge, PaymentIntent, Refund
from sandbox.stripe.state import StripeState

__all__ = [
    "DEFAULT_SECRET_KEY",
    "Charge",
    "Faults",
    "PaymentIntent",
    "Refund",
    "StripeError",
    "StripeState",
    "build_stripe",
    "create_app",
]


def build_stripe(
    *,
    clock: Callable[[], datetime],
    seed: int = 0,
    secret_key: str = DEFAULT_SECRET_KEY,
    faults: Faults | None = None,
    authorization_days: int = 7,
) -> tuple[FastAPI, StripeState]:
    """A test-mode Stripe account in memory and the app serving it under /v1.

    clock: the account's time; an authorization older than `authorization_days` on it is canceled
        with cancellation_reason "automatic".
    seed: makes every object id repeatable (faults carry their own seed).
    secret_key: the key accepted as `Authorization: Bearer ...` (or as the Basic auth user name).
    """
    state = StripeState(clock=clock, seed=seed, authorization_days=authorization_days)
    return create_app(state, secret_key=secret_key, faults=faults), state
