"""The status page lists orders whose fulfillment is held whatever their status: a partial index finds the few.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 16:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HELD = sa.text("fulfillment_hold IS NOT NULL")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_orders_fulfillment_hold", "orders", ["fulfillment_hold"], sqlite_where=_HELD, postgresql_where=_HELD
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_orders_fulfillment_hold", table_name="orders")
