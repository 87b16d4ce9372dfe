"""The stock ledger drops its (item, location) index: no query reads the ledger by item (the ledger check scans
it whole), and the index's random inserts rewrote a page of it per stock change, about half of what intake wrote.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 13:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_index("ix_stock_movements_item_location", table_name="stock_movements")


def downgrade() -> None:
    """Downgrade schema."""
    op.create_index("ix_stock_movements_item_location", "stock_movements", ["item_id", "location_id"])
