"""Runs Needle's Alembic migrations programmatically (`needle db upgrade`, start-up, tests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at Needle's migrations, bound to `connection` if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, other: object
) -> bool:
    """Keep the Slack OAuth tables (own migration, used by slack-sdk stores) out of autogenerate."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return not str(getattr(table, "name", "") or "").startswith("slack_")


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the database schema up to `revision`, keeping every row."""
    async with database.engine.connect() as conn:
        await conn.run_sync(_migrate, command.upgrade, revision)


async def downgrade(database: Database, revision: str) -> None:
    """Take the database schema back to `revision` (tests and rollbacks), keeping every row
    the older schema can hold."""
    async with database.engine.connect() as conn:
        await conn.run_sync(_migrate, command.downgrade, revision)


def _migrate(connection: Connection, step: Callable[[Config, str], None], revision: str) -> None:
    """Run the migrations in one transaction; on SQLite with foreign keys off meanwhile.

    SQLite changes a table's constraints by building a copy and dropping the original, and
    with foreign keys on, dropping `members` deletes every check-in through ON DELETE CASCADE.
    The pragma is ignored inside a transaction, so it is set on the driver's connection before
    the transaction begins; the keys are checked before the commit and switched on again after.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            step(alembic_config(connection), revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
    finally:
        if sqlite:
            _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection: Connection, statement: str) -> None:
    """Run a pragma on the driver's connection, outside any transaction."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


async def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    async with database.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
