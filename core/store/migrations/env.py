"""Alembic environment: migrates the engine handed in by core.store.migrate (or OMSHUB_DATABASE_URL)."""

from __future__ import annotations

import os

from alembic import context

from core.store.engine import make_engine
from core.store.schema import metadata

config = context.config
engine = config.attributes.get("engine") or make_engine(os.environ.get("OMSHUB_DATABASE_URL", "sqlite:///omshub.db"))

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.driver_connection
    if sqlite:  # a batch migration rebuilds a table; with foreign keys on, dropping the old one would cascade
        driver.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, where SQLite honours it
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
