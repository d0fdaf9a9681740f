"""daily minimums: the conversations minimum a target set for each day, fixed once set

Revision ID: 0015_daily_minimums
Revises: 0014_outcomes_and_targets
Create Date: 2026-11-26 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_daily_minimums"
down_revision: str | None = "0014_outcomes_and_targets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "daily_minimums",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", "local_date"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("daily_minimums")
