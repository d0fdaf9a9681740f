"""The dashboard over HTTP: signing in with a link from chat, the team page and a member's
page showing chat's own numbers, and every refusal (no session, another team, another member,
an expired, reused or forged link, a session signed out or expired, a TV link turned off)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

from bot.messages import Reply
from bot.stats.recap import weekly_recap
from bot.storage.db import Database
from bot.storage.people import find_team
from tests.conftest import START
from tests.dashboard_harness import Site, boards, facts, site
from tests.stats_helpers import join, seed

__all__ = ["site"]

MON, TUE, WED = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)
MEDALS = {"🥇": 1, "🥈": 2, "🥉": 3}
CHAT_ROW = re.compile(r"^(🥇|🥈|🥉|\d+\.) (.+?)(?: \(you\))? — (.+)$")


def chat_rows(reply: Reply) -> list[tuple[int, str, str]]:
    """The (rank, name, value) rows of a `leaderboard` reply in chat."""
    rows = []
    for line in reply.text.splitlines():
        found = CHAT_ROW.match(line)
        if found:
            badge = found[1]
            rank = MEDALS[badge] if badge in MEDALS else int(badge.rstrip("."))
            rows.append((rank, found[2], found[3]))
    return rows


async def a_team(site: Site, database: Database) -> None:
    """Five members with a week of check-ins: a tie, one hidden from rankings."""
    await join(site.bot, "lead", admin=True)
    for user in ("ana", "ben", "cleo", "dan"):
        await join(site.bot, user)
    await seed(database, "ana", {MON: (6, 70), TUE: (7, 80), WED: (5, 60)})
    await seed(database, "ben", {MON: (9, 40), TUE: (9, 95)})
    await seed(database, "cleo", {MON: (8, 65), TUE: (5, 61), WED: (5, 60)})  # ties ana: 18
    await seed(database, "dan", {MON: (20, 200)})
    await site.bot.command("ranking", "off", user="dan")


async def test_a_link_from_chat_shows_the_numbers_chat_gives(
    site: Site, database: Database
) -> None:
    await a_team(site, database)
    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "ana")
        async with browser.get(team_path) as response:
            assert response.status == 200
            page = html_lib.unescape(await response.text())
        async with browser.get(team_path + "?period=last+week") as response:
            last_week = html_lib.unescape(await response.text())
        member_path = re.search(r'href="(/teams/\d+/members/\d+)">My stats', page)
        assert member_path is not None
        async with browser.get(member_path[1] + "?period=month") as response:
            assert response.status == 200
            mine = html_lib.unescape(await response.text())

    shown = boards(page)
    assert set(shown) == {"calls", "minutes", "goal", "streak"}
    for metric in shown:
        chat = (await site.bot.command("leaderboard", f"{metric} week", user="ana"))[0]
        assert shown[metric] == chat_rows(chat), metric
        assert all(name != "Dan" for _, name, _ in shown[metric])  # ranking off: hidden
    # Ana, Ben and Cleo tie on 18 conversations: one rank, and the next one skips.
    assert shown["calls"] == [
        (1, "Ana", "18"),
        (1, "Ben", "18"),
        (1, "Cleo", "18"),
        (4, "Lead", "0"),
    ]
    for metric, rows in boards(last_week).items():
        chat = (await site.bot.command("leaderboard", f"{metric} last week", user="ana"))[0]
        assert rows == chat_rows(chat), metric

    # Streak leaders are the top of chat's streak leaderboard.
    streaks = chat_rows((await site.bot.command("leaderboard", "streak", user="ana"))[0])
    leaders = re.findall(
        r'<li data-member="\d+"><span class="rank">(\d+)\.</span> (.+?) — (.+?)</li>', page
    )
    assert [(int(r), n, v) for r, n, v in leaders] == [row for row in streaks if row[0] <= 3]

    # Team totals are the recap's, for the same days.
    async with database.transaction() as session:
        team = await find_team(session, "memory", site.bot.team_id)
        assert team is not None
        recap = await weekly_recap(session, team, WED, START)
    assert facts(page, "team-totals") == {f.label: f.value for f in recap.facts}

    # My page: what `stats month` says in chat, fact by fact, and the chart as SVG.
    stats = (await site.bot.command("stats", "month", user="ana"))[0]
    assert facts(mine, "stats") == {f.label: f.value for f in stats.facts}
    assert stats.title in mine
    assert 'src="data:image/svg+xml;base64,' in mine
    assert "team-today" not in page  # members see no roll call


async def test_the_lead_sees_the_team_today_and_a_members_page(
    site: Site, database: Database
) -> None:
    await a_team(site, database)
    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "lead", admin=True)
        async with browser.get(team_path) as response:
            page = html_lib.unescape(await response.text())
        roll_call = (await site.bot.command("team", "today", user="lead", is_admin=True))[0]
        assert 'id="team-today"' in page
        for line in roll_call.text.splitlines():
            if line.startswith("• "):
                assert f'<p class="roll">{line[2:]}</p>' in page
        ana = re.search(
            r'data-member="(\d+)">\s*<td class="rank">\d+</td>\s*<th scope="row">Ana', page
        )
        assert ana is not None
        async with browser.get(f"{team_path}/members/{ana[1]}") as response:
            assert response.status == 200
            theirs = html_lib.unescape(await response.text())
    stats = (await site.bot.command("stats", "week", user="ana"))[0]
    assert facts(theirs, "stats") == {f.label: f.value for f in stats.facts}


async def test_pages_refused_without_a_session(site: Site, database: Database) -> None:
    await join(site.bot, "ana")
    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "ana")
    async with site.browser() as stranger:
        for path in (team_path, f"{team_path}/members/1"):
            async with stranger.get(path) as response:
                assert response.status == 401
                assert "Type `dashboard` in chat" in await response.text()
        async with stranger.get("/") as response:
            assert response.status == 200 and "Sign in from chat" in await response.text()


async def test_another_teams_page_and_another_members_page_are_refused(
    site: Site, database: Database
) -> None:
    await join(site.bot, "ana")
    await join(site.bot, "ben")
    await join(site.bot, "zoe", team_id="T-other")
    await seed(database, "ben", {WED: (3, 30)})
    async with site.browser() as zoe_browser:
        zoe_team = await site.sign_in(zoe_browser, "zoe", team_id="T-other")
    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "ana")
        assert team_path != zoe_team
        async with browser.get(zoe_team) as response:
            assert response.status == 403
        async with browser.get(team_path) as response:
            page = await response.text()
        ids = re.findall(r'data-member="(\d+)"', page)
        mine = re.search(r"/members/(\d+)\">My stats", page)
        assert mine is not None
        other = next(i for i in ids if i != mine[1])
        async with browser.get(f"{team_path}/members/{other}") as response:
            assert response.status == 403
        async with browser.get(f"{zoe_team}/members/{mine[1]}") as response:
            assert response.status == 403
        async with browser.get(f"{team_path}?period=someday") as response:
            assert response.status == 400


async def test_a_link_works_once_and_for_fifteen_minutes(site: Site, database: Database) -> None:
    await join(site.bot, "ana")
    link = await site.link("ana")
    async with site.browser() as browser, browser.get(link, allow_redirects=False) as response:
        assert response.status == 303
    async with site.browser() as again, again.get(link, allow_redirects=False) as response:
        assert response.status == 410  # used
    late = await site.link("ana")
    site.clock.advance(timedelta(minutes=15, seconds=1))
    async with site.browser() as browser:
        async with browser.get(late, allow_redirects=False) as response:
            assert response.status == 410  # expired
        forged = late[:-3] + ("AAA" if not late.endswith("AAA") else "BBB")
        async with browser.get(forged, allow_redirects=False) as response:
            assert response.status == 410  # not signed by Needle


async def test_the_session_cookie_is_httponly_and_lax(site: Site, database: Database) -> None:
    await join(site.bot, "ana")
    link = await site.link("ana")
    async with site.browser() as browser, browser.get(link, allow_redirects=False) as response:
        cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


async def test_signing_out_and_expiry_end_the_session(site: Site, database: Database) -> None:
    await join(site.bot, "ana")
    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "ana")
        cookies = browser.cookie_jar.filter_cookies(browser._base_url)  # type: ignore[arg-type]
        stolen = {name: morsel.value for name, morsel in cookies.items()}
        async with browser.post("/signout") as response:
            assert response.status == 200 and "Signed out" in await response.text()
        async with browser.get(team_path) as response:
            assert response.status == 401
    async with site.browser() as copy, copy.get(team_path, cookies=stolen) as response:
        assert response.status == 401  # the cookie's session was ended, not just dropped
    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "ana")
        site.clock.advance(timedelta(hours=12, seconds=1))
        async with browser.get(team_path) as response:
            assert response.status == 401


async def test_the_tv_link_until_it_is_turned_off(site: Site, database: Database) -> None:
    await join(site.bot, "lead", admin=True)
    await join(site.bot, "ana")
    await seed(database, "ana", {WED: (6, 70)})
    refused = await site.bot.command("dashboard", "tv", user="ana")
    assert refused[0].kind == "refusal"
    tv = await site.link("lead", "tv", admin=True)
    async with site.browser() as screen:
        async with screen.get(tv) as response:
            assert response.status == 200
            page = await response.text()
        assert "Ana" in page and "<form" not in page and 'class="tv"' in page
        async with screen.get(tv + "/stamp") as response:
            before = (await response.json())["stamp"]
        await seed(database, "ana", {TUE: (8, 70)})
        async with screen.get(tv + "/stamp") as response:
            assert (await response.json())["stamp"] != before
        off = await site.bot.command("dashboard", "tv off", user="lead", is_admin=True)
        assert "1 TV link" in off[0].text
        async with screen.get(tv) as response:
            assert response.status == 410
        async with screen.get(tv + "/stamp") as response:
            assert response.status == 410


async def test_a_link_is_sent_privately_and_says_how_long_it_works(site: Site) -> None:
    replies = await site.bot.command("dashboard", "", user="ana")
    assert replies[0].visibility == "private"
    assert "once, for 15 minutes" in replies[0].text
    assert (await site.bot.command("dashboard", "sideways", user="ana"))[0].kind == "reask"


async def test_forget_me_ends_the_dashboard_session(site: Site, database: Database) -> None:
    await join(site.bot, "ana")
    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "ana")
        await site.bot.command("forget-me", "", user="ana")
        forgotten = await site.bot.say("yes", user="ana")
        assert forgotten[0].kind == "forgotten"
        async with browser.get(team_path) as response:
            assert response.status == 401
