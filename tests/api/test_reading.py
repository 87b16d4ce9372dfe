"""Reading over the API (read scope): orders a page at a time, one order in full, levels, runs,
quarantine and dead letters."""

from __future__ import annotations

from datetime import timedelta

from core import shipments
from core.shipments import ShipmentReport, Tracking
from tests.api.conftest import READER, canonical, dead_letter, item


def post(api, external_id: str, *lines, channel: str = "webshop", **extra):
    answer = api.post("/orders", params={"channel": channel}, json=canonical(external_id, *lines, **extra))
    assert answer.status_code in (200, 201, 202), answer.text
    return answer.json()


def test_orders_are_listed_newest_first_a_page_at_a_time(api):
    for n in range(1, 6):
        post(api, str(n))
    first = api.get("/orders", params={"limit": 2}, headers=READER).json()
    assert [o["external_id"] for o in first["orders"]] == ["5", "4"]
    second = api.get("/orders", params={"limit": 2, "cursor": first["next_cursor"]}, headers=READER).json()
    assert [o["external_id"] for o in second["orders"]] == ["3", "2"]
    last = api.get("/orders", params={"limit": 2, "cursor": second["next_cursor"]}, headers=READER).json()
    assert [o["external_id"] for o in last["orders"]] == ["1"] and last["next_cursor"] is None


def test_orders_can_be_filtered_by_channel_status_and_change_time(api, hub):
    post(api, "1")
    post(api, "2", item("MUG", 9))
    hub.clock.advance(timedelta(hours=1))
    post(api, "3", channel="pos")
    by_channel = api.get("/orders", params={"channel": "pos"}).json()["orders"]
    assert [o["external_id"] for o in by_channel] == ["3"]
    held = api.get("/orders", params={"status": "requires_action"}).json()["orders"]
    assert [o["external_id"] for o in held] == ["2"]
    since = (hub.clock.now() - timedelta(minutes=1)).isoformat()
    assert [o["external_id"] for o in api.get("/orders", params={"updated_since": since}).json()["orders"]] == ["3"]


def test_listing_refuses_an_unknown_status_a_bad_cursor_and_a_time_without_zone(api):
    assert api.get("/orders", params={"status": "lost"}).status_code == 422
    assert api.get("/orders", params={"cursor": "abc"}).status_code == 422
    answer = api.get("/orders", params={"updated_since": "2026-11-20T10:00:00"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "updated_since"]


def test_one_order_is_shown_with_lines_reservations_fulfillment_payments_and_history(api, hub):
    created = post(api, "1001", item("TEE", 2), payment_status="authorized", payment_reference="pi_123")
    with hub.engine.begin() as conn:
        report = ShipmentReport("webshop:1001", "berlin", {"TEE": 1}, (Tracking("00340434", "DHL", None),), "S-1")
        shipments.record(conn, report, hub.clock.now())
    for ref in ("webshop:1001", str(created["order_id"])):
        order = api.get(f"/orders/{ref}", headers=READER).json()
        assert order["id"] == created["order_id"] and order["total"] == 5000
        assert [(ln["sku"], ln["quantity"]) for ln in order["lines"]] == [("TEE", 2)]
        assert [(r["sku"], r["location"]) for r in order["reservations"]] == [("TEE", "berlin")]
        assert [s["reference"] for s in order["fulfillment"]["shipments"]] == ["S-1"]
        assert order["payments"]["payment_status"] == "authorized"
        assert order["payments"]["payment_reference"] == "pi_123"
        assert order["history"][0]["topic"] == "order.placed"
        assert "raw" not in order


def test_an_unknown_order_is_not_found(api):
    assert api.get("/orders/webshop:404").status_code == 404
    assert api.get("/orders/999").status_code == 404
    assert api.get("/orders/no-colon").status_code == 422


def test_stock_levels_are_listed_and_filtered(api):
    post(api, "1", item("TEE", 2))
    levels = api.get("/inventory/levels", headers=READER).json()
    assert {(lv["sku"], lv["location"], lv["available"]) for lv in levels} == {
        ("MUG", "berlin", 2),
        ("TEE", "berlin", 3),
    }
    assert [lv["sku"] for lv in api.get("/inventory/levels", params={"sku": "MUG"}).json()] == ["MUG"]


def test_quarantine_is_listed_and_one_entry_shows_its_payload(api):
    post(api, "1001", totals={"total": 1})
    [entry] = api.get("/quarantine", headers=READER).json()
    detail = api.get(f"/quarantine/{entry['id']}", headers=READER).json()
    assert detail["payload"]["external_id"] == "1001" and "totals do not reconcile" in detail["reason"]
    post(api, "1001")
    assert api.get("/quarantine").json() == []
    assert len(api.get("/quarantine", params={"resolved": True}).json()) == 1
    assert api.get("/quarantine/999").status_code == 404


def test_dead_letters_are_listed_with_their_channel_and_shown_one_by_one(api, hub):
    order_id = post(api, "1001")["order_id"]
    letter_id = dead_letter(hub, order_id)
    [letter] = api.get("/dead-letters", params={"channel": "webshop"}, headers=READER).json()
    assert letter["id"] == letter_id and "503" in letter["last_error"] and letter["channel"] == "webshop"
    assert api.get("/dead-letters", params={"channel": "pos"}).json() == []
    detail = api.get(f"/dead-letters/{letter_id}", headers=READER).json()
    assert detail["status"] == "dead" and detail["payload"]["reference"] == "S1" and detail["replays"] == []
    assert api.get("/dead-letters/99999").status_code == 404
