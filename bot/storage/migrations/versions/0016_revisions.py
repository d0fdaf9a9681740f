"""revisions: a counter on each member, membership and team that the database bumps on every
change to what Needle computes from them (check-ins, activities, outcomes, targets, daily
minimums, settings), so results kept in memory know exactly when they are out of date

Revision ID: 0016_revisions
Revises: 0015_daily_minimums
Create Date: 2026-11-26 16:00:00

The triggers are the database's, so no code path can write without bumping. A later
migration that rebuilds one of these tables on SQLite (a batch "move and copy") must call
`drop_triggers()` first and `create_triggers()` after (and likewise for 0017's trigger): a
rebuilt table loses its own triggers, and the triggers of other tables name `members` and
`checkins`, so SQLite refuses to rename a copy into their place while those exist.
`tests/test_revisions.py` lists the triggers at the newest schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_revisions"
down_revision: str | None = "0015_daily_minimums"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = ("members", "team_memberships", "teams")  # the tables that carry a revision
# Rows that belong to one member, and how a row names its member.
MEMBER_ROWS = {
    "checkins": "{row}.member_id",
    "outcomes": "{row}.member_id",
    "targets": "{row}.member_id",
    "daily_minimums": "{row}.member_id",
    "activities": "(SELECT member_id FROM checkins WHERE checkins.id = {row}.checkin_id)",
}
BUMP = "UPDATE members SET revision = revision + 1 WHERE id = {member};"


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, member in MEMBER_ROWS.items():
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("NEW", "OLD")), ("DELETE", ("OLD",))):
            bumps = " ".join(BUMP.format(member=member.format(row=row)) for row in rows)
            statements.append(
                f"CREATE TRIGGER {table}_revision_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {bumps} END"
            )
    for table in COUNTED:
        # An update that leaves the revision alone bumps it; the bump itself (which changes
        # it) does not fire again.
        key = "team_id = NEW.team_id AND member_id = NEW.member_id"
        where = key if table == "team_memberships" else "id = NEW.id"
        statements.append(
            f"CREATE TRIGGER {table}_revision AFTER UPDATE ON {table} "
            f"WHEN NEW.revision = OLD.revision "
            f"BEGIN UPDATE {table} SET revision = OLD.revision + 1 WHERE {where}; END"
        )
    return statements


def _postgresql_triggers() -> list[str]:
    statements = [
        "CREATE FUNCTION needle_count_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF NEW.revision = OLD.revision THEN NEW.revision := OLD.revision + 1; END IF; "
        "RETURN NEW; END $$"
    ]
    for table, member in MEMBER_ROWS.items():
        new, old = member.format(row="NEW"), member.format(row="OLD")
        statements.append(
            f"CREATE FUNCTION needle_{table}_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {BUMP.format(member=old)} END IF; "
            f"IF TG_OP <> 'DELETE' THEN {BUMP.format(member=new)} END IF; "
            f"RETURN NULL; END $$"
        )
        statements.append(
            f"CREATE TRIGGER {table}_revision AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION needle_{table}_revision()"
        )
    for table in COUNTED:
        statements.append(
            f"CREATE TRIGGER {table}_revision BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION needle_count_revision()"
        )
    return statements


def create_triggers() -> None:
    """The triggers that keep the revisions, in this database's dialect."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _sqlite_triggers() if sqlite else _postgresql_triggers():
        op.execute(statement)


def drop_triggers() -> None:
    """Remove what `create_triggers` made."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        names = [f"{t}_revision_{e}" for t in MEMBER_ROWS for e in ("insert", "update", "delete")]
        names += [f"{table}_revision" for table in COUNTED]
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for table in (*MEMBER_ROWS, *COUNTED):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_revision ON {table}")
    for table in MEMBER_ROWS:
        op.execute(f"DROP FUNCTION IF EXISTS needle_{table}_revision()")
    op.execute("DROP FUNCTION IF EXISTS needle_count_revision()")


def upgrade() -> None:
    """Apply this revision."""
    for table in COUNTED:
        op.add_column(
            table, sa.Column("revision", sa.Integer(), nullable=False, server_default="0")
        )
    create_triggers()


def downgrade() -> None:
    """Revert this revision."""
    drop_triggers()
    for table in COUNTED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("revision")
