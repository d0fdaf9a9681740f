"""The dashboard's returns panels over HTTP: My page and (for the lead) the team page show the
lines `returns` and `returns team` give in chat; a member's team page has no team panel."""

from __future__ import annotations

import html as html_lib
import re

from bot.messages import Reply
from bot.storage.db import Database
from tests.dashboard_harness import Site, site
from tests.returns_history import ana_and_ben

__all__ = ["site"]

PANEL = re.compile(
    r'<section class="card" aria-labelledby="returns-h" id="returns">(.*?)</section>', re.S
)
PARAGRAPH = re.compile(r"<(h2|p)( class=\"roll\")?[^>]*>(.*?)</\1>", re.S)


def panel_lines(page: str) -> list[str]:
    """The returns panel's title and lines, as chat writes them (bullets back on)."""
    found = PANEL.search(page)
    assert found is not None, "no returns panel"
    return [
        ("• " if roll else "") + html_lib.unescape(text)
        for _, roll, text in PARAGRAPH.findall(found[1])
    ]


def chat_lines(reply: Reply) -> list[str]:
    """The title and the non-empty lines of a chat reply."""
    return [reply.title or "", *(line for line in reply.text.splitlines() if line)]


async def test_my_page_and_the_leads_team_page_show_what_returns_says(
    site: Site, database: Database
) -> None:
    await ana_and_ben(site.bot, database, lead=True)
    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "ana")
        async with browser.get(team_path) as response:
            team_page = await response.text()
        member_path = re.search(r'href="(/teams/\d+/members/\d+)">My stats', team_page)
        assert member_path is not None
        async with browser.get(member_path[1]) as response:
            assert response.status == 200
            mine = await response.text()
    assert 'id="returns"' not in team_page  # the team's returns are for its leads
    chat = (await site.bot.command("returns", user="ana"))[0]
    assert panel_lines(mine) == chat_lines(chat)
    assert any(line.startswith("• After “demo calls”: 4 of 7 days") for line in panel_lines(mine))

    async with site.browser() as browser:
        team_path = await site.sign_in(browser, "lead", admin=True)
        async with browser.get(team_path) as response:
            lead_page = await response.text()
    team_chat = (await site.bot.command("returns", "team", user="lead", is_admin=True))[0]
    assert panel_lines(lead_page) == chat_lines(team_chat)
