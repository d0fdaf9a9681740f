"""Leaderboards: ranking with ties, metrics, opt-out, team isolation; the weekly recap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.memory import MemoryAdapter
from bot.messages import Reply, ReplyKind, Visibility
from bot.stats.charts import draw_charts
from bot.stats.leaderboard import competition_ranks
from bot.stats.recap import weekly_recap
from bot.storage.db import Database
from bot.storage.people import find_team
from tests.stats_helpers import join, seed

pytestmark = pytest.mark.both_databases

WED = date(2026, 11, 25)
MON, TUE = WED - timedelta(days=2), WED - timedelta(days=1)
LAST_MON = MON - timedelta(days=7)


def lines(replies: list[Reply]) -> list[str]:
    return replies[0].text.splitlines()


async def team_of_four(bot: MemoryAdapter, database: Database) -> None:
    for user in ("ana", "ben", "cy", "dee"):
        await join(bot, user)
    await seed(database, "ana", {MON: (9, 100), TUE: (6, 70)})  # 15 calls, 170 min
    await seed(database, "ben", {MON: (5, 200), TUE: (5, 60)})  # 10 calls, 260 min
    await seed(database, "cy", {MON: (10, 61)})  # 10 calls, 61 min
    await seed(database, "dee", {TUE: (2, 10)})  # 2 calls


def test_ties_share_a_rank_and_the_next_skips() -> None:
    assert competition_ranks([15, 10, 10, 2]) == [1, 2, 2, 4]
    assert competition_ranks([3, 3, 3]) == [1, 1, 1]
    assert competition_ranks([]) == []
    assert competition_ranks([None, None]) == [1, 1]


async def test_calls_this_week_with_a_tie(bot: MemoryAdapter, database: Database) -> None:
    await team_of_four(bot, database)
    replies = await bot.command("leaderboard")
    assert replies[0].kind == ReplyKind.LEADERBOARD
    assert replies[0].visibility is Visibility.CHANNEL
    assert "conversations, this week" in replies[0].title
    assert lines(replies) == [
        "🥇 Ana (you) — 15",
        "🥈 Ben — 10",
        "🥈 Cy — 10",
        "4. Dee — 2",
    ]


async def test_minutes_and_today(bot: MemoryAdapter, database: Database) -> None:
    await team_of_four(bot, database)
    assert lines(await bot.command("leaderboard", "minutes", user="dee"))[:2] == [
        "🥇 Ben — 260 min",
        "🥈 Ana — 170 min",
    ]
    await seed(database, "dee", {WED: (4, 30)})
    today = await bot.command("leaderboard", "calls today", user="dee")
    assert lines(today)[0] == "🥇 Dee (you) — 4"


async def test_streak_and_goal(bot: MemoryAdapter, database: Database) -> None:
    await team_of_four(bot, database)
    streak = lines(await bot.command("leaderboard", "streak"))
    assert streak == [
        "🥇 Ana (you) — 2 workdays",
        "🥇 Ben — 2 workdays",
        "3. Cy — 0 workdays",  # missed Tuesday
        "3. Dee — 0 workdays",  # below on Tuesday
    ]
    goal = lines(await bot.command("leaderboard", "goal week"))
    # Ana and Ben met both days; Cy met Monday of Mon–Tue; Dee started Tuesday, below.
    assert goal[:2] == ["🥇 Ana (you) — 100% (2/2 days)", "🥇 Ben — 100% (2/2 days)"]
    assert goal[2] == "🥉 Cy — 50% (1/2 days)"
    assert goal[3] == "4. Dee — 0% (0/1 day)"


async def test_opted_out_members_are_hidden(bot: MemoryAdapter, database: Database) -> None:
    await team_of_four(bot, database)
    await bot.command("ranking", "off", user="ben")
    for user in ("ana", "ben"):
        shown = "\n".join(lines(await bot.command("leaderboard", user=user)))
        assert "Ben" not in shown
    assert "hidden" in lines(await bot.command("leaderboard", user="ben"))[-1]
    board = lines(await bot.command("leaderboard"))
    assert board[1] == "🥈 Cy — 10"
    await bot.command("ranking", "on", user="ben")
    assert "Ben" in "\n".join(lines(await bot.command("leaderboard")))


async def test_only_the_askers_team(bot: MemoryAdapter, database: Database) -> None:
    await team_of_four(bot, database)
    await join(bot, "zed", team_id="team-2")
    await seed(database, "zed", {MON: (50, 500)})
    shown = "\n".join(lines(await bot.command("leaderboard")))
    assert "Zed" not in shown
    other = lines(await bot.command("leaderboard", user="zed", team_id="team-2"))
    assert other == ["🥇 Zed (you) — 50"]


async def test_unknown_words_get_a_reask(bot: MemoryAdapter) -> None:
    replies = await bot.command("leaderboard", "calls fortnightly")
    assert replies[0].kind == ReplyKind.REASK
    assert "fortnightly" in replies[0].text


async def test_empty_period_says_so(bot: MemoryAdapter, database: Database) -> None:
    await team_of_four(bot, database)
    replies = await bot.command("leaderboard", "today")
    assert "Nothing logged today yet" in replies[0].text


async def test_weekly_recap(bot: MemoryAdapter, database: Database) -> None:
    await team_of_four(bot, database)
    await seed(database, "dee", {LAST_MON: (1, 10)})
    await bot.command("ranking", "off", user="ben")
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        recap = await weekly_recap(session, team, WED, datetime(2026, 11, 25, 16, 0, tzinfo=UTC))
    (recap,) = await draw_charts([recap])  # the chart is drawn after the transaction
    assert recap.kind == ReplyKind.RECAP and recap.visibility is Visibility.CHANNEL
    text = recap.text
    assert "🥇 Ana — 15" in text and "Ben" not in text  # opted out: not ranked or praised
    assert "🔥 Longest streak: Ana — 2 workdays at minimum." in text
    assert "📈 Biggest improvement: Dee — 1 more conversation than" in text
    facts = {f.label: f.value for f in recap.facts}
    # Everyone counts in the totals, Ben too: 15 + 10 + 10 + 2 calls.
    assert facts["Team conversations"].startswith("37 (minimum ")
    assert recap.image is not None and recap.image.data.startswith(b"\x89PNG")


async def test_weekly_recap_shows_the_high_value_share_and_what_to_delegate(
    bot: MemoryAdapter, database: Database
) -> None:
    for user in ("ana", "ben"):
        await join(bot, user)
    await seed(database, "ana", {MON: (6, 70, ("demo with Acme", "email cleanup"))})
    await seed(
        database, "ben", {MON: (5, 60, ("email cleanup",)), TUE: (5, 60, ("email cleanup",))}
    )
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        recap = await weekly_recap(session, team, WED, datetime(2026, 11, 25, 16, 0, tzinfo=UTC))
    facts = {f.label: f.value for f in recap.facts}
    assert facts["High-value activities"] == "25% of 4"  # one demo among four activities
    assert "“email cleanup” showed up 3 times" in recap.text
