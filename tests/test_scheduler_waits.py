"""Scheduled messages wait for a member's conversation to end, and are dropped when it did
what they ask for. Through the scheduler with the in-memory adapter and a fake clock, on
SQLite and PostgreSQL (the claim transaction asks who is mid-conversation).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy.engine import Connection

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import ReplyKind
from bot.storage import conversations
from bot.storage.db import Database
from scheduler import delivery
from scheduler.delivery import LAPSED_WAITING
from scheduler.service import Scheduler
from tests.scheduler_support import (
    THU,
    WED,
    at,
    delivery_rows,
    join,
    kinds_sent,
    make_scheduler,
    member_id,
    outbox_for,
    update_team,
)
from tests.support import stored

pytestmark = pytest.mark.both_databases


@pytest.fixture
def scheduler(database: Database, bot: MemoryAdapter, clock: FakeClock) -> Scheduler:
    """A scheduler delivering into the in-memory adapter."""
    return make_scheduler(database, outbox_for(bot), clock)


async def start_checkin(bot: MemoryAdapter, clock: FakeClock, user: str, when: datetime) -> None:
    """`user` starts today's check-in at `when` and answers the first question."""
    clock.set(when)
    await bot.say("checkin", user=user)
    await bot.say("4", user=user)


async def finish_checkin(bot: MemoryAdapter, clock: FakeClock, user: str, when: datetime) -> None:
    """`user` answers the minutes and activities questions of the open check-in at `when`."""
    clock.set(when)
    await bot.say("45", user=user)
    await bot.say("demo with Acme", user=user)


async def test_no_prompt_in_the_middle_of_a_checkin(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(WED, 9))
    await join(bot, clock, "bo", when=at(WED, 9))
    await start_checkin(bot, clock, "ana", at(THU, 16, 50))
    report = await scheduler.tick(at(THU, 17, 0, 30))
    assert bot.sent_to("ana") == []
    assert kinds_sent(bot, "bo") == [ReplyKind.PROMPT]
    # The stronger nudge, due at the same time (and decided when it is sent), waits too.
    assert report.delivery.deferred_by_kind == {"prompt": 1, "escalation": 1}
    # Not claimed: nothing is held for ana, so the prompt stays due.
    ana = f"member:{await member_id(database, 'ana')}"
    assert ana not in {row.target for row in await delivery_rows(database)}


async def test_prompt_arrives_at_the_next_tick_after_the_checkin_ends_unfinished(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(WED, 9))
    await start_checkin(bot, clock, "ana", at(THU, 16, 50))
    await scheduler.tick(at(THU, 17, 0, 30))
    await scheduler.tick(at(THU, 17, 1))
    assert bot.sent_to("ana") == []
    clock.set(at(THU, 17, 2))
    for unusable in ("a lot", "-20", "🤷"):  # the third unusable answer saves it as partial
        replies = await bot.say(unusable, user="ana")
    assert replies[0].kind == ReplyKind.SAVED_PARTIAL
    await scheduler.tick(at(THU, 17, 2, 30))
    assert kinds_sent(bot, "ana") == [ReplyKind.PROMPT]
    await scheduler.tick(at(THU, 17, 3))
    assert kinds_sent(bot, "ana") == [ReplyKind.PROMPT]


async def test_prompt_arrives_once_a_quiet_conversation_is_no_longer_current(
    bot: MemoryAdapter, clock: FakeClock, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(WED, 9))
    await start_checkin(bot, clock, "ana", at(THU, 16, 50))  # last answer at 16:50
    await scheduler.tick(at(THU, 17, 19, 30))
    assert bot.sent_to("ana") == []
    await scheduler.tick(at(THU, 17, 20, 30))  # 30 minutes without a word
    assert kinds_sent(bot, "ana") == [ReplyKind.PROMPT]


async def test_no_prompt_when_the_checkin_is_finished_meanwhile(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(WED, 9))
    await start_checkin(bot, clock, "ana", at(THU, 16, 55))
    await scheduler.tick(at(THU, 17, 0, 30))
    await finish_checkin(bot, clock, "ana", at(THU, 17, 1))
    done = await stored(database, "ana", THU)
    assert done is not None and done.status == "complete"
    await scheduler.tick(at(THU, 17, 1, 30))
    await scheduler.tick(at(THU, 17, 40))
    assert bot.sent_to("ana") == []
    (prompt,) = [row for row in await delivery_rows(database) if row.kind == "prompt"]
    assert prompt.status == "skipped"
    assert "already checked in" in (prompt.error or "")


