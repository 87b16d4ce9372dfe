"""Orders keep a hold of their fulfillment (units that left after the channel canceled them, a change the
provider cannot take) in a column of its own, which a channel's later version of the order does not clear; a
person releases it (`omshub orders release-fulfillment ORDER`). Existing such holds are found by the reasons the
hub wrote for them, while the order's fulfillment still waits on requires_action.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 15:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("fulfillment_hold", sa.Text(), nullable=True))
    op.execute(
        "UPDATE orders SET fulfillment_hold = hold_reason WHERE fulfillment_status = 'requires_action'"
        " AND (hold_reason LIKE 'shipment % carried units canceled after release%'"
        " OR hold_reason LIKE '% already sent to the warehouse; the provider takes no amendment%'"
        " OR hold_reason LIKE 'canceled in the channel after % had shipped it%')"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("fulfillment_hold")
