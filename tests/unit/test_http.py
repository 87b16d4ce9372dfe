"""The HTTP outcome mapping and the retry loop, against mocked transports; nothing sleeps for real."""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from connectors.http import (
    Deadline,
    HttpSettings,
    RetryPolicy,
    error_for_response,
    error_for_transport,
    is_idempotent,
    json_body,
    make_client,
    parse_retry_after,
    send,
)
from core.clock import FixedClock
from core.errors import (
    CredentialsRejected,
    FatalError,
    OmshubError,
    PoolExhausted,
    RateLimited,
    RequestRejected,
    RetryableError,
    SkippableRecord,
    Timeout,
    UnknownOutcome,
)

SHOP = "https://acme-outdoor.myshopify.com/admin/api/2024-10"
TOKEN = "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"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
JSON = {"Content-Type": "application/json; charset=utf-8"}
POLICY = RetryPolicy(max_attempts=4, backoff_base=1.0, backoff_cap=30.0, max_retry_after=120.0)


class Script:
    """A transport handler that answers from a list: a Response, or an httpx exception class to raise."""

    def __init__(self, *outcomes: httpx.Response | type[httpx.RequestError]) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, httpx.Response):
            return outcome
        raise outcome("timed out" if issubclass(outcome, httpx.TimeoutException) else "", request=request)


class FakeTime:
    """A monotonic clock that only moves when the retry loop sleeps; every wait is recorded."""

    def __init__(self) -> None:
        self.now = 5_000.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def shop_client(script: Script) -> httpx.Client:
    headers = {"X-Shopify-Access-Token": TOKEN}
    return make_client(HttpSettings(base_url=SHOP), headers=headers, transport=httpx.MockTransport(script))


def call(script: Script, request: httpx.Request | None = None, **options: object) -> httpx.Response:
    client = shop_client(script)
    fake = options.pop("time", None) or FakeTime()
    assert isinstance(fake, FakeTime)
    request = request or client.build_request("GET", "/orders.json", params={"status": "any", "limit": 250})
    kwargs = {"policy": POLICY, "sleep": fake.sleep, "clock": FixedClock(NOW), **options}
    return send(client, request, **kwargs)  # type: ignore[arg-type]


def throttled(retry_after: str = "2.0") -> httpx.Response:
    body = {
        "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
    }
    headers = {**JSON, "Retry-After": retry_after, "X-Shopify-Shop-Api-Call-Limit": "40/40"}
    return httpx.Response(429, json=body, headers=headers)


def ok(body: object | None = None) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"orders": []}, headers=JSON)


def answer(status: int, body: object | None = None, **headers: str) -> httpx.Response:
    request = httpx.Request("GET", f"{SHOP}/orders.json", headers={"X-Shopify-Access-Token": TOKEN})
    return httpx.Response(status, json=body or {"errors": "x"}, headers={**JSON, **headers}, request=request)


def http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


# --- status mapping ---------------------------------------------------------------------------------------------


def test_a_2xx_answer_is_returned_after_one_attempt() -> None:
    script = Script(ok({"orders": [{"id": 450789469}]}))
    assert call(script).json() == {"orders": [{"id": 450789469}]}
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        ("2.0", 2.0),
        ("1.5", 1.5),
        (" 3 ", 3.0),
        (http_date(NOW + timedelta(seconds=30)), 30.0),
        (http_date(NOW - timedelta(minutes=5)), 0.0),
        ("-1", None),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_fractional_seconds_or_an_http_date(value: str | None, seconds: float) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_429_is_rate_limited_with_the_retry_after_of_the_answer() -> None:
    error = error_for_response(answer(429, **{"Retry-After": "2.0"}), idempotent=True, clock=FixedClock(NOW))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 2.0


def test_429_with_an_http_date_is_measured_from_the_injected_clock() -> None:
    retry_at = http_date(NOW + timedelta(seconds=45))
    error = error_for_response(answer(429, **{"Retry-After": retry_at}), idempotent=True, clock=FixedClock(NOW))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 45.0


def test_429_without_retry_after_is_rate_limited_with_no_wait_given() -> None:
    body = {"error": {"code": "rate_limit", "type": "invalid_request_error", "message": "Too many requests."}}
    error = error_for_response(answer(429, body), idempotent=True, clock=FixedClock(NOW))
    assert isinstance(error, RateLimited)
    assert error.retry_after is None


def test_brightpearl_503_with_its_throttle_period_in_milliseconds_is_rate_limited() -> None:
    headers = {"brightpearl-requests-remaining": "0", "brightpearl-next-throttle-period": "1500"}
    body = {"response": "You have sent too many requests. Please wait before sending another request"}
    error = error_for_response(answer(503, body, **headers), idempotent=False, clock=FixedClock(NOW))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 1.5


