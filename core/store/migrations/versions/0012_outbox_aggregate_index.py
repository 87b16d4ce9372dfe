"""An index on the outbox by aggregate, for an order's history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 08:20:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index("ix_outbox_aggregate", "outbox", ["aggregate_type", "aggregate_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_outbox_aggregate", table_name="outbox")
