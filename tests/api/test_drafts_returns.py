"""Draft orders and returns over the API: the same core as `omshub drafts` and `omshub returns`, with the same
effect on stock, payments and the outbox; operator scope to change, read scope to list; 422 naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from cli import drafts as drafts_cli
from cli import returns as returns_cli
from cli.context import Hub
from core import payments, shipments
from core.providers import PaymentResult, PaymentState
from core.shipments import ShipmentReport
from core.store.schema import outbox
from tests.api.conftest import READER, canonical, item

DRAFT: dict[str, Any] = {
    "currency": "EUR",
    "payment_status": "captured",
    "customer": {"email": "mia.keller@example.com", "first_name": "Mia", "last_name": "Keller"},
    "lines": [item("TEE", 2)],
    "order_discount": 500,
}


def topics(hub: Hub, order_id: int | None = None) -> list[str]:
    query = select(outbox.c.topic).order_by(outbox.c.id)
    if order_id is not None:
        query = query.where(outbox.c.aggregate_id == str(order_id))
    with hub.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def level(api: TestClient, sku: str) -> tuple[int, int]:
    [found] = api.get("/inventory/levels", params={"sku": sku, "location": "berlin"}).json()
    return found["stocked"], found["reserved"]


def shipped(api: TestClient, hub: Hub, external_id: str, *, paid: bool = False) -> int:
    """A webshop order of 2 TEE and 1 MUG, shipped whole from berlin; with `paid`, authorized and captured."""
    money = {"payment_status": "authorized", "payment_reference": f"pi_{external_id}"} if paid else {}
    order = canonical(external_id, item("TEE", 2), item("MUG", 1, unit_price=1200), **money)
    order_id = int(api.post("/orders", params={"channel": "webshop"}, json=order).json()["order_id"])
    now = hub.clock.now()
    with hub.engine.begin() as conn:
        shipments.record(conn, ShipmentReport(str(order_id), "berlin", {"TEE": 2, "MUG": 1}), now)
        if paid:
            op = payments.request_capture(conn, str(order_id), "cards", None, now)
            held = PaymentResult(f"pi_{external_id}", PaymentState.captured, "EUR", 6200, 6200, 0)
            payments.completed(conn, op, held, now)
    return order_id


def cli(hub: Hub, typer_app: typer.Typer, *args: str) -> Any:
    root = typer.Typer()
    root.add_typer(typer_app, name="sub")
    result = CliRunner().invoke(root, ["sub", *args, "--json"], obj=lambda: hub)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# Draft orders


def test_a_draft_reserves_nothing_until_converted_and_converting_twice_converts_once(api, hub):
    kept = api.post("/drafts", params={"channel": "webshop"}, json=DRAFT)
    assert kept.status_code == 201
    draft = kept.json()
    assert (draft["reference"], draft["status"], draft["order_id"]) == ("draft-1", "open", None)
    assert draft["channel"] == "webshop" and draft["created_by"] == "api:ops" and draft["payload"] == DRAFT
    assert level(api, "TEE") == (5, 0) and topics(hub) == []

    first = api.post("/drafts/draft-1/convert")
    again = api.post("/drafts/draft-1/convert")
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "converted" and again.json()["order_id"] == first.json()["order_id"]
    assert level(api, "TEE") == (5, 2)
    assert topics(hub).count("draft_order.converted") == 1
    order = api.get("/orders/webshop:draft-1").json()
    assert (order["id"], order["status"], order["total"]) == (first.json()["order_id"], "pending", 4500)


def test_drafts_are_listed_oldest_first_by_channel_and_status(api):
    for channel in ("webshop", "pos", "webshop"):
        assert api.post("/drafts", params={"channel": channel}, json=DRAFT).status_code == 201
    api.post("/drafts/draft-3/convert")
    listed = api.get("/drafts", headers=READER)
    assert listed.status_code == 200
    assert [d["reference"] for d in listed.json()] == ["draft-1", "draft-2", "draft-3"]
    webshop = api.get("/drafts", params={"channel": "webshop", "status": "open"}).json()
    assert [d["reference"] for d in webshop] == ["draft-1"]
    assert [d["reference"] for d in api.get("/drafts", params={"status": "converted"}).json()] == ["draft-3"]
    assert api.get("/drafts", params={"status": "lost"}).status_code == 422


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        ({**DRAFT, "lines": [item("TEE", 0)]}, "body.lines.0.quantity"),
        ({**DRAFT, "currency": "EURO"}, "body.currency"),
        ({key: value for key, value in DRAFT.items() if key != "currency"}, "body.currency"),
        ({**DRAFT, "external_id": "42"}, "external_id"),
        ({**DRAFT, "status": "completed"}, "status"),
        ({**DRAFT, "lines": [item("TEE", 1, title="Tee\x00")]}, "lines.0.title"),
        ({**DRAFT, "notes": "x" * 10, "colour": "red"}, "body.colour"),
    ],
)
def test_a_draft_that_could_never_become_an_order_is_refused_naming_the_field(api, draft, field):
    answer = api.post("/drafts", params={"channel": "webshop"}, json=draft)
    assert answer.status_code == 422
    assert field in answer.json()["message"]
    assert api.get("/drafts").json() == []


def test_a_draft_for_an_unknown_channel_or_an_unknown_draft_is_not_found(api):
    unknown = api.post("/drafts", params={"channel": "nowhere"}, json=DRAFT)
    assert unknown.status_code == 404 and "[channels.nowhere]" in unknown.json()["detail"]
    assert api.post("/drafts/draft-9/convert").status_code == 404
    assert api.post("/drafts/9/convert").status_code == 422
    assert api.post("/drafts", json=DRAFT).status_code == 422  # no channel


def test_a_draft_the_intake_quarantines_is_not_converted(api):
    stated = {**DRAFT, "totals": {"total": 1}}
    api.post("/drafts", params={"channel": "webshop"}, json=stated)
    answer = api.post("/drafts/draft-1/convert")
    assert answer.status_code == 409 and "quarantine" in answer.json()["detail"]
    assert api.get("/drafts").json()[0]["status"] == "open"


def test_drafts_are_kept_and_converted_with_the_operator_scope_and_listed_with_read(api):
    assert api.post("/drafts", params={"channel": "webshop"}, json=DRAFT, headers=READER).status_code == 403
    api.post("/drafts", params={"channel": "webshop"}, json=DRAFT)
    assert api.post("/drafts/draft-1/convert", headers=READER).status_code == 403
    assert api.get("/drafts", headers={"Authorization": ""}).status_code == 401
    assert api.get("/drafts", headers=READER).json()[0]["status"] == "open"


def test_a_draft_converted_over_the_api_is_the_order_the_command_line_makes(api, hub, tmp_path: Path):
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(DRAFT), encoding="utf-8")
    by_cli = cli(hub, drafts_cli.app, "create", str(path), "--channel", "webshop")
    cli(hub, drafts_cli.app, "convert", by_cli["reference"])
    api.post("/drafts", params={"channel": "webshop"}, json=DRAFT)
    api.post("/drafts/draft-2/convert")
    shown = [api.get(f"/orders/webshop:draft-{n}").json() for n in (1, 2)]
    same = ("status", "payment_status", "total", "discount_total", "customer_email")
    assert [{k: order[k] for k in same} for order in shown] == [{k: shown[0][k] for k in same}] * 2
    assert [[(r["sku"], r["quantity"]) for r in order["reservations"]] for order in shown] == [[("TEE", 2)]] * 2
    assert topics(hub).count("draft_order.converted") == 2


# Returns


def test_units_are_asked_back_within_what_shipped(api, hub):
    order_id = shipped(api, hub, "1001")
    asked = {"lines": [{"line": "TEE", "quantity": 1}], "reason": "wrong_size", "location": "berlin"}
    answer = api.post("/orders/webshop:1001/returns", json={**asked, "note": "too small", "return_shipping": 495})
    assert answer.status_code == 201
    ret = answer.json()
    assert (ret["reference"], ret["status"], ret["reason"], ret["location"]) == (
        "ret-1-1",
        "requested",
        "wrong_size",
        "berlin",
    )
    assert ret["requested_by"] == "api:ops" and ret["return_shipping"] == 495 and ret["note"] == "too small"
    assert [(ln["line_key"], ln["quantity"], ln["received_quantity"]) for ln in ret["lines"]] == [("TEE", 1, 0)]
    assert topics(hub, order_id)[-1] == "order.return_requested"

    too_many = api.post(f"/orders/{order_id}/returns", json={"lines": [{"line": "TEE", "quantity": 2}]})
    assert too_many.status_code == 409 and "2 unit(s) asked back, 1 can be" in too_many.json()["detail"]
    unknown_line = api.post(f"/orders/{order_id}/returns", json={"lines": [{"line": "CAP", "quantity": 1}]})
    assert unknown_line.status_code == 409 and "matches no line" in unknown_line.json()["detail"]


def test_a_return_of_an_unknown_order_or_to_an_unknown_location_is_not_found(api, hub):
    shipped(api, hub, "1001")
    one_tee = {"lines": [{"line": "TEE", "quantity": 1}]}
    assert api.post("/orders/webshop:9999/returns", json=one_tee).status_code == 404
    nowhere = api.post("/orders/webshop:1001/returns", json={**one_tee, "location": "paris"})
    assert nowhere.status_code == 404 and "no stock location 'paris'" in nowhere.json()["detail"]
    assert (
        api.post(
            "/returns/ret-9-9/receive", json={"lines": [{"line": "TEE", "quantity": 1, "disposition": "restock"}]}
        ).status_code
        == 404
    )
    assert api.get("/returns", params={"order": "webshop:9999"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "body.lines"),
        ({"lines": [{"line": "TEE", "quantity": 0}]}, "body.lines.0.quantity"),
        ({"lines": [{"line": "TEE", "quantity": 1}, {"line": "TEE", "quantity": 1}]}, "body.lines"),
        ({"lines": [{"line": "TEE", "quantity": 1}], "return_shipping": -1}, "body.return_shipping"),
        ({"lines": [{"line": "TEE", "quantity": 1}], "reason": "x" * 65}, "body.reason"),
        ({"lines": [{"line": "TEE", "quantity": 1}], "note": "a\x00b"}, "body.note"),
        ({"lines": [{"line": "TEE", "quantity": 1}], "refund": True}, "body.refund"),
        ({"lines": [{"sku": "TEE", "quantity": 1}]}, "body.lines.0.line"),
    ],
)
def test_a_return_request_that_is_not_what_the_endpoint_takes_is_refused_naming_the_field(api, hub, body, field):
    shipped(api, hub, "1001")
    answer = api.post("/orders/webshop:1001/returns", json=body)
    assert answer.status_code == 422 and field in answer.json()["message"]
    assert api.get("/returns").json() == []


def test_receiving_restocks_what_is_restocked_and_marks_the_units_returned(api, hub):
    order_id = shipped(api, hub, "1001")
    asked = {"lines": [{"line": "TEE", "quantity": 2}, {"line": "MUG", "quantity": 1}], "location": "berlin"}
    api.post("/orders/webshop:1001/returns", json=asked)
    came = {
        "lines": [
            {"line": "TEE", "quantity": 2, "disposition": "restock"},
            {"line": "MUG", "quantity": 1, "disposition": "damaged"},
        ]
    }
    stocked_before = level(api, "TEE")[0], level(api, "MUG")[0]
    answer = api.post("/returns/ret-1-1/receive", json=came)
    assert answer.status_code == 200
    ret = answer.json()
    assert ret["status"] == "received" and ret["refund_reference"] is None
    assert [(ln["line_key"], ln["received_quantity"], ln["disposition"], ln["location"]) for ln in ret["lines"]] == [
        ("TEE", 2, "restock", "berlin"),
        ("MUG", 1, "damaged", "berlin"),
    ]
    assert (level(api, "TEE")[0], level(api, "MUG")[0]) == (stocked_before[0] + 2, stocked_before[1])
    order = api.get(f"/orders/{order_id}").json()
    assert order["fulfillment_status"] == "returned"
    assert [ln["returned_quantity"] for ln in order["lines"]] == [2, 1]
    assert topics(hub, order_id)[-2:] == ["order.return_requested", "order.items_returned"]

    again = api.post("/returns/ret-1-1/receive", json=came)
    assert again.status_code == 409 and "only a requested return can be received" in again.json()["detail"]
    assert level(api, "TEE")[0] == stocked_before[0] + 2


def test_restocked_units_go_to_the_location_the_line_or_the_body_names(api, hub):
    shipped(api, hub, "1001")
    api.post("/orders/webshop:1001/returns", json={"lines": [{"line": "TEE", "quantity": 2}]})
    came = {"lines": [{"line": "TEE", "quantity": 2, "disposition": "restock"}]}
    unplaced = api.post("/returns/ret-1-1/receive", json=came)
    assert unplaced.status_code == 409 and "restock needs a location" in unplaced.json()["detail"]
    placed = api.post("/returns/ret-1-1/receive", json={**came, "location": "leipzig"})
    assert placed.json()["lines"][0]["location"] == "leipzig"
    [found] = api.get("/inventory/levels", params={"sku": "TEE", "location": "leipzig"}).json()
    assert found["stocked"] == 2


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"line": "TEE", "quantity": 1, "disposition": "lost"}, "body.lines.0.disposition"),
        ({"line": "TEE", "quantity": -1, "disposition": "restock"}, "body.lines.0.quantity"),
        ({"line": "TEE", "quantity": 1}, "body.lines.0.disposition"),
        ({"line": "TEE", "quantity": 1, "disposition": "restock", "location": ""}, "body.lines.0.location"),
    ],
)
def test_a_receipt_that_is_not_what_the_endpoint_takes_is_refused_naming_the_field(api, hub, line, field):
    shipped(api, hub, "1001")
    api.post("/orders/webshop:1001/returns", json={"lines": [{"line": "TEE", "quantity": 1}]})
    answer = api.post("/returns/ret-1-1/receive", json={"lines": [line]})
    assert answer.status_code == 422 and field in answer.json()["message"]
    assert api.get("/returns").json()[0]["status"] == "requested"


def test_returns_are_listed_oldest_first_and_by_order(api, hub):
    first, second = shipped(api, hub, "1001"), shipped(api, hub, "1002")
    for order_id in (first, second, first):
        api.post(f"/orders/{order_id}/returns", json={"lines": [{"line": "TEE", "quantity": 1}]})
    listed = api.get("/returns", headers=READER)
    assert listed.status_code == 200
    assert [r["reference"] for r in listed.json()] == [f"ret-{first}-1", f"ret-{second}-1", f"ret-{first}-2"]
    mine = api.get("/returns", params={"order": "webshop:1002"}).json()
    assert [(r["reference"], r["order_id"]) for r in mine] == [(f"ret-{second}-1", second)]


def test_returns_are_asked_and_received_with_the_operator_scope_and_listed_with_read(api, hub):
    shipped(api, hub, "1001")
    one_tee = {"lines": [{"line": "TEE", "quantity": 1}]}
    assert api.post("/orders/webshop:1001/returns", json=one_tee, headers=READER).status_code == 403
    api.post("/orders/webshop:1001/returns", json=one_tee)
    came = {"lines": [{"line": "TEE", "quantity": 1, "disposition": "damaged"}]}
    assert api.post("/returns/ret-1-1/receive", json=came, headers=READER).status_code == 403
    assert api.get("/returns", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert api.get("/returns", headers=READER).json()[0]["status"] == "requested"


def test_a_received_return_refunds_what_was_paid_less_return_shipping_unless_told_not_to(settled, settled_api):
    api = settled_api
    order_id = shipped(api, settled, "1001", paid=True)
    asked = {"lines": [{"line": "TEE", "quantity": 1}, {"line": "MUG", "quantity": 1}], "return_shipping": 495}
    api.post(f"/orders/{order_id}/returns", json={**asked, "location": "berlin"})
    came = {"lines": [{"line": "TEE", "quantity": 1, "disposition": "restock"}]}
    ret = api.post(f"/returns/ret-{order_id}-1/receive", json=came).json()
    assert (ret["refund_amount"], ret["refund_reference"]) == (2500 - 495, f"ref-{order_id}-1")
    money = api.get(f"/orders/{order_id}").json()["payments"]
    assert [(op["kind"], op["amount"], op["status"]) for op in money["operations"]][-1] == ("refund", 2005, "requested")
    assert topics(settled, order_id)[-3:] == [
        "order.items_returned",
        "payment.operation_requested",
        "order.refund_created",
    ]

    api.post(f"/orders/{order_id}/returns", json={"lines": [{"line": "TEE", "quantity": 1}]})
    kept = api.post(f"/returns/ret-{order_id}-2/receive", json={**came, "location": "berlin", "refund": False}).json()
    assert (kept["refund_amount"], kept["refund_reference"]) == (None, None)
    assert len(api.get(f"/orders/{order_id}").json()["payments"]["operations"]) == len(money["operations"])


def test_a_return_over_the_api_does_to_stock_money_and_outbox_what_the_command_line_does(settled, settled_api):
    api = settled_api
    by_cli, by_api = shipped(api, settled, "1001", paid=True), shipped(api, settled, "1002", paid=True)
    args = ("--line", "TEE=2", "--line", "MUG=1", "--reason", "not_wanted", "--shipping", "4.95")
    cli(settled, returns_cli.app, "request", str(by_cli), *args, "--location", "berlin")
    cli(settled, returns_cli.app, "receive", f"ret-{by_cli}-1", "--restock", "TEE=2", "--damaged", "MUG=1")
    after_cli = level(api, "TEE")
    asked = [{"line": "TEE", "quantity": 2}, {"line": "MUG", "quantity": 1}]
    body = {"lines": asked, "reason": "not_wanted", "return_shipping": 495, "location": "berlin"}
    api.post(f"/orders/{by_api}/returns", json=body)
    came = [
        {"line": "TEE", "quantity": 2, "disposition": "restock"},
        {"line": "MUG", "quantity": 1, "disposition": "damaged"},
    ]
    api.post(f"/returns/ret-{by_api}-1/receive", json={"lines": came})
    assert level(api, "TEE")[0] == after_cli[0] + 2

    def outcome(order_id: int) -> dict[str, Any]:
        [ret] = api.get("/returns", params={"order": str(order_id)}).json()
        order = api.get(f"/orders/{order_id}").json()
        return {
            "return": {k: v for k, v in ret.items() if k not in ("id", "reference", "order_id", "refund_reference")}
            | {"requested_by": None},
            "money": [(op["kind"], op["amount"]) for op in order["payments"]["operations"]]
            + [(order["payment_status"], order["fulfillment_status"])],
            "lines": [ln["returned_quantity"] for ln in order["lines"]],
            "events": topics(settled, order_id),
        }

    assert outcome(by_api) == outcome(by_cli)
