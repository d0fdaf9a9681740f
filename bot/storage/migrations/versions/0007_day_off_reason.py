"""checkins, checkin_versions: day_off_reason (sick, vacation, holiday, pto or off)

Revision ID: 0007_day_off_reason
Revises: 0006_slack_oauth_state_index
Create Date: 2026-11-26 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_day_off_reason"
down_revision: str | None = "0006_slack_oauth_state_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("checkins", "checkin_versions")


def upgrade() -> None:
    """Apply this revision."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("day_off_reason", sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("day_off_reason")
