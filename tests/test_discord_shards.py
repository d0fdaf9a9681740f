"""Discord past 2,500 servers: shards, in one process or spread over several on one database.

Through discord.py's AutoShardedClient against the loopback fake, which sends each server's
events only to the shard that owns it (`(server id >> 22) % shard count`) and every DM to
shard 0: each server's command is answered exactly once, whichever process runs its shard, and
a prompt claimed by two processes' schedulers on one PostgreSQL goes out once. Also the
settings DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS and the start-up line when they are wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings, SettingsError, load_settings, parse_shard_ids
from bot.engine import Engine
from bot.storage.db import Database
from scheduler.service import Scheduler
from tests.discord_harness import needle_on
from tests.fakes.discord import Call, FakeDiscord, FakeGuild
from tests.scheduler_support import outbox_for
from tests.test_cli import run
from tests.test_startup_errors import assert_one_line

WEDNESDAY_AFTERNOON = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
AFTER_CHECKIN_TIME = datetime(2026, 11, 25, 17, 1, tzinfo=UTC)  # the default 17:00, just past


@pytest.fixture
def two_servers(fake: FakeDiscord) -> dict[str, Any]:
    """Ana in Acme (its events go to shard 0 of 2) and Bo in Beta (shard 1 of 2)."""
    ana, bo = fake.add_user("Ana"), fake.add_user("Bo")
    acme = fake.add_guild("Acme", owner=ana, shard=(0, 2))
    beta = fake.add_guild("Beta", owner=bo, shard=(1, 2))
    fake.add_member(acme, ana, manage_guild=True)
    fake.add_member(beta, bo, manage_guild=True)
    return {"ana": ana, "bo": bo, "acme": acme, "beta": beta}


def answers_to(fake: FakeDiscord, interaction_id: str) -> list[Call]:
    """Every callback the bot made to one interaction (a second would mean two answered)."""
    return [
        c
        for c in fake.calls
        if c.status == 200 and c.path.startswith(f"/interactions/{interaction_id}/")
    ]


async def help_in(fake: FakeDiscord, user: dict[str, Any], guild: FakeGuild) -> str:
    """`user` runs `/needle help` in `guild`; its interaction id, once answered."""
    interaction = await fake.slash(user, "help", guild=guild)
    await fake.wait_for_callback(interaction)
    return interaction


async def settle() -> None:
    """Give a duplicate answer, were any process about to send one, the time to arrive."""
    await asyncio.sleep(0.3)


def dms_to(fake: FakeDiscord, user: dict[str, Any]) -> list[Call]:
    """The messages the bot posted in its DM with `user`."""
    channel = f"/channels/{fake.dm_channel_of(user)}/messages"
    return [c for c in fake.calls if c.method == "POST" and c.status == 200 and c.path == channel]


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("2", "0,1", (0, 1)),
        ("4", "0-3", (0, 1, 2, 3)),
        ("16", "0-1, 8,12-13", (0, 1, 8, 12, 13)),
        ("3", "", (0, 1, 2)),  # no ids: this process runs every shard
    ],
)
def test_shard_settings_name_the_shards_this_process_runs(
    count: str, ids: str, expected: tuple[int, ...]
) -> None:
    settings = load_settings(_env_file=None, discord_shard_count=count, discord_shard_ids=ids)
    assert settings.discord_shard_count == int(count)
    assert settings.discord_shards == expected


def test_without_shard_settings_there_is_no_sharding() -> None:
    settings = load_settings(_env_file=None, discord_shard_count="", discord_shard_ids="")
    assert settings.discord_shard_count is None and settings.discord_shards is None


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"discord_shard_count": "2", "discord_shard_ids": "2"}, "shard 2 does not exist"),
        ({"discord_shard_count": "4", "discord_shard_ids": "1-5"}, "shard 5 does not exist"),
        ({"discord_shard_count": "4", "discord_shard_ids": "3-1"}, "runs backwards"),
        ({"discord_shard_count": "4", "discord_shard_ids": "one"}, "not a shard id or range"),
        ({"discord_shard_ids": "0,1"}, "needs DISCORD_SHARD_COUNT"),
        ({"discord_shard_count": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_shard_settings_name_the_setting(values: dict[str, str], line: str) -> None:
    with pytest.raises(SettingsError, match=line) as raised:
        load_settings(_env_file=None, **values)
    assert str(raised.value).startswith("DISCORD_SHARD_")


def test_shard_ids_parse_ranges_and_reject_strangers() -> None:
    assert parse_shard_ids("2-2,0", 3) == (0, 2)
    with pytest.raises(ValueError, match="shard ids run from 0 to 1"):
        parse_shard_ids("0-2", 2)


def test_a_shard_beyond_the_count_stops_start_up_in_one_line(tmp_path: Path) -> None:
    result = run(
        ["run"],
        tmp_path,
        DISCORD_TOKEN="MTIz.abc.def",
        DISCORD_SHARD_COUNT="2",
        DISCORD_SHARD_IDS="0,2",
    )
    assert_one_line(
        result, "DISCORD_SHARD_IDS='0,2'", "shard 2 does not exist", "DISCORD_SHARD_COUNT=2"
    )


async def test_one_client_running_both_shards_answers_each_server_once(
    fake: FakeDiscord,
    engine: Engine,
    database: Database,
    clock: FakeClock,
    two_servers: dict[str, Any],
) -> None:
    ana, bo, acme, beta = (two_servers[k] for k in ("ana", "bo", "acme", "beta"))
    clock.set(WEDNESDAY_AFTERNOON)
    async with needle_on(fake, engine, shard_count=2) as needle:
        assert fake.identifies == 2 and fake.shard_count == 2
        assert sorted(needle.client.shards) == [0, 1]
        assert {g.id for g in needle.client.guilds} == {int(acme.id), int(beta.id)}
        assert needle.client.get_guild(int(acme.id)).shard_id == 0
        assert needle.client.get_guild(int(beta.id)).shard_id == 1
        in_acme = await help_in(fake, ana, acme)
        in_beta = await help_in(fake, bo, beta)
        await fake.dm(ana, "help")  # a DM comes to shard 0
        await fake.wait_for_dm(ana)
        scheduler = Scheduler(database, outbox_for(needle), clock, owner="needle-a")
        clock.set(AFTER_CHECKIN_TIME)
        seen = len(fake.calls)
        await scheduler.tick()
        await fake.wait_for_dm(bo, after=seen)
        await settle()
    assert len(answers_to(fake, in_acme)) == 1 and len(answers_to(fake, in_beta)) == 1
    assert len(dms_to(fake, ana)) == 2  # the answer to her DM, then her prompt
    assert len(dms_to(fake, bo)) == 1  # his prompt


@pytest.fixture
async def second_engine(settings: Settings, clock: FakeClock) -> AsyncIterator[Engine]:
    """Another Needle process's engine: its own connections to the test's database."""
    database = Database(settings.database_url)
    yield Engine(database, settings, clock, router=build_router())
    await database.dispose()


@pytest.mark.postgres
async def test_two_processes_each_running_one_shard_share_one_database(
    fake: FakeDiscord,
    engine: Engine,
    second_engine: Engine,
    database: Database,
    clock: FakeClock,
    two_servers: dict[str, Any],
) -> None:
    ana, bo, acme, beta = (two_servers[k] for k in ("ana", "bo", "acme", "beta"))
    clock.set(WEDNESDAY_AFTERNOON)
    async with (
        needle_on(fake, engine, shard_count=2, shard_ids="0") as first,
        needle_on(fake, second_engine, shard_count=2, shard_ids="1") as second,
    ):
        # Each process knows only the servers of its own shard.
        assert [g.id for g in first.client.guilds] == [int(acme.id)]
        assert [g.id for g in second.client.guilds] == [int(beta.id)]
        synced = [c for c in fake.calls if c.method == "PUT" and c.path.endswith("/commands")]
        assert len(synced) == 1  # only the process running shard 0 syncs /needle
        in_acme = await help_in(fake, ana, acme)
        in_beta = await help_in(fake, bo, beta)
        await fake.dm(bo, "help")  # DMs come to shard 0 only, whichever server Bo is in
        await fake.wait_for_dm(bo)

        # Both processes' schedulers tick at once; the database's claims decide who sends.
        clock.set(AFTER_CHECKIN_TIME)
        seen = len(fake.calls)
        schedulers = [
            Scheduler(database, outbox_for(first), clock, owner="needle-a"),
            Scheduler(second_engine.database, outbox_for(second), clock, owner="needle-b"),
        ]
        await asyncio.gather(*(scheduler.tick() for scheduler in schedulers))
        for user in (ana, bo):
            await fake.wait_for_dm(user, after=seen)
        await settle()
        # A server's channel is checked with Discord when its shard runs in another process.
        assert await first.channel_in_team(beta.id, beta.channel_id)
        assert not await first.channel_in_team(beta.id, acme.channel_id)
    assert len(answers_to(fake, in_acme)) == 1 and len(answers_to(fake, in_beta)) == 1
    assert len(dms_to(fake, ana)) == 1  # her prompt, from whichever process claimed it
    assert len(dms_to(fake, bo)) == 2  # the answer to his DM, then his prompt
