"""platform_contacts: DM channels and member profiles the platforms told Needle, kept across
restarts

Revision ID: 0013_platform_contacts
Revises: 0012_member_introduced
Create Date: 2026-11-26 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_platform_contacts"
down_revision: str | None = "0012_member_introduced"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "platform_contacts",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("dm_channel", sa.String(length=64), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("locale", sa.String(length=32), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=True),
        sa.Column("profile_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "team_id", "user_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("platform_contacts")
