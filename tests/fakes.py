"""Fakes of our own connector interfaces, for job tests without HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.base import OrderPage, PushResult, Window
from core.errors import AuthorizationExpired, FatalError, UnknownOutcome
from core.model import CanonicalOrder
from core.providers import (
    Capabilities,
    FulfillmentAccepted,
    FulfillmentRequest,
    PaymentResult,
    PaymentState,
    ProviderShipment,
    ReturnAccepted,
    ReturnRequest,
)
from core.publish import Published
from core.shipments import ShipmentNotice


@dataclass
class FakeOrderSource:
    """Serves pages of canonical orders; `on_page` runs before page i is handed out (to fail or move time)."""

    pages: list[list[dict[str, Any]]]
    on_page: Callable[[int], None] = lambda i: None
    windows: list[Window] = field(default_factory=list)

    def order_pages(self, window: Window, *, time_left: float | None = None) -> Iterator[OrderPage]:
        self.windows.append(window)
        for i, raw in enumerate(self.pages):
            self.on_page(i)
            orders = [CanonicalOrder.model_validate(o) for o in raw]
            last = max((o.changed_at for o in orders), default=None)
            yield OrderPage(list(orders), len(orders), last)


@dataclass
class FakeStockSink:
    reject: set[str] = field(default_factory=set)
    calls: list[list[Published]] = field(default_factory=list)
    shown: dict[tuple[str, str], int] = field(default_factory=dict)
    """What the channel shows where it differs from what was pushed (drift made by hand in the shop)."""

    def push_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> PushResult:
        self.calls.append(list(levels))
        result = PushResult()
        for level in levels:
            if level.sku in self.reject:
                result.failed.append((level, "422 inventory item not stocked at this location"))
            else:
                result.pushed.append(level)
                self.shown.pop((level.sku, level.location), None)
        return result

    def read_levels(
        self, levels: Sequence[Published], *, items: Mapping[str, str], time_left: float | None = None
    ) -> dict[tuple[str, str], int]:
        return {(p.sku, p.location): self.shown.get((p.sku, p.location), p.available) for p in levels}


@dataclass
class FakeShipmentSink:
    """Records the notices it was given; `fail_with` makes the next report raise it once."""

    told: list[ShipmentNotice] = field(default_factory=list)
    fail_with: Exception | None = None

    def report_shipment(self, notice: ShipmentNotice, *, time_left: float | None = None) -> None:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        if notice.reference not in {told.reference for told in self.told}:
            self.told.append(notice)


@dataclass
class FakeConnector:
    orders: FakeOrderSource | None = None
    stock: FakeStockSink | None = None
    shipments: FakeShipmentSink | None = None
    fulfillment: Any = None
    payments: Any = None
    problems: list[str] = field(default_factory=list)

    def check(self) -> list[str]:
        return self.problems

    def close(self) -> None:
        return None


def at(moment: datetime) -> str:
    return moment.isoformat()


@dataclass
class FakeFulfillmentProvider:
    """Keeps what it was sent by reference; `lose_answer` makes the next create succeed but raise a timeout,
    `lose_return_answer` the same for the next return."""

    created: dict[str, FulfillmentRequest] = field(default_factory=dict)
    sends: int = 0
    lose_answer: bool = False
    shipped: list[ProviderShipment] = field(default_factory=list)
    canceled: list[str] = field(default_factory=list)
    too_late: bool = False
    """Cancels are refused (the goods already left)."""
    returned: dict[str, ReturnRequest] = field(default_factory=dict)
    return_sends: int = 0
    lose_return_answer: bool = False

    def create_fulfillment(self, request: FulfillmentRequest, *, time_left: float | None = None) -> FulfillmentAccepted:
        self.sends += 1
        self.created.setdefault(request.reference, request)
        if self.lose_answer:
            self.lose_answer = False
            raise UnknownOutcome("POST sales-order: no answer within 60 s")
        return FulfillmentAccepted(request.reference, f"BP-{len(self.created)}")

    def find_fulfillment(self, reference: str, *, time_left: float | None = None) -> FulfillmentAccepted | None:
        if reference not in self.created:
            return None
        return FulfillmentAccepted(reference, f"BP-{list(self.created).index(reference) + 1}")

    def cancel_fulfillment(self, accepted: FulfillmentAccepted, *, time_left: float | None = None) -> bool:
        if self.too_late:
            return False
        self.canceled.append(accepted.reference)
        return True

    def shipments_since(
        self, bookmark: str | None, *, time_left: float | None = None
    ) -> tuple[list[ProviderShipment], str | None]:
        return list(self.shipped), "2026-11-20T12:00:00+00:00"

    def create_return(self, request: ReturnRequest, *, time_left: float | None = None) -> ReturnAccepted:
        self.return_sends += 1
        self.returned.setdefault(request.reference, request)
        if self.lose_return_answer:
            self.lose_return_answer = False
            raise UnknownOutcome("POST sales-credit: no answer within 60 s")
        return ReturnAccepted(request.reference, f"SC-{list(self.returned).index(request.reference) + 1}")

    def find_return(self, reference: str, *, time_left: float | None = None) -> ReturnAccepted | None:
        if reference not in self.returned:
            return None
        return ReturnAccepted(reference, f"SC-{list(self.returned).index(reference) + 1}")


@dataclass
class FakePaymentProcessor:
    """A processor that does each operation once per reference (as an idempotency key does). `decline` refuses
    captures as a card decline; `multiple` allows several captures (else the first settles the authorization);
    `lost` names references whose first call takes effect but answers with an unknown outcome; `expired`
    makes captures find the authorization lapsed."""

    authorized: int = 10_000
    multiple: bool = False
    decline: bool = False
    expired: bool = False
    expires_at: datetime | None = None
    lost: set[str] = field(default_factory=set)
    captures: dict[str, int] = field(default_factory=dict)
    refunds: dict[str, int] = field(default_factory=dict)
    released: bool = False
    calls: list[str] = field(default_factory=list)
    charges: dict[str, int] = field(default_factory=dict)
    """New payments (authorized on the order's payment method) by id → amount captured of them."""

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(partial_capture=True, multiple_captures=self.multiple)

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
        self.calls.append(reference)
        made = f"pi_{reference}"
        if self.decline:
            return PaymentResult(made, PaymentState.failed, currency, 0, 0, 0, declined="card_declined")
        self.charges.setdefault(made, 0)
        return PaymentResult(made, PaymentState.authorized, currency, amount, 0, 0)

    def capture(
        self, payment_ref: str, amount: int, *, reference: str, time_left: float | None = None
    ) -> PaymentResult:
        self.calls.append(reference)
        if payment_ref in self.charges:
            self.charges[payment_ref] = amount
            return PaymentResult(payment_ref, PaymentState.captured, "EUR", amount, amount, 0)
        if self.expired:
            raise AuthorizationExpired(f"{payment_ref}: the authorization was canceled (it expired)")
        if self.decline:
            return PaymentResult(
                payment_ref, PaymentState.failed, "EUR", self.authorized, 0, 0, declined="expired_card"
            )
        if reference not in self.captures:
            settled = self.captures and not self.multiple
            if settled or amount > self.authorized - sum(self.captures.values()):
                raise FatalError(f"{payment_ref}: cannot capture {amount}")
            self.captures[reference] = amount
        return self._answer(payment_ref, reference)

    def refund(self, payment_ref: str, amount: int, *, reference: str, time_left: float | None = None) -> PaymentResult:
        self.calls.append(reference)
        if reference not in self.refunds:
            if amount > sum(self.captures.values()) - sum(self.refunds.values()):
                raise FatalError(f"{payment_ref}: cannot refund {amount}")
            self.refunds[reference] = amount
        return self._answer(payment_ref, reference)

    def cancel(self, payment_ref: str, *, reference: str, time_left: float | None = None) -> PaymentResult:
        self.calls.append(reference)
        self.released = True
        return self._answer(payment_ref, reference)

    def retrieve(self, payment_ref: str, *, time_left: float | None = None) -> PaymentResult:
        return self.state(payment_ref)

    def state(self, payment_ref: str) -> PaymentResult:
        captured, refunded = sum(self.captures.values()), sum(self.refunds.values())
        if refunded:
            state = PaymentState.refunded if refunded >= captured else PaymentState.partially_refunded
        elif self.released and not captured:
            state = PaymentState.canceled
        elif captured:
            whole = captured >= self.authorized or not self.multiple
            state = PaymentState.captured if whole else PaymentState.partially_captured
        else:
            state = PaymentState.authorized
        expires = self.expires_at if state is PaymentState.authorized else None
        return PaymentResult(
            payment_ref, state, "EUR", self.authorized, captured, refunded, expires_at=expires, payment_method="pm_1"
        )

    def _answer(self, payment_ref: str, reference: str) -> PaymentResult:
        if reference in self.lost:
            self.lost.discard(reference)
            raise UnknownOutcome(f"{reference}: timed out after sending")
        return self.state(payment_ref)
