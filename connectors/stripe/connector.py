"""The Stripe connector: a payment processor over PaymentIntents with manual capture.

    authorize  POST /v1/payment_intents                 capture_method=manual, confirm=true, metadata[reference]
    capture    POST /v1/payment_intents/{id}/capture    amount_to_capture, metadata[REFERENCE] (final_capture=false
                                                        with multicapture)
    refund     POST /v1/refunds                         payment_intent, amount, metadata[reference]
    cancel     POST /v1/payment_intents/{id}/cancel
    retrieve   GET  /v1/payment_intents/{id}            expand[]=latest_charge (refunds and expiry are on it)

Each POST is sent with the operation's reference as Idempotency-Key, so a retry replays Stripe's first answer.
Capture, refund and cancel first read the intent: they refuse (FatalError, nothing sent) what Stripe would
refuse or what would mislead (more than is capturable or refundable, an expired or canceled authorization),
and they recognise their own reference on what an earlier attempt did (`metadata`), so that replaying an
operation after its key was pruned (24 h) returns the payment as it is instead of acting twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from connectors.base import ChannelSettings, ConnectorType
from connectors.http import Sender
from connectors.paging import CursorPaginator, iterate_pages
from connectors.stripe import mapper, schema
from connectors.stripe.client import Declined, StripeClient, StripeOptions, secret_key
from core.clock import Clock, SystemClock
from core.errors import AuthorizationExpired, CredentialsRejected, FatalError, OmshubError
from core.money import format_money
from core.providers import Capabilities, PaymentResult

INTENTS = "/v1/payment_intents"
_EXPANDED = {"expand[]": "latest_charge"}
_REFUND_PAGES = CursorPaginator.after_last_record()


class StripeConnector:
    def __init__(
        self,
        settings: ChannelSettings,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock = SystemClock(),
    ) -> None:
        options = settings.options
        assert isinstance(options, StripeOptions)
        self.settings, self.options, self._clock = settings, options, clock
        self.stripe = StripeClient(settings, options, transport, sleep=sleep, clock=clock)
        self.capabilities = Capabilities(partial_capture=True, multiple_captures=options.multicapture)
        self.orders = None
        self.stock = None
        self.shipments = None
        self.fulfillment = None
        self.payments = self

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
        form = {
            "amount": str(schema.to_wire(_positive(amount, "authorize"), currency)),
            "currency": currency.lower(),
            "capture_method": "manual",
            "confirm": "true",
            "payment_method": payment_method,
            "metadata[reference]": reference,
            **_EXPANDED,
        }
        if customer is not None:  # a saved payment method is used again only through its customer, off-session
            form |= {"customer": customer, "off_session": "true"}
        return self._post(INTENTS, form, reference=reference, send=self.stripe.sender(time_left))

    def capture(
        self, payment_ref: str, amount: int, *, reference: str, time_left: float | None = None
    ) -> PaymentResult:
        send = self.stripe.sender(time_left)
        raw = self._intent(payment_ref, send)
        intent = schema.intent(raw)
        if reference in intent.metadata:
            return self._result(raw)  # captured by an earlier attempt of this operation (each capture names itself)
        self._check_capturable(intent, _positive(amount, "capture"))
        wire = str(schema.to_wire(amount, intent.currency))
        form = {"amount_to_capture": wire, f"metadata[{reference}]": wire}
        if self.options.multicapture:
            form["final_capture"] = "false"
        return self._post(f"{INTENTS}/{payment_ref}/capture", {**form, **_EXPANDED}, reference=reference, send=send)

    def refund(self, payment_ref: str, amount: int, *, reference: str, time_left: float | None = None) -> PaymentResult:
        send = self.stripe.sender(time_left)
        raw = self._intent(payment_ref, send)
        if not self._refunded_before(payment_ref, reference, send):
            intent = schema.intent(raw)
            _check_refundable(intent, _positive(amount, "refund"))
            form = {
                "payment_intent": payment_ref,
                "amount": str(schema.to_wire(amount, intent.currency)),
                "metadata[reference]": reference,
            }
            self.stripe.post("/v1/refunds", form, reference=reference, send=send)
            raw = self._intent(payment_ref, send)
        return self._result(raw)

    def cancel(self, payment_ref: str, *, reference: str, time_left: float | None = None) -> PaymentResult:
        send = self.stripe.sender(time_left)
        raw = self._intent(payment_ref, send)
        intent = schema.intent(raw)
        if intent.status == "canceled":
            return self._result(raw)
        if intent.status in ("succeeded", "processing"):
            raise FatalError(f"{payment_ref} is {intent.status}: there is no authorization left to cancel; refund it")
        return self._post(f"{INTENTS}/{payment_ref}/cancel", _EXPANDED, reference=reference, send=send)

    def retrieve(self, payment_ref: str, *, time_left: float | None = None) -> PaymentResult:
        return self._result(self._intent(payment_ref, self.stripe.sender(time_left)))

    def check(self) -> list[str]:
        problems = []
        if not secret_key(self.settings).startswith(("sk_", "rk_")):
            problems.append(
                "credentials.secret_key is not a secret key (sk_… or a restricted rk_…); a publishable key"
                " (pk_…) cannot authorize, capture or refund"
            )
        try:
            self.stripe.get("/v1/balance", {}, send=self.stripe.sender(None))
        except CredentialsRejected as exc:
            problems.append(
                f"Stripe refused credentials.secret_key ({exc.status}): put a secret key from Dashboard >"
                " Developers > API keys (live or test, matching base_url) in this provider's credentials"
            )
        except OmshubError as exc:
            problems.append(str(exc))
        return problems

    def close(self) -> None:
        self.stripe.http.close()

    def _intent(self, payment_ref: str, send: Sender) -> dict[str, Any]:
        body = self.stripe.get(f"{INTENTS}/{payment_ref}", _EXPANDED, send=send)
        schema.intent(body)
        return dict(body)

    def _post(self, path: str, form: Mapping[str, str], *, reference: str, send: Sender) -> PaymentResult:
        """POST an intent operation; a card decline comes back as a failed result, not an error."""
        try:
            body = self.stripe.post(path, form, reference=reference, send=send)
        except Declined as declined:
            if declined.intent is None:
                raise FatalError(f"{path}: {declined} (Stripe named no payment_intent)") from None
            return self._result(declined.intent, declined=declined.error.reason())
        return self._result(body)

    def _result(self, raw: Mapping[str, Any], *, declined: str | None = None) -> PaymentResult:
        return mapper.payment_result(raw, authorization_days=self.options.authorization_days, declined=declined)

    def _check_capturable(self, intent: schema.Intent, amount: int) -> None:
        """Refuse, before sending, a capture Stripe would refuse or that would mislead."""
        if intent.status == "canceled":
            reason = intent.cancellation_reason or "no reason given"
            why = "it expired" if reason == "automatic" else reason
            error = AuthorizationExpired if reason == "automatic" else FatalError
            raise error(f"{intent.id}: the authorization was canceled ({why}); reauthorize or take a new payment")
        expires = mapper.expires_at(intent, authorization_days=self.options.authorization_days)
        if expires is not None and self._clock.now() >= expires:
            raise AuthorizationExpired(
                f"{intent.id}: the authorization expired at {expires.isoformat()}; a capture would fail:"
                " reauthorize or take a new payment"
            )
        capturable = schema.from_wire(intent.amount_capturable, intent.currency)
        if intent.status != "requires_capture" or amount > capturable:
            raise FatalError(
                f"{intent.id} ({intent.status}): cannot capture {format_money(amount, intent.currency)}, only"
                f" {format_money(capturable, intent.currency)} is capturable"
            )

    def _refunded_before(self, payment_ref: str, reference: str, send: Sender) -> bool:
        """Whether a refund carrying `reference` exists (made by an earlier attempt of this operation)."""
        first = self.stripe.http.build_request(
            "GET", "/v1/refunds", params={"payment_intent": payment_ref, "limit": "100"}
        )
        for page in iterate_pages(self.stripe.http, first, _REFUND_PAGES, records=_data, send=send):
            found = schema.refunds(page.records)
            if any(r.metadata.get("reference") == reference and r.status not in ("failed", "canceled") for r in found):
                return True
        return False


def _positive(amount: int, what: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise FatalError(f"{what}: the amount must be a positive number of minor units, not {amount!r}")
    return amount


def _check_refundable(intent: schema.Intent, amount: int) -> None:
    left = mapper.remaining_to_refund(intent)
    if amount > left:
        captured = schema.from_wire(intent.amount_received, intent.currency)
        raise FatalError(
            f"{intent.id}: cannot refund {format_money(amount, intent.currency)}: captured"
            f" {format_money(captured, intent.currency)}, of which {format_money(left, intent.currency)} is"
            " not refunded yet" + ("; cancel an uncaptured authorization instead" if captured == 0 else "")
        )


def _data(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise FatalError("GET /v1/refunds answered without a 'data' list")
    return list(body["data"])


STRIPE = ConnectorType(
    name="stripe",
    options=StripeOptions,
    credentials=("secret_key",),
    build=StripeConnector,
    roles=frozenset({"payment"}),
)
