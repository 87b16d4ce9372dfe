"""The processor's payment of an order, and how much of it the hub has captured.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:05:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("payment_reference", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("captured_total", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("captured_total")
        batch.drop_column("payment_reference")
