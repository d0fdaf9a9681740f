"""Goals, coaching after a check-in, and nudge content (prompt, reminder, escalation, pace)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

import pytest

from adapters.memory import MemoryAdapter
from bot.coaching import nudges
from bot.messages import ReplyKind
from bot.storage.db import Database
from bot.storage.models import Member, Team
from bot.storage.people import find_member, find_team
from tests.stats_helpers import join, profile_of, seed

WED = date(2026, 11, 25)
MON, TUE = WED - timedelta(days=2), WED - timedelta(days=1)
FRI = WED - timedelta(days=5)


async def test_goal_below_the_team_minimum_is_refused(bot: MemoryAdapter) -> None:
    replies = await bot.command("goal", "calls 3")
    assert replies[0].kind == ReplyKind.REFUSAL
    assert "below your team's minimum of 5 conversations" in replies[0].text
    replies = await bot.command("goal", "minutes 30")
    assert "minimum of 60 minutes" in replies[0].text


async def test_goal_set_shown_and_reset(bot: MemoryAdapter, database: Database) -> None:
    assert "Goal set" in (await bot.command("goal", "calls 8"))[0].text
    assert "Goal set" in (await bot.command("goal", "90 minutes"))[0].text
    assert "Goal set" in (await bot.command("goal", "minutes 1h45"))[0].text
    _, profile = await profile_of(database, "ana")
    assert (profile.min_conversations, profile.min_minutes) == (8, 105)
    shown = (await bot.command("goal"))[0].text
    assert "8 conversations (your goal)" in shown and "105 minutes (your goal)" in shown
    await bot.command("goal", "reset")
    _, profile = await profile_of(database, "ana")
    assert (profile.min_conversations, profile.min_minutes) == (5, 60)


async def test_goal_needs_a_kind_and_a_number(bot: MemoryAdapter) -> None:
    assert (await bot.command("goal", "8"))[0].kind == ReplyKind.REASK
    assert (await bot.command("goal", "calls lots"))[0].kind == ReplyKind.REASK


async def test_team_minimum_change_lifts_low_goals(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana", admin=True)
    await bot.command("goal", "calls 6")
    await bot.command("admin", "minimums 7 60", is_admin=True)
    _, profile = await profile_of(database, "ana")
    assert profile.min_conversations == 7


async def test_coaching_names_the_low_value_item(bot: MemoryAdapter) -> None:
    replies = await bot.say("3 calls, 20 min; inbox; demo with Acme; crm updates")
    coaching = [r for r in replies if r.kind == ReplyKind.COACHING]
    assert coaching, replies
    text = coaching[0].text
    assert "2 conversations and 40 minutes short of your minimum" in text
    assert "first" not in text  # Wednesday is not the first day of a Mon–Fri week
    assert "“inbox” took one of your top three slots" in text


async def test_coaching_trend_and_no_buyer_work(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await seed(database, "ana", {MON: (9, 100), TUE: (6, 70)})
    replies = await bot.say("2 calls, 90 min; team standup; crm updates; training")
    text = next(r.text for r in replies if r.kind == ReplyKind.COACHING)
    assert "This week: 2 of 3 workdays at minimum, conversations 9 → 6 → 2 (dipping today)" in text
    assert "None of today's top three was time with buyers" in text


async def test_recurring_low_value_item_is_a_delegate_candidate(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "ana")
    earlier = {WED - timedelta(days=d): (6, 70, ("Inbox", "Demo")) for d in (7, 8, 9)}
    await seed(database, "ana", earlier)
    below = await bot.say("2 calls, 20 min; inbox; demo; proposal")
    text = next(r.text for r in below if r.kind == ReplyKind.COACHING)
    assert "“inbox” has taken a top-three slot 4 times in four weeks" in text
    assert "delegate" in text


async def test_met_minimums_mention_a_recurring_item(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "ana")
    await seed(database, "ana", {WED - timedelta(days=d): (6, 70, ("Inbox",)) for d in (7, 8)})
    replies = await bot.say("9 calls, 120 min; inbox; demo; proposal")
    text = next(r.text for r in replies if r.kind == ReplyKind.COACHING)
    assert text.startswith("Minimums met")
    assert "“Inbox” has come up 3 times" in text


async def test_no_coaching_when_met_and_nothing_recurs(bot: MemoryAdapter) -> None:
    replies = await bot.say("9 calls, 120 min; demo; proposal; call with Acme")
    assert [r.kind for r in replies] == [ReplyKind.SUMMARY]  # saved, and nothing else


async def load(database: Database, user: str = "ana") -> tuple[Member, Team]:
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        team = await find_team(session, "memory", "team-1")
        assert member is not None and team is not None
        return member, team


async def test_daily_prompt_varies_by_day(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    member, team = await load(database)
    prompts = [nudges.daily_prompt(member, team, WED + timedelta(days=d)) for d in range(7)]
    assert all(p.kind == ReplyKind.PROMPT for p in prompts)
    openers = [p.text.splitlines()[0] for p in prompts]
    assert all(a != b for a, b in itertools.pairwise(openers))
    first = prompts[0]
    assert "How many sales conversations" in first.text
    assert [(c.label, c.action, c.value) for c in first.choices] == [
        ("Check in", "checkin.start", WED.isoformat()),
        ("Day off", "checkin.day_off", WED.isoformat()),
    ]
    assert first.choices[0].style == "primary"


async def test_reminder_varies_and_mentions_the_streak(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "ana")
    await seed(database, "ana", {MON: (6, 70), TUE: (6, 70)})
    member, team = await load(database)
    _member_id, profile = await profile_of(database, "ana")
    async with database.transaction() as session:
        today = await nudges.reminder(session, member, team, profile, WED)
        tomorrow = await nudges.reminder(session, member, team, profile, WED + timedelta(days=1))
    assert today.kind == ReplyKind.REMINDER
    assert today.text != tomorrow.text
    assert "2 workdays in a row" in today.text
    assert today.choices[0].action == "checkin.start"


async def test_days_below_minimum(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    # Thu met; Fri below; weekend; Mon day off; Tue missing; Wed below.
    thu = FRI - timedelta(days=1)
    await seed(database, "ana", {thu: (6, 70), FRI: (1, 5), MON: "off", WED: (2, 10)})
    member_id, profile = await profile_of(database, "ana")
    async with database.transaction() as session:
        assert await nudges.days_below_minimum(session, member_id, profile, WED) == 3
        assert await nudges.days_below_minimum(session, member_id, profile, TUE) == 2
        assert await nudges.days_below_minimum(session, member_id, profile, thu) == 0
        paused = replace(profile, paused_until=TUE)
        assert await nudges.days_below_minimum(session, member_id, paused, WED) == 2


async def test_a_new_member_is_not_below_before_joining(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "ana")
    member_id, profile = await profile_of(database, "ana")
    async with database.transaction() as session:
        # Joined today (Wed) with no check-in: only today can count.
        assert await nudges.days_below_minimum(session, member_id, profile, WED) == 1


async def test_escalation_and_manager_note(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana", admin=True)
    await join(bot, "ben")
    member, team = await load(database, "ben")
    _, profile = await profile_of(database, "ben")
    async with database.transaction() as session:
        to_ben, note = await nudges.escalation(session, member, team, profile, WED, 3)
    assert to_ben.kind == ReplyKind.ESCALATION and "3 workdays" in to_ben.text
    assert note is None  # no manager named
    await bot.command("admin", "manager ana", is_admin=True)
    member, team = await load(database, "ben")
    async with database.transaction() as session:
        to_ben, note = await nudges.escalation(session, member, team, profile, WED, 4)
    assert note is not None and note.kind == ReplyKind.MANAGER_NOTE
    assert "Ben has been below their minimum" in note.text and "4 workdays" in note.text


async def test_pace_check(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    member, team = await load(database)
    _, profile = await profile_of(database, "ana")
    await bot.say("log 2 calls 20m")
    async with database.transaction() as session:
        pace = await nudges.pace_check(session, member, team, profile, WED)
    assert pace is not None and pace.kind == ReplyKind.PACE
    assert pace.text.startswith("2 of 5 conversations, 20 of 60 minutes so far today.")
    await bot.say("log 1 calls 10m")
    async with database.transaction() as session:
        assert await nudges.pace_check(session, member, team, profile, WED) is None


@pytest.mark.parametrize("days", [1, 5, 12])
async def test_escalation_text_varies_by_date(
    bot: MemoryAdapter, database: Database, days: int
) -> None:
    await join(bot, "ben")
    member, team = await load(database, "ben")
    _, profile = await profile_of(database, "ben")
    async with database.transaction() as session:
        a, _ = await nudges.escalation(session, member, team, profile, WED, days)
        b, _ = await nudges.escalation(session, member, team, profile, TUE, days)
    assert a.text != b.text
