"""The dashboard behind Needle's web server on 127.0.0.1, next to the engine its links come
from: sign in with a link `dashboard` sent in chat, then read pages as a browser would."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
import pytest

from adapters.memory import MemoryAdapter
from adapters.web.dashboard import Dashboard
from adapters.web.server import WebServer
from bot.clock import FakeClock
from bot.config import Settings
from bot.storage.db import Database

LINK = re.compile(r"https?://\S+/(?:signin|tv)/\S+")
# One leaderboard row in the page: rank, name (maybe marked as you), the value as shown.
ROW = re.compile(
    r'<td class="rank">(\d+)</td>\s*<th scope="row">(.*?)(?: <span class="tag">you</span>)?'
    r'</th>\s*<td class="value">(.*?)</td>',
    re.S,
)
BOARD = re.compile(r'<table class="board" data-metric="(\w+)">(.*?)</table>', re.S)
FACT = re.compile(r"<dt>(.*?)</dt><dd>(.*?)</dd>", re.S)


@dataclass
class Site:
    """The running dashboard: its address, and the engine behind chat."""

    server: WebServer
    bot: MemoryAdapter
    clock: FakeClock
    dashboard: Dashboard

    @property
    def url(self) -> str:
        """The server's address."""
        return f"http://127.0.0.1:{self.server.port}"

    async def link(
        self, user: str, args: str = "", *, admin: bool = False, team_id: str | None = None
    ) -> str:
        """The path of the link `dashboard [args]` sends `user` in chat."""
        replies = await self.bot.command(
            "dashboard", args, user=user, is_admin=admin, team_id=team_id
        )
        found = LINK.search(replies[0].text)
        assert found is not None, replies[0].text
        return urlsplit(found[0]).path

    def browser(self) -> aiohttp.ClientSession:
        """A client with its own cookie jar, like one person's browser."""
        return aiohttp.ClientSession(base_url=self.url, cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def sign_in(
        self,
        browser: aiohttp.ClientSession,
        user: str,
        *,
        admin: bool = False,
        team_id: str | None = None,
    ) -> str:
        """Open a fresh link from chat in `browser`; the team page's path it lands on."""
        link = await self.link(user, admin=admin, team_id=team_id)
        async with browser.get(link, allow_redirects=False) as r:
            assert r.status == 303, await r.text()
            return r.headers["Location"]


def boards(html: str) -> dict[str, list[tuple[int, str, str]]]:
    """Each leaderboard on the team page, by metric: (rank, name, value) rows."""
    return {
        metric: [(int(rank), name, value) for rank, name, value in ROW.findall(body)]
        for metric, body in BOARD.findall(html)
    }


def facts(html: str, section_id: str) -> dict[str, str]:
    """The facts (label: value) in the page's section with `section_id`."""
    start = html.index(f'id="{section_id}"')
    end = html.index("</dl>", start)
    return dict(FACT.findall(html[start:end]))


@pytest.fixture
async def site(
    database: Database, settings: Settings, clock: FakeClock, bot: MemoryAdapter
) -> AsyncIterator[Site]:
    """The dashboard served on a free port over the test's database and clock."""
    server = WebServer("127.0.0.1", 0)
    dashboard = Dashboard(database, settings, clock, engine=bot.engine)
    dashboard.mount(server)
    await server.start()
    try:
        yield Site(server, bot, clock, dashboard)
    finally:
        await server.stop()
