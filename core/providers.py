"""What the hub asks of fulfillment providers (3PL/ERP) and payment processors, and the one shape of what they
answer. Implemented by connectors; core and jobs only see these.

Every operation that changes something carries a `reference` (the idempotency key) derived from the operation
itself and stored before the call: a provider either uses it as its own idempotency key or stores it with
what it creates, so that after an unknown outcome (a timeout after sending) the hub looks the object up by it
before sending anything again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from core.shipments import Tracking


@dataclass(frozen=True, slots=True)
class FulfillmentLine:
    line_key: str
    sku: str
    title: str
    quantity: int
    unit_net: int
    """Net unit price after discounts, minor units."""
    tax: int
    """Tax on the whole line (all units), minor units."""


@dataclass(frozen=True, slots=True)
class FulfillmentCharge:
    """A line of the order that holds no stock (gift wrap, insurance): nothing to pick, but its money is part of
    the order, so the provider's order adds up to the channel's."""

    line_key: str
    title: str
    quantity: int
    net: int
    """Net of the whole line after discounts, minor units."""
    tax: int
    """Tax on the whole line, minor units."""


@dataclass(frozen=True, slots=True)
class FulfillmentRequest:
    """Ship these lines of one order from one stock location."""

    reference: str
    """The idempotency key: `ful-{order id}-{location}-{n}`; unique per request, stable across retries."""
    order_id: int
    channel: str
    order_external_id: str
    display_number: str | None
    location: str
    """The hub location code the lines are reserved at (the provider maps it to its warehouse)."""
    currency: str
    placed_at: datetime
    lines: tuple[FulfillmentLine, ...]
    shipping_net: int = 0
    shipping_tax: int = 0
    charges: tuple[FulfillmentCharge, ...] = ()
    """The order's non-stock lines; like shipping, they go with the order's first request only."""
    email: str | None = None
    name: str | None = None
    ship_to: Mapping[str, Any] | None = None
    """The canonical shipping address (first_name, last_name, address_1, city, postal_code, country_code, ...)."""


@dataclass(frozen=True, slots=True)
class FulfillmentAccepted:
    reference: str
    provider_ref: str
    """The provider's id for what it created (bound to the request in the bindings table)."""


@dataclass(frozen=True, slots=True)
class ProviderShipment:
    """One shipment (e.g. a Brightpearl goods-out note) as the provider reports it."""

    provider_ref: str
    """Unique per shipment at the provider; a shipment seen twice is processed once."""
    request_reference: str
    """The FulfillmentRequest.reference it ships (the provider stored it with the order)."""
    location: str
    """The hub location code of the warehouse it left."""
    lines: tuple[tuple[str, int], ...]
    """(SKU, units) shipped."""
    tracking: tuple[Tracking, ...] = ()
    shipped_at: datetime | None = None


ReturnLine = FulfillmentLine
"""A returned line: the units coming back, at the net unit price and with the tax they were sent with."""


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    """Units of one fulfillment request coming back to a stock location (a return the provider receives)."""

    reference: str
    """The idempotency key: `ret-{order id}-{n}`; unique per return, stable across retries."""
    order_id: int
    fulfillment_reference: str
    """The FulfillmentRequest.reference the units left under."""
    fulfillment_provider_ref: str
    """The provider's id for that request (FulfillmentAccepted.provider_ref)."""
    location: str
    """The hub location code the units come back to."""
    currency: str
    lines: tuple[ReturnLine, ...]
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnAccepted:
    reference: str
    provider_ref: str


class FulfillmentProvider(Protocol):
    def create_fulfillment(self, request: FulfillmentRequest, *, time_left: float | None = None) -> FulfillmentAccepted:
        """Send the request; sending the same reference twice creates one object at the provider."""

    def find_fulfillment(self, reference: str, *, time_left: float | None = None) -> FulfillmentAccepted | None:
        """What was created for `reference`, if anything (to resolve an unknown outcome)."""

    def cancel_fulfillment(self, accepted: FulfillmentAccepted, *, time_left: float | None = None) -> bool:
        """Ask the provider to cancel; True when it acknowledged, False when it no longer can (already shipped)."""

    def shipments_since(
        self, bookmark: str | None, *, time_left: float | None = None
    ) -> tuple[list[ProviderShipment], str | None]:
        """Shipments made since `bookmark` (None: from the provider's start), and the bookmark after them."""

    def create_return(self, request: ReturnRequest, *, time_left: float | None = None) -> ReturnAccepted:
        """Announce a return to the provider; sending the same reference twice creates one object there."""

    def find_return(self, reference: str, *, time_left: float | None = None) -> ReturnAccepted | None:
        """What was created for the return `reference`, if anything (to resolve an unknown outcome)."""


class PaymentState(StrEnum):
    requires_action = "requires_action"
    authorized = "authorized"
    partially_captured = "partially_captured"
    captured = "captured"
    partially_refunded = "partially_refunded"
    refunded = "refunded"
    canceled = "canceled"
    failed = "failed"


@dataclass(frozen=True, slots=True)
class Capabilities:
    partial_capture: bool = True
    multiple_captures: bool = False
    """False: the first capture settles the authorization, the rest is released."""


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A payment as the processor holds it after an operation, in one normalized shape (minor units)."""

    provider_ref: str
    state: PaymentState
    currency: str
    authorized: int
    captured: int
    refunded: int
    expires_at: datetime | None = None
    """When an uncaptured authorization lapses (None: unknown or not applicable)."""
    declined: str | None = None
    """The processor's reason when the operation was refused as a business outcome (a decline), else None."""
    payment_method: str | None = None
    """The customer's payment method the payment used (for an additional charge on it), if the processor says."""
    customer: str | None = None
    """The processor's customer the payment belongs to (a saved payment method is charged again through it)."""
    raw: Mapping[str, Any] = field(default_factory=dict)


class PaymentProcessor(Protocol):
    @property
    def capabilities(self) -> Capabilities: ...

    def authorize(
        self,
        amount: int,
        currency: str,
        *,
        reference: str,
        payment_method: str,
        customer: str | None = None,
        time_left: float | None = None,
    ) -> PaymentResult:
        """Authorize `amount` for later capture; with `customer`, on a payment method saved for that customer while
        the customer is away (off-session), as an additional charge does."""

    def capture(
        self, payment_ref: str, amount: int, *, reference: str, time_left: float | None = None
    ) -> PaymentResult:
        """Capture `amount` of the authorization (never more than is still capturable)."""

    def refund(self, payment_ref: str, amount: int, *, reference: str, time_left: float | None = None) -> PaymentResult:
        """Refund `amount` of what was captured."""

    def cancel(self, payment_ref: str, *, reference: str, time_left: float | None = None) -> PaymentResult:
        """Release an uncaptured authorization."""

    def retrieve(self, payment_ref: str, *, time_left: float | None = None) -> PaymentResult:
        """The payment as the processor holds it now."""
