"""POST /orders and POST /orders/batch: the same intake as the channel pulls, answered per order."""

from __future__ import annotations

from tests.api.conftest import OPERATOR, canonical, item


def test_a_new_order_is_created_with_its_stock_reserved(api):
    answer = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001", item("TEE", 2)))
    assert answer.status_code == 201
    body = answer.json()
    assert body["result"] == "created" and body["external_id"] == "1001" and body["status"] == "pending"
    [level] = api.get("/inventory/levels", params={"sku": "TEE"}).json()
    assert (level["stocked"], level["reserved"], level["available"]) == (5, 2, 3)


def test_posting_the_same_order_again_changes_nothing(api):
    first = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001", item("TEE", 2))).json()
    again = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001", item("TEE", 2)))
    assert again.status_code == 200
    assert again.json()["result"] == "unchanged" and again.json()["order_id"] == first["order_id"]
    assert api.get("/inventory/levels", params={"sku": "TEE"}).json()[0]["reserved"] == 2


def test_a_later_version_of_an_order_updates_it(api):
    api.post("/orders", params={"channel": "webshop"}, json=canonical("1001", item("TEE", 2)))
    later = canonical("1001", item("TEE", 3), updated_at="2026-11-20T10:00:00+01:00")
    answer = api.post("/orders", params={"channel": "webshop"}, json=later)
    assert answer.status_code == 200 and answer.json()["result"] == "updated"
    assert api.get("/inventory/levels", params={"sku": "TEE"}).json()[0]["reserved"] == 3


def test_the_same_external_id_on_another_channel_is_another_order(api):
    web = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001")).json()
    pos = api.post("/orders", params={"channel": "pos"}, json=canonical("1001")).json()
    assert pos["result"] == "created" and pos["order_id"] != web["order_id"]


def test_an_order_short_of_stock_is_created_and_held_with_its_shortage_named(api):
    body = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001", item("MUG", 3))).json()
    assert body["result"] == "created" and body["status"] == "requires_action"
    assert "MUG" in body["hold_reason"] and "wanted 3, available 2" in body["hold_reason"]


def test_an_order_whose_totals_do_not_reconcile_is_quarantined_with_its_reason(api):
    stated = canonical("1001", item("TEE", 2), totals={"total": 4000})
    answer = api.post("/orders", params={"channel": "webshop"}, json=stated)
    assert answer.status_code == 202
    body = answer.json()
    assert body["result"] == "quarantined" and body["order_id"] is None
    assert "totals do not reconcile" in body["reason"]
    [entry] = api.get("/quarantine", params={"channel": "webshop"}).json()
    assert entry["external_id"] == "1001" and "totals do not reconcile" in entry["reason"]


def test_a_body_that_is_not_a_canonical_order_is_refused_naming_the_field(api):
    wrong = canonical("1001", {**item("TEE", 1), "quantity": "two"})
    answer = api.post("/orders", params={"channel": "webshop"}, json=wrong)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "lines", 0, "quantity"]
    assert "lines.0.quantity" in answer.json()["message"]
    assert api.get("/orders").json()["orders"] == []


def test_a_missing_field_and_a_missing_channel_are_both_named(api):
    answer = api.post("/orders", json={"external_id": "1001", "currency": "EUR", "lines": []})
    assert answer.status_code == 422
    locations = {tuple(e["loc"]) for e in answer.json()["detail"]}
    assert {("query", "channel"), ("body", "placed_at"), ("body", "lines")} <= locations


def test_an_unknown_channel_is_refused_and_nothing_is_taken_in(api):
    answer = api.post("/orders", params={"channel": "nowhere"}, json=canonical("1001"))
    assert answer.status_code == 404 and "nowhere" in answer.json()["detail"]


