"""outcomes and targets: what a team tracks, the outcomes members record, monthly targets

Revision ID: 0014_outcomes_and_targets
Revises: 0013_platform_contacts
Create Date: 2026-11-26 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_outcomes_and_targets"
down_revision: str | None = "0013_platform_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("outcomes", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column(
                "minimum_from_target", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("account", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["voided_by_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["replaced_by_id"], ["outcomes.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outcomes_member_date", "outcomes", ["member_id", "local_date"])
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_targets_member_start", "targets", ["member_id", "starts_on"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_targets_member_start", table_name="targets")
    op.drop_table("targets")
    op.drop_index("ix_outcomes_member_date", table_name="outcomes")
    op.drop_table("outcomes")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("minimum_from_target")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("outcomes")
