"""Targets and the funnel against hand-computed months: days off, a pause, a correction, a month
boundary and a rep with no outcomes yet; the target's pace as the minimum on every surface.

Every member here works Mon–Fri in UTC, with the team's minimums (5 conversations, 60 minutes).
The calendar (2026): Mon 2 Nov … Fri 13 Nov, Mon 16 Nov … Mon 30 Nov; Tue 1 Dec … Thu 31 Dec.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.coaching import nudges
from bot.messages import Action, Reply, ReplyKind
from bot.outcomes.funnel import Funnel
from bot.outcomes.targets import TargetPlan, derived_minimum
from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.models import DailyMinimum
from bot.storage.outcomes import Metric, MonthlyTarget, OutcomeKind, OutcomeTotals, record_outcome
from bot.storage.people import find_member, find_team
from tests.stats_helpers import join, profile_of, seed

MON_16 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
OCTOBER = [date(2026, 10, 5) + timedelta(days=d) for d in range(26) if d % 7 < 5]  # 20 weekdays
EARLY_NOVEMBER = [date(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12)]  # 9 weekdays
WON_ON = [date(2026, 10, d) for d in (6, 9, 15, 21, 28)] + [date(2026, 11, 10)]


async def track_outcomes(database: Database) -> None:
    """The memory team tracks meetings, deals and revenue."""
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        team.outcomes = ["meetings", "deals", "revenue"]


async def record(database: Database, user: str, kind: OutcomeKind, days: list[date]) -> None:
    """One outcome of `kind` on each of `days`."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        for day in days:
            await record_outcome(
                session,
                member_id=member.id,
                local_date=day,
                kind=kind,
                now=datetime(2026, 11, 1, tzinfo=UTC),
            )


async def rep_with_history(bot: MemoryAdapter, database: Database, user: str = "ana") -> None:
    """The month the tests share, as of Mon 16 Nov.

    Check-ins: 20 October weekdays × 11 conversations = 220; 2–12 Nov, 9 weekdays × 5 = 45;
    Fri 13 Nov a day off; Fri 20 Nov marked off ahead (vacation). Funnel (90 days to 16 Nov):
    29 check-in days, 265 conversations, 6 deals won (5 in October, 1 on 10 Nov): 265/6 =
    44.2 conversations a deal.
    """
    await join(bot, user)
    await track_outcomes(database)
    days: dict[date, tuple[int, int] | str] = {d: (11, 60) for d in OCTOBER}
    days |= {d: (5, 60) for d in EARLY_NOVEMBER}
    days |= {date(2026, 11, 13): "off", date(2026, 11, 20): "off"}
    await seed(database, user, days)
    await record(database, user, OutcomeKind.WON, WON_ON)


async def check_in(bot: MemoryAdapter, answer: str) -> list[Reply]:
    """Today's check-in in one message, then `none` to the outcomes question."""
    asked = await bot.say(answer)
    assert "Any outcomes today" in asked[-1].text
    return await bot.say("none")


def text_of(replies: list[Reply]) -> str:
    """Every reply's text and facts, joined."""
    return "\n".join(
        "\n".join([r.text, *(f"{f.label}: {f.value}" for f in r.facts)]) for r in replies
    )


