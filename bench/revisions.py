"""Benchmark: what keeping revisions costs a write.

Migration 0016's triggers bump a member's revision on every write to their check-ins,
activities, outcomes, targets and daily minimums (`bot/storage/revisions.py`), so the
dashboard knows exactly which kept results are out of date. This measures what that adds to
the writes members make: `--members` members each send a whole check-in (numbers and three
activities) through the engine, then add to it with `log 2 calls 10m`, on two fresh SQLite
files, one with the triggers and one without (dropped after migrating), in alternating
rounds so both see the same load. Prints each side's time per check-in and per addition
(median over rounds) and the ratio.

    python bench/revisions.py [--members 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.migrate import upgrade

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # a Wednesday evening
CHECKIN = "7 calls, 70 min; demo with Acme; proposal for Beta; email cleanup"


async def one_round(
    folder: Path, name: str, members: int, *, triggers: bool
) -> tuple[float, float]:
    """Seconds per check-in and per addition on a fresh database."""
    path = folder / f"{name}.db"
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    if not triggers:
        async with database.engine.begin() as conn:
            names = await conn.execute(
                text(
                    "SELECT name FROM sqlite_master"
                    " WHERE type = 'trigger' AND name LIKE '%revision%'"
                )
            )
            for (trigger,) in names.all():
                await conn.execute(text(f"DROP TRIGGER {trigger}"))
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}", default_timezone="UTC")
    engine = Engine(database, settings, FakeClock(NOW), router=build_router())
    chat = MemoryAdapter(engine)
    users = [f"m{i:04d}" for i in range(members)]
    for user in users:
        await chat.say("help", user=user)
    started = time.perf_counter()
    for user in users:
        await chat.say(CHECKIN, user=user)
    checkins = (time.perf_counter() - started) / members
    started = time.perf_counter()
    for user in users:
        await chat.command("log", "2 calls 10m", user=user)
    additions = (time.perf_counter() - started) / members
    async with database.engine.connect() as conn:
        kept = await conn.scalar(text("SELECT count(*) FROM checkins WHERE conversations = 9"))
    assert kept == members, kept
    await database.dispose()
    path.unlink()
    return checkins, additions


async def main() -> int:
    """Alternate rounds with and without the triggers; print the medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    found: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="needle-revisions-") as folder:
        for round_ in range(args.rounds):
            for triggers in (round_ % 2 == 0, round_ % 2 != 0):
                name = f"r{round_}-{'with' if triggers else 'without'}"
                found[triggers].append(
                    await one_round(Path(folder), name, args.members, triggers=triggers)
                )
    print(f"{args.members} members, {args.rounds} rounds each, SQLite, through the engine:")
    for i, what in enumerate(("whole check-in (3 activities)", "`log 2 calls 10m`")):
        with_ = statistics.median(r[i] for r in found[True]) * 1000
        without = statistics.median(r[i] for r in found[False]) * 1000
        print(
            f"{what:<32} with revisions {with_:6.2f} ms, without {without:6.2f} ms:"
            f" {with_ / without:.2f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
