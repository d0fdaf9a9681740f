"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

A member signs in through the link `dashboard` sends in chat, reads the leaderboard and their
own page; the numbers are chat's. On the demo team's data, My page shows every kind of day,
and a setting changed through its form is what chat then says. Screenshots go to
test-artifacts/screenshots/. Skipped when Chromium is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapters.console import user_id_for
from adapters.memory import MemoryAdapter
from bot.demo import ADMIN, DEMO_PLATFORM, DEMO_TEAM
from bot.demo import seed as seed_demo
from bot.storage.db import Database
from tests.dashboard_harness import LINK, Site, site
from tests.stats_helpers import join, seed
from tests.test_dashboard_http import chat_rows
from tests.test_dashboard_tv import tv_of_a_team

__all__ = ["site"]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MON, TUE, WED = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium from Debian's packages (Playwright never downloads a browser)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def test_sign_in_from_chat_and_read_the_leaderboard(
    site: Site, database: Database, browser: Any
) -> None:
    await join(site.bot, "lead", admin=True)
    for user in ("ana", "ben", "cleo"):
        await join(site.bot, user)
    await seed(database, "ana", {MON: (6, 70), TUE: (7, 80), WED: (5, 60)})
    await seed(database, "ben", {MON: (9, 40), TUE: (4, 95)})
    await seed(database, "cleo", {MON: (8, 65), TUE: (5, 61), WED: (5, 60)})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    await page.goto(site.url + await site.link("ana"))
    await page.wait_for_selector("table.board")
    await page.screenshot(path=str(SCREENSHOTS / "team.png"), full_page=True)

    rows = page.locator('table.board[data-metric="calls"] tbody tr')
    shown = []
    for i in range(await rows.count()):
        row = rows.nth(i)
        name = (await row.locator("th").inner_text()).removesuffix("you").strip()
        shown.append(
            (
                int(await row.locator("td.rank").inner_text()),
                name,
                await row.locator("td.value").inner_text(),
            )
        )
    chat = (await site.bot.command("leaderboard", "calls week", user="ana"))[0]
    assert shown == chat_rows(chat)
    assert shown[0] == (1, "Ana", "18") and shown[1] == (1, "Cleo", "18")

    # Keyboard: the period picker is labelled and reachable; last week has nothing logged.
    await page.get_by_label("Period").select_option("last week")
    await page.get_by_role("button", name="Show").press("Enter")
    await page.wait_for_url("**period=last+week")
    assert "Nothing logged last week" in await page.locator("table.board").first.inner_text()

    await page.get_by_role("link", name="My stats").click()
    await page.wait_for_selector("#stats")
    stats = (await site.bot.command("stats", "week", user="ana"))[0]
    for fact in stats.facts:
        assert fact.value in await page.locator("#stats").inner_text()
    assert await page.locator(".chart img").evaluate("img => img.naturalWidth") > 0
    await page.screenshot(path=str(SCREENSHOTS / "member.png"), full_page=True)

    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    await phone.goto(site.url + await site.link("ben"))
    await phone.wait_for_selector("table.board")
    await phone.screenshot(path=str(SCREENSHOTS / "team-phone.png"), full_page=True)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing runs off a phone's screen

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_selector("text=Signed out")
    await page.go_back()
    await page.reload()
    assert "Please sign in" in await page.content()


async def test_my_page_calendar_and_settings_form_in_chromium(
    site: Site, database: Database, browser: Any
) -> None:
    """The demo team's Ana reads her page, changes her check-in time through the form, and
    the page fits a desktop and a phone; screenshots of each."""
    await seed_demo(database, site.clock)
    console = MemoryAdapter(site.bot.engine, platform=DEMO_PLATFORM, team_id=DEMO_TEAM)
    ana = user_id_for(ADMIN)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    await page.goto(site.url + await link_of(console, ana))
    await page.wait_for_selector("table.board")
    await page.screenshot(path=str(SCREENSHOTS / "demo-team.png"), full_page=True)
    await page.get_by_role("link", name="My stats").click()
    await page.wait_for_selector("#calendar")
    kinds = set(
        await page.locator("table.calendar td").evaluate_all(
            "tds => tds.map(td => td.dataset.kind)"
        )
    )
    assert {"met", "below", "partial", "off", "paused", "missed", "rest", "ahead"} <= kinds
    assert await page.locator("#delegates li").count() >= 2
    assert "%" in await page.locator("#high-value-share").inner_text()
    await page.screenshot(path=str(SCREENSHOTS / "my-page.png"), full_page=True)

    # Keyboard and labels: the form's fields are found by their labels, as chat names them.
    await page.get_by_label("Check-in time and days").fill("08:45 mon-fri")
    await page.get_by_role("button", name="Save settings").press("Enter")
    await page.wait_for_selector("#settings-result")
    said = await page.locator("#settings-result").inner_text()
    assert "Done: your check-in comes at 08:45" in said
    chat = await console.say("schedule", user=ana, name=ADMIN, is_admin=True)
    assert "08:45" in chat[0].text
    assert await page.get_by_label("Check-in time and days").input_value() == "08:45 Mon-Fri"
    await page.get_by_role("button", name="Turn prompts off").click()
    await page.wait_for_selector("#prompts >> text=off")
    await page.locator("#settings").scroll_into_view_if_needed()
    await page.screenshot(path=str(SCREENSHOTS / "my-page-saved.png"), full_page=True)

    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    await phone.goto(site.url + await link_of(console, ana))
    await phone.get_by_role("link", name="My stats").click()
    await phone.wait_for_selector("#calendar")
    await phone.screenshot(path=str(SCREENSHOTS / "my-page-phone.png"), full_page=True)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # the calendar and the form fit a phone's screen


async def link_of(console: MemoryAdapter, user: str) -> str:
    """The path of the sign-in link `dashboard` sends the demo's admin in chat."""
    replies = await console.say("dashboard", user=user, name=ADMIN, is_admin=True)
    found = LINK.search(replies[0].text)
    assert found is not None, replies[0].text
    return urlsplit(found[0]).path


async def test_the_tv_page_follows_a_check_in(site: Site, database: Database, browser: Any) -> None:
    tv = await tv_of_a_team(site, database)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = await browser.new_page(viewport={"width": 1280, "height": 720})
    await page.goto(site.url + tv)
    first = page.locator(".tv-board li").first
    assert "Ana" in await first.inner_text()
    await page.wait_for_timeout(500)  # tv.js has asked for the next change
    replies = await site.bot.say("9 calls, 80 min; demo with Acme; proposal for Beta", "lead")
    assert replies[0].kind == "summary"
    # The screen's held question is answered within the second's poll with the new board.
    await page.wait_for_function(
        "document.querySelector('.tv-board li .name').textContent === 'Lead'", timeout=5000
    )
    assert "9" in await first.locator(".value").inner_text()
    await page.screenshot(path=str(SCREENSHOTS / "tv.png"))
