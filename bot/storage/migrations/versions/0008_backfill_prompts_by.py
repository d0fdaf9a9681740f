"""teams.backfill_days, members.prompts_off, and who recorded a check-in or its versions

Revision ID: 0008_backfill_prompts_by
Revises: 0007_day_off_reason
Create Date: 2026-11-25 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_backfill_prompts_by"
down_revision: str | None = "0007_day_off_reason"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDED_BY = {
    "checkins": "checkins_recorded_by_id_fkey",
    "checkin_versions": "checkin_versions_recorded_by_id_fkey",
}


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backfill_days", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prompts_off", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    for table, key in RECORDED_BY.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                key, "members", ["recorded_by_id"], ["id"], ondelete="SET NULL"
            )


def downgrade() -> None:
    """Revert this revision."""
    for table, key in RECORDED_BY.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(key, type_="foreignkey")
            batch_op.drop_column("recorded_by_id")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("prompts_off")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("backfill_days")
