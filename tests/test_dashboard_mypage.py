"""My page over HTTP: the calendar of days, the high-value share and what to delegate, each
what chat says for the same member and period; the team page and My page equal to chat's
`leaderboard` and `stats` for several members and periods; and the settings form, which runs
chat's own commands and refuses a POST without this session's form token, from another
origin, or to another member's page; and `needle demo`'s team, which fills every panel."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, datetime, time
from urllib.parse import urlsplit

import aiohttp

from adapters.console import user_id_for
from adapters.memory import MemoryAdapter
from bot.demo import ADMIN, DEMO_PLATFORM, DEMO_TEAM
from bot.demo import seed as seed_demo
from bot.messages import FormId, Incoming, IncomingKind
from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.people import find_member
from tests.dashboard_harness import LINK, Site, boards, facts, site
from tests.stats_helpers import classify, join, seed
from tests.test_dashboard_http import a_team, chat_rows

__all__ = ["site"]

TODAY = date(2026, 11, 25)  # tests.conftest.START, a Wednesday
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
CELL = re.compile(
    r'<td class="day (\w+)[^"]*" data-date="([\d-]+)" data-kind="\w+">\s*<time[^>]*>.*?</time>\s*'
    r'<span class="label">(.*?)(?:<span class="visually-hidden">.*?</span>)?</span>',
    re.S,
)
DELEGATE = re.compile(r'<li><span class="activity">(.*?)</span> — (\d+) times</li>')
DAYS_AT_MINIMUM = re.compile(r"^(\d+) of (\d+) workdays?")
WORKDAY_KINDS = {"met", "below", "partial", "missed"}  # what "of N workdays" counts


def d(day: int, month: int = 11) -> date:
    """A date of 2026."""
    return date(2026, month, day)


async def save(database: Database, user: str, day: date, record: CheckinRecord) -> None:
    """Write one check-in of any status (a partial one, a day off with its reason)."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        at = datetime.combine(day, time(18, 0)).astimezone()
        await save_checkin(session, member.id, day, record, now=at)


async def pause_through(database: Database, user: str, day: date) -> None:
    """A pause that ran through `day` (as `pause` set it back then)."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        member.paused_until = day


async def anas_six_weeks(site: Site, database: Database) -> None:
    """Ana's weeks hold every kind of day; Ben's are plainer."""
    await join(site.bot, "ana")
    await join(site.bot, "ben")
    inbox = ("demo with Acme", "inbox", "proposal for Beta")
    cleanup = ("call with Orion", "email cleanup")
    await seed(
        database,
        "ana",
        {
            d(2): (6, 70),
            d(3): (3, 30),
            d(8): (5, 60),  # a Sunday
            d(9): (6, 70, inbox),
            d(10): (7, 75, inbox),
            d(11): (6, 80, inbox),
            d(12): (8, 90, cleanup),
            d(13): (6, 65, cleanup),
            d(18): (6, 60, ("formatting slides", "demo with Beta")),
            d(19): (9, 95),
            d(20): (5, 60),
            d(23): (6, 70, ("pitch to Nimbus",)),
            d(24): (7, 80),
        },
    )
    await save(database, "ana", d(4), CheckinRecord(status="partial", conversations=4))
    await save(database, "ana", d(5), CheckinRecord(status="day_off", day_off_reason="sick"))
    await pause_through(database, "ana", d(17))
    await seed(database, "ben", {d(16): (9, 40), d(23): (9, 95), d(24): (2, 10)})


async def page_of(browser: aiohttp.ClientSession, path: str) -> str:
    """A page's HTML, unescaped."""
    async with browser.get(path) as response:
        assert response.status == 200, await response.text()
        return html_lib.unescape(await response.text())


async def my_path(browser: aiohttp.ClientSession, team_path: str) -> str:
    """The path of the signed-in member's own page, from the team page's menu."""
    found = re.search(
        r'href="(/teams/\d+/members/\d+)">My stats', await page_of(browser, team_path)
    )
    assert found is not None
    return found[1]


def calendar(html: str) -> dict[date, tuple[str, str]]:
    """The calendar's cells: date -> (kind, label)."""
    return {date.fromisoformat(day): (kind, label) for kind, day, label in CELL.findall(html)}


