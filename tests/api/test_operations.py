"""Operations over the API (operator scope): run a job now, replay dead letters, release a held order."""

from __future__ import annotations

import threading
from datetime import timedelta

from core import fulfillment_holds, runs, stock_admin
from tests.api.conftest import READER, canonical, dead_letter, item, settle
from tests.fakes import FakeConnector, FakeOrderSource


def with_shop(hub, pages, on_page=lambda i: None) -> None:
    """The webshop channel pulls its orders from a fake connector serving `pages`."""
    hub._connectors = {"webshop": FakeConnector(orders=FakeOrderSource(pages, on_page))}
    hub._providers = {}


def test_a_job_run_is_answered_with_its_id_before_it_ends(api, hub):
    go_on = threading.Event()
    with_shop(hub, [[canonical("7001", item("TEE", 1))]], on_page=lambda i: go_on.wait(10))
    answer = api.post("/jobs/pull-orders/runs", params={"channel": "webshop"})
    assert answer.status_code == 202
    started = answer.json()
    assert (started["job"], started["channel"], started["status"]) == ("pull-orders", "webshop", "running")
    assert api.get(f"/runs/{started['run_id']}", headers=READER).json()["status"] == "running"
    go_on.set()
    settle(api)
    run = api.get(f"/runs/{started['run_id']}").json()
    assert (run["status"], run["trigger"], run["created"]) == ("success", "manual", 1)
    assert [o["external_id"] for o in api.get("/orders").json()["orders"]] == ["7001"]
    assert [r["id"] for r in api.get("/runs", params={"channel": "webshop", "job": "pull-orders"}).json()] == [
        started["run_id"]
    ]


def test_a_job_whose_lease_another_process_holds_is_recorded_as_skipped(api, hub):
    with_shop(hub, [])
    with hub.engine.begin() as conn:
        runs.acquire_lease(conn, ("pull-orders", "webshop"), "elsewhere:1", hub.clock.now(), timedelta(minutes=2))
    answer = api.post("/jobs/pull-orders/runs", params={"channel": "webshop"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "skipped"
    assert api.get(f"/runs/{answer.json()['run_id']}").json()["error_category"] == "lease_held"


def test_a_second_trigger_while_the_first_run_holds_the_lease_is_skipped(api, hub):
    go_on = threading.Event()
    with_shop(hub, [[canonical("7001")]], on_page=lambda i: go_on.wait(10))
    first = api.post("/jobs/pull-orders/runs", params={"channel": "webshop"}).json()
    second = api.post("/jobs/pull-orders/runs", params={"channel": "webshop"})
    go_on.set()
    settle(api)
    assert first["status"] == "running"
    assert second.status_code == 200 and second.json()["status"] == "skipped"
    assert api.get(f"/runs/{first['run_id']}").json()["status"] == "success"


def test_hub_wide_jobs_run_without_a_channel(api):
    answer = api.post("/jobs/dispatch/runs")
    assert answer.status_code == 202 and answer.json()["channel"] == ""
    settle(api)
    assert api.get(f"/runs/{answer.json()['run_id']}").json()["status"] == "success"


def test_an_unknown_job_or_a_channel_without_a_connector_is_not_found(api):
    unknown = api.post("/jobs/teleport/runs")
    assert unknown.status_code == 404 and "unknown job 'teleport'" in unknown.json()["detail"]
    import_only = api.post("/jobs/pull-orders/runs", params={"channel": "pos"})
    assert import_only.status_code == 404 and "no connector" in import_only.json()["detail"]
    assert api.post("/jobs/dispatch/runs", params={"channel": "pos"}).status_code == 404


def test_running_a_job_needs_the_operator_scope(api):
    assert api.post("/jobs/dispatch/runs", headers=READER).status_code == 403


def test_a_dead_letter_is_replayed_once_and_the_replay_is_recorded_with_the_token_name(api, hub):
    order_id = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001")).json()["order_id"]
    letter_id = dead_letter(hub, order_id)
    assert api.post(f"/dead-letters/{letter_id}/replay").json() == {"replayed": [letter_id]}
    assert api.post(f"/dead-letters/{letter_id}/replay").json() == {"replayed": []}
    [replay] = api.get(f"/dead-letters/{letter_id}").json()["replays"]
    assert replay["replayed_by"] == "api:ops" and "503" in replay["error_before"]
    assert api.post("/dead-letters/99999/replay").status_code == 404


def test_every_dead_letter_of_a_channel_is_replayed_at_once(api, hub):
    order_id = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001")).json()["order_id"]
    letters = [dead_letter(hub, order_id), dead_letter(hub, order_id)]
    assert api.post("/dead-letters/replay", params={"channel": "pos"}).json() == {"replayed": []}
    assert api.post("/dead-letters/replay", params={"channel": "webshop"}).json() == {"replayed": letters}
    assert api.get("/dead-letters").json() == []
    assert api.post("/dead-letters/replay", headers=READER).status_code == 403


def test_a_held_order_is_released_once_stock_has_arrived(api, hub):
    held = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001", item("MUG", 3))).json()
    still = api.post("/orders/webshop:1001/release")
    assert still.status_code == 200
    assert still.json()["released"] is False and "MUG" in still.json()["hold_reason"]
    with hub.engine.begin() as conn:
        stock_admin.set_stocked(conn, "MUG", "berlin", 3, hub.clock.now())
    answer = api.post(f"/orders/{held['order_id']}/release").json()
    assert answer == {
        "order_id": held["order_id"],
        "released": True,
        "status": "pending",
        "hold_reason": None,
        "released_in_channel": 1,
    }
    assert api.get("/inventory/levels", params={"sku": "MUG"}).json()[0]["reserved"] == 3


def test_a_held_fulfillment_is_released_by_an_operator(api, hub):
    api.post("/orders", params={"channel": "webshop"}, json=canonical("1001"))
    refused = api.post("/orders/webshop:1001/fulfillment/release")
    assert refused.status_code == 409 and "its fulfillment is not held" in refused.json()["detail"]
    with hub.engine.begin() as conn:
        fulfillment_holds.hold(conn, 1, "shipment n1 carried units canceled after release", hub.clock.now())
    assert api.get("/orders/webshop:1001").json()["fulfillment_hold"].startswith("shipment n1")
    assert api.post("/orders/webshop:1001/fulfillment/release", headers=READER).status_code == 403
    answer = api.post("/orders/webshop:1001/fulfillment/release").json()
    assert answer == {"order_id": 1, "fulfillment_status": "not_fulfilled", "hold_reason": None}


def test_releasing_an_order_that_is_not_held_is_refused(api):
    api.post("/orders", params={"channel": "webshop"}, json=canonical("1001"))
    answer = api.post("/orders/webshop:1001/release")
    assert answer.status_code == 409 and "not held" in answer.json()["detail"]
    assert api.post("/orders/webshop:1001/release", headers=READER).status_code == 403
    assert api.post("/orders/webshop:9999/release").status_code == 404
