"""Order edits, exchanges and claims over the API: the same core as `omshub edits|exchanges|claims`, operator
scope to act, read scope to list, 422 naming the field, 409 when it does not fit the order."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cli import changes as changes_cli
from tests.api.conftest import READER, canonical, item
from tests.api.test_drafts_returns import cli, level, shipped, topics


def placed(api: TestClient) -> int:
    order = canonical("2001", item("TEE", 2), payment_status="authorized", payment_reference="pi_2001")
    return int(api.post("/orders", params={"channel": "webshop"}, json=order).json()["order_id"])


def test_an_edit_is_requested_then_confirmed_and_the_order_follows(settled, settled_api):
    api = settled_api
    order_id = placed(api)
    asked = api.post(
        f"/orders/{order_id}/edits",
        json={"add": [{"sku": "MUG", "quantity": 1, "unit_price": 1200, "tax_rate": "0.19"}], "quantities": []},
    )
    assert asked.status_code == 201, asked.text
    edit = asked.json()
    assert (edit["reference"], edit["status"], edit["difference"], edit["requested_by"]) == (
        f"edit-{order_id}-1",
        "requested",
        1200 + 228,
        "api:ops",
    )
    assert level(api, "MUG") == (2, 0), "nothing is reserved before the edit is confirmed"
    done = api.post(f"/edits/{edit['reference']}/confirm")
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    assert level(api, "MUG") == (2, 1)
    assert api.get(f"/orders/{order_id}").json()["total"] == 5000 + 1428
    assert "order.edit_confirmed" in topics(settled, order_id)
    again = api.post(f"/edits/{edit['reference']}/confirm")
    assert again.status_code == 409 and "only a requested change can be confirmed" in again.json()["detail"]
    assert [e["reference"] for e in api.get("/edits", params={"order": str(order_id)}).json()] == [edit["reference"]]


def test_an_edit_can_be_declined_or_canceled_and_bad_bodies_name_the_field(settled, settled_api):
    api = settled_api
    order_id = placed(api)
    ref = api.post(f"/orders/{order_id}/edits", json={"quantities": [{"line": "TEE", "quantity": 1}]}).json()
    declined = api.post(f"/edits/{ref['reference']}/decline", json={"reason": "too late"})
    assert (declined.json()["status"], declined.json()["note"]) == ("declined", "too late")
    other = api.post(f"/orders/{order_id}/edits", json={"quantities": [{"line": "TEE", "quantity": 3}]}).json()
    assert api.post(f"/edits/{other['reference']}/cancel").json()["status"] == "canceled"
    assert level(api, "TEE") == (5, 2)

    twice = api.post(
        f"/orders/{order_id}/edits",
        json={"quantities": [{"line": "TEE", "quantity": 1}, {"line": "TEE", "quantity": 3}]},
    )
    assert twice.status_code == 422 and "named twice" in twice.json()["message"]
    bad_rate = api.post(
        f"/orders/{order_id}/edits", json={"add": [{"sku": "MUG", "quantity": 1, "unit_price": 1, "tax_rate": "19"}]}
    )
    assert bad_rate.status_code == 422 and "body.add.0.tax_rate" in bad_rate.json()["message"]
    nothing = api.post(f"/orders/{order_id}/edits", json={})
    assert nothing.status_code == 409 and "at least one change" in nothing.json()["detail"]
    assert api.post("/edits/edit-99-1/confirm").status_code == 404


def test_an_exchange_and_a_claim_act_like_the_command_line(settled, settled_api):
    api = settled_api
    by_api = shipped(api, settled, "3001", paid=True)
    by_cli = shipped(api, settled, "3002", paid=True)
    body = {
        "returned": [{"line": "TEE", "quantity": 1}],
        "add": [{"sku": "MUG", "quantity": 1, "unit_price": 3000}],
        "location": "berlin",
    }
    made = api.post(f"/orders/{by_api}/exchanges", json=body)
    assert made.status_code == 201, made.text
    exchange = made.json()
    assert (exchange["difference_due"], exchange["payment_reference"]) == (500, f"chg-{by_api}-1")
    assert exchange["returned"]["reference"] == f"ret-{by_api}-1"
    same = cli(
        settled, changes_cli.exchanges_app, "create", str(by_cli), "--return", "TEE=1", "--add", "MUG=1@30.00",
        "--location", "berlin",
    )  # fmt: skip
    assert (same["difference_due"], same["payment_reference"]) == (500, f"chg-{by_cli}-1")

    claim = api.post(f"/orders/{by_api}/claims", json={"type": "replace", "lines": [{"line": "MUG", "quantity": 1}]})
    assert claim.status_code == 201 and claim.json()["claim_type"] == "replace"
    assert [c["reference"] for c in api.get("/claims").json()] == [f"claim-{by_api}-1"]
    assert [c["reference"] for c in api.get("/exchanges").json()] == [f"exch-{by_api}-1", f"exch-{by_cli}-1"]
    too_many = api.post(f"/orders/{by_api}/claims", json={"type": "refund", "lines": [{"line": "TEE", "quantity": 5}]})
    assert too_many.status_code == 409 and "shipped and kept" in too_many.json()["detail"]


def test_a_read_token_lists_but_cannot_change(settled, settled_api):
    order_id = placed(settled_api)
    with TestClient(settled_api.app, headers=READER) as reader:
        assert reader.get("/edits").status_code == 200
        refused = reader.post(f"/orders/{order_id}/edits", json={"quantities": [{"line": "TEE", "quantity": 1}]})
        assert refused.status_code == 403
