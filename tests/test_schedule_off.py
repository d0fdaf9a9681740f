"""`schedule off`: no prompts, reminders or nudges, while stats and streaks go on as usual;
`schedule on` brings the prompts back."""

from __future__ import annotations

from datetime import time

import pytest

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import ReplyKind
from bot.storage.db import Database
from bot.storage.people import find_member
from scheduler.service import Scheduler
from tests.scheduler_support import (
    FRI,
    MON,
    THU,
    at,
    join,
    kinds_sent,
    make_scheduler,
    outbox_for,
    update_team,
)
from tests.stats_helpers import seed

pytestmark = pytest.mark.both_databases


@pytest.fixture
def scheduler(database: Database, bot: MemoryAdapter, clock: FakeClock) -> Scheduler:
    """A scheduler delivering into the in-memory adapter."""
    return make_scheduler(database, outbox_for(bot), clock)


async def test_no_prompt_reminder_or_nudge_while_off_then_back(
    bot: MemoryAdapter, clock: FakeClock, database: Database, scheduler: Scheduler
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    await update_team(database, pace_check_time=time(13, 0), escalate_after_days=1)
    replies = await bot.command("schedule", "off", user="ana")
    assert replies[0].kind == ReplyKind.SETTINGS and "Prompts off" in replies[0].text
    for hour in (13, 17, 19):  # pace check, prompt and escalation, reminder
        await scheduler.tick(at(THU, hour, 1))
    assert bot.sent_to("ana") == []
    assert "prompt" in kinds_sent(bot, "bo")  # others are prompted as usual
    shown = await bot.command("schedule", user="ana")
    assert "Prompts are off" in shown[0].text
    await bot.command("schedule", "on", user="ana")
    await scheduler.tick(at(FRI, 17, 1))
    assert "prompt" in kinds_sent(bot, "ana")
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None and member.prompts_off is False


async def test_stats_go_on_while_prompts_are_off(bot: MemoryAdapter, database: Database) -> None:
    await bot.command("schedule", "off", user="ana")
    # Monday at minimum, Tuesday missed: unlike a pause, prompts off protects no workday.
    await seed(database, "ana", {MON: (5, 60)})
    shown = {f.label: f.value for f in (await bot.command("stats", "week", user="ana"))[0].facts}
    assert shown["Current streak"] == "0 workdays"
    assert shown["Best streak"] == "1 workday"
    assert shown["Days at minimum"] == "1 of 2 workdays"