async def test_the_calendar_shows_each_kind_of_day_as_chat_counts_it(
    site: Site, database: Database
) -> None:
    await anas_six_weeks(site, database)
    async with site.browser() as browser:
        mine = await my_path(browser, await site.sign_in(browser, "ana"))
        page = await page_of(browser, mine)
    cells = calendar(page)
    assert min(cells) == d(19, 10) and max(cells) == d(29) and len(cells) == 42  # six weeks
    expected = {
        d(30, 10): ("before", "Before you started"),
        d(1): ("rest", "Not a workday"),
        d(2): ("met", "At minimum"),
        d(3): ("below", "Below minimum"),
        d(4): ("partial", "Partial check-in"),
        d(5): ("off", "Day off (sick)"),
        d(6): ("missed", "Missed"),
        d(7): ("rest", "Not a workday"),
        d(8): ("met", "At minimum"),  # a Sunday's check-in says what it was
        d(16): ("paused", "Paused"),
        d(17): ("paused", "Paused"),
        d(24): ("met", "At minimum"),
        d(25): ("ahead", "Not yet"),  # today, not checked in yet
        d(27): ("ahead", "Not yet"),
    }
    assert {day: cells[day] for day in expected} == expected
    assert re.search(r'class="day ahead today" data-date="2026-11-25"', page)
    legend = dict(re.findall(r'<li data-kind="(\w+)">.*?<span class="count">(\d+)</span>', page))
    assert legend["paused"] == "2" and legend["missed"] == "1" and legend["off"] == "1"

    # A check-in today turns today's cell into what chat says of it.
    await site.bot.command("log", "2 calls 20m", user="ana")
    async with site.browser() as browser:
        mine = await my_path(browser, await site.sign_in(browser, "ana"))
        today = calendar(await page_of(browser, mine))[TODAY]
    assert today in {("partial", "Partial check-in"), ("below", "Below minimum")}


async def test_my_page_and_the_team_page_say_what_chat_says(site: Site, database: Database) -> None:
    await anas_six_weeks(site, database)
    await join(site.bot, "cleo")
    await seed(database, "cleo", {d(23): (9, 95, ("inbox",)), d(24): (5, 60, ("inbox",))})
    for user in ("ana", "ben", "cleo"):
        async with site.browser() as browser:
            team_path = await site.sign_in(browser, user)
            mine = await my_path(browser, team_path)
            for period in ("week", "last week", "month", "yesterday"):
                query = "?period=" + period.replace(" ", "+")
                team = await page_of(browser, team_path + query)
                for metric, rows in boards(team).items():
                    chat = await site.bot.command("leaderboard", f"{metric} {period}", user=user)
                    assert rows == chat_rows(chat[0]), (user, period, metric)
                page = await page_of(browser, mine + query)
                stats = (await site.bot.command("stats", period, user=user))[0]
                said = {f.label: f.value for f in stats.facts}
                assert facts(page, "stats") == said, (user, period)
                year = (await site.bot.command("stats", "year", user=user))[0]
                check_focus(page, said, year.text)
                check_calendar(page, said, period)


def check_focus(page: str, said: dict[str, str], text: str) -> None:
    """The high-value share is chat's for the period; the delegation list (the last four
    weeks, whatever the period) starts with what chat names for a period reaching back
    further than that."""
    share = re.search(r'id="high-value-share">(.*?)<', page)
    assert share is not None
    if "High-value activities" in said:
        percent, of = said["High-value activities"].split(" ", 1)
        assert share[1] == percent and f"{of[1:-1]})" in page
    else:
        assert share[1].startswith("No top activities")
    delegates = DELEGATE.findall(page)
    named = re.search(r"“(.+?)” came up (\d+) times", text)
    assert (delegates[0] if delegates else None) == (named.groups() if named else None)


def check_calendar(page: str, said: dict[str, str], period: str) -> None:
    """The calendar's days of the period agree with chat's days at minimum and days off."""
    cells = calendar(page)
    start = {
        "week": d(23),
        "last week": d(16),
        "month": d(1),
        "yesterday": d(24),
    }[period]
    end = {"last week": d(22), "yesterday": d(24)}.get(period, TODAY)
    workdays = [
        kind for day, (kind, _) in cells.items() if start <= day <= end and day.weekday() < 5
    ]
    found = DAYS_AT_MINIMUM.match(said["Days at minimum"])
    met, of = (int(found[1]), int(found[2])) if found else (0, 0)
    assert workdays.count("met") == met, period
    assert sum(kind in WORKDAY_KINDS for kind in workdays) == of, period
    off = re.match(r"\d+", said.get("Days off", "0"))
    assert off is not None and workdays.count("off") == int(off[0]), period


async def test_the_delegation_list_is_what_keeps_coming_back(
    site: Site, database: Database
) -> None:
    await anas_six_weeks(site, database)
    async with site.browser() as browser:
        page = await page_of(browser, await my_path(browser, await site.sign_in(browser, "ana")))
    # "inbox" three times and "email cleanup" twice in four weeks; "formatting slides" once.
    assert DELEGATE.findall(page) == [("inbox", "3"), ("email cleanup", "2")]
    assert classify("formatting slides") == "low"
    stats = (await site.bot.command("stats", "month", user="ana"))[0]
    assert "“inbox” came up 3 times in the last four weeks" in stats.text


# --- the settings form -----------------------------------------------------------------


