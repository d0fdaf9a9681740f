"""The team page keeps each member's numbers between views and recomputes only what changed:
after every kind of change — a correction, a personal goal, the team's minimums, ranking
turned on, a pause, a new member, another day — every board equals chat's `leaderboard` and
the team's totals equal what is computed afresh, and a change by one member recomputes that
member alone."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.web.views import TeamPage, team_page
from bot.profile import parse_workday_digits
from bot.stats.leaderboard import METRIC_TITLES
from bot.stats.memo import TeamMemo
from bot.stats.periods import period_of
from bot.stats.recap import team_minimum_facts
from bot.storage.data import forget_member
from bot.storage.db import Database
from bot.storage.models import Member, Team
from bot.storage.people import find_member, find_team
from tests.conftest import START
from tests.dashboard_harness import Site, boards, facts, site
from tests.stats_helpers import join, seed
from tests.test_dashboard_http import MON, TUE, WED, a_team, chat_rows

__all__ = ["site"]

PERIODS = ("today", "yesterday", "week", "month")
ROLL = re.compile(r'<p class="roll">(.*?)</p>')
# Per member and a lead's view: totals, streak, days so far, activities, roll call, and the
# returns panel's tally, low-value wordings and outcome totals.
KEPT = 8


async def view(browser: aiohttp.ClientSession, path: str, period: str) -> str:
    async with browser.get(f"{path}?period={period}") as response:
        assert response.status == 200, await response.text()
        return html_lib.unescape(await response.text())


async def fresh_totals(database: Database, site: Site, period: str) -> dict[str, str]:
    """The team's totals against minimums computed without anything kept."""
    today = site.clock.now().date()  # the team works in UTC
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        span = period_of(period, today, parse_workday_digits(team.workdays), None)
        found = await team_minimum_facts(session, team, span, today)
    return {fact.label: fact.value for fact in found}


async def agrees(site: Site, database: Database, browser: aiohttp.ClientSession, path: str) -> None:
    for period in PERIODS:
        page = await view(browser, path, period)
        for metric, rows in boards(page).items():
            chat = await site.bot.command(
                "leaderboard", f"{metric} {period}", user="lead", is_admin=True
            )
            assert rows == chat_rows(chat[0]), (period, metric)
        assert set(boards(page)) == set(METRIC_TITLES) - {"meetings", "deals", "revenue"}
        assert facts(page, "team-totals") == await fresh_totals(database, site, period), period
        roll_call = (await site.bot.command("team", "today", user="lead", is_admin=True))[0]
        lines = [line[2:] for line in roll_call.text.splitlines() if line.startswith("• ")]
        assert ROLL.findall(page) == lines, period


@pytest.mark.both_databases
async def test_kept_numbers_follow_every_change(site: Site, database: Database) -> None:
    await a_team(site, database)
    memo = site.dashboard.memo
    async with site.browser() as browser:
        path = await site.sign_in(browser, "lead", admin=True)
        await agrees(site, database, browser, path)

        # One member's correction: only that member is read again.
        before = memo.stats.computed
        await seed(database, "ana", {TUE: (12, 120, ("demo with Acme",))})
        await view(browser, path, "week")
        assert memo.stats.computed - before == KEPT
        before = memo.stats.computed
        await view(browser, path, "week")
        assert memo.stats.computed == before  # nothing changed: nothing read again
        await agrees(site, database, browser, path)

        changes = [
            ("goal", "calls 7", "cleo", False),  # a personal minimum
            ("admin", "minimums 6 65", "lead", True),  # the team's minimums
            ("ranking", "on", "dan", False),  # back on the boards
            ("pause", "until 2026-11-30", "ben", False),
        ]
        for command, args, user, admin in changes:
            await site.bot.command(command, args, user=user, is_admin=admin)
            await agrees(site, database, browser, path)

        await join(site.bot, "eve")
        await seed(database, "eve", {MON: (15, 150), WED: (3, 20)})
        await agrees(site, database, browser, path)

    site.clock.advance(timedelta(days=1))  # Thursday: today and the streaks move on
    await seed(database, "cleo", {date(2026, 11, 26): (9, 99)})
    async with site.browser() as browser:  # yesterday's session has expired
        path = await site.sign_in(browser, "lead", admin=True)
        await agrees(site, database, browser, path)


