"""Covering index for stats and leaderboards.

Sums of a member's conversations, minutes and wins over a range of dates are read from the
index alone, without visiting the check-in rows.

Revision ID: 0003_checkin_numbers_index
Revises: 0002_slack_oauth
Create Date: 2026-11-25 17:25:26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_checkin_numbers_index"
down_revision: str | None = "0002_slack_oauth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_checkins_member_date_numbers",
        "checkins",
        ["member_id", "local_date", "status", "conversations", "minutes", "wins"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_checkins_member_date_numbers", table_name="checkins")
