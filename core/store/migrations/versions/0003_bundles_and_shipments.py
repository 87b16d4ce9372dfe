"""Bundles (kits) and the shipments the hub has recorded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:34:59.520443

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "bundle_components",
        sa.Column("bundle_sku", sa.String(length=255), nullable=False),
        sa.Column("component_sku", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_bundle_components_quantity_positive")),
        sa.PrimaryKeyConstraint("bundle_sku", "component_sku", name=op.f("pk_bundle_components")),
    )
    op.create_table(
        "shipments",
        sa.Column("id", _ID, nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("location_id", _ID, nullable=False),
        sa.Column("lines", _JSON, nullable=False),
        sa.Column("tracking", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["stock_locations.id"], name=op.f("fk_shipments_location_id_stock_locations")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("reference", name=op.f("uq_shipments_reference")),
    )
    op.create_index("ix_shipments_order_id", "shipments", ["order_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_shipments_order_id", table_name="shipments")
    op.drop_table("shipments")
    op.drop_table("bundle_components")
