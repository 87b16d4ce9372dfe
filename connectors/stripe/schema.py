"""The Stripe fields the connector reads (API version 2024-06-20), and amounts as Stripe writes them.

Amounts are integers in the currency's smallest unit as Stripe counts it. That is the hub's minor unit for
almost every currency, with three exceptions: Stripe's zero-decimal list holds MGA (two decimals in ISO
4217), it keeps ISK at two decimals (multiples of 100) for backwards compatibility, and three-decimal
currencies (KWD, BHD, ...) must end in 0. `to_wire` and `from_wire` convert and refuse what does not fit.

The charge (`latest_charge`, expanded) counts a released authorization as refunded: a canceled or expired
authorization shows `amount_refunded` = `amount`, and a partial single capture releases the rest the same
way. What was refunded to the customer is therefore `amount_refunded` less what was released.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from core.errors import FatalError
from core.money import exponent

ZERO_DECIMAL = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
"""Stripe's zero-decimal currencies: the amount is in whole units (¥2480 → 2480)."""
_TWO_DECIMAL_ON_WIRE = frozenset({"ISK"})

Cents = Annotated[int, Strict(), Field(ge=0)]
Status = Literal[
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
    "requires_capture",
    "canceled",
    "succeeded",
]


class _Stripe(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Card(_Stripe):
    capture_before: Annotated[int, Strict()] | None = None
    """When the authorization lapses (Unix seconds), if the card network says."""


class MethodDetails(_Stripe):
    card: Card | None = None


class Charge(_Stripe):
    id: str
    amount: Cents
    amount_captured: Cents = 0
    amount_refunded: Cents = 0
    payment_method_details: MethodDetails | None = None


class PaymentError(_Stripe):
    type: str = ""
    code: str | None = None
    decline_code: str | None = None
    message: str = ""
    param: str | None = None

    def reason(self) -> str:
        """`card_declined: insufficient_funds`, or the code (or type) alone."""
        code = self.code or self.type
        return f"{code}: {self.decline_code}" if self.decline_code else code


class Intent(_Stripe):
    id: str
    object: Literal["payment_intent"]
    status: Status
    amount: Cents
    amount_capturable: Cents = 0
    amount_received: Cents = 0
    currency: str
    created: Annotated[int, Strict()]
    latest_charge: Charge | str | None = None
    cancellation_reason: str | None = None
    last_payment_error: PaymentError | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    payment_method: str | None = None
    customer: str | None = None

    @property
    def charge(self) -> Charge | None:
        """The expanded charge; None when there is none or it was not expanded."""
        return self.latest_charge if isinstance(self.latest_charge, Charge) else None


class Refund(_Stripe):
    id: str
    amount: Cents
    status: str
    metadata: dict[str, str] = Field(default_factory=dict)


class ErrorBody(_Stripe):
    error: PaymentError


def intent(body: Any) -> Intent:
    """A payment_intent answer; FatalError when it is not one (a wrong base URL, another API version)."""
    try:
        return Intent.model_validate(body)
    except ValidationError as exc:
        raise FatalError(f"Stripe answered something other than a payment_intent: {_first(exc)}") from None


def refunds(records: list[Any]) -> list[Refund]:
    try:
        return [Refund.model_validate(record) for record in records]
    except ValidationError as exc:
        raise FatalError(f"Stripe listed a refund the connector cannot read: {_first(exc)}") from None


def error(body: Any) -> tuple[PaymentError, dict[str, Any] | None] | None:
    """Stripe's error object and the payment_intent it names (card errors carry it), or None for another body."""
    try:
        parsed = ErrorBody.model_validate(body)
    except ValidationError:
        return None
    named = body["error"].get("payment_intent")
    return parsed.error, named if isinstance(named, dict) and named.get("object") == "payment_intent" else None


def _first(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"


def wire_exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 2 if code in _TWO_DECIMAL_ON_WIRE else exponent(code)


def to_wire(amount: int, currency: str) -> int:
    """Hub minor units → Stripe's `amount`; FatalError for an amount Stripe cannot take in this currency."""
    shift = wire_exponent(currency) - exponent(currency)
    value = amount * 10**shift if shift >= 0 else _divide(amount, 10**-shift, currency)
    if wire_exponent(currency) == 3 and value % 10:
        raise FatalError(f"Stripe takes {currency.upper()} amounts in multiples of 10 minor units, not {amount}")
    return value


def from_wire(value: int, currency: str) -> int:
    """Stripe's `amount` → hub minor units."""
    shift = wire_exponent(currency) - exponent(currency)
    return _divide(value, 10**shift, currency) if shift >= 0 else value * 10**-shift


def _divide(value: int, by: int, currency: str) -> int:
    whole, rest = divmod(value, by)
    if rest:
        raise FatalError(f"{value} is not a whole number of the units Stripe counts {currency.upper()} in")
    return whole
