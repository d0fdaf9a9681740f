"""The streak rule's SQL (bot/storage/streaks.py) against the day-by-day Python reference, on
generated months of check-ins, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Date, String, literal, select

from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.people import ensure_member, ensure_membership, ensure_team
from bot.storage.sql import epoch_days
from bot.storage.streaks import (
    StreakParams,
    is_workday,
    member_streaks,
    team_current_streaks,
    workday_ordinal,
    workday_ordinal_sql,
)
from tests.stats_helpers import Day
from tests.streak_reference import reference

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
_members = itertools.count()


def examples(count: int) -> settings:
    """Hypothesis settings for `count` examples that each open the test's database."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


workday_sets = st.frozensets(st.integers(0, 6), min_size=1).map(
    lambda days: "".join(str(d) for d in sorted(days))
)
# A day of a month: no check-in, a day off, at the minimum (6 conversations, 70 minutes) or a
# number on either side of it.
day_values = st.one_of(
    st.none(),
    st.just("off"),
    st.just((6, 70)),
    st.tuples(st.integers(0, 9), st.sampled_from([0, 50, 69, 70, 95])),
)


@st.composite
def months(draw: st.DrawFn) -> tuple[dict[date, Day], date, str, date | None]:
    """A month of check-ins ending near `today`, the member's workdays and pause."""
    today = draw(st.dates(date(2026, 1, 1), date(2026, 12, 31)))
    values = draw(st.lists(day_values, min_size=28, max_size=35))
    start = today - timedelta(days=len(values) - 2)  # through tomorrow: never counted
    days: dict[date, Day] = {
        start + timedelta(days=i): v for i, v in enumerate(values) if v is not None
    }
    workdays = draw(workday_sets)
    paused = draw(st.one_of(st.none(), st.integers(-12, 3).map(lambda n: today + timedelta(n))))
    return days, today, workdays, paused


async def _member_with(
    database: Database, days: dict[date, Day], workdays: str, paused: date | None
) -> tuple[int, int, int, int]:
    """A new member of the team with these check-ins: (team id, member id, minimums)."""
    async with database.transaction() as session:
        team = await ensure_team(session, "memory", "rule-team", now=NOW, timezone="UTC")
        member = await ensure_member(
            session, "memory", f"rule-{next(_members)}", now=NOW, display_name="Rule"
        )
        await ensure_membership(session, team, member, now=NOW)
        member.workdays, member.paused_until = workdays, paused
        for day, value in days.items():
            record = (
                CheckinRecord(status="day_off")
                if isinstance(value, str)
                else CheckinRecord(status="complete", conversations=value[0], minutes=value[1])
            )
            await save_checkin(session, member.id, day, record, now=NOW)
        return team.id, member.id, team.min_conversations, team.min_minutes


async def _check_month(
    database_url: str, days: dict[date, Day], today: date, workdays: str, paused: date | None
) -> None:
    database = Database(database_url)
    try:
        team_id, member_id, min_c, min_m = await _member_with(database, days, workdays, paused)
        expected = reference(
            days,
            today,
            workdays=frozenset(int(d) for d in workdays),
            min_conversations=min_c,
            min_minutes=min_m,
            paused_until=paused,
        )
        params = StreakParams(member_id, workdays, min_c, min_m, paused)
        async with database.transaction() as session:
            got = await member_streaks(session, params, today)
            team = await team_current_streaks(
                session, team_id, today, {member_id: (workdays, paused)}
            )
        assert got == expected, (days, today, workdays, paused)
        assert team == {member_id: expected.current}
    finally:
        await database.dispose()


@examples(40)
@given(month=months())
def test_streaks_match_the_day_by_day_rule(
    database_url: str, month: tuple[dict[date, Day], date, str, date | None]
) -> None:
    """A member's streaks and the team's read of them equal the Python reference."""
    asyncio.run(_check_month(database_url, *month))


async def _workday_facts(database_url: str, day: date, workdays: str) -> list[object]:
    database = Database(database_url)
    try:
        n = epoch_days(literal(day, Date))
        column = literal(workdays, String)  # a team member's own workdays: computed per row
        query = select(
            workday_ordinal_sql(n, workdays),
            workday_ordinal_sql(n, column),
            is_workday(n, workdays),
            is_workday(n, column),
        )
        async with database.transaction() as session:
            return list((await session.execute(query)).one())
    finally:
        await database.dispose()


@examples(30)
@given(day=st.dates(date(2000, 1, 3), date(2040, 12, 31)), workdays=workday_sets)
def test_workday_sql_matches_python(database_url: str, day: date, workdays: str) -> None:
    """What a workday is, and its ordinal, agree in SQL (constant and per-row forms) and in
    Python."""
    ordinal, ordinal_per_row, constant, per_row = asyncio.run(
        _workday_facts(database_url, day, workdays)
    )
    assert ordinal == ordinal_per_row == workday_ordinal(day, workdays)
    assert bool(constant) == bool(per_row) == (str(day.weekday()) in workdays)
