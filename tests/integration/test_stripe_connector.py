"""The Stripe connector against respx routes fed with realistic PaymentIntent, refund and error payloads."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
from pydantic import SecretStr, ValidationError

from connectors.base import ChannelSettings
from connectors.stripe import mapper, schema
from connectors.stripe.client import StripeOptions
from connectors.stripe.connector import STRIPE, StripeConnector
from core.clock import FixedClock
from core.errors import CredentialsRejected, FatalError, RequestRejected
from core.providers import Capabilities, PaymentState

FIXTURES = Path(__file__).parent.parent / "fixtures" / "stripe"
API = "https://api.stripe.com/v1"
KEY = "sk_test_51PQx7sLkdIwHu7ixT3stK3yN0tR3al4bCdEfGhIjKlMnOpQrStUvWxYz0123456789a1B2"
PI = "pi_3PQx7sLkdIwHu7ix0b2Xc4Ra"
CREATED = datetime(2024, 6, 14, 10, 0, tzinfo=UTC)
CAPTURE_BEFORE = datetime(2024, 6, 21, 10, 0, 1, tzinfo=UTC)
NOW = datetime(2024, 6, 15, 9, 30, tzinfo=UTC)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def connector(
    sleeps: list[float] | None = None, *, now: datetime = NOW, key: str = KEY, **options: Any
) -> StripeConnector:
    settings = ChannelSettings(
        name="stripe",
        base_url="https://api.stripe.com",
        credentials={"secret_key": SecretStr(key)},
        options=StripeOptions(**options),
        location_ids={},
    )
    waits = sleeps if sleeps is not None else []
    return StripeConnector(settings, sleep=waits.append, clock=FixedClock(now))


def form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True))


def only_reads() -> bool:
    """No POST was sent (an unmocked one would have failed the test anyway)."""
    return all(call.request.method == "GET" for call in respx.calls)


def intent_route(name: str, payment_ref: str = PI) -> respx.Route:
    return respx.get(f"{API}/payment_intents/{payment_ref}").mock(return_value=httpx.Response(200, json=fixture(name)))


def captured(amount: int) -> dict[str, Any]:
    """The EUR intent after a single capture of `amount` (Stripe releases the rest)."""
    body = fixture("pi_requires_capture_eur")
    body.update(status="succeeded", amount_capturable=0, amount_received=amount)
    body["latest_charge"].update(amount_captured=amount, amount_refunded=10000 - amount, captured=True)
    return body


# --- authorize ----------------------------------------------------------------------------------------------------


@respx.mock
def test_authorize_posts_a_manual_capture_intent_as_a_bracketed_form_with_the_reference_as_idempotency_key():
    route = respx.post(f"{API}/payment_intents").mock(
        return_value=httpx.Response(200, json=fixture("pi_requires_capture_eur"))
    )
    method = "pm_1PQx7rLkdIwHu7ixk3Hn8sDe"
    result = connector().authorize(10000, "EUR", reference="pay-1001-auth", payment_method=method)
    sent = route.calls.last.request
    assert form(sent) == {
        "amount": "10000",
        "currency": "eur",
        "capture_method": "manual",
        "confirm": "true",
        "payment_method": method,
        "metadata[reference]": "pay-1001-auth",
        "expand[]": "latest_charge",
    }
    assert b"metadata%5Breference%5D=pay-1001-auth" in sent.content
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["Idempotency-Key"] == "pay-1001-auth"
    assert sent.headers["Stripe-Version"] == "2024-06-20"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert (result.provider_ref, result.state, result.currency) == (PI, PaymentState.authorized, "EUR")
    assert (result.authorized, result.captured, result.refunded) == (10000, 0, 0)
    assert result.expires_at == CAPTURE_BEFORE  # the card network's capture_before wins over the default days
    assert result.raw["client_secret"].startswith(PI)  # the whole intent, not only the fields read


@respx.mock
def test_a_yen_amount_is_sent_in_whole_yen_and_expires_after_the_configured_days_when_stripe_gives_no_date():
    route = respx.post(f"{API}/payment_intents").mock(
        return_value=httpx.Response(200, json=fixture("pi_requires_capture_jpy"))
    )
    result = connector(authorization_days=5).authorize(2480, "JPY", reference="pay-2002-auth", payment_method="pm_1")
    assert (form(route.calls.last.request)["amount"], form(route.calls.last.request)["currency"]) == ("2480", "jpy")
    assert (result.state, result.currency, result.authorized) == (PaymentState.authorized, "JPY", 2480)
    assert result.expires_at == CREATED + timedelta(days=5)


@respx.mock
def test_the_stripe_version_is_pinned_by_the_option():
    route = respx.post(f"{API}/payment_intents").mock(
        return_value=httpx.Response(200, json=fixture("pi_requires_capture_eur"))
    )
    connector(api_version="2023-10-16").authorize(10000, "EUR", reference="pay-1001-auth", payment_method="pm_1")
    assert route.calls.last.request.headers["Stripe-Version"] == "2023-10-16"


@pytest.mark.parametrize(
    ("amount", "currency", "wire"),
    [(1999, "EUR", 1999), (2480, "JPY", 2480), (12350, "KWD", 12350), (5, "ISK", 500), (150000, "MGA", 1500)],
)
def test_hub_minor_units_become_the_units_stripe_counts_and_back(amount, currency, wire):
    assert schema.to_wire(amount, currency) == wire
    assert schema.from_wire(wire, currency) == amount


def test_an_amount_stripe_cannot_take_in_a_three_decimal_currency_is_refused_before_any_request():
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{API}/payment_intents")
        with pytest.raises(FatalError, match="multiples of 10"):
            connector().authorize(12345, "KWD", reference="pay-3003-auth", payment_method="pm_1")
        assert not route.called


@respx.mock
def test_a_card_decline_is_returned_as_a_failed_result_not_raised():
    respx.post(f"{API}/payment_intents").mock(return_value=httpx.Response(402, json=fixture("error_card_declined")))
    sleeps: list[float] = []
    result = connector(sleeps).authorize(10000, "EUR", reference="pay-1002-auth", payment_method="pm_card_declined")
    assert result.state is PaymentState.failed
    assert result.declined == "card_declined: insufficient_funds"
    assert (result.provider_ref, result.authorized, result.captured) == ("pi_3PQy2kLkdIwHu7ix1bV0nM7e", 0, 0)
    assert respx.calls.call_count == 1 and sleeps == []


# --- capture ------------------------------------------------------------------------------------------------------


@respx.mock
def test_a_partial_capture_sends_amount_to_capture_and_the_released_rest_is_not_a_refund():
    intent_route("pi_requires_capture_eur")
    route = respx.post(f"{API}/payment_intents/{PI}/capture").mock(
        return_value=httpx.Response(200, json=captured(6000))
    )
    result = connector().capture(PI, 6000, reference="pay-1001-capture-1")
    sent = route.calls.last.request
    assert form(sent) == {
        "amount_to_capture": "6000",
        "metadata[pay-1001-capture-1]": "6000",
        "expand[]": "latest_charge",
    }
    assert sent.headers["Idempotency-Key"] == "pay-1001-capture-1"
    assert result.state is PaymentState.partially_captured
    assert (result.authorized, result.captured, result.refunded, result.expires_at) == (10000, 6000, 0, None)


@respx.mock
def test_with_multicapture_a_capture_keeps_the_rest_of_the_authorization_open():
    intent_route("pi_requires_capture_eur")
    after = fixture("pi_requires_capture_eur")
    after.update(amount_capturable=6000, amount_received=4000)
    after["latest_charge"].update(amount_captured=4000)
    route = respx.post(f"{API}/payment_intents/{PI}/capture").mock(return_value=httpx.Response(200, json=after))
    stripe = connector(multicapture=True)
    result = stripe.capture(PI, 4000, reference="pay-1001-capture-1")
    assert stripe.capabilities == Capabilities(partial_capture=True, multiple_captures=True)
    assert form(route.calls.last.request)["final_capture"] == "false"
    assert (result.state, result.captured, result.expires_at) == (PaymentState.partially_captured, 4000, CAPTURE_BEFORE)


@respx.mock
def test_capturing_more_than_is_capturable_is_refused_without_a_request():
    intent_route("pi_requires_capture_eur")
    with pytest.raises(FatalError, match=r"cannot capture 100\.01 EUR, only 100\.00 EUR is capturable"):
        connector().capture(PI, 10001, reference="pay-1001-capture-1")
    assert only_reads()


@respx.mock
def test_a_second_capture_on_a_single_capture_authorization_is_refused_without_a_request():
    respx.get(f"{API}/payment_intents/{PI}").mock(return_value=httpx.Response(200, json=captured(6000)))
    with pytest.raises(FatalError, match=r"\(succeeded\): cannot capture 40\.00 EUR, only 0\.00 EUR"):
        connector().capture(PI, 4000, reference="pay-1001-capture-2")
    assert only_reads()


@respx.mock
def test_capturing_an_authorization_stripe_canceled_on_expiry_is_refused_naming_the_expiry():
    intent_route("pi_canceled_expired_eur")
    with pytest.raises(FatalError, match=r"canceled \(it expired\); reauthorize"):
        connector().capture(PI, 6000, reference="pay-1001-capture-1")
    assert only_reads()


@respx.mock
def test_capturing_after_the_capture_before_time_is_refused_even_while_stripe_still_shows_requires_capture():
    intent_route("pi_requires_capture_eur")
    with pytest.raises(FatalError, match="expired at 2024-06-21T10:00:01"):
        connector(now=CAPTURE_BEFORE).capture(PI, 6000, reference="pay-1001-capture-1")
    assert only_reads()


@respx.mock
def test_a_capture_replayed_after_it_succeeded_returns_the_payment_without_capturing_again():
    respx.get(f"{API}/payment_intents/{PI}").mock(
        return_value=httpx.Response(200, json=fixture("pi_succeeded_partially_captured_eur"))
    )
    result = connector().capture(PI, 6000, reference="pay-1001-capture-1")
    assert (result.state, result.captured) == (PaymentState.partially_captured, 6000)
    assert only_reads()


# --- retries and errors -------------------------------------------------------------------------------------------


@respx.mock
def test_a_500_then_success_is_retried_with_the_same_idempotency_key():
    intent_route("pi_requires_capture_eur")
    server_error = {"error": {"type": "api_error", "message": "An unknown error occurred"}}
    route = respx.post(f"{API}/payment_intents/{PI}/capture").mock(
        side_effect=[httpx.Response(500, json=server_error), httpx.Response(200, json=captured(10000))]
    )
    sleeps: list[float] = []
    result = connector(sleeps).capture(PI, 10000, reference="pay-1001-capture-1")
    keys = [call.request.headers["Idempotency-Key"] for call in route.calls]
    assert keys == ["pay-1001-capture-1", "pay-1001-capture-1"]
    assert form(route.calls[0].request) == form(route.calls[1].request)
    assert (result.state, result.captured, len(sleeps)) == (PaymentState.captured, 10000, 1)


@respx.mock
def test_a_timeout_after_sending_is_retried_with_the_same_key_because_stripe_replays_the_first_result():
    route = respx.post(f"{API}/payment_intents").mock(
        side_effect=[httpx.ReadTimeout("read timed out"), httpx.Response(200, json=fixture("pi_requires_capture_eur"))]
    )
    result = connector().authorize(10000, "EUR", reference="pay-1001-auth", payment_method="pm_1")
    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == ["pay-1001-auth"] * 2
    assert result.state is PaymentState.authorized


@respx.mock
def test_a_409_for_a_key_still_in_use_is_retried_with_the_same_key():
    intent_route("pi_requires_capture_eur")
    route = respx.post(f"{API}/payment_intents/{PI}/capture").mock(
        side_effect=[httpx.Response(409, json=fixture("error_key_in_use")), httpx.Response(200, json=captured(6000))]
    )
    sleeps: list[float] = []
    result = connector(sleeps).capture(PI, 6000, reference="pay-1001-capture-1")
    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == ["pay-1001-capture-1"] * 2
    assert (result.captured, len(sleeps)) == (6000, 1)


@respx.mock
def test_a_429_lock_timeout_waits_as_asked_and_retries():
    lock = {
        "error": {
            "type": "invalid_request_error",
            "code": "lock_timeout",
            "message": "This object cannot be accessed right now because another API request or Stripe process"
            " is currently accessing it.",
        }
    }
    route = respx.post(f"{API}/payment_intents").mock(
        side_effect=[
            httpx.Response(429, json=lock, headers={"Retry-After": "2", "Stripe-Should-Retry": "true"}),
            httpx.Response(200, json=fixture("pi_requires_capture_eur")),
        ]
    )
    sleeps: list[float] = []
    connector(sleeps).authorize(10000, "EUR", reference="pay-1001-auth", payment_method="pm_1")
    assert route.call_count == 2 and sleeps[0] >= 2


@respx.mock
def test_an_idempotency_error_is_fatal_and_names_the_type_without_a_retry():
    intent_route("pi_requires_capture_eur")
    route = respx.post(f"{API}/payment_intents/{PI}/capture").mock(
        return_value=httpx.Response(400, json=fixture("error_idempotency"))
    )
    with pytest.raises(RequestRejected, match="answered 400: Stripe idempotency_error") as caught:
        connector().capture(PI, 5000, reference="pay-1001-capture-1")
    assert "used before with other parameters" in str(caught.value)
    assert route.call_count == 1


@respx.mock
def test_an_invalid_request_error_names_its_code_and_param():
    intent_route("pi_requires_capture_eur")
    respx.post(f"{API}/payment_intents/{PI}/capture").mock(
        return_value=httpx.Response(400, json=fixture("error_invalid_amount"))
    )
    with pytest.raises(
        FatalError, match=r"invalid_request_error parameter_invalid_integer \(param amount_to_capture\)"
    ):
        connector().capture(PI, 5000, reference="pay-1001-capture-1")


@respx.mock
def test_a_refused_key_is_credentials_rejected_and_the_key_is_in_no_message():
    respx.get(f"{API}/payment_intents/{PI}").mock(return_value=httpx.Response(401, json=fixture("error_invalid_key")))
    respx.get(f"{API}/balance").mock(return_value=httpx.Response(401, json=fixture("error_invalid_key")))
    stripe = connector()
    with pytest.raises(CredentialsRejected) as caught:
        stripe.retrieve(PI)
    problems = stripe.check()
    assert KEY not in str(caught.value) and KEY[8:] not in str(caught.value)
    assert len(problems) == 1 and "credentials.secret_key" in problems[0] and KEY not in problems[0]


# --- refund and cancel --------------------------------------------------------------------------------------------


@respx.mock
def test_a_refund_posts_the_intent_and_amount_and_reports_the_payment_partially_refunded():
    respx.get(f"{API}/payment_intents/{PI}").mock(
        side_effect=[
            httpx.Response(200, json=captured(10000)),
            httpx.Response(200, json=fixture("pi_succeeded_partially_refunded_eur")),
        ]
    )
    listed = respx.get(f"{API}/refunds").mock(
        return_value=httpx.Response(200, json={"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"})
    )
    route = respx.post(f"{API}/refunds").mock(return_value=httpx.Response(200, json=fixture("refund_eur")))
    result = connector().refund(PI, 2500, reference="pay-1001-refund-1")
    assert dict(listed.calls.last.request.url.params) == {"payment_intent": PI, "limit": "100"}
    assert form(route.calls.last.request) == {
        "payment_intent": PI,
        "amount": "2500",
        "metadata[reference]": "pay-1001-refund-1",
    }
    assert route.calls.last.request.headers["Idempotency-Key"] == "pay-1001-refund-1"
    assert (result.state, result.captured, result.refunded) == (PaymentState.partially_refunded, 10000, 2500)


@respx.mock
def test_refunding_more_than_captured_less_refunded_is_refused_without_a_request():
    body = fixture("pi_succeeded_partially_captured_eur")
    body["latest_charge"]["amount_refunded"] = 4000 + 2500  # 25.00 of the 60.00 captured went back already
    respx.get(f"{API}/payment_intents/{PI}").mock(return_value=httpx.Response(200, json=body))
    respx.get(f"{API}/refunds").mock(return_value=httpx.Response(200, json=fixture("refunds_list_eur")))
    with pytest.raises(FatalError, match=r"cannot refund 40\.00 EUR: captured 60\.00 EUR, of which 35\.00 EUR"):
        connector().refund(PI, 4000, reference="pay-1001-refund-2")
    assert only_reads()


@respx.mock
def test_refunding_an_uncaptured_authorization_is_refused_with_a_pointer_to_cancel():
    intent_route("pi_requires_capture_eur")
    respx.get(f"{API}/refunds").mock(
        return_value=httpx.Response(200, json={"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"})
    )
    with pytest.raises(FatalError, match="cancel an uncaptured authorization instead"):
        connector().refund(PI, 1000, reference="pay-1001-refund-1")


@respx.mock
def test_a_refund_replayed_after_it_was_made_returns_the_payment_without_refunding_again():
    body = captured(10000)
    body["latest_charge"]["amount_refunded"] = 10000
    intent_route_body = respx.get(f"{API}/payment_intents/{PI}").mock(return_value=httpx.Response(200, json=body))
    refund = fixture("refund_eur") | {"amount": 10000}
    respx.get(f"{API}/refunds").mock(
        return_value=httpx.Response(200, json=fixture("refunds_list_eur") | {"data": [refund]})
    )
    result = connector().refund(PI, 10000, reference="pay-1001-refund-1")
    assert (result.state, result.refunded) == (PaymentState.refunded, 10000)
    assert only_reads() and intent_route_body.call_count == 1


@respx.mock
def test_cancel_releases_the_authorization_with_the_reference_as_key():
    intent_route("pi_requires_capture_eur")
    route = respx.post(f"{API}/payment_intents/{PI}/cancel").mock(
        return_value=httpx.Response(200, json=fixture("pi_canceled_expired_eur") | {"cancellation_reason": None})
    )
    result = connector().cancel(PI, reference="pay-1001-cancel")
    assert route.calls.last.request.headers["Idempotency-Key"] == "pay-1001-cancel"
    assert (result.state, result.refunded, result.expires_at) == (PaymentState.canceled, 0, None)


@respx.mock
def test_cancelling_a_canceled_authorization_sends_nothing_and_a_captured_one_is_refused():
    intent_route("pi_canceled_expired_eur")
    assert connector().cancel(PI, reference="pay-1001-cancel").state is PaymentState.canceled
    respx.get(f"{API}/payment_intents/{PI}").mock(return_value=httpx.Response(200, json=captured(10000)))
    with pytest.raises(FatalError, match="refund it"):
        connector().cancel(PI, reference="pay-1001-cancel")
    assert only_reads()


# --- retrieve, mapping, check -------------------------------------------------------------------------------------


@respx.mock
def test_retrieve_expands_the_latest_charge_for_refunds_and_expiry():
    route = intent_route("pi_succeeded_partially_refunded_eur")
    result = connector().retrieve(PI)
    assert route.calls.last.request.url.params["expand[]"] == "latest_charge"
    assert (result.state, result.authorized, result.captured, result.refunded) == (
        PaymentState.partially_refunded,
        10000,
        10000,
        2500,
    )


def _with(name: str, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(fixture(name))
    charge = changes.pop("charge", {})
    body.update(changes)
    if charge:
        body["latest_charge"].update(charge)
    return body


@pytest.mark.parametrize(
    ("body", "state", "amounts"),
    [
        (_with("pi_requires_capture_eur"), PaymentState.authorized, (10000, 0, 0)),
        (_with("pi_succeeded_partially_captured_eur"), PaymentState.partially_captured, (10000, 6000, 0)),
        (
            _with("pi_succeeded_partially_captured_eur", charge={"amount_refunded": 10000}),
            PaymentState.refunded,
            (10000, 6000, 6000),
        ),
        (captured(10000), PaymentState.captured, (10000, 10000, 0)),
        (_with("pi_succeeded_partially_refunded_eur"), PaymentState.partially_refunded, (10000, 10000, 2500)),
        (_with("pi_canceled_expired_eur"), PaymentState.canceled, (10000, 0, 0)),
        (fixture("error_card_declined")["error"]["payment_intent"], PaymentState.failed, (0, 0, 0)),
        (
            _with("pi_requires_capture_eur", status="requires_action", amount_capturable=0, latest_charge=None),
            PaymentState.requires_action,
            (0, 0, 0),
        ),
    ],
)
def test_each_intent_status_maps_to_one_payment_state_with_amounts_in_minor_units(body, state, amounts):
    result = mapper.payment_result(body, authorization_days=7)
    assert (result.state, (result.authorized, result.captured, result.refunded)) == (state, amounts)


def test_a_failed_intent_carries_the_decline_reason_from_its_last_payment_error():
    body = fixture("error_card_declined")["error"]["payment_intent"]
    assert mapper.payment_result(body, authorization_days=7).declined == "card_declined: insufficient_funds"


def test_an_answer_that_is_not_a_payment_intent_is_fatal():
    with pytest.raises(FatalError, match="other than a payment_intent"):
        mapper.payment_result({"object": "charge", "id": "ch_1"}, authorization_days=7)


@respx.mock
def test_check_reads_the_balance_and_finds_nothing_wrong_with_a_working_key():
    route = respx.get(f"{API}/balance").mock(return_value=httpx.Response(200, json=fixture("balance")))
    assert connector().check() == []
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"


@respx.mock
def test_check_names_a_publishable_key_without_repeating_it():
    respx.get(f"{API}/balance").mock(return_value=httpx.Response(200, json=fixture("balance")))
    publishable = "pk_test_51PQx7sLkdIwHu7ixPubl1shab1eKeyAbCdEf"
    problems = connector(key=publishable).check()
    assert len(problems) == 1 and "pk_" in problems[0] and publishable not in problems[0]


def test_the_connector_type_declares_a_payment_processor_and_forbids_unknown_options():
    settings = ChannelSettings(
        name="stripe",
        base_url="https://api.stripe.com",
        credentials={"secret_key": SecretStr(KEY)},
        options=STRIPE.options.model_validate({"multicapture": False}),
        location_ids={},
    )
    built = STRIPE.build(settings, None)
    assert isinstance(built, StripeConnector) and STRIPE.credentials == ("secret_key",)
    assert built.payments is built and built.orders is None and built.fulfillment is None
    assert built.capabilities == Capabilities(partial_capture=True, multiple_captures=False)
    built.close()
    with pytest.raises(ValidationError):
        STRIPE.options.model_validate({"authorisation_days": 7})


@respx.mock
def test_an_additional_charge_uses_the_saved_payment_method_through_its_customer_off_session():
    route = respx.post(f"{API}/payment_intents").mock(
        return_value=httpx.Response(200, json=fixture("pi_requires_capture_eur"))
    )
    connector().authorize(857, "EUR", reference="chg-7-1", payment_method="pm_1", customer="cus_QxR2")
    sent = form(route.calls.last.request)
    assert (sent["customer"], sent["off_session"], sent["payment_method"]) == ("cus_QxR2", "true", "pm_1")
