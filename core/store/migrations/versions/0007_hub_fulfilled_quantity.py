"""Units of an order line the hub saw leave through a provider's shipment (which the channel may not know yet).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 04:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("hub_fulfilled_quantity", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("hub_fulfilled_quantity")
