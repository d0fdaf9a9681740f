"""Benchmark: leaderboards and all-time stats for a team of 1,000 with two years of check-ins.

Builds a SQLite database (migrated with Needle's own migrations) holding one team of
`--members` members, each with a check-in on every workday of the last two years (about
520,000 check-ins, two top activities each), then times through the real engine:

- `leaderboard week` and `leaderboard month` (conversations, the default metric),
- `stats all` for one member — once as Needle answers it (text plus chart), and once with
  the chart drawing stubbed out, to show the data part on its own,
- `ranking` (no query of its own): the engine's cost per message (transaction, member and
  team lookup),

each next to the same result computed by one hand-written SQL statement run directly on the
same database through the same driver (the floor). Prints median and p95 of each, in ms.

    python bench/leaderboard.py [--members 1000] [--years 2] [--runs 60] [--database PATH]

With `--database PATH` an existing benchmark database is reused (built there if missing,
migrated to this code's schema if older).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Table, create_engine, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.messages import Image, Reply, ReplyKind
from bot.stats.report import MemberStats
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Activity, Base, Checkin, Member, Team, TeamMembership

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # a Wednesday evening
TODAY = NOW.date()
PLATFORM, TEAM = "bench", "bench-team"
ASKER = "m0001"
HIGH = ("Discovery call with Acme", "Demo for Beta", "Proposal for Delta", "Prospecting calls")
LOW = ("Inbox", "Email cleanup", "Admin")
NEUTRAL = ("Team standup", "CRM updates")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered)))
    return ordered[rank - 1]


def table_of(model: type[Base]) -> Table:
    """The table a model maps to (a declarative model maps to exactly one)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def build(path: Path, members: int, years: int) -> int:
    """Fill an empty, migrated database with the team and its check-ins; returns the rows."""
    rng = random.Random(1000)
    engine = create_engine(f"sqlite:///{path}")
    start = TODAY - timedelta(days=365 * years)
    days = [
        start + timedelta(days=i)
        for i in range((TODAY - start).days)
        if (start + timedelta(days=i)).weekday() < 5
    ]
    created = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    rows = 0
    with engine.begin() as conn:
        conn.execute(
            insert(table_of(Team)),
            [
                {
                    "id": 1,
                    "platform": PLATFORM,
                    "external_id": TEAM,
                    "name": "Bench Sales",
                    "timezone": "UTC",
                    "checkin_time": datetime(2000, 1, 1, 17).time(),
                    "workdays": "01234",
                    "min_conversations": 5,
                    "min_minutes": 60,
                    "nudge_after_minutes": 120,
                    "quiet_start": datetime(2000, 1, 1, 21).time(),
                    "quiet_end": datetime(2000, 1, 1, 8).time(),
                    "escalate_after_days": 3,
                    "recap_weekday": 4,
                    "recap_time": datetime(2000, 1, 1, 16).time(),
                    "high_value_keywords": [],
                    "low_value_keywords": [],
                    "track_wins": True,
                    "questions": {},
                    "created_at": created,
                }
            ],
        )
        conn.execute(
            insert(table_of(Member)),
            [
                {
                    "id": n,
                    "platform": PLATFORM,
                    "external_id": f"m{n:04d}",
                    "display_name": f"Member {n:04d}",
                    "goal_conversations": 8 if n % 10 == 0 else None,
                    "created_at": created,
                }
                for n in range(1, members + 1)
            ],
        )
        conn.execute(
            insert(table_of(TeamMembership)),
            [
                {
                    "team_id": 1,
                    "member_id": n,
                    "role": "admin" if n == 1 else "member",
                    "public_ranking": n % 50 != 0,
                    "active": True,
                    "joined_at": created,
                }
                for n in range(1, members + 1)
            ],
        )
        checkin_id = 0
        for n in range(1, members + 1):
            skill = rng.uniform(0.4, 1.6)
            checkins: list[dict[str, Any]] = []
            activities: list[dict[str, Any]] = []
            for day in days:
                roll = rng.random()
                if roll < 0.01:
                    continue  # a missed day
                checkin_id += 1
                at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=17)
                if roll < 0.04:
                    checkins.append(_checkin(checkin_id, n, day, "day_off", None, None, 0, at))
                    continue
                conversations = max(0, round(rng.gauss(6 * skill, 2.5)))
                minutes = max(0, round(rng.gauss(70 * skill, 25)))
                wins = 1 if conversations >= 9 and rng.random() < 0.3 else 0
                checkins.append(
                    _checkin(checkin_id, n, day, "complete", conversations, minutes, wins, at)
                )
                for position in range(2):
                    pool, cls = rng.choice(((HIGH, "high"), (LOW, "low"), (NEUTRAL, "neutral")))
                    activities.append(
                        {
                            "checkin_id": checkin_id,
                            "position": position,
                            "text": rng.choice(pool),
                            "classification": cls,
                        }
                    )
            conn.execute(insert(table_of(Checkin)), checkins)
            conn.execute(insert(table_of(Activity)), activities)
            rows += len(checkins)
    engine.dispose()
    return rows


