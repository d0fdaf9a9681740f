"""The scheduler's rules with a fake clock: who gets which message when, and who gets nothing.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import ReplyKind
from bot.storage.db import Database
from bot.storage.events import remember_event
from bot.storage.models import ProcessedEvent
from scheduler.service import Scheduler
from tests.scheduler_support import (
    FRI,
    MON,
    SAT,
    THU,
    TUE,
    WED,
    at,
    delivery_rows,
    join,
    kinds_sent,
    leave,
    make_scheduler,
    member_id,
    outbox_for,
    record_checkin,
    update_member,
    update_team,
)

pytestmark = pytest.mark.both_databases


@pytest.fixture
def scheduler(database: Database, bot: MemoryAdapter, clock: FakeClock) -> Scheduler:
    """A scheduler delivering into the in-memory adapter."""
    return make_scheduler(database, outbox_for(bot), clock)


async def test_prompt_comes_at_checkin_time_once(
    bot: MemoryAdapter, clock: FakeClock, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await scheduler.tick(at(THU, 16, 59, 30))
    assert bot.sent_to("ana") == []
    await scheduler.tick(at(THU, 17, 0, 0))
    await scheduler.tick(at(THU, 17, 0, 30))
    await scheduler.tick(at(THU, 17, 45))
    prompts = bot.sent_to("ana", ReplyKind.PROMPT)
    assert len(prompts) == 1
    assert bot.sent[0].address.team_id == "team-1" and bot.sent[0].address.channel_id == ""
    assert "check-in" in prompts[0].title.lower()


async def test_prompt_follows_the_members_own_time_and_zone(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await update_member(database, "ana", timezone="America/New_York", checkin_time=time(16, 30))
    await scheduler.tick(at(THU, 17, 0))  # 17:00 UTC is 12:00 in New York
    assert bot.sent_to("ana") == []
    await scheduler.tick(at(THU, 16, 30, tz="America/New_York"))
    assert kinds_sent(bot, "ana") == ["prompt"]


async def test_nothing_on_a_non_workday(
    bot: MemoryAdapter, clock: FakeClock, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await scheduler.tick(at(SAT, 17, 1))
    await scheduler.tick(at(SAT, 19, 1))
    assert bot.sent_to("ana") == []
    await scheduler.tick(at(SAT + timedelta(days=2), 17, 1))  # Monday: a workday again
    assert len(bot.sent_to("ana", ReplyKind.PROMPT)) == 1


async def test_paused_member_gets_nothing_until_resumed(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    await update_member(database, "ana", paused_until=THU)
    await scheduler.tick(at(THU, 17, 1))
    await scheduler.tick(at(THU, 19, 1))
    assert bot.sent_to("ana") == []
    assert kinds_sent(bot, "bo") == ["prompt", "reminder"]  # the team's day goes on
    await scheduler.tick(at(THU + timedelta(days=1), 17, 1))
    assert kinds_sent(bot, "ana") == ["prompt"]


async def test_member_who_left_gets_nothing(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    await leave(database, "bo")
    await scheduler.tick(at(THU, 17, 1))
    assert kinds_sent(bot, "ana") == ["prompt"]
    assert bot.sent_to("bo") == []


async def test_undeliverable_member_gets_nothing(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    await update_member(database, "ana", undeliverable_since=at(WED, 9))
    await scheduler.tick(at(THU, 17, 1))
    assert bot.sent_to("ana") == []
    assert kinds_sent(bot, "bo") == ["prompt"]


async def test_day_off_marked_ahead_gets_no_prompt_and_no_reminder(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    await record_checkin(database, "ana", THU, status="day_off", conversations=None, minutes=None)
    await scheduler.tick(at(THU, 17, 1))
    await scheduler.tick(at(THU, 19, 1))
    assert bot.sent_to("ana") == []
    assert kinds_sent(bot, "bo") == ["prompt", "reminder"]
    ana = f"member:{await member_id(database, 'ana')}"
    rows = {row.kind: row for row in await delivery_rows(database) if row.target == ana}
    assert rows["prompt"].status == "skipped" and "day_off" in (rows["prompt"].error or "")


async def test_checked_in_before_the_prompt_gets_none(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    await record_checkin(database, "ana", THU)
    await scheduler.tick(at(THU, 17, 1))
    await scheduler.tick(at(THU, 19, 1))
    assert bot.sent_to("ana") == []
    assert kinds_sent(bot, "bo") == ["prompt", "reminder"]


async def test_members_sharing_a_schedule_are_each_judged_on_their_own(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    # One tick works out what is due once for everyone with the same settings; each member
    # is still judged on when they joined and whether they checked in, and a member with
    # their own check-in time is not swept along.
    for name in ("ana", "bo", "di"):
        await join(bot, clock, name, when=at(THU, 9))
    await join(bot, clock, "cy", when=at(THU, 17, 30))  # after today's prompt time
    await record_checkin(database, "bo", THU)
    await update_member(database, "di", checkin_time=time(18, 0))
    await scheduler.tick(at(THU, 17, 40))
    assert [kinds_sent(bot, name) for name in ("ana", "bo", "cy", "di")] == [
        ["prompt"],
        [],
        [],
        [],
    ]
    await scheduler.tick(at(THU, 18, 0, 30))
    assert kinds_sent(bot, "di") == ["prompt"]
    assert len(bot.sent) == 2


async def test_member_of_two_teams_gets_one_prompt_on_their_first_teams_schedule(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", team_id="team-1")
    await join(bot, clock, "ana", team_id="team-2", when=at(WED, 18, 5))
    await update_team(database, "team-1", checkin_time=time(16, 0))
    await update_team(database, "team-2", checkin_time=time(15, 0))
    await scheduler.tick(at(THU, 15, 1))
    assert bot.sent == []
    for minute in range(0, 120, 10):
        await scheduler.tick(at(THU, 16, 0) + timedelta(minutes=minute))
    assert kinds_sent(bot, "ana") == ["prompt"]
    assert bot.sent[0].address.team_id == "team-1"


async def test_reminder_when_no_checkin_by_nudge_time_once(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    await join(bot, clock, "cy")
    await update_team(database, nudge_after_minutes=90)
    await scheduler.tick(at(THU, 17, 0))
    await record_checkin(database, "bo", THU)
    await record_checkin(database, "cy", THU, status="partial", minutes=None)
    await scheduler.tick(at(THU, 18, 29))
    assert "reminder" not in kinds_sent(bot, "ana")
    for minute in (30, 31, 45):
        await scheduler.tick(at(THU, 18, minute))
    assert kinds_sent(bot, "ana") == ["prompt", "reminder"]
    assert kinds_sent(bot, "bo") == ["prompt"]
    assert kinds_sent(bot, "cy") == ["prompt", "reminder"]  # a partial check-in is not done


async def test_no_reminder_when_the_nudge_time_is_in_quiet_hours(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await update_team(database, checkin_time=time(20, 0))  # reminder due 22:00, quiet 21-08
    for hour, minute in ((20, 0), (22, 0), (22, 30), (23, 59)):
        await scheduler.tick(at(THU, hour, minute))
    await scheduler.tick(at(THU + timedelta(days=1), 8, 0))
    assert kinds_sent(bot, "ana") == ["prompt"]


async def test_no_reminder_sent_during_quiet_hours_after_downtime(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await update_team(database, checkin_time=time(18, 0), nudge_after_minutes=120)
    await scheduler.tick(at(THU, 18, 0))
    # Down from 18:05 until 21:30: the 20:00 reminder is within grace, but 21:30 is quiet.
    await scheduler.tick(at(THU, 21, 30))
    assert kinds_sent(bot, "ana") == ["prompt"]


async def _three_days_below(bot: MemoryAdapter, clock: FakeClock, database: Database) -> None:
    await join(bot, clock, "ana", when=at(MON, 8))
    await join(bot, clock, "maria", when=at(MON, 8))
    for day in (MON, TUE, WED):
        await record_checkin(database, "ana", day, conversations=1, minutes=10)
        await record_checkin(database, "maria", day)


async def test_stronger_nudge_after_n_workdays_below_minimum_and_note_to_manager(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await _three_days_below(bot, clock, database)
    await update_team(database, manager_member_id=await member_id(database, "maria"))
    await scheduler.tick(at(THU, 17, 0))
    assert sorted(kinds_sent(bot, "ana")) == ["escalation", "prompt"]
    assert kinds_sent(bot, "maria") == ["prompt"]
    await scheduler.tick(at(THU, 17, 2))
    await scheduler.tick(at(THU, 17, 3))
    notes = bot.sent_to("maria", ReplyKind.MANAGER_NOTE)
    assert len(notes) == 1 and "Ana" in notes[0].text
    assert sorted(kinds_sent(bot, "ana")) == ["escalation", "prompt"]


async def test_no_stronger_nudge_before_n_days_and_no_note_without_manager(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await _three_days_below(bot, clock, database)
    await update_team(database, escalate_after_days=4)
    await scheduler.tick(at(THU, 17, 0))
    await scheduler.tick(at(THU, 17, 5))
    assert kinds_sent(bot, "ana") == ["prompt"]
    await update_team(database, escalate_after_days=3)
    await record_checkin(database, "ana", THU, conversations=1, minutes=10)
    await scheduler.tick(at(THU + timedelta(days=1), 17, 0))
    await scheduler.tick(at(THU + timedelta(days=1), 17, 5))
    # Four days below now: the nudge came at three (it had been off then), not again at four.
    assert kinds_sent(bot, "ana") == ["prompt", "prompt"]
    assert bot.sent_to("maria", ReplyKind.MANAGER_NOTE) == []


async def test_pace_check_when_enabled_for_members_behind(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    await scheduler.tick(at(THU, 12, 30))
    assert bot.sent == []  # off by default
    await update_team(database, pace_check_time=time(13, 0))
    await record_checkin(database, "bo", THU, status="partial", conversations=4, minutes=45)
    await scheduler.tick(at(THU, 12, 59))
    assert bot.sent == []
    await scheduler.tick(at(THU, 13, 0))
    await scheduler.tick(at(THU, 13, 30))
    pace = bot.sent_to("ana", ReplyKind.PACE)
    assert len(pace) == 1 and "0 of 5 conversations" in pace[0].text
    assert bot.sent_to("bo") == []


async def test_downtime_catch_up_within_grace(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    # Needle was down from 16:00 until 19:30: the 17:00 prompt is 2.5 h late, within 3 h.
    await scheduler.tick(at(THU, 19, 30))
    assert kinds_sent(bot, "ana") == ["prompt"]  # the reminder is not stacked on it
    await scheduler.tick(at(THU, 20, 0))
    assert kinds_sent(bot, "ana") == ["prompt"]


async def test_downtime_beyond_grace_is_skipped_not_sent_in_a_burst(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await update_team(database, nudge_after_minutes=60)
    # Down from 16:00 until 20:30: prompt 3.5 h late (skipped), reminder 2.5 h late (sent).
    await scheduler.tick(at(THU, 20, 30))
    assert kinds_sent(bot, "ana") == ["reminder"]
    # Down for a whole day: nothing from Thursday comes on Friday morning.
    bot.sent.clear()
    await scheduler.tick(at(THU + timedelta(days=1), 9, 0))
    assert bot.sent == []


async def test_catch_up_across_midnight(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await update_team(database, checkin_time=time(23, 30))
    await scheduler.tick(at(THU + timedelta(days=1), 0, 45))  # Thursday's prompt, 75 min late
    assert kinds_sent(bot, "ana") == ["prompt"]
    assert "2026-11-26" in bot.sent[0].reply.choices[0].value


async def test_member_who_joined_after_todays_time_waits_for_tomorrow(
    bot: MemoryAdapter, clock: FakeClock, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(THU, 17, 30))
    await scheduler.tick(at(THU, 17, 31))
    assert bot.sent == []
    await scheduler.tick(at(THU + timedelta(days=1), 17, 0))
    assert kinds_sent(bot, "ana") == ["prompt"]


async def test_old_delivery_records_and_event_ids_are_pruned(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(MON - timedelta(days=120), 9))
    async with database.transaction() as session:
        await remember_event(session, "memory", "old", now=at(MON - timedelta(days=4), 9))
        await remember_event(session, "memory", "recent", now=at(WED, 9))
    await scheduler.tick(at(MON - timedelta(days=100), 17, 1))  # a prompt 100 days ago
    await scheduler.tick(at(THU, 17, 1))
    assert {row.local_date for row in await delivery_rows(database)} == {THU}
    async with database.transaction() as session:
        kept = await session.scalars(select(ProcessedEvent.event_id))
        assert list(kept) == ["recent"]


async def test_weekly_recap_goes_to_the_team_channel_once(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana", when=at(MON, 8))
    for day in (MON, TUE, WED, THU):
        await record_checkin(database, "ana", day)
    await scheduler.tick(at(FRI, 16, 0))
    assert [out for out in bot.sent if out.address.channel_id] == []  # no channel: no recap
    await update_team(
        database, recap_channel_id="C-RECAP", recap_weekday=4, recap_time=time(16, 30)
    )
    await scheduler.tick(at(FRI, 16, 29))
    await scheduler.tick(at(FRI, 16, 30))
    await scheduler.tick(at(FRI, 17, 0))
    await scheduler.tick(at(SAT, 9, 0))
    recaps = [out for out in bot.sent if out.address.channel_id == "C-RECAP"]
    assert len(recaps) == 1
    assert recaps[0].address.user_id == "" and recaps[0].address.team_id == "team-1"
    assert recaps[0].reply.text
    image = recaps[0].reply.image  # the chart, drawn after the scheduler's transaction
    assert image is not None and image.data.startswith(b"\x89PNG")
    assert recaps[0].reply.draw is None


async def test_weekly_recap_follows_the_team_time_zone(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await update_team(
        database, timezone="Asia/Tokyo", recap_channel_id="C-RECAP", recap_time=time(9, 0)
    )
    await scheduler.tick(at(FRI, 8, 59, tz="Asia/Tokyo"))
    assert [out for out in bot.sent if out.address.channel_id] == []
    await scheduler.tick(at(FRI, 9, 0, tz="Asia/Tokyo"))
    assert len([out for out in bot.sent if out.address.channel_id == "C-RECAP"]) == 1
