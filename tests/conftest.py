"""Shared fixtures: a fresh migrated database, a fake clock, and the engine behind an adapter.

`bot` is the model for engine tests (push a message, read the replies): a MemoryAdapter over a
real Engine with a FakeClock and a database of its own.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.migrate import upgrade

pytest_plugins = ["tests.pg", "tests.discord_harness"]

# Under CI the property tests draw the same examples every run, so a submission's result does
# not depend on luck; on a developer's machine they explore afresh each run (and a failure
# prints the seed that reproduces it); a busy CI machine sets no per-example deadline. Each
# test's own example count still applies.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
    hypothesis_settings.load_profile("ci")

# Wednesday 25 November 2026, 18:00 UTC: a workday evening, after the default 17:00 check-in.
START = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once per run, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        database = Database(f"sqlite:///{path}")
        await upgrade(database)
        await database.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, migrated_sqlite: Path, tmp_path: Path
) -> Iterator[str]:
    """A fresh, migrated database for one test: SQLite, or PostgreSQL where the test's markers
    ask for it (`both_databases`, `postgres`; see tests/pg.py)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        yield request.getfixturevalue("postgres_url")
        return
    target = tmp_path / "needle.db"
    shutil.copy(migrated_sqlite, target)
    yield f"sqlite:///{target}"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test's database handle."""
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at START."""
    return FakeClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for tests: no .env, no environment surprises."""
    return Settings(_env_file=None, database_url=database_url, default_timezone="UTC")


@pytest.fixture
def engine(database: Database, settings: Settings, clock: FakeClock) -> Engine:
    """The engine over the test's database and fake clock."""
    return Engine(database, settings, clock, router=build_router())


@pytest.fixture
def bot(engine: Engine) -> MemoryAdapter:
    """The whole engine behind an in-memory adapter: `await bot.say("12")`."""
    return MemoryAdapter(engine)