def test_brightpearls_throttle_header_on_a_success_is_not_an_error() -> None:
    headers = {"brightpearl-requests-remaining": "150", "brightpearl-next-throttle-period": "41000"}
    assert error_for_response(answer(200, {"response": 12}, **headers), idempotent=True, clock=FixedClock(NOW)) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_failures_on_a_get_are_retryable_but_not_rate_limits(status: int) -> None:
    error = error_for_response(answer(status), idempotent=True, clock=FixedClock(NOW))
    assert type(error) is RetryableError


def test_a_503_with_retry_after_carries_the_wait() -> None:
    error = error_for_response(answer(503, **{"Retry-After": "30"}), idempotent=True, clock=FixedClock(NOW))
    assert isinstance(error, RetryableError)
    assert error.retry_after == 30.0


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}),
        (403, {"errors": "[API] This action requires merchant approval for read_all_orders scope."}),
    ],
)
def test_401_and_403_are_fatal_and_say_to_check_credentials_and_scopes(status: int, body: object) -> None:
    error = error_for_response(answer(status, body), idempotent=True, clock=FixedClock(NOW))
    assert isinstance(error, CredentialsRejected)
    assert error.status == status
    assert "credentials or their scopes" in str(error)
    assert "check the token" in str(error)


def test_other_4xx_are_fatal_with_the_status_and_a_short_excerpt_of_the_body() -> None:
    body = {"errors": {"line_items": ["is invalid"], "note": ["is too long " + "x" * 500]}}
    error = error_for_response(answer(422, body), idempotent=True, clock=FixedClock(NOW))
    assert isinstance(error, RequestRejected)
    assert error.status == 422
    assert error.excerpt.startswith('{"errors":{"line_items":["is invalid"]')
    assert len(error.excerpt) <= 201
    assert "answered 422" in str(error)


@pytest.mark.parametrize("status", [301, 400, 404, 409, 413, 501])
def test_statuses_that_retrying_cannot_fix_are_request_rejected(status: int) -> None:
    assert isinstance(error_for_response(answer(status), idempotent=True, clock=FixedClock(NOW)), RequestRejected)


def test_stripe_should_retry_true_makes_a_409_retryable_and_false_makes_a_500_final() -> None:
    conflict = answer(409, {"error": {"type": "idempotency_error"}}, **{"Stripe-Should-Retry": "true"})
    final = answer(500, {"error": {"type": "api_error"}}, **{"Stripe-Should-Retry": "false"})
    assert type(error_for_response(conflict, idempotent=True, clock=FixedClock(NOW))) is RetryableError
    assert isinstance(error_for_response(final, idempotent=True, clock=FixedClock(NOW)), RequestRejected)


def test_a_4xx_is_not_retried() -> None:
    script = Script(httpx.Response(404, json={"errors": "Not Found"}, headers=JSON), ok())
    with pytest.raises(RequestRejected, match="answered 404"):
        call(script)
    assert len(script.requests) == 1


def test_a_body_that_is_not_json_is_retryable_not_a_skippable_record() -> None:
    html = httpx.Response(
        200, text="<html><body>Down for maintenance</body></html>", headers={"Content-Type": "text/html"}
    )
    html.request = httpx.Request("GET", f"{SHOP}/orders.json")
    with pytest.raises(RetryableError, match="not JSON") as caught:
        json_body(html)
    assert not isinstance(caught.value, SkippableRecord)


# --- timeouts, transport errors and idempotency -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (httpx.Request("GET", SHOP), True),
        (httpx.Request("PUT", SHOP), True),
        (httpx.Request("DELETE", SHOP), True),
        (httpx.Request("POST", SHOP), False),
        (httpx.Request("PATCH", SHOP), False),
        (httpx.Request("POST", SHOP, headers={"Idempotency-Key": "ord_81:capture:shp_2"}), True),
    ],
)
def test_idempotency_follows_the_method_and_an_idempotency_key(request_: httpx.Request, expected: bool) -> None:
    assert is_idempotent(request_) is expected


def test_a_read_timeout_on_a_get_is_a_sent_timeout_and_is_retried() -> None:
    script = Script(httpx.ReadTimeout, ok())
    call(script)
    assert len(script.requests) == 2


def test_a_read_timeout_that_never_clears_ends_with_the_timeout_itself() -> None:
    script = Script(*[httpx.ReadTimeout] * 4)
    with pytest.raises(Timeout) as caught:
        call(script)
    assert caught.value.sent is True
    assert len(script.requests) == POLICY.max_attempts


