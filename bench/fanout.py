"""Benchmark: 10,000 members due in the same minute, sent by the scheduler through the Outbox.

Needle's side is one scheduler tick over a fresh database (SQLite by default, or
`--database-url`) holding one team of `--members` members whose check-in time has just come.
The tick finds them due, claims each delivery in the database, builds each prompt, hands it to
the Outbox, whose adapter posts it over HTTP (aiohttp) to a sink server on 127.0.0.1, and
marks it sent. The floor is a bare aiohttp loop posting the same messages, with the same
number of concurrent senders, to the same sink. Each side runs in a process of its own (so
the peak memory is Needle's own); the sink runs in a third and counts what arrives, so lost
and duplicated messages are counted at the receiving end.

A third side, "claims" (SQLite only), is the floor plus exactly-once bookkeeping and nothing
else: the same prebuilt messages, each chunk of 500 claimed with the scheduler's kind of
`INSERT … ON CONFLICT DO NOTHING RETURNING` in a worker thread with a raw sqlite3 connection,
and the sent ones marked with `UPDATE … WHERE id IN (…)` in batches. It shows what claiming
and marking cost by themselves, so the rest of the gap is Needle's own work (reading members,
working out who is due, check-ins, composing, outcomes).

Prints the throughputs, Needle's ratio to the floor, the peak memory of the Needle process,
and lost and duplicated counts. Target: Needle at 80 % of the floor or better, nothing lost
or duplicated.

    python bench/fanout.py [--members 10000] [--concurrency 20] [--rounds 2]
                           [--database-url URL] [--sink-latency-ms 0] [--profile PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing as mp
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime
from datetime import time as wall_time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from sqlalchemy import insert, select

from adapters.base import DeliveryError, Outbox
from bot.cli import keep_what_started
from bot.clock import FakeClock
from bot.coaching.nudges import daily_prompt
from bot.messages import Address, Reply
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Member, Team, TeamMembership
from scheduler.service import Scheduler

JOINED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday
DUE_AT = datetime(2026, 11, 26, 17, 0, 15, tzinfo=UTC)  # Thursday, 15 s after 17:00 UTC
ROOT = Path(__file__).resolve().parent.parent
PHASES = ("floor", "claims", "needle")


# --- the sink: counts every message it receives, per run ------------------------------------


def run_sink(pipe: Connection, latency: float = 0.0) -> None:
    """The sink server process: POST /messages/{run} counts a message; GET /stats/{run}.

    With `latency` (seconds) each answer waits that long, like a chat platform's API.
    """
    received: dict[str, Counter[str]] = {}

    async def take(request: web.Request) -> web.Response:
        body = await request.json()
        received.setdefault(request.match_info["run"], Counter())[body["user"]] += 1
        if latency:
            await asyncio.sleep(latency)
        return web.Response(status=200, text="ok")

    async def stats(request: web.Request) -> web.Response:
        counts = received.get(request.match_info["run"], Counter())
        return web.json_response(
            {
                "received": sum(counts.values()),
                "distinct": len(counts),
                "duplicates": sum(n - 1 for n in counts.values() if n > 1),
            }
        )

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/messages/{run}", take)
        app.router.add_get("/stats/{run}", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = runner.addresses[0][1]
        pipe.send(port)
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # until told to stop
        await runner.cleanup()

    asyncio.run(serve())


# --- Needle's side ----------------------------------------------------------------------------


class HttpAdapter:
    """A chat platform reached over HTTP: each message is one POST to the sink."""

    platform = "http"

    def __init__(self, url: str, concurrency: int) -> None:
        self.url = url
        self.concurrency = concurrency
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the HTTP session (a connection pool as wide as the sender count)."""
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.concurrency))

    async def stop(self) -> None:
        """Close the HTTP session."""
        if self.session is not None:
            await self.session.close()

    async def send(self, address: Address, reply: Reply) -> None:
        """POST the message; a non-2xx answer is a (transient) DeliveryError."""
        assert self.session is not None
        payload = {"user": address.user_id, "team": address.team_id, "text": reply.text}
        async with self.session.post(self.url, json=payload) as response:
            if response.status >= 300:
                raise DeliveryError(f"sink answered {response.status}")
            await response.read()


