"""Intake on a real store: create, update, cancel, idempotency, quarantine, bookmarks."""

from __future__ import annotations

from sqlalchemy import func, select

from core import bookmarks
from core.allocation import ShortagePolicy, Strategy
from core.bookmarks import Bookmark
from core.intake import ingest
from core.quarantine import Rejected
from core.queries import get_order, get_quarantined, list_quarantine
from core.raw_json import RawJson, json_value
from core.stock_admin import check
from core.store.schema import bindings, order_lines, orders, outbox, reservations
from tests.support import levels, line, order, setup_hub


def topics(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(outbox.c.topic).order_by(outbox.c.id)).scalars())


def count(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_new_order_is_created_reserved_bound_and_announced(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    result = ingest(engine, "web", [order("1001", line("SKU-A", 2))], clock=clock)
    assert (result.created, result.updated, result.unchanged, result.quarantined) == (1, 0, 0, 0)
    assert levels(engine)[("SKU-A", "near")] == (5, 2)
    assert topics(engine) == ["order.placed", "inventory.reserved"]
    assert count(engine, bindings) == 1
    with engine.connect() as conn:
        shown = get_order(conn, "web:1001")
        assert check(conn) == []
    assert shown["reservations"] == [{"line_key": "SKU-A", "sku": "SKU-A", "location": "near", "quantity": 2}]


def test_the_same_page_twice_leaves_one_order_and_one_set_of_reservations(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    page = [order("1001", line("SKU-A", 2)), order("1002", line("SKU-A", 1))]
    ingest(engine, "web", page, clock=clock)
    again = ingest(engine, "web", page, clock=clock)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count(engine, orders) == 2
    assert levels(engine)[("SKU-A", "near")] == (5, 3)


def test_overlapping_pages_keep_the_newest_version_once(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    ingest(engine, "web", [order("1001", line("SKU-A", 2)), order("1002")], clock=clock)
    result = ingest(
        engine, "web", [order("1002"), order("1001", line("SKU-A", 3), minutes=5), order("1003")], clock=clock
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert levels(engine)[("SKU-A", "near")] == (5, 5)


def test_a_page_repeating_an_order_keeps_its_newest_version(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    page = [order("1001", line("SKU-A", 1), minutes=9), order("1001", line("SKU-A", 4), minutes=1)]
    result = ingest(engine, "web", page, clock=clock)
    assert result.created == 1
    assert levels(engine)[("SKU-A", "near")] == (5, 1)


def test_an_older_version_changes_nothing(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    ingest(engine, "web", [order("1001", line("SKU-A", 2), minutes=10)], clock=clock)
    result = ingest(engine, "web", [order("1001", line("SKU-A", 4), minutes=5)], clock=clock)
    assert result.unchanged == 1
    assert levels(engine)[("SKU-A", "near")] == (5, 2)


def test_a_cancellation_releases_reservations_exactly_once(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    ingest(engine, "web", [order("1001", line("SKU-A", 2))], clock=clock)
    canceled = order("1001", line("SKU-A", 2), minutes=5, status="canceled")
    ingest(engine, "web", [canceled], clock=clock)
    ingest(engine, "web", [canceled], clock=clock)
    ingest(engine, "web", [{**canceled, "updated_at": order("x", minutes=6)["updated_at"]}], clock=clock)
    assert levels(engine)[("SKU-A", "near")] == (5, 0)
    assert topics(engine).count("inventory.released") == 1
    assert topics(engine).count("order.canceled") == 1
    with engine.connect() as conn:
        assert check(conn) == []


def test_payment_and_edited_lines_are_applied_and_reservations_adjusted(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5, ("SKU-B", "near"): 5})
    ingest(engine, "web", [order("1001", line("SKU-A", 2), line("SKU-B", 2))], clock=clock)
    edited = order("1001", line("SKU-A", 1), line("SKU-C", 1), minutes=3, payment_status="captured")
    result = ingest(engine, "web", [edited], clock=clock)
    assert result.updated == 1
    assert levels(engine)[("SKU-A", "near")] == (5, 1)
    assert levels(engine)[("SKU-B", "near")] == (5, 0)
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.payment_status, orders.c.status, orders.c.hold_reason)).one()
        keys = set(conn.execute(select(order_lines.c.line_key)).scalars())
        assert check(conn) == []
    assert row.payment_status == "captured"
    assert row.status == "requires_action" and "SKU-C" in row.hold_reason
    assert keys == {"SKU-A", "SKU-C"}


def test_a_bad_order_is_quarantined_and_the_rest_of_the_page_goes_on(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    bad_total = order("1002", line("SKU-A", 1, 1000), totals={"total": 999})
    bad_shape = {"external_id": "1003", "currency": "EUR", "lines": []}
    result = ingest(engine, "web", [order("1001"), bad_total, bad_shape], clock=clock)
    assert (result.created, result.quarantined) == (1, 2)
    with engine.connect() as conn:
        entries = {e["external_id"]: e for e in list_quarantine(conn)}
    assert "difference -0.01 EUR" in entries["1002"]["reason"]
    assert "placed_at" in entries["1003"]["reason"] and "lines" in entries["1003"]["reason"]


def test_a_quarantined_order_seen_again_is_counted_and_resolved_by_a_valid_version(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    bad = order("1002", line("SKU-A", 1, 1000), totals={"total": 999})
    ingest(engine, "web", [bad], clock=clock)
    ingest(engine, "web", [bad], clock=clock)
    with engine.connect() as conn:
        assert list_quarantine(conn)[0]["times_seen"] == 2
    ingest(engine, "web", [order("1002", line("SKU-A", 1, 1000), minutes=1, totals={"total": 1000})], clock=clock)
    with engine.connect() as conn:
        assert list_quarantine(conn) == []
        assert len(list_quarantine(conn, include_resolved=True)) == 1


def test_the_bookmark_is_stored_with_the_page(engine, clock):
    setup_hub(engine)
    ingest(engine, "web", [order("1001")], clock=clock, bookmark=Bookmark("orders", "2026-11-20T09:00:00Z"))
    ingest(engine, "web", [], clock=clock, bookmark=Bookmark("orders", "2026-11-20T10:00:00Z"))
    with engine.connect() as conn:
        assert bookmarks.load(conn, "web", "orders") == "2026-11-20T10:00:00Z"


def test_hold_policy_reports_all_short_lines_and_reserves_nothing(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 1, ("SKU-B", "near"): 0, ("SKU-C", "near"): 9})
    ingest(engine, "web", [order("1001", line("SKU-A", 2), line("SKU-B", 1), line("SKU-C", 1))], clock=clock)
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.status, orders.c.hold_reason)).one()
        assert conn.execute(select(func.sum(reservations.c.quantity))).scalar() is None
    assert row.status == "requires_action"
    assert "SKU-A" in row.hold_reason and "SKU-B" in row.hold_reason and "SKU-C" not in row.hold_reason
    assert "order.requires_action" in topics(engine)


def test_backorder_policy_reserves_what_exists_and_records_the_rest(engine, clock):
    setup_hub(engine, shortage_policy=ShortagePolicy.backorder, stock={("SKU-A", "near"): 1, ("SKU-A", "far"): 1})
    ingest(engine, "web", [order("1001", line("SKU-A", 5))], clock=clock)
    with engine.connect() as conn:
        backordered = conn.execute(select(order_lines.c.backordered_quantity)).scalar_one()
    assert backordered == 3
    assert levels(engine)[("SKU-A", "near")] == (1, 1) and levels(engine)[("SKU-A", "far")] == (1, 1)
    assert "inventory.backordered" in topics(engine)


def test_a_held_order_is_reserved_when_a_newer_version_finds_stock(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 0})
    ingest(engine, "web", [order("1001", line("SKU-A", 1))], clock=clock)
    setup_hub(engine, stock={("SKU-A", "near"): 3})
    ingest(engine, "web", [order("1001", line("SKU-A", 1), minutes=1, payment_status="captured")], clock=clock)
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.status, orders.c.hold_reason)).one()
    assert (row.status, row.hold_reason) == ("pending", None)
    assert levels(engine)[("SKU-A", "near")] == (3, 1)


def test_single_location_serves_the_whole_order_from_one_place(engine, clock):
    setup_hub(
        engine,
        strategy=Strategy.single_location,
        stock={("SKU-A", "near"): 5, ("SKU-B", "near"): 0, ("SKU-A", "far"): 1, ("SKU-B", "far"): 1},
    )
    ingest(engine, "web", [order("1001", line("SKU-A", 1), line("SKU-B", 1))], clock=clock)
    lv = levels(engine)
    assert lv[("SKU-A", "far")] == (1, 1) and lv[("SKU-B", "far")] == (1, 1) and lv[("SKU-A", "near")] == (5, 0)


def test_units_fulfilled_by_the_channel_consume_their_reservation(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    ingest(engine, "web", [order("1001", line("SKU-A", 3))], clock=clock)
    ingest(engine, "web", [order("1001", line("SKU-A", 3, fulfilled_quantity=2), minutes=1)], clock=clock)
    assert levels(engine)[("SKU-A", "near")] == (3, 1)
    with engine.connect() as conn:
        assert check(conn) == []


def test_an_unknown_channel_is_a_clear_error(engine, clock):
    import pytest

    from core.errors import FatalError

    with pytest.raises(FatalError, match=r"\[channels.nope\]"):
        ingest(engine, "nope", [order("1")], clock=clock)


def test_a_change_stamped_with_the_same_second_and_no_version_is_applied_when_the_payload_differs(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    placed = order("1", line("SKU-A", 2), payment_status="awaiting", raw={"id": 1, "status": "pending"})
    ingest(engine, "web", [placed], clock=clock)
    again = ingest(engine, "web", [placed], clock=clock)
    assert (again.updated, again.unchanged) == (0, 1)
    paid = order("1", line("SKU-A", 2), payment_status="captured", raw={"id": 1, "status": "processing"})
    result = ingest(engine, "web", [paid], clock=clock)
    assert result.updated == 1
    with engine.connect() as conn:
        assert conn.execute(select(orders.c.payment_status)).scalar_one() == "captured"
    versioned = order("1", line("SKU-A", 1), minutes=1, upstream_version=3, raw={"id": 1, "status": "edited"})
    assert ingest(engine, "web", [versioned], clock=clock).updated == 1
    same_version = order("1", line("SKU-A", 2), minutes=1, upstream_version=3, raw={"id": 1, "status": "other"})
    assert ingest(engine, "web", [same_version], clock=clock).unchanged == 1, "a version decides where there is one"


def test_a_payload_kept_as_text_is_stored_as_it_came_and_compared_by_its_value(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    text = '{"id": 1, "status": "pending", "total": 12.50, "note": "Café ☕"}'
    ingest(engine, "web", [order("1", line("SKU-A", 2), payment_status="awaiting", raw=RawJson(text))], clock=clock)
    with engine.connect() as conn:
        assert conn.execute(select(orders.c.raw)).scalar_one() == json_value(text)
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("SELECT raw FROM orders").scalar_one() == text, "kept as it came"
    respaced = RawJson(text.replace(": ", ":"))
    again = ingest(engine, "web", [order("1", line("SKU-A", 2), payment_status="awaiting", raw=respaced)], clock=clock)
    assert (again.updated, again.unchanged) == (0, 1), "the same payload in other spacing is the same state"
    paid = RawJson(text.replace("pending", "processing"))
    result = ingest(engine, "web", [order("1", line("SKU-A", 2), payment_status="captured", raw=paid)], clock=clock)
    assert result.updated == 1


def test_a_payload_with_a_number_beyond_a_double_is_stored_and_read_back(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    text = '{"id": 1, "weight": 1e400}'
    ingest(engine, "web", [order("1", line("SKU-A", 2), raw=RawJson(text))], clock=clock)
    with engine.connect() as conn:
        weight = conn.execute(select(orders.c.raw)).scalar_one()["weight"]
        assert get_order(conn, "web:1")["external_id"] == "1"
    # SQLite keeps the text, read by the standard library when orjson refuses it; PostgreSQL's numeric is exact
    assert weight == (float("inf") if engine.dialect.name == "sqlite" else 10**400)


def test_a_rejected_record_kept_as_text_is_quarantined_with_its_payload(engine, clock):
    setup_hub(engine)
    text = '{"id": 7, "total_price": "abc", "nested": {"unicode": "Łódź"}}'
    ingest(engine, "web", [Rejected("7", "total_price: 'abc' is not a decimal amount", RawJson(text))], clock=clock)
    with engine.connect() as conn:
        [entry] = list_quarantine(conn)
        assert get_quarantined(conn, entry["id"])["payload"] == json_value(text)
