"""Auth, the call-limit bucket and injected faults: what a connector's error handling must survive."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sandbox.shopify import CallLimit, Faults
from sandbox.shopify.faults import FaultPlan
from tests.sandbox.conftest import API

pytestmark = pytest.mark.anyio
INVALID = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@pytest.mark.parametrize("headers", [{"X-Shopify-Access-Token": "shpat_wrong"}, {"X-Shopify-Access-Token": ""}])
async def test_a_wrong_or_empty_token_gets_401_with_shopify_s_message(connect, headers):
    client = connect(**headers)

    response = await client.get(f"{API}/orders.json")

    assert response.status_code == 401
    assert response.json() == {"errors": INVALID}


async def test_every_response_carries_the_call_limit_and_a_full_bucket_answers_429(connect):
    client = connect(call_limit=CallLimit())

    answers = [await client.get(f"{API}/locations.json") for _ in range(41)]

    assert [r.headers["X-Shopify-Shop-Api-Call-Limit"] for r in answers[:3]] == ["1/40", "2/40", "3/40"]
    assert all(r.status_code == 200 for r in answers[:40])
    assert answers[40].status_code == 429
    assert answers[40].headers["Retry-After"] == "2.0"
    assert answers[40].headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"


async def test_the_bucket_leaks_two_calls_per_second_on_the_shop_s_clock(connect, clock):
    client = connect(call_limit=CallLimit())
    for _ in range(40):
        await client.get(f"{API}/locations.json")

    clock.advance(timedelta(seconds=1))
    two_more = [await client.get(f"{API}/locations.json") for _ in range(3)]

    assert [r.status_code for r in two_more] == [200, 200, 429]


def _fates(faults: Faults, count: int = 200) -> list[tuple[int | None, float, bool]]:
    plan = FaultPlan(faults)
    return [(f.status, f.delay, f.malformed) for f in (plan.next() for _ in range(count))]


def test_the_same_seed_draws_the_same_faults_for_the_same_requests():
    def knobs(seed: int) -> Faults:
        return Faults(seed=seed, throttle=0.1, server_error=0.1, slow=0.1, malformed=0.1, delay=0.5)

    first, again, other = _fates(knobs(4)), _fates(knobs(4)), _fates(knobs(5))

    assert first == again != other
    statuses = [status for status, _, _ in first]
    assert {429, 500, None} == set(statuses)
    assert any(delay == 0.5 for _, delay, _ in first) and any(malformed for _, _, malformed in first)


def test_no_fault_probabilities_means_no_faults():
    assert set(_fates(Faults(seed=9))) == {(None, 0.0, False)}


async def test_fail_on_fails_exactly_the_nth_request_with_the_given_status(connect):
    client = connect(faults=Faults(fail_on={2: 500, 4: 429, 5: 503}))

    answers = [await client.get(f"{API}/locations.json") for _ in range(6)]

    assert [r.status_code for r in answers] == [200, 500, 200, 429, 503, 200]
    assert answers[1].json() == {"errors": "Internal Server Error"}
    assert answers[3].headers["Retry-After"] == "2.0"
    assert all("X-Shopify-Shop-Api-Call-Limit" in r.headers for r in answers)


async def test_an_injected_throttle_carries_the_configured_retry_after(connect):
    client = connect(faults=Faults(throttle=1.0, retry_after="0.5"))

    response = await client.get(f"{API}/orders.json")

    assert (response.status_code, response.headers["Retry-After"]) == (429, "0.5")


async def test_a_malformed_response_is_a_200_whose_json_is_cut_short(connect):
    client = connect(faults=Faults(malformed=1.0))

    response = await client.get(f"{API}/orders.json", params={"status": "any"})

    assert response.status_code == 200
    assert response.text.startswith('{"orders":[')
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_a_slow_response_still_answers_in_full(connect):
    client = connect(faults=Faults(slow=1.0, delay=0.01))

    response = await client.get(f"{API}/locations.json")

    assert response.status_code == 200 and response.json()["locations"]
