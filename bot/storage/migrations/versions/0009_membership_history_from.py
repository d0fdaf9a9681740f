"""team_memberships.history_from: the first day of a member's history a team sees

A member who joins a team after Needle knew them brings check-ins made elsewhere; the team
sees them from the day the member joined. Memberships that began with the member see
everything (NULL). Existing memberships joined later than their member was created get the
UTC date of joining (their local date was not recorded then).

Revision ID: 0009_membership_history_from
Revises: 0008_backfill_prompts_by
Create Date: 2026-11-26 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_membership_history_from"
down_revision: str | None = "0008_backfill_prompts_by"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("team_memberships", sa.Column("history_from", sa.Date(), nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    day = (
        "date(team_memberships.joined_at)"
        if sqlite
        else "CAST(team_memberships.joined_at AT TIME ZONE 'UTC' AS DATE)"
    )
    op.execute(
        f"UPDATE team_memberships SET history_from = {day} "
        "WHERE joined_at > (SELECT m.created_at FROM members m "
        "WHERE m.id = team_memberships.member_id)"
    )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("team_memberships") as batch:
        batch.drop_column("history_from")