async def test_another_team_on_the_same_database_is_kept_apart(
    site: Site, database: Database
) -> None:
    await a_team(site, database)
    await join(site.bot, "zoe", team_id="team-2", admin=True)
    await seed(database, "zoe", {MON: (30, 300)})
    async with site.browser() as browser:
        path = await site.sign_in(browser, "lead", admin=True)
        await agrees(site, database, browser, path)
        before = site.dashboard.memo.stats.computed
        await seed(database, "zoe", {TUE: (31, 310)})
        page = await view(browser, path, "week")
        assert "Zoe" not in page
        assert site.dashboard.memo.stats.computed == before


async def test_the_roll_call_moves_on_at_each_members_midnight(
    site: Site, database: Database
) -> None:
    await a_team(site, database)
    await join(site.bot, "kai", timezone="America/Los_Angeles")  # 10:00 on Wednesday there
    await seed(database, "kai", {WED: (7, 70)})
    async with site.browser() as browser:
        path = await site.sign_in(browser, "lead", admin=True)
        page = await view(browser, path, "today")
        assert "Kai — 7 / 5 ✅ conversations" in page
    site.clock.advance(timedelta(hours=14))  # midnight in Los Angeles: Thursday, nothing written
    async with site.browser() as browser:
        path = await site.sign_in(browser, "lead", admin=True)
        await agrees(site, database, browser, path)
        page = await view(browser, path, "today")
        assert "Kai — it's 00:00 there" in page


async def lead_of(session: AsyncSession, user: str = "lead") -> tuple[Team, Member]:
    """The team and its viewer, as the dashboard loads them for a request."""
    team = await find_team(session, "memory", "team-1")
    viewer = await find_member(session, "memory", user)
    assert team is not None and viewer is not None
    return team, viewer


async def week_of(session: AsyncSession, team: Team, viewer: Member, memo: TeamMemo) -> TeamPage:
    """The team page (this week) as the viewer, a lead, sees it."""
    return await team_page(
        session,
        team,
        viewer,
        period_name="week",
        today=WED,
        now=START,
        lead=True,
        default_timezone="UTC",
        memo=memo,
    )


async def direct_view(database: Database, memo: TeamMemo) -> TeamPage:
    """The lead's team page (this week) through `team_page`, in a transaction of its own."""
    async with database.transaction() as session:
        return await week_of(session, *await lead_of(session), memo)


@pytest.mark.both_databases
async def test_a_forgotten_members_numbers_never_pass_to_a_newcomer(
    site: Site, database: Database
) -> None:
    # SQLite gives a deleted row's id to the next new row, and a newcomer's revisions start
    # again from zero: the newcomer's first view must not be the forgotten member's.
    await join(site.bot, "lead", admin=True)
    await join(site.bot, "ana")
    await join(site.bot, "zed")
    await seed(database, "zed", {WED: (40, 400, ("cold calls",))})
    memo = TeamMemo()
    first = (await direct_view(database, memo)).team_today
    assert first is not None and "Zed" in first.text
    async with database.transaction() as session:
        zed = await find_member(session, "memory", "zed")
        assert zed is not None
        await forget_member(session, zed)
    await join(site.bot, "yan")
    await seed(database, "yan", {WED: (2, 20, ("email cleanup",))})
    kept, fresh = await direct_view(database, memo), await direct_view(database, TeamMemo())
    assert kept.boards == fresh.boards and kept.totals == fresh.totals
    assert kept.team_today is not None and kept.team_today == fresh.team_today
    assert "Zed" not in kept.team_today.text


@pytest.mark.postgres
async def test_a_change_committed_as_a_view_begins_is_never_kept_stale(
    site: Site, database: Database
) -> None:
    # On PostgreSQL each statement reads the latest commit: the team and the viewer, loaded
    # before the revisions are read, may be older than them.
    await join(site.bot, "lead", admin=True)
    await join(site.bot, "ana")
    await seed(database, "ana", {WED: (5, 70)})
    memo = TeamMemo()
    await direct_view(database, memo)
    async with database.transaction() as session:
        team, viewer = await lead_of(session)
        await site.bot.command("admin", "minimums 9 65", user="lead", is_admin=True)
        await site.bot.command("pause", "until 2026-12-04", user="lead", is_admin=True)
        await week_of(session, team, viewer, memo)
    later = (await direct_view(database, memo)).team_today
    assert later is not None and later == (await direct_view(database, TeamMemo())).team_today
    assert "Ana — 5 / 9" in later.text and "Lead — through" in later.text