async def seed(database: Database, members: int, escalate_after_days: int = 0) -> None:
    """One team (UTC, check-in 17:00, Mon–Fri) with `members` members, joined on Wednesday."""
    async with database.transaction() as session:
        team = Team(
            platform="http",
            external_id="acme",
            name="Acme",
            timezone="UTC",
            checkin_time=wall_time(17, 0),
            escalate_after_days=escalate_after_days,
            created_at=JOINED,
        )
        session.add(team)
        await session.flush()
        team_id = team.id
        for start in range(0, members, 2000):
            rows = [
                {
                    "platform": "http",
                    "external_id": f"rep-{n:05d}",
                    "display_name": f"Rep {n}",
                    "created_at": JOINED,
                }
                for n in range(start, min(members, start + 2000))
            ]
            await session.execute(insert(Member), rows)
        ids = (await session.scalars(select(Member.id).where(Member.platform == "http"))).all()
        for start in range(0, len(ids), 2000):
            await session.execute(
                insert(TeamMembership),
                [
                    {"team_id": team_id, "member_id": member_id, "joined_at": JOINED}
                    for member_id in ids[start : start + 2000]
                ],
            )


async def create_database(server_url: str, name: str) -> str:
    """Create an empty PostgreSQL database next to `server_url`'s; return its URL."""
    import asyncpg

    plain = server_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return plain.rsplit("/", 1)[0] + "/" + name


async def drop_database(server_url: str, name: str) -> None:
    """Drop a database made by `create_database`."""
    import asyncpg

    connection = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def needle_phase(args: argparse.Namespace) -> dict[str, Any]:
    """Seed a fresh database, then time one scheduler tick delivering every prompt."""
    with tempfile.TemporaryDirectory(prefix="needle-fanout-") as folder:
        url = f"sqlite:///{folder}/fanout.db"
        if args.database_url:
            url = await create_database(args.database_url, f"needle_fanout_{args.run}")
        database = Database(url)
        await upgrade(database)
        await seed(database, args.members)
        adapter = HttpAdapter(f"http://127.0.0.1:{args.port}/messages/{args.run}", args.concurrency)
        await adapter.start()
        outbox = Outbox()
        outbox.register(adapter)
        scheduler = Scheduler(
            database,
            outbox,
            FakeClock(DUE_AT),
            owner="bench",
            concurrency=args.concurrency,
        )
        keep_what_started()  # as `needle run` does once the adapters are up
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu = time.process_time()
        started = time.perf_counter()
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        report = await scheduler.tick(DUE_AT)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        await adapter.stop()
        await database.dispose()
        if args.database_url:
            await drop_database(args.database_url, f"needle_fanout_{args.run}")
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "sent": report.delivery.sent,
        "due": report.delivery.due,
        "failed": report.delivery.failed + report.delivery.retrying,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_tick_mb": rss_before / 1024,
    }


# --- the floor --------------------------------------------------------------------------------


