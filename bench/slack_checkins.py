"""Benchmark: 1,000 members send their check-in to Needle's Slack app at the same moment.

Each member's DM arrives as a signed Events API request on `POST /slack/events`, all at once,
against the adapter `needle run` builds (HTTP mode, one workspace) over the real engine and a
fresh SQLite database (or `--database-url`).

Three kinds of process keep the measurement honest: Needle alone in this one (as in
production); FakeSlack, the Web API Needle calls back, in its own; and the members, split over
`--senders` processes that fire together and time each request from send to Needle's ack.

Prints p50/p99/max time to acknowledge (Slack's hard limit is 3 s) next to the same burst
against a bare aiohttp server that acks at once (the machine's floor, measured before and
after Needle's burst, so a machine that gets busier or quieter shows), the ratio of Needle's
p99 to the floors' mean (target ≤ 1.3×), how long until every check-in was saved and
confirmed, and checks that each member's check-in was recorded exactly once — also after
Slack retries every event once more.

By default the members are known from an earlier run (profile and DM channel kept in the
database, as after a deploy: the answers cost no `users.info`); `--new-members` makes each
member's first contact ask Slack for their profile, paced to Tier 4 (100 a minute), which
holds the confirmations (not the acks) back for minutes.

    python bench/slack_checkins.py [--members 1000] [--senders 2] [--database-url URL]
                                   [--new-members]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from adapters.slack.app import build_slack_adapter
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Checkin, Member, PlatformContact
from tests.fakes.slack import (
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    DEFAULT_TEAM,
    FakeSlack,
    dm_event,
    signed_headers,
)
from tests.slack_harness import settle

# A Wednesday evening in UTC: a workday for every member.
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
CHECKIN = "{n} calls, {m} min; demo with Acme; proposal for Beta"


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# -- FakeSlack in its own process --------------------------------------------------------------


def run_fake(users: list[str], pipe: Connection) -> None:
    """Serve FakeSlack until told to stop; send back the channels Needle posted in."""

    async def serve() -> None:
        async with FakeSlack() as fake:
            for user in users:
                fake.add_user(user, name=f"Member {user}", tz="America/New_York")
            pipe.send(fake.base_url)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, pipe.recv)  # "stop"
            pipe.send([str(c.params.get("channel")) for c in fake.messages()])

    asyncio.run(serve())


# -- the members, in sender processes ----------------------------------------------------------


def run_sender(
    url: str, bodies: list[str], retry: int | None, start_at: float, pipe: Connection
) -> None:
    """POST every body at `start_at` (wall clock); send back (status, seconds to ack) each."""

    async def fire() -> list[tuple[int, float]]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            signed = [(b, signed_headers(b, retry_num=retry)) for b in bodies]

            async def one(body: str, headers: dict[str, str]) -> tuple[int, float]:
                began = time.perf_counter()
                async with http.post(url, data=body.encode(), headers=headers) as response:
                    await response.read()
                    return response.status, time.perf_counter() - began

            await asyncio.sleep(max(0.0, start_at - time.time()))
            return await asyncio.gather(*(one(b, h) for b, h in signed))

    pipe.send(asyncio.run(fire()))


async def wave(url: str, bodies: list[str], senders: int, retry: int | None) -> list[Any]:
    """Fire all bodies at once from `senders` processes; (status, seconds) per request."""
    ctx = mp.get_context("spawn")
    start_at = time.time() + 2.0  # time for every sender to start and sign
    pipes, processes = [], []
    for k in range(senders):
        ours, theirs = ctx.Pipe()
        process = ctx.Process(
            target=run_sender, args=(url, bodies[k::senders], retry, start_at, theirs)
        )
        process.start()
        pipes.append(ours)
        processes.append(process)
    loop = asyncio.get_running_loop()
    results: list[Any] = []
    for pipe in pipes:
        results.extend(await loop.run_in_executor(None, pipe.recv))
    for process in processes:
        process.join()
    return results


# -- Needle, here ------------------------------------------------------------------------------


async def floor(
    bodies: list[str], senders: int, label: str = "floor: bare aiohttp acking at once"
) -> float:
    """The same burst against a bare aiohttp server that answers 200 at once: this machine's
    floor for the time to ack. Returns its p99."""
    app = web.Application()

    async def ack(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="")

    app.router.add_post("/slack/events", ack)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
    await site.start()
    port = runner.addresses[0][1]
    results = await wave(f"http://127.0.0.1:{port}/slack/events", bodies, senders, retry=None)
    await runner.cleanup()
    return report(label, results)


async def keep_contacts(database: Database, users: list[str]) -> None:
    """What an earlier run learned of each member: their DM channel and a profile two days
    old that says they are no admin."""
    async with database.transaction() as session:
        session.add_all(
            PlatformContact(
                platform="slack",
                team_id=DEFAULT_TEAM,
                user_id=user,
                dm_channel="D" + user[1:],
                display_name=f"Member {user}",
                timezone="America/New_York",
                is_admin=False,
                profile_fetched_at=NOW - timedelta(days=2),
            )
            for user in users
        )


async def recorded(database: Database) -> dict[str, int]:
    """Slack user id -> number of check-in rows."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Member.external_id, func.count(Checkin.id))
            .join(Checkin, Checkin.member_id == Member.id)
            .where(Member.platform == "slack")
            .group_by(Member.external_id)
        )
        return {user: count for user, count in rows.all()}


