"""The Stripe simulator's PaymentIntents and refunds: auth, form bodies, capture, expiry, declines, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from core.clock import FixedClock
from sandbox.server import serve_in_background
from sandbox.stripe import DEFAULT_SECRET_KEY, StripeState, build_stripe

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"}
MANUAL = {"amount": "5000", "currency": "eur", "capture_method": "manual", "confirm": "true"}


@pytest.fixture
def account(clock: FixedClock) -> tuple[httpx.AsyncClient, StripeState]:
    app, state = build_stripe(clock=clock.now, seed=3)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stripe.test", headers=AUTH), state


@pytest.fixture
async def api(account: tuple[httpx.AsyncClient, StripeState]) -> AsyncIterator[httpx.AsyncClient]:
    async with account[0] as client:
        yield client


@pytest.fixture
def state(account: tuple[httpx.AsyncClient, StripeState]) -> StripeState:
    return account[1]


async def authorize(api: httpx.AsyncClient, **fields: str) -> dict:
    response = await api.post("/v1/payment_intents", data={**MANUAL, "payment_method": "pm_card_visa", **fields})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer sk_test_wrongwrongwrong1234", "Invalid API Key provided: sk_test_***************1234"),
        ("", "You did not provide an API key."),
    ],
)
async def test_a_wrong_or_missing_key_gets_401_invalid_request_error(api, state, header, message):
    response = await api.get("/v1/payment_intents/pi_x", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.json()["error"]["message"].startswith(message)
    assert not state.calls


async def test_the_key_is_also_accepted_as_the_basic_auth_user_name(api):
    created = await authorize(api)

    response = await api.get(f"/v1/payment_intents/{created['id']}", auth=(DEFAULT_SECRET_KEY, ""), headers={})

    assert response.status_code == 200


async def test_a_confirmed_manual_intent_waits_for_capture_with_its_metadata_from_bracketed_keys(api, state):
    intent = await authorize(api, **{"metadata[order_id]": "1001", "expand[]": "latest_charge"})

    assert intent["object"] == "payment_intent"
    assert (intent["status"], intent["amount_capturable"], intent["amount_received"]) == ("requires_capture", 5000, 0)
    assert intent["metadata"] == {"order_id": "1001"}
    assert intent["latest_charge"]["object"] == "charge"
    assert intent["latest_charge"]["captured"] is False
    assert state.calls["POST /v1/payment_intents"] == 1


async def test_a_partial_capture_releases_the_rest_of_the_authorization(api, state):
    intent = await authorize(api)

    captured = await api.post(f"/v1/payment_intents/{intent['id']}/capture", data={"amount_to_capture": "3000"})

    body = captured.json()
    assert (body["status"], body["amount_received"], body["amount_capturable"]) == ("succeeded", 3000, 0)
    assert state.calls["POST /v1/payment_intents/{id}/capture"] == 1


async def test_a_non_final_capture_keeps_the_rest_capturable(api):
    intent = await authorize(api)
    path = f"/v1/payment_intents/{intent['id']}/capture"

    first = await api.post(path, data={"amount_to_capture": "2000", "final_capture": "false"})
    second = await api.post(path, data={"amount_to_capture": "3000"})

    assert (first.json()["status"], first.json()["amount_capturable"]) == ("requires_capture", 3000)
    assert (second.json()["status"], second.json()["amount_received"]) == ("succeeded", 5000)


async def test_capturing_more_than_capturable_is_a_400_invalid_request_error(api):
    intent = await authorize(api)

    response = await api.post(f"/v1/payment_intents/{intent['id']}/capture", data={"amount_to_capture": "5001"})

    error = response.json()["error"]
    assert response.status_code == 400
    assert (error["type"], error["code"]) == ("invalid_request_error", "amount_too_large")
    assert error["param"] == "amount_to_capture"


async def test_an_authorization_lapses_after_the_window_and_capture_is_refused(api, clock):
    intent = await authorize(api)
    clock.advance(timedelta(days=7))

    seen = (await api.get(f"/v1/payment_intents/{intent['id']}")).json()
    capture = await api.post(f"/v1/payment_intents/{intent['id']}/capture")

    assert (seen["status"], seen["cancellation_reason"], seen["amount_capturable"]) == ("canceled", "automatic", 0)
    assert capture.status_code == 400
    assert capture.json()["error"]["code"] == "payment_intent_unexpected_state"


async def test_an_authorization_captured_within_the_window_succeeds(api, clock):
    intent = await authorize(api)
    clock.advance(timedelta(days=6, hours=23))

    capture = await api.post(f"/v1/payment_intents/{intent['id']}/capture")

    assert capture.json()["status"] == "succeeded"


async def test_the_state_can_let_authorizations_lapse_on_demand(state, clock):
    old = state.authorize(1000)
    clock.advance(timedelta(days=8))
    young = state.authorize(1000)

    assert state.expire_authorizations() == [old.id]
    state.expire_authorization(young.id)
    assert (old.status, young.status, young.cancellation_reason) == ("canceled", "canceled", "automatic")


@pytest.mark.parametrize(
    ("payment_method", "decline_code"),
    [("pm_card_chargeDeclined", "generic_decline"), ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds")],
)
async def test_a_declining_card_gets_402_card_declined_and_the_intent_records_it(api, payment_method, decline_code):
    response = await api.post("/v1/payment_intents", data={**MANUAL, "payment_method": payment_method})

    error = response.json()["error"]
    assert response.status_code == 402
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", "card_declined", decline_code)
    stored = (await api.get(f"/v1/payment_intents/{error['payment_intent']['id']}")).json()
    assert stored["status"] == "requires_payment_method"
    assert stored["last_payment_error"]["decline_code"] == decline_code


async def test_the_state_can_make_the_next_good_card_decline(api, state):
    state.decline_next("do_not_honor")

    declined = await api.post("/v1/payment_intents", data={**MANUAL, "payment_method": "pm_card_visa"})
    accepted = await api.post("/v1/payment_intents", data={**MANUAL, "payment_method": "pm_card_visa"})

    assert declined.json()["error"]["decline_code"] == "do_not_honor"
    assert accepted.json()["status"] == "requires_capture"


async def test_cancel_releases_an_authorization_and_refuses_a_captured_intent(api):
    held, captured = await authorize(api), await authorize(api)
    await api.post(f"/v1/payment_intents/{captured['id']}/capture")

    canceled = await api.post(f"/v1/payment_intents/{held['id']}/cancel", data={"cancellation_reason": "abandoned"})
    refused = await api.post(f"/v1/payment_intents/{captured['id']}/cancel")

    assert (canceled.json()["status"], canceled.json()["cancellation_reason"]) == ("canceled", "abandoned")
    assert refused.json()["error"]["code"] == "payment_intent_unexpected_state"


async def test_refunds_stop_at_the_captured_amount_and_show_on_the_latest_charge(api):
    intent = await authorize(api)
    await api.post(f"/v1/payment_intents/{intent['id']}/capture", data={"amount_to_capture": "4000"})

    first = await api.post("/v1/refunds", data={"payment_intent": intent["id"], "amount": "1500"})
    too_much = await api.post("/v1/refunds", data={"payment_intent": intent["id"], "amount": "2501"})
    rest = await api.post("/v1/refunds", data={"payment_intent": intent["id"]})
    again = await api.post("/v1/refunds", data={"payment_intent": intent["id"], "amount": "1"})

    assert (first.json()["object"], first.json()["amount"], first.json()["status"]) == ("refund", 1500, "succeeded")
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (400, "amount_too_large")
    assert "(€25.01)" in too_much.json()["error"]["message"]
    assert rest.json()["amount"] == 2500
    assert (again.status_code, again.json()["error"]["code"]) == (400, "charge_already_refunded")
    seen = (await api.get(f"/v1/payment_intents/{intent['id']}", params={"expand[]": "latest_charge"})).json()
    # the 1,000 left uncaptured by the partial capture counts as refunded on the charge, as Stripe shows it
    assert (seen["latest_charge"]["amount_refunded"], seen["latest_charge"]["refunded"]) == (5000, True)


async def test_refunds_are_listed_per_payment_intent_newest_first(api):
    intent, other = await authorize(api), await authorize(api)
    for pi in (intent, other):
        await api.post(f"/v1/payment_intents/{pi['id']}/capture")
    ids = [(await api.post("/v1/refunds", data={"payment_intent": intent["id"], "amount": "100"})).json()["id"]]
    ids.append((await api.post("/v1/refunds", data={"payment_intent": intent["id"], "amount": "200"})).json()["id"])
    await api.post("/v1/refunds", data={"payment_intent": other["id"]})

    listed = (await api.get("/v1/refunds", params={"payment_intent": intent["id"], "limit": "1"})).json()
    after = (await api.get("/v1/refunds", params={"payment_intent": intent["id"], "starting_after": ids[1]})).json()

    assert (listed["object"], listed["has_more"], [r["id"] for r in listed["data"]]) == ("list", True, [ids[1]])
    assert [r["id"] for r in after["data"]] == [ids[0]]


async def test_an_uncaptured_intent_cannot_be_refunded(api):
    intent = await authorize(api)

    response = await api.post("/v1/refunds", data={"payment_intent": intent["id"]})

    assert (response.status_code, response.json()["error"]["code"]) == (400, "charge_not_refundable")


async def test_zero_decimal_amounts_count_whole_yen(api):
    intent = await authorize(api, amount="2480", currency="JPY")
    await api.post(f"/v1/payment_intents/{intent['id']}/capture")

    too_much = await api.post("/v1/refunds", data={"payment_intent": intent["id"], "amount": "2481"})
    too_small = await api.post("/v1/payment_intents", data={**MANUAL, "amount": "49", "currency": "jpy"})

    assert (intent["currency"], intent["amount"]) == ("jpy", 2480)
    assert "(¥2481) is greater than unrefunded amount on charge (¥2480)" in too_much.json()["error"]["message"]
    assert too_small.json()["error"]["message"] == "Amount must be at least ¥50 jpy"


async def test_an_amount_that_is_not_an_integer_is_refused_with_its_param(api):
    response = await api.post("/v1/payment_intents", data={**MANUAL, "amount": "12.50"})

    error = response.json()["error"]
    assert (response.status_code, error["code"], error["param"]) == (400, "parameter_invalid_integer", "amount")


async def test_an_unknown_intent_is_404_resource_missing(api):
    response = await api.get("/v1/payment_intents/pi_missing")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "resource_missing")


def test_the_account_serves_over_http_on_the_loopback_address(clock):

    app, state = build_stripe(clock=clock.now)
    served = serve_in_background(app)
    try:
        created = httpx.post(
            f"{served.base_url}/v1/payment_intents", data={**MANUAL, "payment_method": "pm_card_visa"}, headers=AUTH
        )
    finally:
        served.stop()

    assert created.json()["status"] == "requires_capture"
    assert state.calls["POST /v1/payment_intents"] == 1


async def test_the_balance_answers_a_valid_key_and_holds_captured_money(api):
    intent = await authorize(api)
    await api.post(f"/v1/payment_intents/{intent['id']}/capture", data={"amount_to_capture": "1200"})

    balance = (await api.get("/v1/balance")).json()

    assert (balance["object"], balance["available"][0]["amount"], balance["available"][0]["currency"]) == (
        "balance",
        1200,
        "eur",
    )
