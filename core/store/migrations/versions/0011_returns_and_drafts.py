"""Returns of shipped units (what was asked back, what came in, where it went and what was refunded), and draft
orders (kept apart from orders until converted).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 08:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "returns",
        sa.Column("id", _ID, nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("location_id", _ID, nullable=True),
        sa.Column("return_shipping", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refund_amount", sa.BigInteger(), nullable=True),
        sa.Column("refund_reference", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["stock_locations.id"], name=op.f("fk_returns_location_id_stock_locations")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("reference", name=op.f("uq_returns_reference")),
    )
    op.create_index("ix_returns_order_id", "returns", ["order_id"], unique=False)
    op.create_table(
        "return_lines",
        sa.Column("id", _ID, nullable=False),
        sa.Column("return_id", _ID, nullable=False),
        sa.Column("line_key", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("received_quantity", sa.Integer(), server_default="0", nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=True),
        sa.Column("location_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["stock_locations.id"], name=op.f("fk_return_lines_location_id_stock_locations")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
        sa.UniqueConstraint("return_id", "line_key", name=op.f("uq_return_lines_return_id_line_key")),
    )

    op.create_table(
        "draft_orders",
        sa.Column("id", _ID, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("order_id", _ID, nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_draft_orders_order_id_orders"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_orders")),
        sa.UniqueConstraint("reference", name=op.f("uq_draft_orders_reference")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("draft_orders")
    op.drop_table("return_lines")
    op.drop_index("ix_returns_order_id", table_name="returns")
    op.drop_table("returns")
