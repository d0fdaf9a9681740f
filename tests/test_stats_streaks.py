"""Streak rules: workdays in the member's own dates; days off, weekends and pauses don't break."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from adapters.memory import MemoryAdapter
from bot.profile import Profile, parse_workday_digits
from bot.stats.streaks import member_streaks
from bot.storage.db import Database
from bot.storage.models import Member
from bot.storage.people import find_member, find_team
from bot.storage.streaks import Streaks, team_current_streaks
from tests.stats_helpers import Day, join, profile_of, seed
from tests.streak_reference import reference
from tests.support import facts

pytestmark = pytest.mark.both_databases

WED = date(2026, 11, 25)  # the fake clock's date (18:00 UTC)
MON, TUE = WED - timedelta(days=2), WED - timedelta(days=1)
FRI = WED - timedelta(days=5)
THU = WED - timedelta(days=6)
MET = (6, 70)
LOW = (2, 70)


async def streaks(
    bot: MemoryAdapter,
    database: Database,
    days: Mapping[date, Day],
    today: date = WED,
    **changes: Any,
) -> Streaks:
    await join(bot, "ana")
    await seed(database, "ana", days)
    member_id, profile = await profile_of(database, "ana")
    if changes:
        profile = replace(profile, **changes)
    async with database.transaction() as session:
        return await member_streaks(session, member_id, profile, today)


async def test_consecutive_workdays_count(bot: MemoryAdapter, database: Database) -> None:
    assert await streaks(bot, database, {MON: MET, TUE: MET}) == Streaks(2, 2)


async def test_weekend_does_not_break(bot: MemoryAdapter, database: Database) -> None:
    assert await streaks(bot, database, {THU: MET, FRI: MET, MON: MET, TUE: MET}) == Streaks(4, 4)


async def test_missed_workday_breaks(bot: MemoryAdapter, database: Database) -> None:
    week = {FRI - timedelta(days=i): MET for i in range(5)}
    assert await streaks(bot, database, {**week, TUE: MET}) == Streaks(1, 5)


async def test_day_off_neither_counts_nor_breaks(bot: MemoryAdapter, database: Database) -> None:
    assert await streaks(bot, database, {FRI: MET, MON: "off", TUE: MET}) == Streaks(2, 2)


async def test_below_minimum_breaks(bot: MemoryAdapter, database: Database) -> None:
    assert await streaks(bot, database, {THU: MET, FRI: MET, MON: LOW, TUE: MET}) == Streaks(1, 2)


async def test_today_adds_when_met(bot: MemoryAdapter, database: Database) -> None:
    assert await streaks(bot, database, {MON: MET, TUE: MET, WED: MET}) == Streaks(3, 3)


async def test_today_below_breaks_once_checked_in(bot: MemoryAdapter, database: Database) -> None:
    # Judged like any day, so the streak shown today is the one shown tomorrow.
    assert await streaks(bot, database, {MON: MET, TUE: MET, WED: LOW}) == Streaks(0, 2)


async def test_today_without_checkin_breaks_nothing(bot: MemoryAdapter, database: Database) -> None:
    assert await streaks(bot, database, {MON: MET, TUE: MET}) == Streaks(2, 2)


async def test_yesterday_missing_ends_current(bot: MemoryAdapter, database: Database) -> None:
    assert await streaks(bot, database, {THU: MET, FRI: MET}) == Streaks(0, 2)


async def test_pause_protects_the_gap(bot: MemoryAdapter, database: Database) -> None:
    assert await streaks(bot, database, {THU: MET, FRI: MET}, paused_until=WED) == Streaks(2, 2)


async def test_pause_that_ended_still_covers_its_gap(
    bot: MemoryAdapter, database: Database
) -> None:
    days = {THU: MET, FRI: MET, WED: MET}
    assert await streaks(bot, database, days, paused_until=TUE) == Streaks(3, 3)


async def test_pause_does_not_cover_days_after_it(bot: MemoryAdapter, database: Database) -> None:
    days = {THU: MET, FRI: MET}
    assert await streaks(bot, database, days, paused_until=MON) == Streaks(0, 2)


async def test_personal_goal_is_the_bar(bot: MemoryAdapter, database: Database) -> None:
    days = {MON: (6, 70), TUE: (9, 95)}
    assert await streaks(bot, database, days, min_conversations=8, min_minutes=90) == Streaks(1, 1)


async def test_custom_workdays(bot: MemoryAdapter, database: Database) -> None:
    # Sunday–Thursday: Friday and Saturday are the weekend, Sunday counts.
    sun = MON - timedelta(days=1)
    workdays = parse_workday_digits("01236")
    days = {THU: MET, sun: MET, MON: MET, TUE: MET}
    assert await streaks(bot, database, days, workdays=workdays) == Streaks(4, 4)
    # With Mon–Fri, the same days leave Friday missing: the run restarts on Monday.


async def test_check_in_on_a_non_workday_does_not_count(
    bot: MemoryAdapter, database: Database
) -> None:
    sat = FRI + timedelta(days=1)
    assert await streaks(bot, database, {FRI: MET, sat: MET, MON: MET, TUE: MET}) == Streaks(3, 3)


async def test_streak_follows_the_members_own_date(bot: MemoryAdapter, database: Database) -> None:
    # 18:00 UTC on Wednesday is already Thursday 07:00 in Auckland: Wednesday is over there.
    await join(bot, "kiri", timezone="Pacific/Auckland")
    await join(bot, "lou", timezone="America/Los_Angeles")
    for user in ("kiri", "lou"):
        await seed(database, user, {MON: MET, TUE: MET})
    replies = await bot.command("stats", "week", user="kiri")
    assert "Current streak" in facts(replies)
    assert facts(replies)["Current streak"].startswith("0")
    replies = await bot.command("stats", "week", user="lou")
    assert facts(replies)["Current streak"].startswith("2")
    await seed(database, "kiri", {WED: MET})
    replies = await bot.command("stats", "week", user="kiri")
    assert facts(replies)["Current streak"].startswith("3")


async def test_sql_matches_the_day_by_day_rules(bot: MemoryAdapter, database: Database) -> None:
    rng = random.Random(7)
    base_id, base = await _base_profile(bot, database)
    cases = []
    for n in range(60):
        user = f"r{n}"
        await join(bot, user)
        start = WED - timedelta(days=rng.randint(5, 40))
        days: dict[date, Day] = {}
        for i in range((WED - start).days + 2):
            day = start + timedelta(days=i)
            roll = rng.random()
            if roll < 0.15:
                continue
            days[day] = (
                "off" if roll < 0.25 else ((6, 70) if roll < 0.8 else (rng.randint(0, 9), 50))
            )
        await seed(database, user, days)
        workdays = rng.choice(["01234", "0123456", "01236", "024"])
        paused = WED - timedelta(days=rng.randint(0, 10)) if rng.random() < 0.3 else None
        today = WED + timedelta(days=rng.choice([0, 0, 1]))
        profile = replace(base, workdays=parse_workday_digits(workdays), paused_until=paused)
        member_id, _ = await profile_of(database, user)
        cases.append((member_id, days, today, profile))
    seen = []
    async with database.transaction() as session:
        for member_id, days, today, profile in cases:
            got = await member_streaks(session, member_id, profile, today)
            expected = reference(
                days,
                today,
                workdays=profile.workdays,
                min_conversations=profile.min_conversations,
                min_minutes=profile.min_minutes,
                paused_until=profile.paused_until,
            )
            assert got == expected, (member_id, days, today, profile)
            seen.append(got)
    # The random cases exercise live streaks, broken ones and ones where best > current.
    assert any(s.current > 0 for s in seen)
    assert any(s.best > s.current for s in seen)
    assert any(s.current == 0 for s in seen)
    assert base_id


async def _base_profile(bot: MemoryAdapter, database: Database) -> tuple[int, Profile]:
    await join(bot, "base")
    return await profile_of(database, "base")


async def test_team_streaks_match_each_members_own(bot: MemoryAdapter, database: Database) -> None:
    """The team's incremental read (recent rows first, further back for long runs) gives
    every member the same current streak as reading their whole history."""

    rng = random.Random(11)
    users = []
    for n in range(25):
        user = f"t{n}"
        await join(bot, user)
        start = WED - timedelta(days=rng.randint(10, 200))
        days: dict[date, Day] = {}
        streaky = rng.random() < 0.5  # long unbroken runs reach past the first window
        for i in range((WED - start).days + 1):
            day = start + timedelta(days=i)
            roll = rng.random()
            if not streaky and roll < 0.08:
                continue
            days[day] = "off" if roll < 0.03 else ((6, 70) if streaky or roll < 0.85 else (1, 5))
        await seed(database, user, days)
        users.append(user)
    expected: dict[int, tuple[str, date | None]] = {}
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        for n, user in enumerate(users):
            member = await find_member(session, "memory", user)
            assert member is not None
            member.workdays = "01234" if n % 3 else "0123456"
            member.paused_until = WED - timedelta(days=3) if n % 7 == 0 else None
            expected[member.id] = (member.workdays, member.paused_until)
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        got = await team_current_streaks(session, team.id, WED, expected)
        for member_id in expected:
            person = await session.get(Member, member_id)
            assert person is not None
            own = await member_streaks(session, member_id, Profile.of(person, team), WED)
            assert got[member_id] == own.current, (member_id, got[member_id], own)
    assert max(got.values()) > 28  # some runs needed a second, longer read
