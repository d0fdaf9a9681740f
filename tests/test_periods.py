"""Periods for `stats` and `leaderboard`: last week, last month, quarters, named months, year;
the comparison with the period before; and words that can only be periods never taken for
a member's name."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import MemoryAdapter
from bot.messages import ReplyKind
from bot.stats.periods import PeriodError, parse_period, period_of
from bot.storage.db import Database
from tests.stats_helpers import join, seed
from tests.support import facts

WED = date(2026, 11, 25)  # the fake clock's today
WORKDAYS = frozenset(range(5))


@pytest.mark.both_databases
async def test_last_week_against_the_week_before(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await seed(
        database,
        "ana",
        {
            date(2026, 11, 9): (4, 40),  # the week before last
            date(2026, 11, 16): (5, 60),  # last week, Monday: at minimum
            date(2026, 11, 17): (3, 30),
            WED: (9, 90),  # this week: not in last week
        },
    )
    replies = await bot.command("stats", "last week")
    shown = facts(replies)
    assert replies[0].title == "Your stats — last week (Mon 16 Nov – Sun 22 Nov)"
    assert shown["Conversations"] == "8 (▲ 4, +100% vs the week before)"
    assert shown["Minutes with buyers"] == "90 (▲ 50, +125% vs the week before)"
    assert shown["Days at minimum"] == "1 of 5 workdays"


@pytest.mark.both_databases
async def test_a_named_month_three_ways(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await seed(
        database,
        "ana",
        {date(2026, 9, 15): (2, 20), date(2026, 10, 5): (6, 70), date(2026, 10, 30): (1, 10)},
    )
    titles = set()
    for words in ("2026-10", "october", "oct 2026", "Oct"):
        replies = await bot.command("stats", words)
        titles.add(replies[0].title)
        # October's 31 days against the 31 days before them (31 Aug – 30 Sep).
        assert facts(replies)["Conversations"] == "7 (▲ 5, +250% vs the 31 days before)"
    assert titles == {"Your stats — October 2026 (Thu 1 Oct – Sat 31 Oct)"}
    last_month = await bot.command("stats", "last month")
    assert last_month[0].title == "Your stats — last month (Thu 1 Oct – Sat 31 Oct)"


@pytest.mark.both_databases
async def test_quarter_so_far_and_last_quarter(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await seed(
        database,
        "ana",
        {
            date(2026, 7, 10): (2, 20),  # inside the same days of last quarter
            date(2026, 9, 10): (3, 30),  # last quarter, after those days
            date(2026, 10, 5): (4, 40),
            date(2026, 11, 23): (5, 60),
        },
    )
    quarter = await bot.command("stats", "quarter")
    assert quarter[0].title == "Your stats — this quarter (Thu 1 Oct – Wed 25 Nov)"
    assert facts(quarter)["Conversations"] == "9 (▲ 7, +350% vs the same days last quarter)"
    last = await bot.command("stats", "last quarter")
    assert last[0].title == "Your stats — last quarter (Wed 1 Jul – Wed 30 Sep)"
    assert facts(last)["Conversations"] == "5"  # the quarter before holds no check-in of hers
    year = await bot.command("stats", "year")
    assert year[0].title == "Your stats — this year (Thu 1 Jan – Wed 25 Nov)"
    assert facts(year)["Conversations"] == "14"  # she started this year: nothing to compare


@pytest.mark.both_databases
async def test_period_words_are_never_member_names(bot: MemoryAdapter) -> None:
    await join(bot, "ana")
    for words, said in (
        ("last decade", "“last decade” is no period I know"),
        ("2026-13", "no month I know"),
        ("2026-12", "December 2026 hasn't started yet"),
        ("this", "“this” is no period I know"),
    ):
        replies = await bot.command("stats", words)
        assert replies[0].kind == ReplyKind.REASK, words
        assert said in replies[0].text, replies[0].text
        assert "can't find" not in replies[0].text
    # A month still to come this year is last year's when named without a year.
    december = await bot.command("stats", "december")
    assert december[0].title == "Your stats — December 2025 (Mon 1 Dec – Wed 31 Dec)"
    # A name that is no period is still looked up as a member.
    nobody = await bot.command("stats", "week zed", is_admin=True)
    assert "I can't find “zed” in this team" in nobody[0].text


@pytest.mark.both_databases
async def test_an_admin_reads_a_member_over_a_period(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "ana")
    await join(bot, "ben", admin=True)
    await seed(database, "ana", {date(2026, 10, 5): (6, 70)})
    replies = await bot.command("stats", "october Ana", user="ben", is_admin=True)
    assert replies[0].title == "Ana’s stats — October 2026 (Thu 1 Oct – Sat 31 Oct)"
    assert facts(replies)["Conversations"] == "6"


@pytest.mark.both_databases
async def test_leaderboard_over_past_periods(bot: MemoryAdapter, database: Database) -> None:
    for user in ("ana", "ben"):
        await join(bot, user)
    await seed(database, "ana", {date(2026, 11, 16): (3, 90), date(2026, 10, 5): (9, 10)})
    await seed(database, "ben", {date(2026, 11, 17): (5, 30), WED: (20, 200)})
    last_week = await bot.command("leaderboard", "calls last week")
    assert last_week[0].title.startswith("Leaderboard — conversations, last week (Mon 16 Nov")
    assert last_week[0].text.splitlines()[:2] == ["🥇 Ben — 5", "🥈 Ana (you) — 3"]
    october = await bot.command("leaderboard", "oct minutes")
    assert october[0].text.splitlines()[0] == "🥇 Ana (you) — 10 min"
    empty = await bot.command("leaderboard", "2026-01")
    assert "Nothing logged January 2026." in empty[0].text
    for words in ("all", "last fortnight"):
        refused = await bot.command("leaderboard", words)
        assert refused[0].kind == ReplyKind.REASK


def test_parse_period_keeps_the_other_words() -> None:
    assert parse_period(["last", "week", "@ana"], WED) == ("last-week", ["@ana"])
    assert parse_period(["Ana", "oct", "2025"], WED) == ("2025-10", ["Ana"])
    assert parse_period(["november"], WED) == ("month", [])
    assert parse_period(["minutes"], WED) == (None, ["minutes"])
    with pytest.raises(PeriodError):
        parse_period(["previous", "ana"], WED)


KEYS = ("today", "yesterday", "week", "month", "quarter", "year", "last-week", "last-month")
FINISHED = ("yesterday", "last-week", "last-month", "last-quarter", "last-year", "2024-02")


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)))
def test_every_period_ends_by_today_and_compares_with_days_before_it(today: date) -> None:
    for key in KEYS + FINISHED:
        period = period_of(key, today, WORKDAYS, None)
        assert period.start <= period.end <= today
        assert period.previous is not None
        before_start, before_end = period.previous
        assert before_start <= before_end < period.start
        length = (period.end - period.start).days
        if key in FINISHED:
            # A finished period: the same number of days right before it.
            assert period.finished
            assert before_end == period.start - timedelta(days=1)
            assert (before_end - before_start).days == length
        elif key != "today":
            # Still running: the same stretch of the period before, never longer.
            assert period.end == today and not period.finished
            assert (before_end - before_start).days <= length
