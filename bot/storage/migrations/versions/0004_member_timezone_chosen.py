"""members: timezone_chosen (the member's own zone wins over the platform profile)

Revision ID: 0004_member_timezone_chosen
Revises: 0003_checkin_numbers_index
Create Date: 2026-11-25 18:19:08.909545
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_member_timezone_chosen"
down_revision: str | None = "0003_checkin_numbers_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone_chosen", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("timezone_chosen")
