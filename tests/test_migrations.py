"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.storage.db import Database
from bot.storage.migrate import alembic_config, current_revision, include_object, upgrade
from bot.storage.models import Base

TABLE = "slack_oauth_states"


@pytest.mark.both_databases
async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": include_object},
        )
        return compare_metadata(context, Base.metadata)

    async with database.engine.connect() as conn:
        diff = await conn.run_sync(differences)
    assert diff == []


@pytest.mark.both_databases
async def test_downgrade_to_nothing_and_back(database: Database) -> None:
    head = await current_revision(database)
    assert head is not None
    async with database.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "base"))
    assert await current_revision(database) is None
    await upgrade(database)
    assert await current_revision(database) == head


@pytest.mark.both_databases
async def test_oauth_states_are_looked_up_through_an_index(database: Database) -> None:
    def indexed_columns(connection: Connection) -> list[list[str | None]]:
        return [index["column_names"] for index in inspect(connection).get_indexes(TABLE)]

    async with database.engine.connect() as conn:
        assert ["state"] in await conn.run_sync(indexed_columns)
    async with database.engine.begin() as conn:
        before_the_index = "0005_team_manager_fk"
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), before_the_index))
    async with database.engine.connect() as conn:
        assert ["state"] not in await conn.run_sync(indexed_columns)
    await upgrade(database)