def test_a_connect_timeout_is_retried_even_for_a_post_because_nothing_was_sent() -> None:
    script = Script(httpx.ConnectTimeout, httpx.Response(201, json={"fulfillment": {"id": 255858046}}, headers=JSON))
    request = httpx.Request(
        "POST", f"{SHOP}/fulfillments.json", json={"fulfillment": {"line_items_by_fulfillment_order": []}}
    )
    assert call(script, request).status_code == 201
    assert len(script.requests) == 2


def test_a_read_timeout_after_sending_a_post_is_an_unknown_outcome_and_is_not_retried() -> None:
    script = Script(httpx.ReadTimeout, httpx.Response(201, json={}, headers=JSON))
    request = httpx.Request("POST", "https://ws-eu1.brightpearl.com/public-api/acme/order-service/order", json={})
    with pytest.raises(UnknownOutcome, match="look it up by its reference") as caught:
        call(script, request)
    assert not isinstance(caught.value, RetryableError)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert len(script.requests) == 1


def test_a_post_with_an_idempotency_key_is_retried_after_a_read_timeout() -> None:
    refund = {"id": "re_3Mtw", "object": "refund", "amount": 1500, "status": "succeeded"}
    script = Script(httpx.ReadTimeout, httpx.Response(200, json=refund, headers=JSON))
    headers = {"Idempotency-Key": "ord_81:refund:rma_7"}
    request = httpx.Request("POST", "https://api.stripe.com/v1/refunds", headers=headers, data={"amount": "1500"})
    assert call(script, request).json()["id"] == "re_3Mtw"
    assert len(script.requests) == 2


def test_a_post_declared_idempotent_is_retried_after_a_read_timeout() -> None:
    script = Script(httpx.ReadTimeout, httpx.Response(200, json={"response": 1234}, headers=JSON))
    url = "https://ws-eu1.brightpearl.com/public-api/acme/order-service/sales-order"
    request = httpx.Request("POST", url, json={"externalRef": "shopify-450789469", "installedIntegrationInstanceId": 9})
    assert call(script, request, idempotent=True).json() == {"response": 1234}


@pytest.mark.parametrize("status", [500, 502, 504])
def test_an_ambiguous_server_failure_after_a_post_is_an_unknown_outcome(status: int) -> None:
    script = Script(httpx.Response(status, text="upstream error"), ok())
    with pytest.raises(UnknownOutcome):
        call(script, httpx.Request("POST", f"{SHOP}/orders/450789469/fulfillments.json", json={}))
    assert len(script.requests) == 1


@pytest.mark.parametrize("refusal", [throttled(), httpx.Response(503, text="Service Unavailable"), httpx.ConnectError])
def test_a_post_is_retried_when_the_server_certainly_did_not_act(refusal: httpx.Response | type) -> None:
    script = Script(refusal, httpx.Response(201, json={"draft_order": {"id": 994118539}}, headers=JSON))
    assert call(script, httpx.Request("POST", f"{SHOP}/draft_orders.json", json={})).status_code == 201


def test_a_dropped_connection_on_a_get_is_retryable() -> None:
    script = Script(httpx.RemoteProtocolError, ok())
    call(script)
    assert len(script.requests) == 2


def test_a_pool_timeout_is_its_own_category_and_counts_as_not_sent() -> None:
    request = httpx.Request("POST", f"{SHOP}/orders.json")
    error = error_for_transport(httpx.PoolTimeout("", request=request), request, idempotent=False)
    assert isinstance(error, PoolExhausted)
    assert error.sent is False


def test_a_url_that_cannot_be_sent_is_fatal() -> None:
    request = httpx.Request("GET", "ftp://acme.example/orders")
    error = error_for_transport(httpx.UnsupportedProtocol("", request=request), request, idempotent=True)
    assert isinstance(error, FatalError)


# --- back-off, Retry-After, deadline --------------------------------------------------------------------------------


def test_waits_grow_exponentially_with_jitter_within_bounds_and_are_capped() -> None:
    policy = RetryPolicy(max_attempts=6, backoff_base=1.0, backoff_cap=4.0)
    fake = FakeTime()
    script = Script(*[httpx.Response(502, text="Bad Gateway")] * 6)
    with pytest.raises(RetryableError, match="answered 502"):
        call(script, policy=policy, time=fake)
    assert len(script.requests) == 6
    steps = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(fake.waits) == len(steps)
    assert all(step / 2 <= wait <= step for wait, step in zip(fake.waits, steps, strict=True))


def test_seeded_jitter_keeps_two_clients_from_retrying_in_lockstep() -> None:
    first, second = FakeTime(), FakeTime()
    for fake, seed in ((first, 1), (second, 2)):
        call(Script(httpx.Response(503), httpx.Response(503), ok()), time=fake, jitter=random.Random(seed).random)
    assert first.waits != second.waits