async def test_reminder_waits_for_the_conversation_and_is_dropped_when_it_finishes(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(WED, 9))
    await join(bot, clock, "bo", when=at(WED, 9))
    await scheduler.tick(at(THU, 17, 0, 30))
    await start_checkin(bot, clock, "ana", at(THU, 18, 58))
    report = await scheduler.tick(at(THU, 19, 0, 30))
    assert kinds_sent(bot, "ana") == [ReplyKind.PROMPT]
    assert kinds_sent(bot, "bo") == [ReplyKind.PROMPT, ReplyKind.REMINDER]
    assert report.delivery.deferred_by_kind == {"reminder": 1}
    await finish_checkin(bot, clock, "ana", at(THU, 19, 2))
    await scheduler.tick(at(THU, 19, 2, 30))
    assert kinds_sent(bot, "ana") == [ReplyKind.PROMPT]
    rows = {(row.kind, row.target): row for row in await delivery_rows(database)}
    reminder = rows["reminder", f"member:{await member_id(database, 'ana')}"]
    assert reminder.status == "skipped" and "already checked in" in (reminder.error or "")


async def test_waiting_past_the_catch_up_window_settles_the_prompt_as_skipped(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    scheduler = make_scheduler(database, outbox_for(bot), clock, grace=timedelta(minutes=10))
    await join(bot, clock, "ana", when=at(WED, 9))
    await update_team(database, escalate_after_days=0)  # prompts only
    await start_checkin(bot, clock, "ana", at(THU, 16, 59))
    await scheduler.tick(at(THU, 17, 0, 30))
    clock.set(at(THU, 17, 5))
    await bot.say("no idea", user="ana")  # still in the conversation
    await scheduler.tick(at(THU, 17, 9))
    assert await delivery_rows(database) == []  # still waiting, unclaimed
    # The last tick inside the 10-minute window gives up, with the reason on record.
    report = await scheduler.tick(at(THU, 17, 9, 45))
    assert report.delivery.skipped == 1 and report.delivery.deferred == 0
    (prompt,) = await delivery_rows(database)
    assert (prompt.status, prompt.error) == ("skipped", LAPSED_WAITING)
    await scheduler.tick(at(THU, 17, 40))
    assert bot.sent_to("ana") == []


async def test_managers_note_waits_while_the_manager_is_mid_conversation(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(WED, 9))
    await join(bot, clock, "max", when=at(WED, 9))
    await update_team(
        database,
        manager_member_id=await member_id(database, "max"),
        escalate_after_days=1,
    )
    await scheduler.tick(at(WED, 17, 0, 30))  # Wednesday: ana never checks in
    await start_checkin(bot, clock, "max", at(THU, 17, 0))
    await scheduler.tick(at(THU, 17, 0, 30))
    assert ReplyKind.ESCALATION in kinds_sent(bot, "ana")
    report = await scheduler.tick(at(THU, 17, 2, 30))
    # Both notes wait on max (about ana, and about max himself), as do his own messages.
    assert report.delivery.deferred_by_kind["manager_note"] == 2
    ana = f"member:{await member_id(database, 'ana')}"
    assert ("manager_note", ana) not in {(r.kind, r.target) for r in await delivery_rows(database)}
    assert not any("ana" in reply.text.lower() for reply in bot.sent_to("max"))
    await scheduler.tick(at(THU, 17, 31))
    notes = [reply for reply in bot.sent_to("max") if "ana" in reply.text.lower()]
    assert len(notes) == 1


async def test_one_conversation_query_per_claimed_chunk(
    bot: MemoryAdapter,
    clock: FakeClock,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(30):
        await join(bot, clock, f"member-{n}", when=at(WED, 9))
    await update_team(database, escalate_after_days=0)  # prompts only
    await start_checkin(bot, clock, "member-7", at(THU, 16, 55))
    asked: list[int] = []
    real = conversations.members_mid_conversation

    def counted(connection: Connection, member_ids: Iterable[int], *, now: datetime) -> set[int]:
        ids = list(member_ids)
        asked.append(len(ids))
        return real(connection, ids, now=now)

    monkeypatch.setattr(delivery.conversations, "members_mid_conversation", counted)
    scheduler = make_scheduler(database, outbox_for(bot), clock, concurrency=5)
    report = await scheduler.tick(at(THU, 17, 0, 30))
    # Chunks of 10 then 20 (twice the senders, then doubling): one query each.
    assert asked == [10, 20]
    assert report.delivery.sent == 29 and report.delivery.deferred == 1
    assert bot.sent_to("member-7") == []


async def test_team_recap_does_not_wait_for_anyone(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(WED, 9))
    await update_team(database, recap_channel_id="C-RECAP", recap_weekday=3, recap_time=time(17, 0))
    await start_checkin(bot, clock, "ana", at(THU, 16, 55))
    report = await scheduler.tick(at(THU, 17, 0, 30))
    assert report.delivery.sent_by_kind == {"recap": 1}
    assert report.delivery.deferred_by_kind["prompt"] == 1