async def floor_phase(args: argparse.Namespace) -> dict[str, Any]:
    """Post the same messages with a bare aiohttp loop and the same number of senders."""
    team = Team(platform="http", external_id="acme", name="Acme", questions={})
    day = DUE_AT.date()
    messages = []
    for n in range(args.members):
        member = Member(platform="http", external_id=f"rep-{n:05d}", display_name=f"Rep {n}")
        reply = daily_prompt(member, team, day)
        messages.append({"user": member.external_id, "team": "acme", "text": reply.text})
    url = f"http://127.0.0.1:{args.port}/messages/{args.run}"
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)
    sent = 0

    async def sender(session: aiohttp.ClientSession) -> None:
        nonlocal sent
        while not queue.empty():
            message = queue.get_nowait()
            async with session.post(url, json=message) as response:
                await response.read()
                if response.status < 300:
                    sent += 1

    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=args.concurrency)
    ) as session:
        cpu = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(sender(session) for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "sent": sent,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --- the floor with claims: bookkeeping only -----------------------------------------------


def claim_sql(rows: int) -> str:
    """A multi-row claim like the scheduler's, for `rows` keys."""
    values = ", ".join(["(?, ?, ?, 'claimed', ?, ?, ?, 1)"] * rows)
    return (
        "INSERT INTO deliveries "
        "(kind, target, local_date, status, claimed_by, claimed_at, lease_until, attempts) "
        f"VALUES {values} ON CONFLICT (kind, target, local_date) DO NOTHING "
        "RETURNING id, target"
    )


async def claims_phase(args: argparse.Namespace) -> dict[str, Any]:
    """The floor's loop with each message claimed before it is sent and marked after."""
    import sqlite3
    import threading
    from concurrent.futures import ThreadPoolExecutor

    team = Team(platform="http", external_id="acme", name="Acme", questions={})
    day = DUE_AT.date()
    messages: dict[str, dict[str, str]] = {}
    for n in range(args.members):
        member = Member(platform="http", external_id=f"rep-{n:05d}", display_name=f"Rep {n}")
        target = f"member:{n}"
        messages[target] = {
            "user": member.external_id,
            "team": "acme",
            "text": daily_prompt(member, team, day).text,
        }
    targets = list(messages)
    url = f"http://127.0.0.1:{args.port}/messages/{args.run}"
    with tempfile.TemporaryDirectory(prefix="needle-claims-") as folder:
        database = Database(f"sqlite:///{folder}/claims.db")
        await upgrade(database)
        await database.dispose()
        connection = sqlite3.connect(
            f"{folder}/claims.db", isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        lock = threading.Lock()
        stamp = DUE_AT.replace(tzinfo=None).isoformat(" ", "microseconds")

        def claim(chunk: list[str]) -> list[tuple[int, str]]:
            params: list[str] = []
            for target in chunk:
                params.extend(("prompt", target, day.isoformat(), "bench", stamp, stamp))
            with lock:
                connection.execute("BEGIN IMMEDIATE")
                rows = connection.execute(claim_sql(len(chunk)), params).fetchall()
                connection.execute("COMMIT")
            return rows

        def mark(ids: list[int]) -> None:
            marks = ", ".join("?" * len(ids))
            with lock:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(
                    "UPDATE deliveries SET status = 'sent', sent_at = ? "
                    f"WHERE claimed_by = ? AND id IN ({marks})",
                    (stamp, "bench", *ids),
                )
                connection.execute("COMMIT")

        writer = ThreadPoolExecutor(1)
        loop = asyncio.get_running_loop()
        jobs: deque[tuple[int, dict[str, str]]] = deque()
        ready = asyncio.Event()
        claiming = True
        done: list[int] = []
        sent = 0

        async def claimer() -> None:
            nonlocal claiming
            for start in range(0, len(targets), 500):
                while len(jobs) > 1000:
                    ready.clear()
                    await ready.wait()
                rows = await loop.run_in_executor(writer, claim, targets[start : start + 500])
                jobs.extend((claim_id, messages[target]) for claim_id, target in rows)
                ready.set()
            claiming = False
            ready.set()

        async def sender(session: aiohttp.ClientSession) -> None:
            nonlocal sent
            while True:
                if not jobs:
                    if not claiming:
                        return
                    ready.clear()
                    await ready.wait()
                    continue
                claim_id, message = jobs.popleft()
                if len(jobs) <= 1000:
                    ready.set()
                async with session.post(url, json=message) as response:
                    await response.read()
                    if response.status < 300:
                        sent += 1
                        done.append(claim_id)

        async def marker() -> None:
            while claiming or jobs or done:
                await asyncio.sleep(0.05)
                if done:
                    batch = done[:]
                    del done[:]
                    await loop.run_in_executor(writer, mark, batch)

        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=args.concurrency)
        ) as session:
            keep_what_started()  # the same start for the floor
            cpu = time.process_time()
            started = time.perf_counter()
            marking = asyncio.create_task(marker())
            await asyncio.gather(claimer(), *(sender(session) for _ in range(args.concurrency)))
            await marking
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        marked = connection.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'")
        assert marked.fetchone()[0] == sent
        writer.shutdown()
        connection.close()
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "sent": sent,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --- orchestration ------------------------------------------------------------------------------


