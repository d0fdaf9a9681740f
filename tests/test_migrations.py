"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from adapters.memory import MemoryAdapter
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    include_object,
    upgrade,
)
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


@pytest.mark.both_databases
async def test_migrating_down_and_up_keeps_every_row(
    bot: MemoryAdapter, database: Database
) -> None:
    # A week of check-ins by two members, a correction, a day off and an open conversation:
    # rows in every table that holds a member's data. SQLite rebuilds a table to change its
    # constraints, and a rebuilt `members` once took every check-in with it.
    for user in ("ana", "ben"):
        await bot.say("7 calls, 70 min; demo with Acme; proposal for Beta", user=user)
    await bot.say("checkin", user="ana")
    for answer in ("9", "same", "same"):
        await bot.say(answer, user="ana")
    await bot.say("off", user="ben")
    await bot.say("checkin", user="ben")

    async def counts() -> dict[str, int]:
        async with database.engine.connect() as conn:
            return {
                table: (await conn.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar_one()
                for table in ROW_TABLES
            }

    before = await counts()
    assert before["checkins"] >= 2 and before["activities"] >= 2
    assert before["checkin_versions"] >= 1 and before["members"] == 2
    await downgrade(database, "0005_team_manager_fk")
    await upgrade(database)
    assert await counts() == before


ROW_TABLES = (
    "teams",
    "members",
    "team_memberships",
    "checkins",
    "activities",
    "checkin_versions",
    "conversation_states",
)


@pytest.mark.both_databases
async def test_team_boundaries_migration_keeps_the_first_installer_and_ends_personal_teams(
    engine: Engine, database: Database
) -> None:
    discord = MemoryAdapter(engine, platform="discord", team_id="222")
    await discord.say("hi", user="eve", team_id="", is_admin=None)  # her personal team
    await discord.command("help", "", user="eve", team_id="222")  # then a server
    await discord.say("hi", user="solo", team_id="", is_admin=None)  # a personal team only
    slack = MemoryAdapter(engine, platform="slack", team_id="T1")
    await slack.say("hi", user="U2")
    await downgrade(database, "0010_web_tokens")
    async with database.engine.begin() as conn:
        # As before this revision: personal teams stayed active beside a real one.
        await conn.execute(text("UPDATE team_memberships SET active = :yes"), {"yes": True})
        for user, installed in (("U1", datetime(2026, 1, 1, 9)), ("U2", datetime(2026, 2, 1, 9))):
            await conn.execute(
                text(
                    "INSERT INTO slack_installations (client_id, app_id, team_id, user_id,"
                    " installed_at) VALUES ('c', 'a', 'T1', :user, :installed)"
                ),
                {"user": user, "installed": installed},
            )
    await upgrade(database)
    async with database.engine.connect() as conn:
        installer = await conn.scalar(
            text("SELECT installer_user_id FROM teams WHERE external_id = 'T1'")
        )
        active: dict[str, bool] = dict(
            (
                await conn.execute(
                    text(
                        "SELECT t.external_id, m.active FROM team_memberships m"
                        " JOIN teams t ON t.id = m.team_id"
                    )
                )
            ).all()
        )
    assert installer == "U1"  # the oldest installation kept
    assert not active["user:eve"] and active["222"]  # Eve's DMs now go to her server
    assert active["user:solo"]  # a solo member keeps the only team they have


@pytest.mark.both_databases
async def test_members_already_there_count_as_introduced(database: Database) -> None:
    await downgrade(database, "0011_team_boundaries")
    async with database.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO members (platform, external_id, display_name, timezone_chosen, "
                "created_at) VALUES ('memory', 'old', 'Old Hand', false, :at)"
            ),
            {"at": datetime(2026, 1, 5, 9, 0, tzinfo=UTC)},
        )
    await upgrade(database)
    async with database.engine.connect() as conn:
        introduced = (
            await conn.execute(text("SELECT introduced_at FROM members WHERE external_id = 'old'"))
        ).scalar_one()
    assert introduced is not None