async def signed_in_form(
    site: Site, browser: aiohttp.ClientSession, user: str, *, admin: bool = False
) -> tuple[str, str]:
    """Sign `user` in; their page's path and the form token on it."""
    mine = await my_path(browser, await site.sign_in(browser, user, admin=admin))
    token = TOKEN.search(await page_of(browser, mine))
    assert token is not None
    return mine, token[1]


async def post(
    site: Site,
    browser: aiohttp.ClientSession,
    path: str,
    form: dict[str, str],
    *,
    origin: str | None = None,
) -> tuple[int, str]:
    """POST the settings form as the page does (from the page's own origin unless told)."""
    headers = {"Origin": origin if origin is not None else site.url}
    async with browser.post(path + "/settings", data=form, headers=headers) as response:
        return response.status, html_lib.unescape(await response.text())


async def settings_in_chat(site: Site, user: str) -> list[str]:
    """What chat says of `user`'s schedule, goals and ranking."""
    said = []
    for command in ("schedule", "goal", "ranking"):
        said.append((await site.bot.command(command, "", user=user))[0].text)
    return said


async def test_the_form_changes_settings_as_chat_does(site: Site, database: Database) -> None:
    await join(site.bot, "ana")
    await join(site.bot, "ben")
    async with site.browser() as browser:
        mine, token = await signed_in_form(site, browser, "ana")
        fields = {
            "csrf": token,
            "do": "save",
            "goal_calls": "8",
            "goal_minutes": "60",
            "schedule": "09:15 mon-thu",
            "timezone": "UTC",
        }
        status, page = await post(site, browser, mine, fields)
    assert status == 200
    # Ben does the same in chat's own settings form: the same words come back.
    values = {k: v for k, v in fields.items() if k not in ("csrf", "do")}
    chat = await site.bot.push(
        Incoming(site.bot.address("ben"), IncomingKind.FORM, action=FormId.SETTINGS, values=values)
    )
    assert chat[0].title == "Settings saved"
    for line in chat[0].text.splitlines():
        assert f"<p>{line}</p>" in page
    assert 'id="settings-result"' in page and "Settings saved" in page
    ana, ben = await settings_in_chat(site, "ana"), await settings_in_chat(site, "ben")
    assert ana == ben and "09:15" in ana[0] and "8 conversations (your goal)" in ana[1]
    assert 'id="f-schedule" name="schedule" value="09:15 ' in page


async def test_the_form_shows_chats_refusal_and_changes_nothing(
    site: Site, database: Database
) -> None:
    await join(site.bot, "ana")
    before = await settings_in_chat(site, "ana")
    async with site.browser() as browser:
        mine, token = await signed_in_form(site, browser, "ana")
        form = {"csrf": token, "do": "save", "goal_calls": "2", "schedule": "25:99"}
        status, page = await post(site, browser, mine, form)
    assert status == 200
    refused = (await site.bot.command("goal", "calls 2", user="ana"))[0].text
    assert 'aria-invalid="true"' in page and refused in page and "Not saved" in page
    assert await settings_in_chat(site, "ana") == before


async def test_the_switches_run_chats_commands(site: Site, database: Database) -> None:
    await join(site.bot, "ana")
    async with site.browser() as browser:
        mine, token = await signed_in_form(site, browser, "ana")
        status, page = await post(site, browser, mine, {"csrf": token, "do": "prompts_off"})
        assert status == 200 and 'id="prompts">off<' in page
        assert "Prompts off: no check-in prompts" in page
        assert "Prompts are off" in (await site.bot.command("schedule", "", user="ana"))[0].text
        status, page = await post(
            site, browser, mine, {"csrf": token, "do": "pause", "pause_until": "2026-12-01"}
        )
        assert status == 200 and "Paused through Tue 1 Dec" in page
        assert 'id="paused">Tue 1 Dec<' in page
        status, page = await post(site, browser, mine, {"csrf": token, "do": "resume"})
        assert "Welcome back!" in page and 'id="pause-until"' in page
        status, page = await post(site, browser, mine, {"csrf": token, "do": "ranking_off"})
        assert 'id="ranking">hidden<' in page
        assert "hidden from" in (await site.bot.command("ranking", "", user="ana"))[0].text
        status, page = await post(
            site, browser, mine, {"csrf": token, "do": "pause", "pause_until": "someday"}
        )
        assert status == 200 and "Not saved" in page


