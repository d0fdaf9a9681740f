"""After `forget-me`: every row of every table of Needle's database, searched for a person.

The tables are Needle's models and slack-sdk's installation and OAuth-state stores, as they
are in the database: a table added later is searched without changing the tests.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Connection

from bot.storage.db import Database
from bot.storage.models import Base

SLACK_TABLES = {
    AsyncSQLAlchemyInstallationStore.default_installations_table_name,
    AsyncSQLAlchemyInstallationStore.default_bots_table_name,
    AsyncSQLAlchemyOAuthStateStore.default_table_name,
}


def _every_row(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    metadata = MetaData()
    metadata.reflect(connection)
    expected = set(Base.metadata.tables) | SLACK_TABLES
    missing = expected - set(metadata.tables)
    assert not missing, f"tables not in the database: {missing}"
    return {
        name: [dict(row) for row in connection.execute(select(table)).mappings()]
        for name, table in metadata.tables.items()
        if name != "alembic_version"
    }


async def rows_mentioning(database: Database, *traces: str) -> list[tuple[str, dict[str, Any]]]:
    """Every (table, row) in which any of `traces` appears in any column (case-insensitive).

    Also checks that every table of Needle's models and slack-sdk's stores was searched.
    """
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(_every_row)
    assert "members" in tables and "slack_installations" in tables
    wanted = [t.casefold() for t in traces if t]
    found = []
    for name, rows in tables.items():
        for row in rows:
            text = " ".join(str(value) for value in row.values()).casefold()
            if any(trace in text for trace in wanted):
                found.append((name, row))
    return found