def run_phase(phase: str, run: str, port: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run one side in a fresh process and return its figures."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        phase,
        "--run",
        run,
        "--port",
        str(port),
        "--members",
        str(args.members),
        "--concurrency",
        str(args.concurrency),
    ]
    if args.database_url:
        command += ["--database-url", args.database_url]
    if args.profile and phase == "needle":
        command += ["--profile", f"{args.profile}.{run}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


async def sink_stats(port: int, run: str) -> dict[str, int]:
    """What the sink received for one run."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/stats/{run}") as response,
    ):
        return dict(await response.json())


def main() -> None:
    """Run the floor and Needle `--rounds` times each, alternating, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server URL (its database is used to create a fresh one per round)",
    )
    parser.add_argument(
        "--sink-latency-ms",
        type=float,
        default=0.0,
        help="make the sink answer after this long, like a real platform API (default 0)",
    )
    parser.add_argument(
        "--profile",
        default="",
        metavar="PATH",
        help="profile Needle's tick with cProfile into PATH.<run> (slower: compare runs "
        "without it; read with python -m pstats)",
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--run", default="", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        runners = {"needle": needle_phase, "floor": floor_phase, "claims": claims_phase}
        print(json.dumps(asyncio.run(runners[args.phase](args))))
        return

    # The claims side is a SQLite reference; with --database-url only floor and Needle run.
    sides = ("floor", "needle") if args.database_url else PHASES
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    for round_number in range(args.rounds):
        for phase in sides:
            run = f"{phase}_{round_number}"
            # A fresh sink for every run: nothing one run leaves behind slows the next.
            here, there = mp.Pipe()
            sink = mp.get_context("spawn").Process(
                target=run_sink, args=(there, args.sink_latency_ms / 1000), daemon=True
            )
            sink.start()
            try:
                port = int(here.recv())
                figures = run_phase(phase, run, port, args)
                figures.update(asyncio.run(sink_stats(port, run)))
            finally:
                here.send("stop")
                sink.join(timeout=10)
            figures["lost"] = args.members - figures["distinct"]
            figures["per_second"] = figures["sent"] / figures["seconds"]
            results[phase].append(figures)

    print(
        f"fan-out of {args.members} messages, {args.concurrency} concurrent senders, "
        f"sink on 127.0.0.1 answering after {args.sink_latency_ms:g} ms, "
        f"database {'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    for phase in sides:
        for n, figures in enumerate(results[phase], 1):
            print(
                f"  {phase:6} round {n}: {figures['per_second']:8.0f} msg/s "
                f"({figures['seconds']:.2f} s), received {figures['received']}, "
                f"lost {figures['lost']}, duplicated {figures['duplicates']}, "
                f"peak RSS {figures['peak_rss_mb']:.0f} MB"
            )
    floor = max(f["per_second"] for f in results["floor"])
    needle = max(f["per_second"] for f in results["needle"])
    lost = sum(f["lost"] for f in results["needle"])
    duplicated = sum(f["duplicates"] for f in results["needle"])
    peak = max(f["peak_rss_mb"] for f in results["needle"])
    ratio = needle / floor
    print(f"floor (bare aiohttp):   {floor:8.0f} msg/s (best round)")
    if "claims" in results:
        claims = max(f["per_second"] for f in results["claims"])
        print(
            f"floor with claims:      {claims:8.0f} msg/s (best round; {claims / floor:.1%} "
            "of the floor: exactly-once bookkeeping alone)"
        )
    print(f"Needle (scheduler tick): {needle:7.0f} msg/s (best round)")
    print(f"ratio:                  {ratio:8.1%}  (target >= 80%)")
    print(f"Needle peak memory:     {peak:8.0f} MB (max RSS of the Needle process)")
    print(f"Needle lost: {lost}, duplicated: {duplicated}  (target 0 and 0)")
    ok = ratio >= 0.8 and lost == 0 and duplicated == 0
    print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()
