"""Team boundaries: the Slack first installer kept by Needle; personal teams of members in a
real team ended

teams.installer_user_id: Slack's installation rows are deleted when a workspace uninstalls
Needle, so a later re-install would otherwise look like the first one. Filled from the oldest
installation row kept for each Slack team.

A member with an active membership in a real team no longer keeps their personal team (a
Discord user's DMs before any server): its membership ends, as it does from now on when they
first use Needle in a server.

Revision ID: 0011_team_boundaries
Revises: 0010_web_tokens
Create Date: 2026-11-26 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_team_boundaries"
down_revision: str | None = "0010_web_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL = "user:"  # a personal team's external id: user:<platform user id>


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
    teams = sa.table("teams", sa.column("id"), sa.column("external_id"))
    memberships = sa.table(
        "team_memberships", sa.column("team_id"), sa.column("member_id"), sa.column("active")
    )
    other = memberships.alias("other")
    personal = sa.select(teams.c.id).where(teams.c.external_id.like(f"{PERSONAL}%"))
    in_a_real_team = (
        sa.select(other.c.member_id)
        .join(teams, teams.c.id == other.c.team_id)
        .where(
            other.c.member_id == memberships.c.member_id,
            other.c.active.is_(sa.true()),
            teams.c.external_id.not_like(f"{PERSONAL}%"),
        )
        .exists()
    )
    op.execute(
        memberships.update()
        .where(
            memberships.c.active.is_(sa.true()),
            memberships.c.team_id.in_(personal),
            in_a_real_team,
        )
        .values(active=sa.false())
    )


def downgrade() -> None:
    """Revert this revision (ended personal teams stay ended: a member's DM brings theirs
    back only if they belong to no real team)."""
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("installer_user_id")