async def test_a_post_without_this_sessions_token_or_origin_is_refused(
    site: Site, database: Database
) -> None:
    await join(site.bot, "ana")
    await join(site.bot, "ben")
    before = await settings_in_chat(site, "ana")
    change = {"do": "save", "goal_calls": "9", "schedule": "07:00"}
    async with site.browser() as ben_browser:
        _, bens_token = await signed_in_form(site, ben_browser, "ben")
    async with site.browser() as browser:
        mine, token = await signed_in_form(site, browser, "ana")
        for form, origin in (
            (change, None),  # no token
            (change | {"csrf": "0" * 64}, None),  # a made-up one
            (change | {"csrf": bens_token}, None),  # another session's
            (change | {"csrf": token}, "https://evil.example"),  # right token, wrong origin
            (change | {"csrf": token}, "null"),
        ):
            status, page = await post(site, browser, mine, form, origin=origin)
            assert status == 403, form
            assert "This form has expired" in page and "Nothing was changed" in page
        # An older session's token is no good once that session ended.
        async with browser.post("/signout"):
            pass
        mine, fresh = await signed_in_form(site, browser, "ana")
        assert fresh != token
        status, _ = await post(site, browser, mine, change | {"csrf": token})
        assert status == 403
    async with site.browser() as stranger:
        status, _ = await post(site, stranger, mine, change | {"csrf": token})
        assert status == 401
    assert await settings_in_chat(site, "ana") == before


async def leads_view_of_ana(site: Site, browser: aiohttp.ClientSession) -> tuple[str, str]:
    """Sign the team's lead in; the path of Ana's page (from the team page) and the lead's
    form token."""
    lead_page, token = await signed_in_form(site, browser, "lead", admin=True)
    team = await page_of(browser, lead_page.rsplit("/members/", 1)[0])
    ana = re.search(r'data-member="(\d+)">\s*<td class="rank">\d+</td>\s*<th scope="row">Ana', team)
    assert ana is not None
    return f"{lead_page.rsplit('/', 1)[0]}/{ana[1]}", token


async def test_nobody_changes_another_members_settings(site: Site, database: Database) -> None:
    await a_team(site, database)
    before = await settings_in_chat(site, "ana")
    async with site.browser() as browser:
        anas_page, token = await leads_view_of_ana(site, browser)
        theirs = await page_of(browser, anas_page)
        assert 'id="calendar"' in theirs and 'id="settings"' not in theirs
        status, page = await post(
            site, browser, anas_page, {"csrf": token, "do": "save", "goal_calls": "9"}
        )
        assert status == 403 and "Not your settings" in page
    assert await settings_in_chat(site, "ana") == before


async def test_a_lead_sees_a_members_days_from_when_they_joined(
    site: Site, database: Database
) -> None:
    await join(site.bot, "lead", admin=True)
    await join(site.bot, "ana")
    await seed(database, "ana", {d(23): (6, 70), d(24): (2, 20)})
    async with site.browser() as browser:
        anas_page, _ = await leads_view_of_ana(site, browser)
        theirs = await page_of(browser, anas_page)
    asked = await site.bot.command("stats", "week", user="lead", is_admin=True, mentions=("ana",))
    chat = asked[0]
    assert facts(theirs, "stats") == {f.label: f.value for f in chat.facts}
    cells = calendar(theirs)
    assert cells[d(23)] == ("met", "At minimum") and cells[d(24)] == ("below", "Below minimum")
    assert cells[d(20)][0] == "before"


async def test_the_demo_fills_every_panel(site: Site, database: Database) -> None:
    await seed_demo(database, site.clock)
    console = MemoryAdapter(site.bot.engine, platform=DEMO_PLATFORM, team_id=DEMO_TEAM)
    replies = await console.say("dashboard", user=user_id_for(ADMIN), name=ADMIN, is_admin=True)
    found = LINK.search(replies[0].text)
    assert found is not None
    async with site.browser() as browser:
        async with browser.get(urlsplit(found[0]).path, allow_redirects=False) as response:
            team_path = response.headers["Location"]
        team = await page_of(browser, team_path)
        mine = await page_of(browser, await my_path(browser, team_path))
    # The team page: every board ranks someone, streak leaders, and the lead's roll call
    # with members checked in and members not yet.
    assert all(len(rows) == 8 for rows in boards(team).values())
    assert len(re.findall(r'<li data-member="\d+"><span class="rank">', team)) >= 1
    today = team[team.index('id="team-today"') :]
    assert "<h3>Checked in</h3>" in today and "<h3>Not yet</h3>" in today
    # My page: a trend against the previous week, several kinds of day, the share, the list.
    assert (
        "▲" in facts(mine, "stats")["Conversations"] or "▼" in facts(mine, "stats")["Conversations"]
    )
    kinds = {kind for kind, _ in calendar(mine).values()}
    assert {"met", "below", "partial", "off", "paused", "missed", "rest", "ahead"} <= kinds
    assert "Day off (sick)" in mine and "Day off (vacation)" in mine
    assert re.search(r'id="high-value-share">\d+%<', mine)
    assert len(DELEGATE.findall(mine)) >= 2
    assert 'src="data:image/svg+xml;base64,' in mine
