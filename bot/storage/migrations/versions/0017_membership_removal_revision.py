"""a membership removed bumps its team's revision: results kept for the team are read again

Revision ID: 0017_membership_removal_revision
Revises: 0016_revisions
Create Date: 2026-11-26 17:30:00

A member who asks to be forgotten takes their memberships with them. SQLite may then give
their id to the next new member, whose revisions start from zero again: without a bump the
newcomer could match what was kept for the forgotten member. Removing a membership now moves
the team's revision, so nothing kept for the team survives it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_membership_removal_revision"
down_revision: str | None = "0016_revisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE teams SET revision = revision + 1 WHERE id = OLD.team_id;"


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER team_memberships_removed AFTER DELETE ON team_memberships "
            f"BEGIN {BUMP} END"
        )
        return
    op.execute(
        "CREATE FUNCTION needle_membership_removed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {BUMP} RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER team_memberships_removed AFTER DELETE ON team_memberships "
        "FOR EACH ROW EXECUTE FUNCTION needle_membership_removed()"
    )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS team_memberships_removed")
        return
    op.execute("DROP TRIGGER IF EXISTS team_memberships_removed ON team_memberships")
    op.execute("DROP FUNCTION IF EXISTS needle_membership_removed()")
