"""Who may call what, the health checks, /metrics and the OpenAPI document."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cli.context import Hub
from core import stock_admin
from core.runs import RunCounts, RunEnd, RunStatus, Trigger, record_outcome
from core.store.engine import make_engine
from tests.api.conftest import OPERATOR, OPERATOR_TOKEN, READ_TOKEN, READER, canonical, dead_letter, item

ENDPOINTS = {
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("POST", "/webhooks/{channel}"): None,  # signed by the channel with its webhook_secret instead
    ("GET", "/metrics"): "read",
    ("GET", "/orders"): "read",
    ("GET", "/orders/{ref}"): "read",
    ("GET", "/inventory/levels"): "read",
    ("GET", "/runs"): "read",
    ("GET", "/runs/{run_id}"): "read",
    ("GET", "/quarantine"): "read",
    ("GET", "/quarantine/{entry_id}"): "read",
    ("GET", "/dead-letters"): "read",
    ("GET", "/dead-letters/{letter_id}"): "read",
    ("GET", "/drafts"): "read",
    ("GET", "/returns"): "read",
    ("GET", "/edits"): "read",
    ("GET", "/exchanges"): "read",
    ("GET", "/claims"): "read",
    ("POST", "/orders"): "operator",
    ("POST", "/orders/batch"): "operator",
    ("POST", "/orders/{ref}/release"): "operator",
    ("POST", "/orders/{ref}/fulfillment/release"): "operator",
    ("POST", "/jobs/{job}/runs"): "operator",
    ("POST", "/dead-letters/{letter_id}/replay"): "operator",
    ("POST", "/dead-letters/replay"): "operator",
    ("POST", "/drafts"): "operator",
    ("POST", "/drafts/{reference}/convert"): "operator",
    ("POST", "/orders/{ref}/returns"): "operator",
    ("POST", "/returns/{reference}/receive"): "operator",
    ("POST", "/orders/{ref}/edits"): "operator",
    ("POST", "/edits/{reference}/confirm"): "operator",
    ("POST", "/edits/{reference}/decline"): "operator",
    ("POST", "/edits/{reference}/cancel"): "operator",
    ("POST", "/orders/{ref}/exchanges"): "operator",
    ("POST", "/orders/{ref}/claims"): "operator",
}
SAMPLE = {
    "{ref}": "1",
    "{run_id}": "1",
    "{entry_id}": "1",
    "{letter_id}": "1",
    "{job}": "dispatch",
    "{reference}": "draft-1",
}


def url(path: str) -> str:
    return re.sub(r"\{\w+\}", lambda m: SAMPLE[m.group(0)], path)


def test_every_endpoint_is_in_the_scope_table(api):
    paths = api.get("/openapi.json").json()["paths"]
    listed = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert listed == set(ENDPOINTS)


@pytest.mark.parametrize(("method", "path"), [key for key, scope in ENDPOINTS.items() if scope])
def test_no_endpoint_but_health_answers_without_a_valid_token(api, method, path):
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        answer = api.request(method, url(path), headers=headers)
        assert answer.status_code == 401, (path, headers)
        assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), [key for key, scope in ENDPOINTS.items() if scope == "operator"])
def test_operator_endpoints_refuse_a_read_token(api, method, path):
    assert api.request(method, url(path), headers=READER).status_code == 403


@pytest.mark.parametrize(("method", "path"), [key for key, scope in ENDPOINTS.items() if scope == "read"])
def test_read_endpoints_answer_a_read_token(api, method, path):
    assert api.request(method, url(path), headers=READER).status_code in (200, 404)


def test_health_answers_without_a_token(api):
    anonymous = {"Authorization": ""}
    assert api.get("/healthz", headers=anonymous).json() == {"status": "ok", "detail": None}
    assert api.get("/readyz", headers=anonymous).json() == {"status": "ready", "detail": None}


def test_readiness_fails_on_a_database_without_the_current_schema(tmp_path, hub):
    empty = Hub(config=hub.config, engine=make_engine(f"sqlite:///{tmp_path / 'empty.db'}"), clock=hub.clock)
    with TestClient(create_app(empty)) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 503 and "omshub db upgrade" in answer.json()["detail"]
    assert client.get("/healthz").status_code == 200


def test_readiness_fails_when_the_database_does_not_answer(tmp_path, hub):
    gone = Hub(config=hub.config, engine=make_engine(f"sqlite:///{tmp_path / 'no' / 'such.db'}"), clock=hub.clock)
    with TestClient(create_app(gone)) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["detail"] == "the database does not answer"


def test_the_openapi_document_needs_a_token_and_describes_bearer_auth(api):
    assert api.get("/openapi.json", headers={"Authorization": ""}).status_code == 401
    document = api.get("/openapi.json", headers=READER).json()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    body = document["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/CanonicalOrder")


def test_tokens_appear_in_no_answer(api):
    texts = [api.get("/openapi.json").text, api.get("/metrics").text, api.get("/orders", headers={}).text]
    assert not any(token in text for token in (OPERATOR_TOKEN, READ_TOKEN) for text in texts)


def metric(text: str, name: str) -> float:
    [value] = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith(name + " ")]
    return float(value)


def test_metrics_report_what_the_store_holds(api, hub):
    api.post("/orders", params={"channel": "webshop"}, json=canonical("1", item("TEE", 2), payment_status="authorized"))
    api.post("/orders", params={"channel": "webshop"}, json=canonical("2", totals={"total": 1}))
    dead_letter(hub, 1)
    with hub.engine.begin() as conn:
        end = RunEnd(RunStatus.failed, RunCounts(throttled=3), error_category="rate_limited", error_message="429")
        record_outcome(
            conn, ("pull-orders", "webshop"), trigger=Trigger.scheduled, holder="h", now=hub.clock.now(), end=end
        )
    api.get("/orders", headers={"Authorization": "Bearer wrong-token-0000000000"})
    text = api.get("/metrics", headers=READER).text
    assert metric(text, "omshub_store_up") == 1
    assert metric(text, 'omshub_orders_ingested_total{channel="webshop"}') == 1
    assert metric(text, 'omshub_quarantined{channel="webshop"}') == 1
    assert metric(text, 'omshub_reserved_units{channel="webshop",location="berlin"}') == 2
    assert metric(text, 'omshub_outbox_messages{status="dead",topic="shipment.created"}') == 1
    assert metric(text, 'omshub_outbox_messages{status="pending",topic="order.placed"}') == 1
    assert metric(text, 'omshub_runs_total{channel="webshop",job="pull-orders",status="failed"}') == 1
    assert metric(text, 'omshub_rate_limited_runs_total{channel="webshop",job="pull-orders"}') == 1
    assert metric(text, 'omshub_throttled_answers_total{channel="webshop",job="pull-orders"}') == 3
    assert (
        metric(text, 'omshub_run_failures_total{channel="webshop",error_category="rate_limited",job="pull-orders"}')
        == 1
    )
    assert metric(text, 'omshub_run_duration_seconds_count{channel="webshop",job="pull-orders"}') == 1
    # placed 09:00 +01:00, the clock says 12:00 UTC
    assert metric(text, 'omshub_oldest_unshipped_paid_order_age_seconds{channel="webshop"}') == 4 * 3600
    assert metric(text, 'omshub_api_orders_total{channel="webshop",result="created"}') == 1
    assert metric(text, 'omshub_api_orders_total{channel="webshop",result="quarantined"}') == 1
    assert metric(text, 'omshub_api_auth_refused_total{reason="unknown"}') == 1


def test_metrics_say_so_when_the_store_does_not_answer(tmp_path, hub):
    gone = Hub(config=hub.config, engine=make_engine(f"sqlite:///{tmp_path / 'no' / 'such.db'}"), clock=hub.clock)
    with TestClient(create_app(gone), headers=OPERATOR) as client:
        text = client.get("/metrics").text
    assert metric(text, "omshub_store_up") == 0


def test_the_documented_example_order_is_taken_in(api, hub):
    document = api.get("/openapi.json").json()
    examples = document["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    with hub.engine.begin() as conn:
        stock_admin.set_stocked(conn, "TEE-BLK-M", "berlin", 2, hub.clock.now())
    answer = api.post("/orders", params={"channel": "webshop"}, json=examples["order"]["value"])
    assert answer.status_code == 201 and answer.json()["status"] == "pending"
