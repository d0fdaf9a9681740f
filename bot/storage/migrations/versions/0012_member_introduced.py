"""members: introduced_at (Needle introduces itself once per member)

Members who were already there have met Needle: they count as introduced when they joined.

Revision ID: 0012_member_introduced
Revises: 0011_team_boundaries
Create Date: 2026-11-26 11:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_member_introduced"
down_revision: str | None = "0011_team_boundaries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("introduced_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE members SET introduced_at = created_at")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("introduced_at")
