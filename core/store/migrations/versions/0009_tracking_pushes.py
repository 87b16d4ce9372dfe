"""Tracking pushes: one row per (shipment, tracking number) with how far telling the channel has got.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 06:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "tracking_pushes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("shipment_id", _ID, nullable=False),
        sa.Column("outbox_id", _ID, nullable=True),
        sa.Column("number", sa.String(length=255), nullable=True),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_tracking_pushes_shipment_id_shipments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_tracking_pushes_outbox_id_outbox"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_pushes")),
        sa.UniqueConstraint("shipment_id", "number", name=op.f("uq_tracking_pushes_shipment_id_number")),
    )
    op.create_index("ix_tracking_pushes_shipment_id", "tracking_pushes", ["shipment_id"], unique=False)
    op.create_index("ix_tracking_pushes_status", "tracking_pushes", ["status"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_tracking_pushes_status", table_name="tracking_pushes")
    op.drop_index("ix_tracking_pushes_shipment_id", table_name="tracking_pushes")
    op.drop_table("tracking_pushes")
