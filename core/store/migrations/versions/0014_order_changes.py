"""Changes the hub makes to an order's lines: order edits, exchanges and claims, each with the line actions it
applies, the money it moved and the return it opened; and the part of a return's value that an exchange
already gave back as new lines; the payment an additional charge made.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 09:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "order_changes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim_type", sa.String(length=16), nullable=True),
        sa.Column("actions", _JSON, nullable=False),
        sa.Column("total_before", sa.BigInteger(), nullable=False),
        sa.Column("total_after", sa.BigInteger(), nullable=False),
        sa.Column("difference", sa.BigInteger(), nullable=False),
        sa.Column("return_reference", sa.String(length=255), nullable=True),
        sa.Column("payment_reference", sa.String(length=255), nullable=True),
        sa.Column("fulfillment", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_order_changes_order_id", "order_changes", ["order_id"], unique=False)
    with op.batch_alter_table("returns") as batch:
        batch.add_column(sa.Column("refund_offset", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("payment_operations") as batch:
        batch.add_column(sa.Column("result_reference", sa.String(length=255), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("payment_operations") as batch:
        batch.drop_column("result_reference")
    with op.batch_alter_table("returns") as batch:
        batch.drop_column("refund_offset")
    op.drop_index("ix_order_changes_order_id", table_name="order_changes")
    op.drop_table("order_changes")