def report(label: str, results: list[tuple[int, float]]) -> float:
    """Print the ack time figures of one wave; return its p99 in seconds."""
    times = [t for _, t in results]
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    p99 = percentile(times, 99)
    print(
        f"{label}: {len(results)} requests, HTTP {statuses}, time to ack p50 "
        f"{statistics.median(times) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms",
        flush=True,
    )
    return p99


async def main(members: int, senders: int, database_url: str | None, new_members: bool) -> int:
    """Run the benchmark; exit status 1 when an ack failed or a check-in was lost or doubled."""
    users = [f"U{n:06d}" for n in range(1, members + 1)]
    ctx = mp.get_context("spawn")
    fake_pipe, theirs = ctx.Pipe()
    fake = ctx.Process(target=run_fake, args=(users, theirs))
    fake.start()
    loop = asyncio.get_running_loop()
    api_url = await loop.run_in_executor(None, fake_pipe.recv)

    url = database_url or f"sqlite:///{tempfile.mkdtemp(prefix='needle-bench-')}/bench.db"
    database = Database(url)
    await upgrade(database)
    if not new_members:
        await keep_contacts(database, users)
    settings = Settings(
        _env_file=None,
        database_url=url,
        slack_bot_token=DEFAULT_BOT_TOKEN,
        slack_signing_secret=DEFAULT_SIGNING_SECRET,
        slack_api_url=api_url,
        host="127.0.0.1",
        port=0,
    )
    engine = Engine(database, settings, FakeClock(NOW), router=build_router())
    adapter = build_slack_adapter(settings, engine)
    await adapter.start()
    events_url = f"http://127.0.0.1:{adapter.port}/slack/events"
    bodies = [
        json.dumps(dm_event(u, CHECKIN.format(n=5 + i % 10, m=60 + i % 45), event_id=f"Ev{u}"))
        for i, u in enumerate(users)
    ]
    known = "new to Needle" if new_members else "known from an earlier run"
    print(f"{members} members ({known}), {senders} sender processes, database {url.split(':')[0]}")
    await floor(bodies, senders, label="warm-up (not counted)")
    before = await floor(bodies, senders)

    began = time.perf_counter()
    first = await wave(events_url, bodies, senders, retry=None)
    await settle(adapter)
    handled = time.perf_counter() - began - 2.0
    p99 = report("first delivery", first)
    print(f"every check-in saved and confirmed {handled:.1f} s after the burst", flush=True)
    after = await floor(bodies, senders)
    bare = (before + after) / 2
    ratio = p99 / bare
    print(f"p99 ack: Needle {p99 * 1000:.0f} ms / bare {bare * 1000:.0f} ms = {ratio:.2f}x")
    retried = await wave(events_url, bodies, senders, retry=1)
    await settle(adapter)
    report("Slack retries every event", retried)
    await adapter.stop()

    fake_pipe.send("stop")
    posted = await loop.run_in_executor(None, fake_pipe.recv)
    fake.join()
    counts = await recorded(database)
    await database.dispose()
    lost = [u for u in users if counts.get(u, 0) == 0]
    doubled = [u for u in users if counts.get(u, 0) > 1]
    confirmed = set(posted)
    unconfirmed = [u for u in users if "D" + u[1:] not in confirmed]
    print(
        f"check-ins recorded: {sum(counts.values())} for {len(counts)} members; lost "
        f"{len(lost)}, recorded twice {len(doubled)}, unconfirmed {len(unconfirmed)}; "
        f"{len(posted)} messages posted"
    )
    once = not lost and not doubled and not unconfirmed
    acks = all(status == 200 for status, _ in first + retried)
    verdict = "PASS" if once and acks and ratio <= 1.3 else "FAIL"
    print(
        f"result: {verdict} (all acked 200: {acks}; every check-in exactly once: {once}; "
        f"p99 ack {ratio:.2f}x the bare server's, target <= 1.3x)"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--new-members", action="store_true", help="no profiles kept")
    args = parser.parse_args()
    raise SystemExit(
        asyncio.run(main(args.members, args.senders, args.database_url, args.new_members))
    )
