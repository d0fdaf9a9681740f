"""Several Needle instances on one PostgreSQL database: each prompt is sent exactly once.

Two scheduler instances run as two separate OS processes (`python -m tests.pg worker`) against
the same PostgreSQL database, started at the same moment, with 500 members due in the same
minute. Each process delivers into a file of its own; together the files must hold every
member exactly once, while the two processes' due lists overlapped (so the claims raced: no
worker claims before both have read their due lists, see tests/pg.py `_wait_for_peers`).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Delivery, Member, Team, TeamMembership

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 500
JOINED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday
DUE_AT = datetime(2026, 11, 26, 17, 0, 20, tzinfo=UTC)  # Thursday, 20 s after 17:00


async def seed(database: Database) -> None:
    """One team on the `sink` platform with MEMBERS members due at 17:00 UTC."""
    async with database.transaction() as session:
        team = Team(
            platform="sink",
            external_id="acme",
            name="Acme",
            timezone="UTC",
            checkin_time=time(17, 0),
            escalate_after_days=0,
            created_at=JOINED,
        )
        members = [
            Member(
                platform="sink",
                external_id=f"rep-{n:03d}",
                display_name=f"Rep {n}",
                created_at=JOINED,
            )
            for n in range(MEMBERS)
        ]
        session.add(team)
        session.add_all(members)
        await session.flush()
        session.add_all(
            TeamMembership(team_id=team.id, member_id=member.id, joined_at=JOINED)
            for member in members
        )


async def start_worker(name: str, database_url: str, sink: Path) -> asyncio.subprocess.Process:
    """One scheduler instance in its own process; it prints `ready` once connected."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.pg",
        "worker",
        "--database",
        database_url,
        "--sink",
        str(sink),
        "--name",
        name,
        "--now",
        DUE_AT.isoformat(),
        "--concurrency",
        "10",
        "--peers",
        "2",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    assert line.strip() == b"ready", line
    return process


async def test_two_processes_send_each_of_500_prompts_exactly_once(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    await seed(database)
    sinks = {name: tmp_path / f"{name}.jsonl" for name in ("needle-a", "needle-b")}
    workers = {name: await start_worker(name, database_url, sink) for name, sink in sinks.items()}
    for process in workers.values():  # start both ticks at the same moment
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
    reports = {}
    for name, process in workers.items():
        out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0
        reports[name] = json.loads(out.decode().strip().splitlines()[-1])

    deliveries = [
        json.loads(line)
        for sink in sinks.values()
        if sink.exists()
        for line in sink.read_text().splitlines()
    ]
    per_member = Counter(d["user"] for d in deliveries)
    assert len(per_member) == MEMBERS
    assert set(per_member.values()) == {1}, per_member.most_common(3)
    assert {d["kind"] for d in deliveries} == {"prompt"}
    by_process = Counter(d["by"] for d in deliveries)
    # Both processes found members due that the other also found: the claims really raced.
    assert sum(r["due"] for r in reports.values()) > MEMBERS, reports
    assert {name: r["sent"] for name, r in reports.items() if r["sent"]} == dict(by_process)

    async with database.transaction() as session:
        rows = (await session.scalars(select(Delivery))).all()
    assert len(rows) == MEMBERS
    assert {row.status for row in rows} == {"sent"}
    assert Counter(row.claimed_by for row in rows) == by_process
