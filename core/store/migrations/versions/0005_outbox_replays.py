"""Replays of dead-lettered outbox rows, each recorded against the original.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 04:35:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "outbox_replays",
        sa.Column("id", _ID, nullable=False),
        sa.Column("outbox_id", _ID, nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_by", sa.String(length=200), nullable=False),
        sa.Column("attempts_before", sa.Integer(), nullable=False),
        sa.Column("error_before", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_outbox_replays_outbox_id_outbox"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_replays")),
    )
    op.create_index("ix_outbox_replays_outbox_id", "outbox_replays", ["outbox_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_outbox_replays_outbox_id", table_name="outbox_replays")
    op.drop_table("outbox_replays")
