"""Create or migrate the database schema with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

_SCRIPTS = Path(__file__).parent / "migrations"


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the schema to `revision` (the newest unless told); returns the newest revision."""
    command.upgrade(_config(engine), revision)
    return head_revision()


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (what a data migration's test starts from)."""
    command.downgrade(_config(engine), revision)


def head_revision() -> str:
    head = ScriptDirectory(str(_SCRIPTS)).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