def test_values_the_store_cannot_hold_are_refused_naming_the_field(api):
    too_long = canonical("1001", item("T" * 300, 1))
    answer = api.post("/orders", params={"channel": "webshop"}, json=too_long)
    assert answer.status_code == 422 and "lines.0.sku: at most 255 characters" in answer.json()["message"]
    nul = canonical("1002", notes="gift\x00wrap")
    assert "notes: contains a NUL character" in api.post("/orders?channel=webshop", json=nul).json()["message"]
    huge = canonical("1003", item("TEE", 2**40))
    assert "lines.0.quantity" in api.post("/orders?channel=webshop", json=huge).json()["message"]
    far = canonical("1004", placed_at="0001-01-01T00:00:00+01:00")
    assert "out of range" in api.post("/orders?channel=webshop", json=far).json()["message"]
    assert api.get("/orders").json()["orders"] == []


def test_a_body_over_the_size_limit_is_refused(api):
    notes = "x" * (64 * 1024)
    answer = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001", notes=notes))
    assert answer.status_code == 413 and "max_body_bytes" in answer.json()["detail"]


def test_a_body_sent_without_a_length_is_refused_once_it_passes_the_limit(api):
    def chunks():
        yield b'{"external_id": "1001", "notes": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    answer = api.post("/orders?channel=webshop", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413


def test_a_batch_answers_per_order_in_the_order_sent(api):
    api.post("/orders", params={"channel": "webshop"}, json=canonical("1001"))
    batch = [
        canonical("1002", item("TEE", 1)),
        canonical("1001"),
        canonical("1003", item("TEE", 1), totals={"total": 1}),
        canonical("1001", item("TEE", 2), updated_at="2026-11-20T11:00:00+01:00"),
    ]
    answer = api.post("/orders/batch", params={"channel": "webshop"}, json=batch)
    assert answer.status_code == 200
    body = answer.json()
    assert [(r["external_id"], r["result"]) for r in body["results"]] == [
        ("1002", "created"),
        ("1001", "updated"),
        ("1003", "quarantined"),
        ("1001", "updated"),
    ]
    assert (body["created"], body["updated"], body["unchanged"], body["quarantined"]) == (1, 2, 0, 1)


def test_a_batch_larger_than_a_page_is_taken_in_page_by_page(api, monkeypatch):
    monkeypatch.setattr("api.intake.PAGE_SIZE", 2)
    batch = [canonical(str(n), item("TEE", 1)) for n in range(1, 6)]
    body = api.post("/orders/batch", params={"channel": "webshop"}, json=batch).json()
    assert [r["result"] for r in body["results"]] == ["created"] * 5
    again = api.post("/orders/batch", params={"channel": "webshop"}, json=batch).json()
    assert again["unchanged"] == 5


def test_a_batch_with_an_order_that_is_not_canonical_is_refused_whole_naming_its_index(api):
    batch = [canonical("1001"), canonical("1002", currency="EURO")]
    answer = api.post("/orders/batch", params={"channel": "webshop"}, json=batch)
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", 1, "currency"]]
    assert api.get("/orders").json()["orders"] == []


def test_an_empty_batch_is_refused(api):
    assert api.post("/orders/batch", params={"channel": "webshop"}, json=[]).status_code == 422


def test_intake_needs_the_operator_scope(api):
    from tests.api.conftest import READER

    answer = api.post("/orders", params={"channel": "webshop"}, json=canonical(), headers=READER)
    assert answer.status_code == 403
    assert api.post("/orders", params={"channel": "webshop"}, json=canonical(), headers=OPERATOR).status_code == 201


def test_a_nul_character_in_the_path_or_query_is_refused(api):
    answer = api.get("/orders", params={"channel": "web\x00shop"})
    assert answer.status_code == 422 and "NUL" in answer.json()["message"]
    assert api.get("/orders/web%00shop:1").status_code == 422


def test_text_that_is_not_valid_unicode_is_refused_naming_the_field(api):
    body = '{"external_id": "1001", "currency": "EUR", "placed_at": "2026-11-20T09:00:00Z", "notes": "\\ud800",'
    body += ' "lines": [{"sku": "TEE", "quantity": 1, "unit_price": 100}]}'
    answer = api.post("/orders?channel=webshop", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422 and "notes: is not valid Unicode" in answer.json()["message"]
