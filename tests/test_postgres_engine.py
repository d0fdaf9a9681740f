"""The engine paths that must hold on PostgreSQL too: the check-in conversation, a correction,
a retried platform event handled once, and two first contacts racing.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from adapters.memory import MemoryAdapter
from bot.messages import ReplyKind
from bot.storage.checkins import checkin_versions
from bot.storage.db import Database
from bot.storage.models import Checkin, Member, ProcessedEvent
from tests.support import TODAY, stored

pytestmark = pytest.mark.both_databases


async def test_checkin_conversation_is_stored(bot: MemoryAdapter, database: Database) -> None:
    assert [r.kind for r in await bot.say("checkin")] == [ReplyKind.QUESTION]
    await bot.say("12")
    await bot.say("1h30")
    replies = await bot.say("demo with Acme; proposal for Beta; inbox")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None
    assert (checkin.status, checkin.conversations, checkin.minutes) == ("complete", 12, 90)
    assert [a.classification for a in checkin.activities] == ["high", "high", "low"]


async def test_a_correction_replaces_the_day_and_keeps_the_old_version(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("12 calls, 95 min; demo with Acme; proposal for Beta; inbox")
    await bot.say("checkin")
    await bot.say("7")
    await bot.say("45")
    await bot.say("cold calls; follow-up with a buyer")
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (7, 45)
    async with database.transaction() as session:
        versions = await checkin_versions(session, checkin.member_id, TODAY)
    assert [(v.version, v.conversations) for v in versions] == [(1, 12)]


async def test_a_retried_event_is_handled_once(bot: MemoryAdapter, database: Database) -> None:
    first = await bot.say("12 calls, 95 min; demo; proposal; inbox", event_id="Ev1")
    again = await bot.say("12 calls, 95 min; demo; proposal; inbox", event_id="Ev1")
    assert first and again == []
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1
        assert await session.scalar(select(func.count()).select_from(Checkin)) == 1


async def test_first_contacts_racing_create_one_member(
    bot: MemoryAdapter, database: Database
) -> None:
    results = await asyncio.gather(*(bot.say("help", user="zoe") for _ in range(5)))
    assert all(results)
    async with database.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(Member).where(Member.external_id == "zoe")
        )
    assert count == 1


def test_missing_postgres_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.pg import missing_postgres

    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="initdb"):
        missing_postgres("initdb and pg_ctl not found")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        missing_postgres("initdb and pg_ctl not found")
