"""Payment operations (captures, refunds, releases) with their idempotency references, and what the
processor holds for each order: authorized, refunded, and when the authorization lapses.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 07:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("authorized_total", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("refunded_total", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("authorization_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "payment_operations",
        sa.Column("id", _ID, nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("processor", sa.String(length=100), nullable=False),
        sa.Column("payment_reference", sa.String(length=255), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cause", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_operations_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_operations")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_operations_reference")),
        sa.UniqueConstraint("order_id", "kind", "sequence", name=op.f("uq_payment_operations_order_id_kind_sequence")),
    )
    op.create_index("ix_payment_operations_status", "payment_operations", ["status"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_payment_operations_status", table_name="payment_operations")
    op.drop_table("payment_operations")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("authorization_expires_at")
        batch.drop_column("refunded_total")
        batch.drop_column("authorized_total")
