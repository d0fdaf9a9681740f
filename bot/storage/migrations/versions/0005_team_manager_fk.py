"""teams.manager_member_id: the foreign key PostgreSQL never got

The first migration declared it with `use_alter`, which `op.create_table` leaves to a later
ALTER that never came; SQLite created it inline. This adds it where it is missing.

Revision ID: 0005_team_manager_fk
Revises: 0004_member_timezone_chosen
Create Date: 2026-11-25 18:25:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_team_manager_fk"
down_revision: str | None = "0004_member_timezone_chosen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "teams_manager_member_id_fkey"


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite created the key with the table
    op.create_foreign_key(
        NAME, "teams", "members", ["manager_member_id"], ["id"], ondelete="SET NULL"
    )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        return
    op.drop_constraint(NAME, "teams", type_="foreignkey")
