"""A message sent while PostgreSQL is down: saved and answered late once it is back, or, past
OUTAGE_RETRY_SECONDS, answered honestly as not saved with nothing half-saved.

The suite's own server is stopped and started mid-check-in (`postgres_outage`); the engine is
the real one over a real database.
"""

from __future__ import annotations

import asyncio

import pytest

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.messages import APOLOGY_TEXT, NOT_SAVED, NOT_SAVED_TEXT, ReplyKind
from bot.storage.conversations import load_state
from bot.storage.db import Database
from bot.storage.people import find_member
from tests.pg import PostgresServer
from tests.test_postgres_engine import stored

pytestmark = pytest.mark.postgres


async def open_step(database: Database, user: str = "ana") -> str | None:
    """The question the member's check-in is waiting on."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        state = await load_state(session, member.id)
        return state.step if state is not None else None


class FakeWait:
    """Injected sleep and monotonic time: pauses pass at once and add up."""

    def __init__(self) -> None:
        self.elapsed = 0.0

    async def sleep(self, seconds: float) -> None:
        """Let `seconds` pass without waiting (the connection attempts still happen)."""
        self.elapsed += seconds
        await asyncio.sleep(0)

    def monotonic(self) -> float:
        """The pauses so far."""
        return self.elapsed


async def test_an_answer_sent_while_postgres_restarts_is_saved_and_answered_late(
    bot: MemoryAdapter, database: Database, postgres_outage: PostgresServer
) -> None:
    assert [r.kind for r in await bot.say("checkin")] == [ReplyKind.QUESTION]
    await bot.say("12")
    await asyncio.to_thread(postgres_outage.halt)
    answer = asyncio.create_task(bot.say("1h30"))
    await asyncio.sleep(10)  # down for ten seconds, with the answer waiting
    assert not answer.done()
    await asyncio.to_thread(postgres_outage.resume)
    replies = await asyncio.wait_for(answer, 30)
    assert [r.kind for r in replies] == [ReplyKind.QUESTION]  # answered: the next question
    assert replies[0].text not in (APOLOGY_TEXT, NOT_SAVED_TEXT)
    replies = await bot.say("demo with Acme; proposal for Beta")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None
    assert (checkin.conversations, checkin.minutes) == (12, 90)


async def test_past_the_outage_limit_the_member_is_told_it_was_not_saved(
    database: Database, settings: Settings, clock: FakeClock, postgres_outage: PostgresServer
) -> None:
    wait = FakeWait()
    engine = Engine(
        database,
        settings,
        clock,
        router=build_router(),
        sleep=wait.sleep,
        monotonic=wait.monotonic,
    )
    bot = MemoryAdapter(engine)
    await bot.say("checkin")
    await bot.say("12")
    step = await open_step(database)
    await asyncio.to_thread(postgres_outage.halt)
    try:
        replies = await bot.say("1h30")
    finally:
        await asyncio.to_thread(postgres_outage.resume)
    assert replies == [NOT_SAVED]
    assert wait.elapsed == settings.outage_retry_seconds == 60
    # Nothing half-saved: the check-in still waits on the same question, and goes on from it.
    assert await open_step(database) == step
    assert await stored(database) is None
    assert [r.kind for r in await bot.say("1h30")] == [ReplyKind.QUESTION]
    assert (await bot.say("demo with Acme"))[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (12, 90)
