"""Benchmark: the dashboard's pages on a team of 1,000 with two years of check-ins.

Reuses the database `bench/leaderboard.py` builds (one team of `--members` members, a
check-in on every workday of `--years` years), serves the dashboard on 127.0.0.1 through
Needle's own web server, signs in through a link `dashboard` sent in chat (as the team's
admin, who also sees the `team today` roll call) and times:

1. Each page's server time (from the request reaching aiohttp to its response being ready) —
   the team page for every period its picker offers, the member page (this week and all
   time), the TV page and the TV stamp — median and p95 over `--runs` requests, next to the
   floor: the very SQL statements the page ran (recorded from one request), executed directly
   through the same driver in one transaction, as many times. Targets: p95 ≤ 50 ms and
   ≤ 1.5× the floor's p95. Then the lead's team page (this week) viewed right after another
   member checks in through the engine (what a lead sees while the team is at work: that
   member's numbers are read again), and its first view after a start (nothing kept yet),
   each against the statements that very request ran.
2. `--screens` TV pages open at once, each waiting on its stamp as `static/tv.js` does; then a
   check-in through the engine: the time from its commit until every screen has fetched the
   updated board (the stamp's answer brings it; median, p95, max), and the server process's
   memory (RSS before and after, tracemalloc's peak during the wave).

    python bench/dashboard.py [--members 1000] [--years 2] [--runs 30] [--screens 200]
                              [--database PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from leaderboard import (
    ASKER,
    NOW,
    PLATFORM,
    TEAM,
    close_bench_database,
    open_bench_database,
    percentile,
)
from sqlalchemy import event, text

from adapters.memory import MemoryAdapter
from adapters.web.dashboard import Dashboard
from adapters.web.server import WebServer
from adapters.web.views import PERIOD_CHOICES
from bot.cli import keep_what_started
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.messages import ReplyKind
from bot.storage.db import Database

TARGET_MS, TARGET_RATIO = 50.0, 1.5
WAVE_TARGET_S = 2.0
LINK = re.compile(r"https?://\S+/(?:signin|tv)/\S+")


@dataclass
class Recorder:
    """The SQL statements the database runs while `on` (BEGIN excluded), and the server time
    of each request the dashboard answers."""

    on: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)
    served_ms: list[float] = field(default_factory=list)

    def watch(self, database: Database) -> None:
        """Listen to every statement sent through the database's engine."""

        @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
        def _seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if self.on and not statement.lstrip().upper().startswith("BEGIN"):
                self.statements.append((statement, parameters))

    @web.middleware
    async def timing(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Time the handler (the page's work, rendering included)."""
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            self.served_ms.append((time.perf_counter() - started) * 1000)


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux /proc; else the peak so far)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(label: str, page: list[float], floor: list[float], statements: int) -> str:
    """One line of the table: the page's and the floor's median and p95, and the verdict."""
    med, p95 = statistics.median(page), percentile(page, 95)
    fmed, fp95 = statistics.median(floor), percentile(floor, 95)
    ratio = p95 / fp95 if fp95 else float("inf")
    verdict = "ok" if p95 <= TARGET_MS and ratio <= TARGET_RATIO else "MISS"
    return (
        f"{label:<26} {med:8.1f} {p95:8.1f}   {fmed:8.1f} {fp95:8.1f} {statements:5d}"
        f"   {ratio:5.2f}×  {verdict}"
    )


async def page_times(
    database: Database,
    recorder: Recorder,
    fetch: Callable[[], Awaitable[None]],
    runs: int,
) -> tuple[list[float], list[float], int]:
    """Server times of `runs` requests of one page and of its SQL floor, taking turns."""
    for _ in range(3):
        await fetch()
    recorder.statements.clear()
    recorder.on = True
    await fetch()
    recorder.on = False
    statements = list(recorder.statements)

    page_ms: list[float] = []
    floor_ms: list[float] = []
    for _ in range(runs):
        recorder.served_ms.clear()
        await fetch()
        page_ms.append(recorder.served_ms[-1])
        floor_ms.append(await floor_of(database, statements))
    return page_ms, floor_ms, len(statements)


async def floor_of(database: Database, statements: list[tuple[str, Any]]) -> float:
    """The time of `statements` run directly, in one transaction, in ms."""
    started = time.perf_counter()
    async with database.engine.connect() as conn, conn.begin():
        for statement, parameters in statements:
            result = await conn.exec_driver_sql(statement, parameters)
            if result.returns_rows:
                result.fetchall()
    return (time.perf_counter() - started) * 1000


async def changing_times(
    database: Database,
    recorder: Recorder,
    fetch: Callable[[], Awaitable[None]],
    change: Callable[[int], Awaitable[None]],
    runs: int,
) -> tuple[list[float], list[float]]:
    """Server times of a page fetched right after each `change(run)`, and of the statements
    that very request ran (its floor)."""
    page_ms: list[float] = []
    floor_ms: list[float] = []
    for run in range(runs):
        await change(run)
        recorder.statements.clear()
        recorder.served_ms.clear()
        recorder.on = True
        await fetch()
        recorder.on = False
        page_ms.append(recorder.served_ms[-1])
        floor_ms.append(await floor_of(database, list(recorder.statements)))
    return page_ms, floor_ms


async def while_checking_in(
    database: Database,
    recorder: Recorder,
    client: aiohttp.ClientSession,
    dashboard: Dashboard,
    chat: MemoryAdapter,
    members: list[tuple[str, str]],
    runs: int,
) -> list[str]:
    """Part 1b: the lead's team page (this week) as the team is used: viewed right after
    another member checks in through the engine (one member's numbers read again), and the
    first view after a start (nothing kept yet)."""
    path = "/teams/1?period=week"

    async def fetch() -> None:
        async with client.get(path) as response:
            assert response.status == 200, (path, response.status)
            await response.read()

    async def check_in(run: int) -> None:
        user, name = members[run]
        replies = await chat.say("7 calls, 70 min; demo with Acme", user, name=name)
        if replies[0].kind == ReplyKind.QUESTION:  # the team tracks wins: none today
            await chat.say("0", user, name=name)

    async def start_afresh(run: int) -> None:
        dashboard.memo.forget()

    lines = []
    for label, change, count in (
        ("team: this week, after a check-in", check_in, runs),
        ("team: this week, first view", start_afresh, min(runs, 3)),
    ):
        page_ms, floor_ms = await changing_times(database, recorder, fetch, change, count)
        lines.append(summary(label, page_ms, floor_ms, len(recorder.statements)))
        print(lines[-1], flush=True)
    return lines


async def pages(
    database: Database, recorder: Recorder, client: aiohttp.ClientSession, tv: str, runs: int
) -> list[str]:
    """Part 1: every page against its floor."""
    team, member = "/teams/1", "/teams/1/members/1"
    wanted: list[tuple[str, str]] = [
        (f"team: {label.lower()}", f"{team}?period={value}") for value, label in PERIOD_CHOICES
    ]
    wanted += [
        ("member: this week", f"{member}?period=week"),
        ("member: all time", f"{member}?period=all"),
        ("tv page", tv),
        ("tv stamp", tv + "/stamp"),
    ]
    lines = []
    for label, path in wanted:

        async def fetch(path: str = path) -> None:
            async with client.get(path) as response:
                assert response.status == 200, (path, response.status, await response.text())
                await response.read()

        page_ms, floor_ms, statements = await page_times(database, recorder, fetch, runs)
        lines.append(summary(label, page_ms, floor_ms, statements))
        print(lines[-1], flush=True)
    return lines


async def wave(
    url: str,
    tv: str,
    chat: MemoryAdapter,
    clock: FakeClock,
    screens: int,
    who: tuple[str, str],
    waiting: Callable[[], int],
) -> dict[str, float]:
    """Part 2: `screens` TV pages wait on their stamp; `who` (external id, name) checks in;
    when each screen has the new board."""
    user, name = who
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as client:

        async def stamp_now() -> str:
            async with client.get(tv + "/stamp") as response:
                return str((await response.json())["stamp"])

        first = await stamp_now()
        reloaded: list[float] = []
        boards: list[str] = []
        committed = asyncio.get_running_loop().create_future()

        async def screen() -> None:
            async with client.get(tv) as response:
                assert response.status == 200
                await response.read()
            seen, board = first, ""
            while seen == first:  # as static/tv.js asks
                async with client.get(tv + "/stamp", params={"since": seen}) as response:
                    body = await response.json()
                seen, board = str(body["stamp"]), str(body.get("board", ""))
            reloaded.append(time.perf_counter() - await committed)
            boards.append(board)

        opened = time.perf_counter()
        tasks = [asyncio.create_task(screen()) for _ in range(screens)]
        for _ in range(int(600 / 0.05)):  # until every screen is open and waiting on its stamp
            if waiting() >= screens:
                break
            await asyncio.sleep(0.05)
        opened = time.perf_counter() - opened
        await asyncio.sleep(1.0)
        rss_before = rss_mb()
        tracemalloc.start()
        clock.advance(timedelta(minutes=1))
        replies = await chat.say(
            "60 calls, 300 min; demo with Acme; proposal for Beta", user, name=name
        )
        if replies[0].kind == ReplyKind.QUESTION:  # the team tracks wins: none today
            replies = await chat.say("0", user, name=name)
        committed.set_result(time.perf_counter())
        assert replies[0].kind == ReplyKind.SUMMARY, replies[0].text
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
        # Every screen shows the board as it is after the check-in (with its author on it,
        # unless a database reused over many runs holds ten bigger weeks).
        async with client.get(tv + "/stamp", params={"since": first}) as response:
            after = str((await response.json())["board"])
        assert set(boards) == {after}, (set(boards), after)
        print(f"the check-in's author is on the board: {'yes' if name in after else 'no'}")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "opened": opened,
            "median": statistics.median(reloaded),
            "p95": percentile(reloaded, 95),
            "max": max(reloaded),
            "rss_before": rss_before,
            "rss_after": rss_mb(),
            "traced_peak": peak / 2**20,
        }


