"""Each run counts the throttling answers (HTTP 429, Brightpearl's 503) its calls received, retried or not.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 10:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("throttled", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_column("throttled")
