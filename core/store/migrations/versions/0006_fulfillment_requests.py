"""Fulfillment requests: what was asked of which provider, for which order and location.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 04:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "fulfillment_requests",
        sa.Column("id", _ID, nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("location_id", _ID, nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=True),
        sa.Column("lines", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["stock_locations.id"], name=op.f("fk_fulfillment_requests_location_id_stock_locations")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_fulfillment_requests_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_fulfillment_requests_reference")),
    )
    op.create_index("ix_fulfillment_requests_order_id", "fulfillment_requests", ["order_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_fulfillment_requests_order_id", table_name="fulfillment_requests")
    op.drop_table("fulfillment_requests")
