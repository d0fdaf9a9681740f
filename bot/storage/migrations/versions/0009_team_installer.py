"""teams.installer_user_id: who first installed Needle in a Slack workspace, kept by Needle

Slack's installation rows are deleted when a workspace uninstalls Needle, so a later
re-install would otherwise look like the first one. Filled from the oldest installation row
kept for each Slack team.

Revision ID: 0009_team_installer
Revises: 0008_backfill_prompts_by
Create Date: 2026-11-26 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_team_installer"
down_revision: str | None = "0008_backfill_prompts_by"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("installer_user_id", sa.String(100), nullable=True))
    op.execute(
        "UPDATE teams SET installer_user_id = ("
        " SELECT i.user_id FROM slack_installations i"
        " WHERE i.team_id = teams.external_id AND i.enterprise_id IS NULL"
        " ORDER BY i.installed_at, i.id LIMIT 1"
        ") WHERE platform = 'slack'"
    )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("installer_user_id")
