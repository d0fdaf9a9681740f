"""`stats`: numbers per period, change vs the previous period, permissions and isolation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adapters.memory import MemoryAdapter
from bot.messages import ReplyKind
from bot.storage.db import Database
from tests.stats_helpers import join, seed
from tests.support import facts

pytestmark = pytest.mark.both_databases

WED = date(2026, 11, 25)
MON, TUE = WED - timedelta(days=2), WED - timedelta(days=1)
LAST_MON, LAST_TUE = MON - timedelta(days=7), TUE - timedelta(days=7)


async def test_week_stats_with_change_and_focus(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await seed(
        database,
        "ana",
        {
            LAST_MON: (4, 40),
            LAST_TUE: (4, 40),
            MON: (6, 70, ("Demo with Acme", "Inbox", "Proposal for Beta")),
            TUE: (3, 30, ("Inbox", "Call with Delta", "CRM updates")),
        },
    )
    replies = await bot.command("stats", "week")
    shown = facts(replies)
    assert shown["Conversations"].startswith("9 (▲ 1, +12% vs the same days last week)")
    assert shown["Minutes with buyers"].startswith("100 (▲ 20")
    assert shown["Days at minimum"] == "1 of 2 workdays"
    assert shown["Current streak"] == "0 workdays"  # Tuesday was below the minimum
    assert shown["Best streak"] == "1 workday"
    assert shown["High-value activities"] == "50% (3 of 6)"
    assert "“Inbox” came up 2 times" in replies[0].text
    assert replies[0].kind == ReplyKind.STATS
    image = replies[0].image
    assert image is not None and image.data.startswith(b"\x89PNG") and len(image.data) > 5000


async def test_today_counts_once_checked_in(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await seed(database, "ana", {TUE: (6, 70)})
    shown = facts(await bot.command("stats", "today"))
    assert shown["Days at minimum"] == "no workday to count yet"
    assert "vs yesterday" in shown["Conversations"]
    await seed(database, "ana", {WED: (2, 10)})
    shown = facts(await bot.command("stats", "today"))
    assert shown["Days at minimum"] == "0 of 1 workday"
    assert shown["Conversations"] == "2 (▼ 4, -67% vs yesterday)"
    # Today below the minimum, once checked in, breaks the streak as it will tomorrow.
    assert shown["Current streak"] == "0 workdays"


async def test_month_and_all_time(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    october = {date(2026, 10, 26) + timedelta(days=i): (5, 60) for i in range(5)}
    await seed(database, "ana", {**october, MON: (7, 80), TUE: "off"})
    month = facts(await bot.command("stats", "month"))
    # Ana's first check-in (26 Oct) comes after the same days of last month: no change shown.
    assert month["Conversations"] == "7"
    assert (
        month["Days at minimum"] == "1 of 16 workdays (1 day off)"
    )  # 17 workdays to Tuesday, one off
    everything = await bot.command("stats", "all")
    shown = facts(everything)
    assert shown["Conversations"] == "32"  # no previous period for all time
    assert everything[0].title.startswith("Your stats — all time (Mon 26 Oct – ")
    assert shown["Best streak"] == "5 workdays"


async def test_wins_and_what_came_before(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana", admin=True)
    await bot.command("admin", "wins on", is_admin=True)
    await seed(database, "ana", {MON: (6, 70, ("Demo with Acme", "Inbox"))})
    async with database.transaction() as session:
        from bot.storage.checkins import get_checkin
        from bot.storage.people import find_member

        member = await find_member(session, "memory", "ana")
        assert member is not None
        checkin = await get_checkin(session, member.id, MON)
        assert checkin is not None
        checkin.wins = 2
    replies = await bot.command("stats", "week")
    assert facts(replies)["Wins"] == "2"
    assert "Before the wins: Demo with Acme (1×), Inbox (1×)" in replies[0].text


async def test_members_cannot_read_each_other(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await join(bot, "ben")
    replies = await bot.command("stats", "week @ana", user="ben", mentions=("ana",))
    assert replies[0].kind == ReplyKind.REFUSAL
    assert "Only team admins and the team's manager" in replies[0].text


async def test_admin_reads_a_member_by_mention_or_name(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "ana", admin=True)
    await join(bot, "ben")
    await seed(database, "ben", {MON: (9, 100)})
    by_mention = await bot.command("stats", "week @ben", mentions=("ben",), is_admin=True)
    assert by_mention[0].title.startswith("Ben’s stats — this week")
    assert facts(by_mention)["Conversations"].startswith("9")
    by_name = await bot.command("stats", "ben month", is_admin=True)
    assert by_name[0].title.startswith("Ben’s stats — this month")
    assert facts(by_name)["Conversations"].startswith("9")


async def test_the_manager_may_read_members(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana", admin=True)
    await join(bot, "mia")
    await join(bot, "ben")
    await seed(database, "ben", {MON: (9, 100)})
    await seed(database, "mia", {MON: (2, 15)})
    await bot.command("admin", "manager @mia", mentions=("mia",), is_admin=True)
    replies = await bot.command("stats", "@ben", user="mia", mentions=("ben",))
    assert replies[0].kind == ReplyKind.STATS
    assert replies[0].title.startswith("Ben’s stats")  # about Ben, not the manager asking
    assert facts(replies)["Conversations"].startswith("9")


async def test_another_teams_member_cannot_be_named(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await seed(database, "ana", {MON: (9, 100)})
    await join(bot, "zed", team_id="team-2", admin=True)
    for args, mentions in (("week @ana", ("ana",)), ("week Ana", ())):
        replies = await bot.command("stats", args, user="zed", team_id="team-2", mentions=mentions)
        assert replies[0].kind == ReplyKind.REFUSAL
        assert "can't find" in replies[0].text
        assert not replies[0].facts


async def test_unknown_member_is_a_clear_refusal(bot: MemoryAdapter) -> None:
    await join(bot, "ana", admin=True)
    replies = await bot.command("stats", "week nobody")
    assert replies[0].kind == ReplyKind.REFUSAL
    assert "“nobody”" in replies[0].text


async def test_no_change_is_claimed_against_a_period_before_the_first_check_in(
    bot: MemoryAdapter, database: Database
) -> None:
    # Ben started this Tuesday: "▲ 7 vs last week" would compare with weeks he was not here.
    await join(bot, "ben")
    await seed(database, "ben", {TUE: (7, 65)})
    this_week = facts(await bot.command("stats", "week", user="ben"))
    assert this_week["Conversations"].startswith("7")
    assert "vs" not in this_week["Conversations"] and "vs" not in this_week["Minutes with buyers"]
    # A week later there is a week to compare with.
    await seed(database, "ben", {TUE + timedelta(days=7): (9, 80)})
    bot.engine.clock.advance(days=7)  # type: ignore[attr-defined]
    next_week = facts(await bot.command("stats", "week", user="ben"))
    assert "vs the same days last week" in next_week["Conversations"]
