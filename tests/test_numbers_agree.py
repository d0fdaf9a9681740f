"""Every surface tells the same numbers: random months of check-ins (complete and quick logs,
below and at the minimum), days off, pauses, corrections of past days, in several time zones
and workday sets, driven through the engine; the confirmation, stats (today, week, month), the
goal and streak leaderboards, the Home tab and the recap are checked against one reference
walked day by day in tests/numbers_reference.py."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.profile import parse_workday_digits
from bot.storage.db import Database
from tests.conftest import START
from tests.numbers_reference import Reference, Rep, assert_agree

ZONES = ("America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Pacific/Auckland", "UTC")
WORKDAYS = {"mon-fri": "01234", "sun-thu": "01236", "mon-sat": "012345", "tue,thu,sat": "135"}

numbers = st.one_of(
    st.tuples(st.integers(5, 12), st.integers(60, 150)),  # at the minimum, mostly
    st.tuples(st.integers(0, 9), st.integers(0, 120)),
)
KINDS = ["checkin"] * 4 + ["log"] * 2 + ["none", "off", "correct", "same", "pause", "resume"]
action = st.tuples(st.sampled_from(KINDS), numbers)


@asynccontextmanager
async def fresh_rep(
    template: Path, tmp: Path, zone: str, workdays: str, goal: int | None, first: date
) -> AsyncIterator[Rep]:
    """A new database and engine with one rep (a team admin) who joined on `first`."""
    path = tmp / "needle.db"
    shutil.copy(template, path)
    database = Database(f"sqlite:///{path}")
    clock = FakeClock(START)
    config = Settings(_env_file=None, database_url=f"sqlite:///{path}", default_timezone="UTC")
    bot = MemoryAdapter(Engine(database, config, clock, router=build_router()))
    reference = Reference(
        workdays=parse_workday_digits(WORKDAYS[workdays]),
        min_conversations=max(goal or 0, 5),
        min_minutes=60,
        first_day=first,
    )
    rep = Rep(bot, clock, database, "ana", ZoneInfo(zone), reference)
    rep.at(first, 9)
    await bot.say("help", user="ana", is_admin=True, timezone=zone)
    await bot.say(f"timezone {zone}", user="ana")
    await bot.say(f"admin timezone {zone}", user="ana", is_admin=True)
    await bot.say(f"schedule 17:00 {workdays}", user="ana")
    if goal:
        await bot.say(f"goal calls {goal}", user="ana")
    try:
        yield rep
    finally:
        await database.dispose()
        path.unlink()


async def play(rep: Rep, kind: str, value: tuple[int, int], shown: dict[date, int]) -> None:
    """One day's action, in the rep's morning (corrections) or evening."""
    ref = rep.reference
    yesterday = rep.today - timedelta(days=1)
    c, m = value
    if kind in ("correct", "same") and yesterday >= ref.first_day:
        before = ref.records.get(yesterday)
        if kind == "same":
            if before is None or before.status != "complete" or yesterday not in shown:
                return
            c, m = before.conversations, before.minutes
        streak = await rep.check_in(c, m, yesterday=True)
        assert streak == ref.streak(rep.today), ("correction", yesterday, ref.records)
        if kind == "same":
            # Same numbers, a day later: the same streak as shown that day.
            assert streak == shown[yesterday], ("same numbers", yesterday)
        return
    rep.at(rep.today, 18)
    if kind == "checkin":
        shown[rep.today] = await rep.check_in(c, m)
        assert shown[rep.today] == ref.streak(rep.today), ("confirmation", rep.today)
    elif kind == "log":
        await rep.log(c, m)
    elif kind == "off":
        await rep.day_off()
    elif kind == "pause":
        await rep.pause(c % 6 + 1)
    elif kind == "resume":
        await rep.resume()


@dataclass(frozen=True)
class Month:
    """A rep's setting and what they do each day of a month."""

    zone: str
    workdays: str
    goal: int | None
    first: date
    actions: list[tuple[str, tuple[int, int]]]


months = st.builds(
    Month,
    zone=st.sampled_from(ZONES),
    workdays=st.sampled_from(sorted(WORKDAYS)),
    goal=st.sampled_from([None, 7]),
    first=st.dates(date(2026, 1, 1), date(2027, 11, 30)),
    actions=st.lists(action, min_size=20, max_size=32),
)


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(month=months)
def test_every_surface_agrees_with_the_reference(
    migrated_sqlite: Path, tmp_path: Path, month: Month
) -> None:
    asyncio.run(live_month(migrated_sqlite, tmp_path, month))


async def live_month(template: Path, tmp: Path, month: Month) -> None:
    """Play the month, checking every surface against the reference every few days."""
    first = month.first
    async with fresh_rep(template, tmp, month.zone, month.workdays, month.goal, first) as rep:
        shown: dict[date, int] = {}
        for number, (kind, value) in enumerate(month.actions):
            rep.at(first + timedelta(days=number), 9)
            await play(rep, kind, value, shown)
            if number % 9 == 8 or number == len(month.actions) - 1:
                where = f"{rep.today} after {kind}"
                assert_agree(await rep.surfaces(), rep.expected(), where)
                assert await rep.recap_days() == rep.expected()["stats week"], where
