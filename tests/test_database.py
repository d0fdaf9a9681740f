"""Database.run_sync: one transaction per call, committed or rolled back, on every store.

On an SQLite file it runs in the writer thread with a connection of its own; in-memory SQLite
and PostgreSQL run it on the async engine.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, insert, select, text

from bot.storage.db import Database
from bot.storage.models import Team

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def add_team(connection: Connection, external_id: str) -> str:
    connection.execute(
        insert(Team).values(platform="memory", external_id=external_id, name="T", created_at=NOW)
    )
    return threading.current_thread().name


async def team_ids(database: Database) -> list[str]:
    async with database.transaction() as session:
        return list((await session.scalars(select(Team.external_id).order_by(Team.id))).all())


@pytest.mark.both_databases
async def test_run_sync_commits_and_is_seen_by_sessions(database: Database) -> None:
    thread = await database.run_sync(add_team, "t-1")
    assert await team_ids(database) == ["t-1"]
    if database.is_sqlite:  # the whole transaction ran in the writer thread, off the loop
        assert thread.startswith("needle-sqlite")
    else:
        assert thread == threading.current_thread().name


@pytest.mark.both_databases
async def test_run_sync_rolls_back_when_the_function_raises(database: Database) -> None:
    def add_then_fail(connection: Connection) -> None:
        add_team(connection, "t-2")
        raise LookupError("changed my mind")

    with pytest.raises(LookupError):
        await database.run_sync(add_then_fail)
    assert await team_ids(database) == []
    await database.run_sync(add_team, "t-3")  # the writer is still usable
    assert await team_ids(database) == ["t-3"]


async def test_in_memory_sqlite_runs_on_the_async_engine() -> None:
    memory = Database("sqlite:///:memory:")

    def make_notes(connection: Connection) -> None:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
        connection.execute(text("INSERT INTO notes VALUES ('kept')"))

    try:
        # A connection of the writer's own would be another, empty in-memory database: what
        # run_sync writes must be what the sessions read.
        await memory.run_sync(make_notes)
        async with memory.transaction() as session:
            assert (await session.execute(text("SELECT body FROM notes"))).scalar_one() == "kept"
    finally:
        await memory.dispose()
