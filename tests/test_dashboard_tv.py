"""The TV page follows check-ins made by another Needle process on the same database.

Instance A is the engine behind chat (the `bot` fixture); instance B is a second dashboard
with a database handle of its own on the same SQLite file or PostgreSQL database, serving the
TV page on 127.0.0.1. A screen on B waits on its stamp as `static/tv.js` does; a check-in
through A's engine must answer it within the poll, and B's page then shows the new numbers.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.web.dashboard import Dashboard
from adapters.web.server import WebServer
from bot.clock import FakeClock
from bot.config import Settings
from bot.messages import ReplyKind
from bot.storage.db import Database
from tests.dashboard_harness import Site, site
from tests.stats_helpers import join, seed
from tests.test_dashboard_http import WED

__all__ = ["site"]

TV_ROW = re.compile(
    r'<li><span class="rank">(\d+)</span><span class="name">(.*?)</span>'
    r'<span class="value">(.*?)</span></li>'
)


def tv_rows(html: str) -> list[tuple[int, str, str]]:
    """The TV page's leaderboard: (rank, name, value) rows."""
    return [(int(rank), name, value) for rank, name, value in TV_ROW.findall(html)]


async def tv_of_a_team(site: Site, database: Database) -> str:
    """A team of `lead` (admin, nothing logged) and `ana` (6 conversations on Wednesday): the
    path of the TV link `lead` makes."""
    await join(site.bot, "lead", admin=True)
    await join(site.bot, "ana")
    await seed(database, "ana", {WED: (6, 70)})
    return await site.link("lead", "tv", admin=True)


@pytest.fixture
async def other_instance(
    database_url: str, settings: Settings, clock: FakeClock
) -> AsyncIterator[str]:
    """A second Needle process's dashboard (its own database handle and web server): its
    address."""
    database = Database(database_url)
    server = WebServer("127.0.0.1", 0)
    Dashboard(database, settings, clock).mount(server)
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()
        await database.dispose()


@pytest.mark.both_databases
async def test_a_check_in_on_one_instance_reaches_a_tv_served_by_another(
    site: Site, other_instance: str, database: Database
) -> None:
    tv = await tv_of_a_team(site, database)
    async with aiohttp.ClientSession(base_url=other_instance) as screen:
        async with screen.get(tv) as response:
            assert response.status == 200
            assert tv_rows(await response.text()) == [(1, "Ana", "6"), (2, "Lead", "0")]
        async with screen.get(tv + "/stamp") as response:
            before = (await response.json())["stamp"]

        async def wait_for_change() -> tuple[dict[str, str], float]:
            async with screen.get(tv + "/stamp", params={"since": before}) as response:
                assert response.status == 200
                return await response.json(), time.perf_counter()

        waiting = asyncio.create_task(wait_for_change())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # nothing changed: the screen's question is held
        replies = await site.bot.say("9 calls, 80 min; demo with Acme; proposal for Beta", "lead")
        assert replies[0].kind == ReplyKind.SUMMARY
        committed = time.perf_counter()
        answer, answered = await asyncio.wait_for(waiting, timeout=10)
        assert answer["stamp"] != before
        assert answered - committed < 3.0  # within the poll, not the 25 s hold
        assert tv_rows(answer["board"]) == [(1, "Lead", "9"), (2, "Ana", "6")]
        async with screen.get(tv) as response:
            assert tv_rows(await response.text()) == [(1, "Lead", "9"), (2, "Ana", "6")]


async def test_a_held_stamp_answers_unchanged_when_nothing_happens(
    site: Site, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.web.dashboard.TV_WAIT", 1.5)
    await join(site.bot, "lead", admin=True)
    tv = await site.link("lead", "tv", admin=True)
    async with site.browser() as screen:
        async with screen.get(tv + "/stamp") as response:
            before = (await response.json())["stamp"]
        started = time.perf_counter()
        async with screen.get(tv + "/stamp", params={"since": before}) as response:
            assert await response.json() == {"stamp": before}  # unchanged: no board sent
        assert 1.4 <= time.perf_counter() - started < 5
        async with screen.get(tv + "/stamp", params={"since": "an old stamp"}) as response:
            answer = await response.json()
        assert answer["stamp"] == before and "Lead" in answer["board"]  # answered at once
