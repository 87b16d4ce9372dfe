"""The migrations build exactly the tables the code declares, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from core import runs
from core.intake import ingest
from core.store import migrate
from core.store.schema import job_run_totals, job_runs, metadata, order_lines, orders
from tests.support import order, setup_hub


def test_a_migrated_database_is_at_the_newest_revision(engine):
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_the_migrated_schema_matches_the_table_definitions(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_upgrading_again_changes_nothing(engine):
    assert migrate.upgrade(engine) == migrate.head_revision()
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path):
    from core.store.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_run_totals_are_filled_from_the_run_history(engine):
    t0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    rows = [
        ("pull-orders", "web", "success", None, 0, 1, 0, 2.5),
        ("pull-orders", "web", "success", None, 0, 0, 1, 1.5),
        ("pull-orders", "web", "failed", "rate_limited", 0, 3, 2, 4.0),
        ("push-inventory", "web", "success", None, 40, 0, 3, 0.5),
        ("push-inventory", "web", "running", None, 0, 0, 4, None),
    ]
    migrate.downgrade(engine, "0017")
    try:
        with engine.begin() as conn:
            for job, channel, status, category, pushed, throttled, minute, seconds in rows:
                started = t0 + timedelta(minutes=minute)
                finished = None if seconds is None else started + timedelta(seconds=seconds)
                conn.execute(
                    job_runs.insert().values(
                        job=job,
                        channel=channel,
                        trigger="scheduled",
                        status=status,
                        holder="h",
                        started_at=started,
                        finished_at=finished,
                        fetched=0,
                        created=0,
                        updated=0,
                        unchanged=0,
                        quarantined=0,
                        pushed=pushed,
                        throttled=throttled,
                        error_category=category,
                    )
                )
    finally:
        migrate.upgrade(engine)
    t = job_run_totals.c
    with engine.connect() as conn:
        totals = conn.execute(
            select(t.job, t.status, t.error_category, t.runs, t.seconds, t.pushed, t.throttled, t.last_run_id).order_by(
                t.job, t.status
            )
        ).all()
        assert runs.last_success(conn) == {
            ("pull-orders", "web"): t0 + timedelta(minutes=1, seconds=1.5),
            ("push-inventory", "web"): t0 + timedelta(minutes=3, seconds=0.5),
        }
    assert [(*row[:4], round(row[4], 3), *row[5:]) for row in totals] == [
        ("pull-orders", "failed", "rate_limited", 1, 4.0, 0, 3, 3),
        ("pull-orders", "success", "", 2, 4.0, 0, 1, 2),
        ("push-inventory", "success", "", 1, 0.5, 40, 0, 4),
    ]


def test_a_fulfillment_waiting_on_a_person_becomes_a_fulfillment_hold(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 5})
    ingest(engine, "web", [order("1"), order("2"), order("3")], clock=clock)
    overshipped = "shipment bp:n1 carried units canceled after release (a ×1): open a return for them or charge them"
    reasons = {"1": overshipped, "2": "cap-2-1 declined: card_declined", "3": None}
    migrate.downgrade(engine, "0018")
    try:
        with engine.begin() as conn:
            for ext, reason in reasons.items():
                conn.execute(
                    orders.update()
                    .where(orders.c.external_id == ext)
                    .values(fulfillment_status="requires_action", hold_reason=reason)
                )
    finally:
        migrate.upgrade(engine)
    with engine.connect() as conn:
        holds = dict(conn.execute(select(orders.c.external_id, orders.c.fulfillment_hold)).all())
        lines = conn.execute(select(func.count()).select_from(order_lines)).scalar_one()
    assert holds == {"1": overshipped, "2": None, "3": None}, "only the hub's own fulfillment holds"
    assert lines == 3, "rebuilding the orders table (SQLite) keeps the rows that refer to it"
