"""Alembic environment: migrates the engine handed in by core.store.migrate (or OMSHUB_DATABASE_URL)."""

from __future__ import annotations

import os

from alembic import context

from core.store.engine import make_engine
from core.store.schema import metadata

config = context.config
engine = config.attributes.get("engine") or make_engine(os.environ.get("OMSHUB_DATABASE_URL", "sqlite:///omshub.db"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