def _checkin(
    checkin_id: int,
    member_id: int,
    day: date,
    status: str,
    conversations: int | None,
    minutes: int | None,
    wins: int,
    at: datetime,
) -> dict[str, Any]:
    return {
        "id": checkin_id,
        "member_id": member_id,
        "local_date": day,
        "status": status,
        "conversations": conversations,
        "minutes": minutes,
        "wins": wins if status == "complete" else None,
        "source": "bench",
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


async def open_bench_database(
    wanted: Path | None, members: int, years: int
) -> tuple[tempfile.TemporaryDirectory[str] | None, Path, Database]:
    """The benchmark database: at `wanted` (built there if missing, migrated to this code's
    schema if older), or built in a temporary folder (returned, for the caller to clean up)."""
    folder = None
    if wanted is None:
        folder = tempfile.TemporaryDirectory(prefix="needle-bench-")
        path = Path(folder.name) / "leaderboard.db"
    else:
        path = wanted
    database = Database(f"sqlite:///{path}")
    fresh = not path.exists()
    await upgrade(database)  # a reused database is brought up to this code's schema
    if fresh:
        started = time.perf_counter()
        rows = await asyncio.to_thread(build, path, members, years)
        print(
            f"built {rows:,} check-ins for {members:,} members in "
            f"{time.perf_counter() - started:.1f} s ({path})"
        )
    return folder, path, database


async def close_bench_database(
    folder: tempfile.TemporaryDirectory[str] | None, database: Database
) -> None:
    """Close the benchmark database, and remove it when it was built in a temporary folder."""
    await database.dispose()
    if folder is not None:
        folder.cleanup()


LEADERBOARD_FLOOR = """
SELECT m.id, m.display_name, COALESCE(SUM(c.conversations), 0) AS total
FROM team_memberships tm
JOIN members m ON m.id = tm.member_id
LEFT JOIN checkins c ON c.member_id = m.id AND c.local_date BETWEEN :start AND :end
WHERE tm.team_id = 1 AND tm.active AND tm.public_ranking
GROUP BY m.id
ORDER BY total DESC, m.display_name
"""

# What `stats all` shows for one member, in one statement: totals, days at minimum, wins,
# high-value share, the best and current run of met workdays (gaps and islands over
# Monday–Friday workday numbers), the activities before wins and the recurring low-value item.
STATS_ALL_FLOOR = """
WITH days AS (
  SELECT c.local_date, c.conversations, c.minutes, c.wins, c.status,
         CAST(julianday(c.local_date) - 2451546.5 AS INTEGER) AS n,
         CASE WHEN c.status != 'day_off' AND COALESCE(c.conversations, 0) >= :min_c
                   AND COALESCE(c.minutes, 0) >= :min_m THEN 1 ELSE 0 END AS met,
         (SELECT COUNT(*) FROM activities a WHERE a.checkin_id = c.id) AS acts,
         (SELECT COUNT(*) FROM activities a WHERE a.checkin_id = c.id
            AND a.classification = 'high') AS high
  FROM checkins c WHERE c.member_id = :member
),
work AS (
  SELECT *, (n / 7) * 5 + MIN(n % 7, 4) + 1 AS ordinal FROM days
  WHERE n % 7 < 5 AND local_date <= :today
),
lagged AS (
  SELECT *, ordinal - LAG(ordinal) OVER (ORDER BY local_date) AS step
  FROM work WHERE local_date < :today OR met = 1
),
marked AS (
  SELECT *, SUM(CASE WHEN (status != 'day_off' AND met = 0 AND local_date < :today)
                       OR step > 1 THEN 1 ELSE 0 END) OVER (ORDER BY local_date) AS grp
  FROM lagged
),
runs AS (SELECT grp, SUM(met) AS run, MAX(ordinal) AS last FROM marked GROUP BY grp),
before_wins AS (
  SELECT lower(a.text) AS t, COUNT(DISTINCT c.id) AS times FROM checkins c
  JOIN activities a ON a.checkin_id = c.id
  WHERE c.member_id = :member AND EXISTS (
    SELECT 1 FROM checkins w WHERE w.member_id = c.member_id AND w.wins > 0
      AND w.local_date BETWEEN c.local_date AND date(c.local_date, '+2 days'))
  GROUP BY lower(a.text) ORDER BY times DESC LIMIT 3
),
low AS (
  SELECT lower(a.text) AS t, COUNT(*) AS times FROM checkins c
  JOIN activities a ON a.checkin_id = c.id
  WHERE c.member_id = :member AND a.classification = 'low'
    AND c.local_date BETWEEN date(:today, '-27 days') AND :today
  GROUP BY lower(a.text) HAVING COUNT(*) >= 2 ORDER BY times DESC LIMIT 1
)
SELECT (SELECT SUM(COALESCE(conversations, 0)) FROM days),
       (SELECT SUM(COALESCE(minutes, 0)) FROM days),
       (SELECT SUM(met) FROM days),
       (SELECT SUM(wins) FROM days),
       (SELECT SUM(high) * 1.0 / SUM(acts) FROM days),
       (SELECT MAX(run) FROM runs),
       (SELECT run FROM runs ORDER BY grp DESC LIMIT 1),
       (SELECT group_concat(t || ' x' || times, '; ') FROM before_wins),
       (SELECT t || ' x' || times FROM low)
"""


async def timed(runs: int, *calls: Callable[[], Awaitable[Any]]) -> list[list[float]]:
    """Milliseconds of each call, `runs` times, after three warm-ups.

    The calls take turns (engine, floor, engine, floor, …) so that both see the same machine:
    a busy moment slows both, not one.
    """
    for _ in range(3):
        for call in calls:
            await call()
    times: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for i, call in enumerate(calls):
            started = time.perf_counter()
            await call()
            times[i].append((time.perf_counter() - started) * 1000)
    return times


def row(label: str, engine_ms: list[float], floor_ms: list[float] | None) -> str:
    """One line of the report."""
    med, p95 = statistics.median(engine_ms), percentile(engine_ms, 95)
    line = f"{label:<34} median {med:7.1f} ms   p95 {p95:7.1f} ms"
    if floor_ms:
        fmed, fp95 = statistics.median(floor_ms), percentile(floor_ms, 95)
        line += (
            f"   | floor median {fmed:6.1f} ms  p95 {fp95:6.1f} ms   ratio(p95) {p95 / fp95:4.2f}×"
        )
    return line


async def main() -> int:
    """Build (or reuse) the database, time the commands, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--database", type=Path, default=None)
    args = parser.parse_args()

    folder, path, database = await open_bench_database(args.database, args.members, args.years)
    async with database.transaction() as session:
        count = await session.scalar(text("SELECT COUNT(*) FROM checkins"))
        members = await session.scalar(text("SELECT COUNT(*) FROM members"))
        asker = await session.scalar(select(Member.id).where(Member.external_id == ASKER))
    print(f"database: {count:,} check-ins, {members:,} members; today is {TODAY} (Wednesday)")

    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}")
    engine = Engine(database, settings, FakeClock(NOW), router=build_router())
    chat = MemoryAdapter(engine, platform=PLATFORM, team_id=TEAM)

    async def command(name: str, words: str) -> list[Reply]:
        replies = await chat.command(name, words, user=ASKER)
        assert replies and replies[0].kind in (ReplyKind.LEADERBOARD, ReplyKind.STATS), replies
        return replies

    async def floor(sql: str, **params: Any) -> None:
        async with database.transaction() as session:
            (await session.execute(text(sql), params)).all()

    monday = TODAY - timedelta(days=TODAY.weekday())
    first = TODAY.replace(day=1)
    runs = args.runs
    print(f"\n{runs} timed runs each (after 3 warm-ups), through Engine.handle:\n")
    week, week_floor = await timed(
        runs,
        lambda: command("leaderboard", "week"),
        lambda: floor(LEADERBOARD_FLOOR, start=monday, end=TODAY),
    )
    month, month_floor = await timed(
        runs,
        lambda: command("leaderboard", "month"),
        lambda: floor(LEADERBOARD_FLOOR, start=first, end=TODAY),
    )
    import bot.commands.stats as stats_command

    real_chart = stats_command.stats_chart

    async def no_chart(
        session: AsyncSession, stats: MemberStats, fmt: str = "png"
    ) -> Callable[[], Image]:
        return lambda: Image("stub.png", b"")

    stats_command.stats_chart = no_chart
    data_only, stats_floor = await timed(
        runs,
        lambda: command("stats", "all"),
        lambda: floor(STATS_ALL_FLOOR, member=asker, min_c=5, min_m=60, today=TODAY),
    )
    stats_command.stats_chart = real_chart
    (with_chart,) = await timed(max(10, runs // 3), lambda: command("stats", "all"))

    async def help_command() -> None:
        await chat.command("ranking", "", user=ASKER)

    (baseline,) = await timed(runs, help_command)
    results = [
        row("leaderboard week", week, week_floor),
        row("leaderboard month", month, month_floor),
        row("stats all (data, chart stubbed)", data_only, stats_floor),
        row("stats all (text + chart PNG)", with_chart, None),
        row("engine baseline: `ranking`", baseline, None),
    ]
    print("\n".join(results))
    await close_bench_database(folder, database)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