async def test_a_month_with_days_off_and_a_pause(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(MON_16)
    await rep_with_history(bot, database)
    await bot.say("pause until 2026-11-17")
    replies = await bot.say("target deals 4")
    # 4 − 1 won in November = 3 to go; ⌈3 × 265 / 6⌉ = ⌈132.5⌉ = 133 conversations.
    # Workdays 16–30 Nov: 16 17 18 19 20 23 24 25 26 27 30 = 11; minus 16 and 17 (paused)
    # and 20 (off) = 8; ⌈133 / 8⌉ = ⌈16.6⌉ = 17 a day.
    text = text_of(replies)
    assert "Target set: 4 deals a month." in text
    assert "At your rate (1 deal per 44 conversations)" in text
    assert "the 3 deals still to go this month need 133 conversations" in text
    assert "17 a day for the 8 workdays left" in text
    assert "You have 1 of 4." in text
    assert replies[-1].choices and replies[-1].choices[0].action == Action.TARGET_MINIMUM


async def test_a_correction_changes_the_rate_and_a_checkin_today_ends_today(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(MON_16)
    await rep_with_history(bot, database)
    text = text_of(await bot.say("target deals 4"))
    # 11 workdays 16–30 Nov minus 20 Nov (off) = 10; ⌈133 / 10⌉ = ⌈13.3⌉ = 14 a day.
    assert "need 133 conversations: 14 a day for the 10 workdays left" in text
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None
        await save_checkin(
            session,
            member.id,
            date(2026, 11, 12),
            CheckinRecord(status="complete", conversations=29, minutes=60, wins=0),
            now=MON_16,
        )
    text = text_of(await bot.say("target"))
    # Thu 12 Nov corrected from 5 to 29: 265 + 24 = 289 conversations; ⌈3 × 289 / 6⌉ =
    # ⌈144.5⌉ = 145; ⌈145 / 10⌉ = ⌈14.5⌉ = 15 a day; the rate 289/6 = 48.2 → "48".
    assert "1 deal per 48 conversations" in text
    assert "need 145 conversations: 15 a day for the 10 workdays left" in text
    await check_in(bot, "10 calls, 60 min; demo with Acme")
    text = text_of(await bot.say("target"))
    # Today checked in: 30 days, 299 conversations; ⌈3 × 299 / 6⌉ = ⌈149.5⌉ = 150; today is
    # now a day so far, 9 workdays left: ⌈150 / 9⌉ = ⌈16.7⌉ = 17 a day.
    assert "need 150 conversations: 17 a day for the 9 workdays left" in text


async def test_a_target_set_on_the_30th_carries_into_the_next_month(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    await rep_with_history(bot, database)
    text = text_of(await bot.say("target deals 4"))
    # Funnel to 30 Nov: still 29 days, 265 conversations, 6 won. 3 to go: 133 conversations,
    # and Mon 30 Nov is the one workday left: 133 a day.
    assert "need 133 conversations: 133 a day for the 1 workday left" in text
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    text = text_of(await bot.say("target"))
    # December: nothing won yet, 4 to go; ⌈4 × 265 / 6⌉ = ⌈176.7⌉ = 177 conversations.
    # Weekdays 1–31 Dec: 1–4 (4) + 7–11 (5) + 14–18 (5) + 21–25 (5) + 28–31 (4) = 23;
    # ⌈177 / 23⌉ = ⌈7.7⌉ = 8 a day.
    assert "4 deals this month needs 177 conversations: 8 a day for the 23 workdays left" in text


async def test_a_rep_with_no_outcomes_yet_gets_no_guess(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(MON_16)
    await join(bot, "raj")
    await track_outcomes(database)
    await seed(database, "raj", {d: (8, 60) for d in EARLY_NOVEMBER[:3]})
    replies = await bot.say("target deals 4", user="raj")
    text = text_of(replies)
    # 3 check-in days of the 10 needed, 0 deals of the 2 needed.
    assert "not enough data — 7 more check-in days and 2 more deals to see your rate" in text
    assert "a day" not in text
    assert not replies[-1].choices
    funnel = text_of(await bot.say("funnel", user="raj"))
    assert "3 check-in days): 24 conversations → 0 meetings booked → 0 deals won, 0 lost." in (
        funnel
    )
    assert "• Deals: not enough data yet — 7 more check-in days and 2 more deals" in funnel
    assert "• Win rate: not enough data yet" in funnel
    refused = text_of(await bot.say("target yes", user="raj"))
    assert "no pace to follow yet" in refused


async def test_funnel_rates_and_a_reached_target(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(MON_16)
    await rep_with_history(bot, database)
    await record(database, "ana", OutcomeKind.MEETING, [date(2026, 10, d) for d in range(5, 10)])
    await record(database, "ana", OutcomeKind.LOST, [date(2026, 10, 20), date(2026, 11, 3)])
    funnel = text_of(await bot.say("funnel"))
    # 265 conversations / 5 meetings = 53; won 6 of 8 decided.
    assert "• Meetings: 1 meeting per 53 conversations." in funnel
    assert "• Deals: 1 deal per 44 conversations." in funnel
    assert "• Win rate: 6 of 8 decided deals." in funnel
    text = text_of(await bot.say("target deals 1"))
    assert "Target reached: 1 deal this month against 1 deal." in text


async def test_the_targets_pace_is_the_minimum_everywhere_and_past_days_keep_theirs(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(MON_16)
    await rep_with_history(bot, database)
    await bot.say("target deals 4")
    taken = text_of(await bot.press(Action.TARGET_MINIMUM, "yes"))
    assert "14 conversations today" in taken  # ⌈133 / 10⌉, as in the correction test
    summary = text_of(await check_in(bot, "10 calls, 60 min; demo with Acme"))
    assert "10 / 14" in summary
    assert "4 conversations" in summary  # short of today's minimum
    home = text_of(await bot.say("home"))
    assert "14 conversations today (your target's pace)" in home
    # A lead sees Ana's day against the same minimum: the roll call and `stats @ana`.
    roll_call = text_of(await bot.command("team", "today", user="lead", is_admin=True))
    assert "10 / 14 conversations" in roll_call
    about_ana = text_of(
        await bot.command("stats", "@ana", user="lead", is_admin=True, mentions=("ana",))
    )
    assert "14 conversations on" in about_ana and "their target's pace" in about_ana
    # Tuesday: two deals won on Monday evening change Tuesday's pace, not Monday's minimum.
    await record(database, "ana", OutcomeKind.WON, [date(2026, 11, 16)] * 2)
    clock.set(MON_16 + timedelta(days=1))
    text = text_of(await bot.say("target"))
    # 4 − 3 = 1 to go; 31 days, 275 conversations, 8 won: ⌈275 / 8⌉ = ⌈34.4⌉ = 35; Tuesday
    # has no check-in: 17–30 Nov minus 20 = 9 workdays; ⌈35 / 9⌉ = 4, below the team's 5.
    assert "need 35 conversations: 4 a day for the 9 workdays left" in text
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None
        fixed = dict(
            (
                await session.execute(
                    select(DailyMinimum.local_date, DailyMinimum.conversations).where(
                        DailyMinimum.member_id == member.id
                    )
                )
            ).all()
        )
    assert fixed == {date(2026, 11, 16): 14, date(2026, 11, 17): 5}
    week = text_of(await bot.say("stats week"))
    # Monday (10 of 14) stays below the minimum it had: 0 of 1 workday at minimum.
    assert "0 of 1 workday" in week
    await check_in(bot, "6 calls, 60 min; demo with Beta")
    week = text_of(await bot.say("stats week"))
    assert "1 of 2 workdays" in week  # Tuesday's 6 meets Tuesday's 5


async def test_pace_check_and_reminder_speak_in_target_terms(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(MON_16)
    await rep_with_history(bot, database)
    await bot.say("target deals 4")
    _, profile = await profile_of(database, "ana")
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        team = await find_team(session, "memory", "team-1")
        assert member is not None and team is not None
        pace = await nudges.pace_check(session, member, team, profile, MON_16.date())
        reminder = await nudges.reminder(session, member, team, profile, MON_16.date())
    assert pace is not None
    expected = "3 deals to go; at your rate that is 133 conversations, 14 a day for the 10 workdays"
    assert f"This month: {expected} left." in pace.text
    assert expected in reminder.text


async def test_leaderboard_by_share_of_own_target(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(MON_16)
    await rep_with_history(bot, database, "ana")
    await join(bot, "raj")
    await join(bot, "lee")
    await record(database, "raj", OutcomeKind.MEETING, [date(2026, 11, 3)] * 3)
    await bot.say("target deals 4", user="ana")  # 1 of 4 = 25%
    await bot.say("target meetings 6", user="raj")  # 3 of 6 = 50%
    board = (await bot.say("leaderboard target", user="ana"))[-1]
    assert board.kind == ReplyKind.LEADERBOARD
    lines = board.text.splitlines()
    assert lines[0] == "1. Raj — 50% (3 of 6 meetings)"
    assert lines[1] == "2. Ana (you) — 25% (1 of 4 deals)"
    assert "Not ranked: 1 member without a target this month." in board.text


async def test_a_pace_out_of_reach_is_said_plainly_and_never_made_a_minimum(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday: 26, 27 and 30 Nov left
    await rep_with_history(bot, database, user="kim")
    text = text_of(await bot.say("target deals 9", user="kim"))
    # 9 − 1 won in November = 8 to go; 90 days to 26 Nov: 29 check-in days, 265 conversations,
    # 6 won: ⌈8 × 265 / 6⌉ = ⌈353.3⌉ = 354; ⌈354 / 3⌉ = 118 a day. Her usual day: ⌈265 / 29⌉
    # = 10, and 118 > 2 × 10.
    assert "need 354 conversations: 118 a day for the 3 workdays left" in text
    assert "about 12 times your usual 10 conversations a day" in text
    assert "out of reach" in text and "Make 118" not in text
    refused = text_of(await bot.say("target yes", user="kim"))
    assert "out of reach" in refused
    async with database.transaction() as session:
        member = await find_member(session, "memory", "kim")
        assert member is not None and not member.minimum_from_target


async def test_bad_target_input_gets_a_friendly_answer(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    clock.set(MON_16)
    await join(bot, "ana")
    await track_outcomes(database)
    for args, expected in (
        ("target", "No target this month."),
        ("target 🚀", "A target of what"),
        ("target deals", "How many deals a month?"),
        ("target deals -3", "couldn't read"),
        ("target deals 2.5", "whole number"),
        ("target deals 99999999999", "more than a month can hold"),
        ("target deals 0", "more than zero"),
        ("target revenue 50k", "Target set: 50,000 in revenue a month."),
        ("target off", "Target cleared."),
        ("objetivo deals cuatro", "I"),
    ):
        assert expected in text_of(await bot.say(args)), args
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        team.outcomes = []
    assert "doesn't track deals" in text_of(await bot.say("target deals 4"))


def plan_of(conversations: int, won: int, target: int, left: int) -> TargetPlan:
    """A plan with nothing done yet, resting on a full sample."""
    funnel = Funnel(
        date(2026, 8, 19), date(2026, 11, 16), 30, conversations, OutcomeTotals(won=won)
    )
    return TargetPlan(MonthlyTarget(Metric.DEALS, target), date(2026, 11, 16), 0, funnel, left)


@given(
    conversations=st.integers(1, 100_000),
    won=st.integers(2, 5_000),
    target=st.integers(1, 1000),
    left=st.integers(1, 31),
    team_minimum=st.integers(0, 500),
)
def test_a_daily_pace_always_reaches_the_target(
    conversations: int, won: int, target: int, left: int, team_minimum: int
) -> None:
    plan = plan_of(conversations, won, target, left)
    assert plan.needed is not None and plan.daily is not None
    # Rounding up: the needed conversations reach the target at the rate, the days reach it.
    assert plan.needed * won >= target * conversations
    assert plan.daily * left >= plan.needed
    assert (plan.daily - 1) * left < plan.needed
    minimum = derived_minimum(plan, team_minimum)
    if plan.out_of_reach:  # more than twice the usual day: never a minimum
        assert minimum is None and plan.daily > 2 * max(plan.usual, 1)
    else:
        assert minimum is not None and minimum >= team_minimum and minimum >= plan.daily
