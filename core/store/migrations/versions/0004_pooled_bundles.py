"""Bundles whose components may come from different stock locations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 04:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("bundle_components") as batch:
        batch.add_column(sa.Column("pooled", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("bundle_components") as batch:
        batch.drop_column("pooled")
