"""The Stripe simulator's Idempotency-Key replays, refusals and in-flight conflicts; faults; determinism."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from core.clock import FixedClock
from sandbox.shopify.faults import Faults
from sandbox.stripe import DEFAULT_SECRET_KEY, StripeState, build_stripe

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"}
MANUAL = {"amount": "5000", "currency": "eur", "capture_method": "manual", "confirm": "true"}


def open_account(clock: FixedClock, *, seed: int = 3, faults: Faults | None = None):
    app, state = build_stripe(clock=clock.now, seed=seed, faults=faults)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stripe.test", headers=AUTH)
    return client, state


@pytest.fixture
def account(clock: FixedClock) -> tuple[httpx.AsyncClient, StripeState]:
    return open_account(clock)


@pytest.fixture
async def api(account) -> AsyncIterator[httpx.AsyncClient]:
    async with account[0] as client:
        yield client


@pytest.fixture
def state(account) -> StripeState:
    return account[1]


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def captured_intent(api: httpx.AsyncClient) -> str:
    created = (await api.post("/v1/payment_intents", data={**MANUAL, "payment_method": "pm_card_visa"})).json()
    await api.post(f"/v1/payment_intents/{created['id']}/capture")
    return str(created["id"])


async def test_a_retried_refund_with_the_same_key_is_replayed_not_refunded_twice(api, state):
    intent = await captured_intent(api)
    data = {"payment_intent": intent, "amount": "1000"}

    first = await api.post("/v1/refunds", data=data, headers=keyed("order-1:refund:1"))
    again = await api.post("/v1/refunds", data=data, headers=keyed("order-1:refund:1"))

    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(state.refunds) == 1
    assert state.charges[state.intents[intent].latest_charge].amount_refunded == 1000


async def test_an_error_from_execution_is_saved_and_replayed_for_its_key(api, state):
    intent = await captured_intent(api)
    data = {"payment_intent": intent, "amount": "9999"}

    first = await api.post("/v1/refunds", data=data, headers=keyed("too-much"))
    again = await api.post("/v1/refunds", data=data, headers=keyed("too-much"))

    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()
    assert first.json()["error"]["code"] == "amount_too_large"


async def test_a_declined_card_is_replayed_even_after_the_card_would_pass(api, state):
    state.decline_next("insufficient_funds")
    data = {**MANUAL, "payment_method": "pm_card_visa"}

    first = await api.post("/v1/payment_intents", data=data, headers=keyed("checkout-7"))
    again = await api.post("/v1/payment_intents", data=data, headers=keyed("checkout-7"))

    assert first.status_code == again.status_code == 402
    assert again.json() == first.json()
    assert len(state.intents) == 1


async def test_a_parameter_validation_failure_is_not_saved_under_its_key(api):
    bad = await api.post("/v1/payment_intents", data={**MANUAL, "amount": "abc"}, headers=keyed("k"))
    good = await api.post("/v1/payment_intents", data={**MANUAL, "payment_method": "pm_card_visa"}, headers=keyed("k"))

    assert bad.status_code == 400
    assert good.status_code == 200


async def test_the_same_key_with_other_parameters_is_an_idempotency_error(api):
    intent = await captured_intent(api)
    await api.post("/v1/refunds", data={"payment_intent": intent, "amount": "100"}, headers=keyed("r"))

    other = await api.post("/v1/refunds", data={"payment_intent": intent, "amount": "200"}, headers=keyed("r"))
    elsewhere = await api.post(f"/v1/payment_intents/{intent}/cancel", headers=keyed("r"))

    assert (other.status_code, other.json()["error"]["type"]) == (400, "idempotency_error")
    assert (elsewhere.status_code, elsewhere.json()["error"]["type"]) == (400, "idempotency_error")


async def test_a_request_while_its_key_is_in_flight_gets_409_and_the_first_executes_once(api, state):
    intent = (await api.post("/v1/payment_intents", data={**MANUAL, "payment_method": "pm_card_visa"})).json()["id"]
    state.execution_time = 0.05
    path, data = f"/v1/payment_intents/{intent}/capture", {"amount_to_capture": "1000"}

    first, second = await asyncio.gather(
        api.post(path, data=data, headers=keyed("cap")),
        api.post(path, data=data, headers=keyed("cap")),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 409]
    conflict = first if first.status_code == 409 else second
    assert conflict.json()["error"]["code"] == "idempotency_key_in_use"
    assert conflict.headers["Stripe-Should-Retry"] == "true"
    state.execution_time = 0.0
    replay = await api.post(path, data=data, headers=keyed("cap"))
    assert (replay.status_code, replay.json()["amount_received"]) == (200, 1000)


async def test_a_key_older_than_a_day_executes_anew(api, state, clock):
    intent = await captured_intent(api)
    data = {"payment_intent": intent, "amount": "100"}
    await api.post("/v1/refunds", data=data, headers=keyed("old"))
    clock.advance(timedelta(hours=24))

    again = await api.post("/v1/refunds", data=data, headers=keyed("old"))

    assert "Idempotent-Replayed" not in again.headers
    assert len(state.refunds) == 2


async def test_throttling_and_server_faults_answer_as_stripe_with_should_retry(clock):
    client, state = open_account(clock, faults=Faults(fail_on={1: 429, 2: 500}))
    async with client:
        throttled = await client.get("/v1/refunds")
        crashed = await client.get("/v1/refunds")
        fine = await client.get("/v1/refunds")

    assert (throttled.status_code, throttled.json()["error"]["code"]) == (429, "rate_limit")
    assert throttled.headers["Stripe-Should-Retry"] == "true"
    assert (crashed.status_code, crashed.json()["error"]["type"]) == (500, "api_error")
    assert fine.status_code == 200
    assert state.calls["GET /v1/refunds"] == 1


async def test_a_slow_fault_holds_the_answer_back(clock):
    client, _ = open_account(clock, faults=Faults(slow=1.0, delay=0.05))
    loop = asyncio.get_running_loop()
    async with client:
        started = loop.time()
        response = await client.get("/v1/refunds")

    assert response.status_code == 200
    assert loop.time() - started >= 0.05


async def test_the_same_seed_and_requests_give_the_same_ids_and_bodies(clock):
    async def run(seed: int) -> list[dict]:
        client, _ = open_account(clock, seed=seed)
        async with client:
            data = {**MANUAL, "payment_method": "pm_card_visa"}
            intent = (await client.post("/v1/payment_intents", data=data)).json()
            await client.post(f"/v1/payment_intents/{intent['id']}/capture")
            refund = (await client.post("/v1/refunds", data={"payment_intent": intent["id"]})).json()
        return [intent, refund]

    first, again, other = await run(5), await run(5), await run(6)

    assert first == again
    assert first[0]["id"] != other[0]["id"]
