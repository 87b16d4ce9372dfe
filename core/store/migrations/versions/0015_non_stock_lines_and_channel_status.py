"""Lines that hold no stock, and the order's state in its channel's own words.

`sales_channels.non_stock_skus`: the SKU patterns a channel's configuration names as holding no stock (gift
wrap, insurance). `order_lines.holds_stock`: whether intake took the line in as one to reserve and ship (false
for those SKUs and for lines without a SKU). `orders.channel_status`: the channel's own status of the order,
which `payments.capturable_statuses` checks before a capture.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 09:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("sales_channels") as batch:
        batch.add_column(sa.Column("non_stock_skus", _JSON, server_default="[]", nullable=False))
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("holds_stock", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute("UPDATE order_lines SET holds_stock = false WHERE sku IS NULL")
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("channel_status", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("channel_status")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("holds_stock")
    with op.batch_alter_table("sales_channels") as batch:
        batch.drop_column("non_stock_skus")
