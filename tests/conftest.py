"""Store fixtures: every store test runs on SQLite, and on PostgreSQL when OMSHUB_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from core.clock import FixedClock
from core.store import migrate
from core.store.engine import make_engine
from core.store.schema import metadata

POSTGRES_URL = os.environ.get("OMSHUB_TEST_POSTGRES_URL")


def _store_params() -> list[object]:
    if POSTGRES_URL:
        return ["sqlite", "postgresql"]
    if os.environ.get("CI"):
        raise RuntimeError("CI must set OMSHUB_TEST_POSTGRES_URL so the store tests also run on PostgreSQL")
    reason = "set OMSHUB_TEST_POSTGRES_URL to run the store tests on PostgreSQL"
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.skip(reason=reason))]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> str:
    """The PostgreSQL test database; each parallel test worker (pytest-xdist) gets one of its own, made on first
    use next to the configured one (`omshub_test_gw0`, ...: the role needs CREATEDB)."""
    assert POSTGRES_URL
    if worker_id == "master":
        return POSTGRES_URL
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_{worker_id}"
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=_store_params())
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database URL (a fresh SQLite file, or the truncated PostgreSQL test database)."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    pg: Engine = request.getfixturevalue("postgres_engine")
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    with pg.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = make_engine(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
