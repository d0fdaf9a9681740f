"""A month of three reps in three time zones, replayed through the engine on a fake clock.

March 2027 crosses both daylight-saving changes (the US on the 14th, Europe on the 28th). Ana
works Monday–Friday in Los Angeles, Ben Monday–Friday in Berlin (the team's zone), Chandra
Sunday–Thursday in Kolkata. Every evening each acts by their plan; every Sunday and on the
31st, each one's confirmation, totals, streak and "X of Y" on stats, the Home tab and the
leaderboards, and on Fridays the team recap, are checked against the reference walked day by
day in tests/numbers_reference.py.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.profile import parse_workday_digits
from bot.storage.db import Database
from tests.numbers_reference import Reference, Rep, assert_agree, facts

FIRST = date(2027, 3, 1)  # a Monday
DAYS = 31
# One letter a day from 1 March: C at the minimum, B below, L a quick log at the minimum,
# l a quick log below, O a day off, P a pause of four days, R fix yesterday (in the morning)
# to the minimum then check in, S fix yesterday with the same numbers, - nothing.
PLANS = {
    "ana": ("America/Los_Angeles", "mon-fri", "CCBCC--CCLCS--CBCP---lRCCO--CCB"),
    "ben": ("Europe/Berlin", "mon-fri", "CCCCC--C-CCC--CBCCS--PC--RC-CCO"),
    "chandra": ("Asia/Kolkata", "sun-thu", "lLCC--CCCOC--CCCSC--P---R-BCClC"),
}
MET, BELOW = (9, 75), (3, 30)


async def join_team(bot: MemoryAdapter, clock: FakeClock, database: Database) -> dict[str, Rep]:
    """The three reps join the team on the morning of 1 March, each in their own zone."""
    reps = {}
    for user, (zone, workdays, _plan) in PLANS.items():
        rep = Rep(
            bot,
            clock,
            database,
            user,
            ZoneInfo(zone),
            Reference(
                workdays=parse_workday_digits({"mon-fri": "01234", "sun-thu": "01236"}[workdays]),
                min_conversations=5,
                min_minutes=60,
                first_day=FIRST,
            ),
        )
        rep.at(FIRST, 8)
        await bot.say("help", user=user, is_admin=user == "ben", timezone=zone)
        await bot.say(f"timezone {zone}", user=user)
        await bot.say(f"schedule 17:00 {workdays}", user=user)
        if user == "ben":
            await bot.say("admin timezone Europe/Berlin", user=user, is_admin=True)
        reps[user] = rep
    return reps


def events() -> list[tuple[datetime, str, str]]:
    """(instant, rep, letter) for every rep's evening, in the order they happen."""
    found = []
    for user, (zone, _workdays, plan) in PLANS.items():
        for number, letter in enumerate(plan):
            day = FIRST + timedelta(days=number)
            at = datetime.combine(day, time(18), tzinfo=ZoneInfo(zone)).astimezone(UTC)
            found.append((at, user, letter))
    return sorted(found)


async def act(rep: Rep, letter: str, shown: dict[date, int]) -> None:
    """One rep's day by their plan letter (the clock is at their local evening)."""
    ref, today = rep.reference, rep.today
    if letter in "RS":
        rep.at(today, 9)
        yesterday = today - timedelta(days=1)
        numbers = MET
        if letter == "S":
            before = ref.records[yesterday]
            numbers = (before.conversations, before.minutes)
        streak = await rep.check_in(*numbers, yesterday=True)
        assert streak == ref.streak(today), (rep.user, today, "correction")
        if letter == "S":
            assert streak == shown[yesterday], (rep.user, today, "same numbers, same streak")
        rep.at(today, 18)
        letter = "C"
    if letter in "CB":
        shown[today] = await rep.check_in(*(MET if letter == "C" else BELOW))
        assert shown[today] == ref.streak(today), (rep.user, today, "confirmation")
    elif letter in "Ll":
        await rep.log(*(MET if letter == "L" else BELOW))
    elif letter == "O":
        await rep.day_off()
    elif letter == "P":
        await rep.pause(4)


async def check_everything(rep: Rep) -> None:
    """Every surface of the rep against the reference, and the month's totals."""
    today = rep.today
    assert_agree(await rep.surfaces(), rep.expected(), f"{rep.user} {today}")
    month = facts(await rep.bot.say("stats month", user=rep.user))
    conversations, minutes = rep.reference.totals(today.replace(day=1), today)
    assert re.match(rf"{conversations}\b", month["Conversations"]), (rep.user, month)
    assert re.match(rf"{minutes}\b", month["Minutes with buyers"]), (rep.user, month)


async def test_a_month_of_three_reps_in_three_zones(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    reps = await join_team(bot, clock, database)
    shown: dict[str, dict[date, int]] = {user: {} for user in reps}
    checked = 0
    for at, user, letter in events():
        rep = reps[user]
        clock.set(at)
        await act(rep, letter, shown[user])
        if rep.today.weekday() == 6 or rep.today == FIRST + timedelta(days=DAYS - 1):
            await check_everything(rep)
            checked += 1
        if user == "ben" and rep.today.weekday() == 4:
            # Friday evening in Berlin: the recap counts each rep's week as of Berlin's today.
            team_today = rep.today
            expected = [0, 0]
            for other in reps.values():
                ref = other.reference
                met, days = ref.at_minimum(*ref.week(team_today), team_today)
                expected = [expected[0] + met, expected[1] + days]
            assert list(await rep.recap_days()) == expected, team_today
    assert checked == 3 * 5  # four Sundays and the 31st, for each rep
    # The clock really crossed both changes: LA's evening is 01:00 UTC after 14 March.
    assert events()[-1][0].hour == 1