async def main() -> int:
    """Build (or reuse) the database, serve the dashboard, time it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--screens", type=int, default=200)
    parser.add_argument("--database", type=Path, default=None)
    parser.add_argument("--only", choices=("pages", "screens"), default=None)
    args = parser.parse_args()

    folder, path, database = await open_bench_database(args.database, args.members, args.years)
    async with database.transaction() as session:
        count = await session.scalar(text("SELECT COUNT(*) FROM checkins"))
        # The wave's check-in is someone's first of the day (a reused database keeps earlier
        # runs' check-ins).
        not_yet = (
            await session.execute(
                text(
                    "SELECT external_id, display_name FROM members WHERE id NOT IN "
                    "(SELECT member_id FROM checkins WHERE local_date = :today) ORDER BY id"
                ),
                {"today": NOW.date()},
            )
        ).all()
    # The wave's check-in is the first of them; part 1b's come from the end of the list.
    assert len(not_yet) > args.runs, "too many checked in today already: rebuild the database"
    who, busy = not_yet[0], [(str(u), str(n)) for u, n in reversed(not_yet[1:])]
    print(f"database: {count:,} check-ins, {args.members:,} members; now is {NOW:%a %Y-%m-%d}")

    clock = FakeClock(NOW)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}")
    engine = Engine(database, settings, clock, router=build_router())
    chat = MemoryAdapter(engine, platform=PLATFORM, team_id=TEAM)
    recorder = Recorder()
    recorder.watch(database)
    server = WebServer("127.0.0.1", 0)
    server.app.middlewares.append(recorder.timing)
    dashboard = Dashboard(database, settings, clock)
    dashboard.mount(server)
    await server.start()
    keep_what_started()  # as `needle run` does once it has started
    url = f"http://127.0.0.1:{server.port}"

    async def link(words: str) -> str:
        replies = await chat.command("dashboard", words, user=ASKER, is_admin=True)
        found = LINK.search(replies[0].text)
        assert found is not None, replies[0].text
        return urlsplit(found[0]).path

    signin, tv = await link(""), await link("tv")
    if args.only != "screens":
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base_url=url, cookie_jar=jar) as client:
            async with client.get(signin) as response:
                assert response.status == 200, await response.text()
            print(
                f"\n{args.runs} requests per page (after 3 warm-ups), server time in ms, next"
                " to its SQL floor\n(the page's own statements run directly, in one"
                " transaction):\n"
            )
            print(
                f"{'page':<26} {'median':>8} {'p95':>8}   {'floor':>8} {'fl. p95':>8}"
                f" {'stmts':>5}   {'ratio':>6}"
            )
            await pages(database, recorder, client, tv, args.runs)
            print("\nThe lead's team page while the team is at work:\n")
            await while_checking_in(database, recorder, client, dashboard, chat, busy, args.runs)

    if args.only != "pages":
        recorder.served_ms.clear()
        figures = await wave(
            url, tv, chat, clock, args.screens, (who[0], who[1]), dashboard.screens.waiting
        )
        print(
            f"\n{args.screens} TV screens waiting at once (all open and waiting after"
            f" {figures['opened']:.1f} s); {who[1]} checks in through the"
            f" engine:\ncommit → every screen has the updated board: median"
            f" {figures['median']:.2f} s, p95 {figures['p95']:.2f} s, max {figures['max']:.2f} s"
            f" (target p95 ≤ {WAVE_TARGET_S:.0f} s)\nserver process RSS"
            f" {figures['rss_before']:.0f} MB before, {figures['rss_after']:.0f} MB after;"
            f" tracemalloc peak during the wave {figures['traced_peak']:.1f} MB"
        )

    await server.stop()
    await close_bench_database(folder, database)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