def test_the_wait_is_at_least_the_retry_after_asked_for() -> None:
    fake = FakeTime()
    call(Script(throttled("7"), ok()), time=fake)
    assert 7.0 <= fake.waits[0] <= 7.7


def test_a_long_back_off_is_not_shortened_by_a_short_retry_after() -> None:
    fake = FakeTime()
    call(Script(throttled("0.1"), ok()), policy=RetryPolicy(backoff_base=8.0), time=fake)
    assert fake.waits[0] >= 4.0


def test_a_retry_after_beyond_the_cap_ends_the_call_without_sleeping() -> None:
    fake = FakeTime()
    script = Script(throttled("3600"), ok())
    with pytest.raises(RateLimited) as caught:
        call(script, time=fake)
    assert caught.value.retry_after == 3600.0
    assert fake.waits == []
    assert len(script.requests) == 1


def test_gives_up_when_the_next_wait_would_pass_the_deadline_with_the_original_error() -> None:
    fake = FakeTime()
    deadline = Deadline.after(10.0, monotonic=fake.monotonic)
    script = Script(*[throttled("4")] * 5)
    with pytest.raises(RateLimited, match="throttled") as caught:
        call(script, time=fake, deadline=deadline, policy=RetryPolicy(max_attempts=10))
    assert caught.value.retry_after == 4.0
    assert len(script.requests) == 3
    assert len(fake.waits) == 2
    assert fake.now <= deadline.at


def test_no_retry_at_all_when_the_deadline_is_closer_than_the_first_wait() -> None:
    fake = FakeTime()
    script = Script(throttled("2.0"), ok())
    with pytest.raises(RateLimited):
        call(script, time=fake, deadline=Deadline.after(1.0, monotonic=fake.monotonic))
    assert fake.waits == []


def test_the_before_request_hook_runs_before_every_attempt() -> None:
    seen: list[str] = []
    call(Script(throttled(), ok()), before_request=lambda request: seen.append(request.url.path))
    assert seen == ["/admin/api/2024-10/orders.json"] * 2


def test_a_respx_route_plugs_into_the_same_client_seam() -> None:
    with respx.mock(base_url=SHOP, assert_all_called=True) as router:
        route = router.get("/orders.json").mock(side_effect=[throttled("1.0"), ok({"orders": [{"id": 1}]})])
        client = make_client(HttpSettings(base_url=SHOP), headers={"X-Shopify-Access-Token": TOKEN})
        fake = FakeTime()
        response = send(client, client.build_request("GET", "/orders.json"), policy=POLICY, sleep=fake.sleep)
    assert response.json() == {"orders": [{"id": 1}]}
    assert route.call_count == 2


# --- secrets and the client factory ----------------------------------------------------------------------------------


def echoing(status: int) -> httpx.Response:
    return httpx.Response(status, json={"errors": f"token {TOKEN} is not valid for cs_live_1a2b3c4d5e"}, headers=JSON)


@pytest.mark.parametrize(
    "outcome", [echoing(401), echoing(403), echoing(422), httpx.ReadTimeout, httpx.ConnectError, echoing(500)]
)
def test_no_credential_ever_appears_in_an_error_message(outcome: httpx.Response | type) -> None:
    url = f"{SHOP}/orders.json?consumer_key=ck_9f8e7d6c5b&consumer_secret=cs_live_1a2b3c4d5e"
    request = httpx.Request("POST", url, headers={"X-Shopify-Access-Token": TOKEN, "Authorization": f"Bearer {TOKEN}"})
    with pytest.raises(OmshubError) as caught:
        call(Script(outcome), request, policy=RetryPolicy(max_attempts=1))
    message = f"{caught.value} {caught.value!r}"
    for secret in (TOKEN, "cs_live_1a2b3c4d5e", "ck_9f8e7d6c5b"):
        assert secret not in message


def test_the_client_has_explicit_timeouts_a_base_url_and_identifies_itself() -> None:
    settings = HttpSettings(base_url=SHOP, connect_timeout=3.0, read_timeout=45.0, write_timeout=20.0, pool_timeout=5.0)
    client = make_client(settings, headers={"X-Shopify-Access-Token": TOKEN})
    assert client.timeout == httpx.Timeout(connect=3.0, read=45.0, write=20.0, pool=5.0)
    assert str(client.base_url) == SHOP + "/"
    assert client.headers["User-Agent"] == "omshub/0.1"
    assert client.headers["Accept"] == "application/json"


def test_settings_refuse_a_zero_timeout() -> None:
    with pytest.raises(ValueError, match="read_timeout"):
        HttpSettings(base_url=SHOP, read_timeout=0)
