"""Every aggregation Needle shows: stats, streaks, leaderboards, trends, recaps — in SQL.

Nothing here loads a team's check-ins into Python: each function asks the database for the
sums, counts, ranks and runs it needs and returns small dataclasses.

A day *meets the minimum* when it is not a day off and both its conversations and its minutes
are at or above the member's personal minimum (their goal where set, never below the team's
minimum); a missing number counts as zero.

Streaks are computed with a *workday ordinal*: the number of the member's workdays from a fixed
Monday up to a date. Two recorded workdays are consecutive exactly when their ordinals differ by
one, so runs are found with window functions (gaps and islands) instead of walking calendars.

Each statement is built once per shape (`functools.cache`) with bound parameters and reused:
building a large SQLAlchemy statement costs more than running it on an indexed table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from bot.storage.models import Activity, Checkin, Member, Team, TeamMembership

EPOCH = date(2000, 1, 3)  # a Monday: day 0 of the workday ordinal
_EPOCH_JULIAN = 2451546.5  # julianday('2000-01-03') in SQLite


class epoch_days(FunctionElement[int]):
    """Whole days from EPOCH to a DATE column (dialect-specific date arithmetic)."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_days, "sqlite")
def _epoch_days_sqlite(element: epoch_days, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(julianday({arg}) - {_EPOCH_JULIAN} AS INTEGER)"


@compiles(epoch_days)
def _epoch_days_default(element: epoch_days, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"({arg} - DATE '{EPOCH.isoformat()}')"


class add_days(FunctionElement[date]):
    """A DATE column plus a whole number of days (dialect-specific date arithmetic)."""

    type = Date()
    inherit_cache = True


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    column, days = list(element.clauses)
    return f"date({compiler.process(column, **kw)}, '+{int(days.value)} days')"


@compiles(add_days)
def _add_days_default(element: add_days, compiler: Any, **kw: Any) -> str:
    column, days = list(element.clauses)
    return f"({compiler.process(column, **kw)} + {int(days.value)})"


def _p(name: str, type_: Any = None) -> Any:
    """A named bound parameter."""
    return bindparam(name, type_=type_)


def workday_ordinal(day: date, workdays: str) -> int:
    """How many of `workdays` (weekday digits) fall in [EPOCH, day]; the SQL twin is below."""
    n = (day - EPOCH).days
    dow = n % 7
    return (n // 7) * len(set(workdays)) + sum(1 for k in range(dow + 1) if str(k) in workdays)


def _workday_ordinal_sql(days: Any, workdays: Any) -> Any:
    """The SQL expression of `workday_ordinal` for a day number and a workdays string.

    With `workdays` a Python string (one member's rules) the expression is a constant lookup;
    with a column (a team's members, each with their own) it is computed per row.
    """
    dow = days % 7
    if isinstance(workdays, str):
        prefix = case(
            *((dow == k, sum(1 for d in workdays if int(d) <= k)) for k in range(7)), else_=0
        )
        return (days // 7) * len(set(workdays)) + prefix
    size = func.length(workdays)
    counted: Any = literal(0)
    for k in range(7):
        counted = counted + case((and_(dow >= k, workdays.contains(str(k))), 1), else_=0)
    return (days // 7) * size + counted


def _is_workday_sql(days: Any, workdays: Any) -> Any:
    if isinstance(workdays, str):
        return (days % 7).in_([int(d) for d in workdays])
    return workdays.contains(cast(days % 7, String))


def personal_minimum(goal: Any, team_minimum: Any) -> Any:
    """SQL: the member's goal where it is above the team's minimum, else the team's minimum."""
    return case((func.coalesce(goal, 0) > team_minimum, goal), else_=team_minimum)


def _met(min_conversations: Any, min_minutes: Any) -> Any:
    return and_(
        Checkin.status != "day_off",
        func.coalesce(Checkin.conversations, 0) >= min_conversations,
        func.coalesce(Checkin.minutes, 0) >= min_minutes,
    )


def _as_int(flag: Any) -> Any:
    return case((flag, 1), else_=0)


def _as_date(value: Any) -> date:
    """A date read back from a computed column (SQLite returns text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --------------------------------------------------------------------------------------------
# One member's recent days (nudges, coaching)


@dataclass(frozen=True)
class DayMark:
    """One recorded day of a member: a day off, or whether the minimums were met."""

    local_date: date
    day_off: bool
    met: bool
    conversations: int
    minutes: int


@cache
def _recent_days_statement() -> Select:
    return (
        select(
            Checkin.local_date,
            Checkin.status == "day_off",
            _met(_p("min_c", Integer), _p("min_m", Integer)),
            func.coalesce(Checkin.conversations, 0),
            func.coalesce(Checkin.minutes, 0),
        )
        .where(
            Checkin.member_id == _p("member_id"),
            Checkin.local_date >= _p("since", Date),
            Checkin.local_date <= _p("through", Date),
        )
        .order_by(Checkin.local_date.desc())
    )


async def recent_days(
    session: AsyncSession,
    member_id: int,
    *,
    since: date,
    through: date,
    min_conversations: int,
    min_minutes: int,
) -> list[DayMark]:
    """The member's recorded days in [since, through], newest first (a bounded window)."""
    rows = await session.execute(
        _recent_days_statement(),
        {
            "member_id": member_id,
            "since": since,
            "through": through,
            "min_c": min_conversations,
            "min_m": min_minutes,
        },
    )
    return [
        DayMark(_as_date(day), bool(off), bool(ok), int(conv), int(mins))
        for day, off, ok, conv, mins in rows.all()
    ]


@cache
def _member_start_statement() -> Select:
    first = (
        select(func.min(Checkin.local_date))
        .where(Checkin.member_id == Member.id)
        .correlate(Member)
        .scalar_subquery()
    )
    return select(Member.created_at, first).where(Member.id == _p("member_id"))


async def member_start(
    session: AsyncSession, member_id: int
) -> tuple[datetime | None, date | None]:
    """When the member first talked to Needle, and the date of their first check-in."""
    row = (await session.execute(_member_start_statement(), {"member_id": member_id})).first()
    if row is None:
        return None, None
    return row[0], _as_date(row[1]) if row[1] is not None else None


# --------------------------------------------------------------------------------------------
# Streaks


@dataclass(frozen=True)
class StreakRuns:
    """What the database says about a member's runs; `bot.stats.streaks` finishes the sum."""

    member_id: int
    best: int  # the longest run of met workdays in the rows read
    last_run: int  # met workdays in the latest run
    last_ordinal: int  # workday ordinal of the latest recorded workday (met or day off)
    last_date: date
    unbroken: bool = False  # no break at all among the rows read
    first_ordinal: int = 0  # workday ordinal of the latest run's first row


@dataclass(frozen=True)
class StreakParams:
    """One member's streak rules: workdays, minimums and pause."""

    member_id: int
    workdays: str
    min_conversations: int
    min_minutes: int
    paused_until: date | None


@cache
def _streak_statement(workdays: str, team: bool) -> Select:
    """Runs of met workdays, for one member or (`team`) for listed members of a team, who all
    have these `workdays` (weekday digits: the expressions are constant lookups)."""
    if not team:
        params = select(
            _p("member_id", Integer).label("member_id"),
            _p("min_c", Integer).label("min_c"),
            _p("min_m", Integer).label("min_m"),
            _p("paused_until", Date).label("paused_until"),
            _p("pause_ordinal", Integer).label("pause_ordinal"),
        ).cte("params")
    else:
        params = (
            select(
                Member.id.label("member_id"),
                personal_minimum(Member.goal_conversations, Team.min_conversations).label("min_c"),
                personal_minimum(Member.goal_minutes, Team.min_minutes).label("min_m"),
                Member.paused_until.label("paused_until"),
                _workday_ordinal_sql(epoch_days(Member.paused_until), workdays).label(
                    "pause_ordinal"
                ),
            )
            .join(TeamMembership, TeamMembership.member_id == Member.id)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(
                TeamMembership.team_id == _p("team_id"),
                TeamMembership.active.is_(True),
                Member.id.in_(bindparam("member_ids", expanding=True)),
            )
            .cte("params")
        )
    today = _p("today", Date)
    met = _met(params.c.min_c, params.c.min_m)
    # The day number is computed once per row here; the expressions below reuse it.
    base = (
        select(
            Checkin.member_id.label("member_id"),
            Checkin.local_date.label("local_date"),
            epoch_days(Checkin.local_date).label("n"),
            _as_int(met).label("met"),
            _as_int(and_(Checkin.status != "day_off", ~met)).label("below"),
            params.c.paused_until.label("paused_until"),
            params.c.pause_ordinal.label("pause_ordinal"),
        )
        .join(params, params.c.member_id == Checkin.member_id)
        .where(
            Checkin.local_date >= _p("since", Date),
            Checkin.local_date <= today,
            or_(Checkin.local_date < today, met),
        )
        .cte("streak_base")
    )
    rows = (
        select(
            base.c.member_id,
            base.c.local_date,
            _workday_ordinal_sql(base.c.n, workdays).label("ordinal"),
            base.c.met,
            base.c.below,
            base.c.paused_until,
            base.c.pause_ordinal,
        )
        .where(_is_workday_sql(base.c.n, workdays))
        .cte("streak_days")
    )
    prev = func.lag(rows.c.ordinal).over(partition_by=rows.c.member_id, order_by=rows.c.local_date)
    marked = select(
        rows.c.member_id,
        rows.c.local_date,
        rows.c.ordinal,
        rows.c.met,
        rows.c.below,
        rows.c.paused_until,
        rows.c.pause_ordinal,
        prev.label("prev_ordinal"),
    ).cte("streak_marked")
    gap_breaks = and_(
        marked.c.prev_ordinal.is_not(None),
        marked.c.ordinal - marked.c.prev_ordinal > 1,
        ~and_(
            marked.c.paused_until.is_not(None),
            marked.c.local_date > marked.c.paused_until,
            marked.c.pause_ordinal >= marked.c.ordinal - 1,
        ),
    )
    breaks = _as_int(or_(marked.c.below == 1, gap_breaks))
    group = func.sum(breaks).over(
        partition_by=marked.c.member_id, order_by=marked.c.local_date, rows=(None, 0)
    )
    grouped = select(
        marked.c.member_id,
        marked.c.local_date,
        marked.c.ordinal,
        marked.c.met,
        group.label("grp"),
    ).cte("streak_grouped")
    runs = (
        select(
            grouped.c.member_id,
            grouped.c.grp,
            func.sum(grouped.c.met).label("run"),
            func.max(grouped.c.ordinal).label("last_ordinal"),
            func.max(grouped.c.local_date).label("last_date"),
            func.min(grouped.c.ordinal).label("first_ordinal"),
        )
        .group_by(grouped.c.member_id, grouped.c.grp)
        .cte("streak_runs")
    )
    latest = func.row_number().over(partition_by=runs.c.member_id, order_by=runs.c.grp.desc())
    best = func.max(runs.c.run).over(partition_by=runs.c.member_id)
    ranked = select(
        runs.c.member_id,
        best.label("best"),
        runs.c.run,
        runs.c.last_ordinal,
        runs.c.last_date,
        runs.c.grp,
        runs.c.first_ordinal,
        latest.label("latest"),
    ).subquery()
    return select(
        ranked.c.member_id,
        ranked.c.best,
        ranked.c.run,
        ranked.c.last_ordinal,
        ranked.c.last_date,
        ranked.c.grp,
        ranked.c.first_ordinal,
    ).where(ranked.c.latest == 1)


def _streak_runs_of(row: Any) -> StreakRuns:
    member_id, best_run, run, last_ordinal, last_date, group, first_ordinal = row
    return StreakRuns(
        member_id=int(member_id),
        best=int(best_run or 0),
        last_run=int(run or 0),
        last_ordinal=int(last_ordinal),
        last_date=_as_date(last_date),
        unbroken=int(group or 0) == 0,
        first_ordinal=int(first_ordinal or 0),
    )


def _member_streak_values(member: StreakParams) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "min_c": member.min_conversations,
        "min_m": member.min_minutes,
        "paused_until": member.paused_until,
        "pause_ordinal": (
            workday_ordinal(member.paused_until, member.workdays)
            if member.paused_until is not None
            else None
        ),
    }


async def streak_runs(
    session: AsyncSession, today: date, member: StreakParams, *, since: date = EPOCH
) -> StreakRuns | None:
    """Runs of met workdays of one member, from `since` through `today`.

    Only workdays count. A below-minimum workday before `today` ends a run; so does a missing
    workday, unless it lies inside the gap that a pause ended (`paused_until`). Today's
    check-in counts once it meets the minimum and is ignored until then (today isn't over).
    """
    values = _member_streak_values(member) | {"today": today, "since": since}
    row = (await session.execute(_streak_statement(member.workdays, False), values)).first()
    return _streak_runs_of(row) if row is not None else None


async def team_streak_runs(
    session: AsyncSession,
    team_id: int,
    member_ids: Sequence[int],
    workdays: str,
    today: date,
    *,
    since: date,
) -> dict[int, StreakRuns]:
    """`streak_runs` for members of a team who share `workdays`, from `since` (their goals and
    pauses are read from the database; only the team's active members are counted)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        _streak_statement(workdays, True),
        {"team_id": team_id, "member_ids": list(member_ids), "today": today, "since": since},
    )
    return {runs.member_id: runs for runs in map(_streak_runs_of, rows.all())}


# --------------------------------------------------------------------------------------------
# Stats of one member over a period and the period before


@dataclass(frozen=True)
class PeriodTotals:
    """A member's numbers over one period."""

    conversations: int = 0
    minutes: int = 0
    days_met: int = 0
    days_logged: int = 0  # days with a check-in that isn't a day off
    days_off: int = 0
    wins: int = 0
    activities: int = 0
    high_value: int = 0
    low_value: int = 0

    @property
    def high_value_share(self) -> float | None:
        """Share of top activities that were high-value (None without activities)."""
        return self.high_value / self.activities if self.activities else None


@cache
def _period_totals_statement(periods: int) -> Select:
    member_id, lo, hi = _p("member_id"), _p("lo", Date), _p("hi", Date)
    met = _met(_p("min_c", Integer), _p("min_m", Integer))
    spans = [
        Checkin.local_date.between(_p(f"start{i}", Date), _p(f"end{i}", Date))
        for i in range(periods)
    ]
    day_columns: list[Any] = []
    activity_columns: list[Any] = []
    for i, inside in enumerate(spans):
        day_columns += [
            func.sum(case((inside, func.coalesce(Checkin.conversations, 0)), else_=0)).label(
                f"c{i}"
            ),
            func.sum(case((inside, func.coalesce(Checkin.minutes, 0)), else_=0)).label(f"m{i}"),
            func.sum(_as_int(and_(inside, met))).label(f"met{i}"),
            func.sum(_as_int(and_(inside, Checkin.status != "day_off"))).label(f"logged{i}"),
            func.sum(_as_int(and_(inside, Checkin.status == "day_off"))).label(f"off{i}"),
            func.sum(case((inside, func.coalesce(Checkin.wins, 0)), else_=0)).label(f"w{i}"),
        ]
        activity_columns += [
            func.sum(_as_int(inside)).label(f"a{i}"),
            func.sum(_as_int(and_(inside, Activity.classification == "high"))).label(f"h{i}"),
            func.sum(_as_int(and_(inside, Activity.classification == "low"))).label(f"l{i}"),
        ]
    in_range = and_(Checkin.member_id == member_id, Checkin.local_date.between(lo, hi))
    days = (
        select(*day_columns, func.min(Checkin.local_date).label("first")).where(in_range).subquery()
    )
    # Activities are summed apart from the days, so a day's numbers count once.
    activities = (
        select(*activity_columns)
        .select_from(Activity)
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(in_range)
        .subquery()
    )
    columns: list[Any] = []
    for i in range(periods):
        columns += [days.c[f"{name}{i}"] for name in ("c", "m", "met", "logged", "off", "w")]
        columns += [activities.c[f"{name}{i}"] for name in ("a", "h", "l")]
    return select(*columns, days.c.first).select_from(days).join(activities, true())


@cache
def _member_summary_statement(periods: int, workdays: str) -> Select:
    totals = _period_totals_statement(periods).subquery("totals")
    runs = _streak_statement(workdays, False).subquery("runs")
    return select(
        totals,
        runs.c.member_id,
        runs.c.best,
        runs.c.run,
        runs.c.last_ordinal,
        runs.c.last_date,
        runs.c.grp,
        runs.c.first_ordinal,
    ).select_from(totals.outerjoin(runs, true()))


@dataclass(frozen=True)
class MemberSummary:
    """A member's totals per period and their streak runs, read in one query."""

    periods: list[PeriodTotals]
    first: date | None  # first check-in inside the periods' span
    runs: StreakRuns | None


async def member_summary(
    session: AsyncSession,
    params: StreakParams,
    periods: Sequence[tuple[date, date]],
    *,
    today: date,
) -> MemberSummary:
    """A member's totals for each (start, end) period, the date of their first check-in
    inside the periods' span, and their streak runs: one query."""
    values: dict[str, Any] = _member_streak_values(params) | {
        "lo": min(start for start, _ in periods),
        "hi": max(end for _, end in periods),
        "today": today,
        "since": EPOCH,
    }
    for i, (start, end) in enumerate(periods):
        values[f"start{i}"], values[f"end{i}"] = start, end
    statement = _member_summary_statement(len(periods), params.workdays)
    row = (await session.execute(statement, values)).one()
    numbers = [int(v or 0) for v in row[: 9 * len(periods)]]
    first = row[9 * len(periods)]
    streak = row[9 * len(periods) + 1 :]
    runs = _streak_runs_of(streak) if streak[0] is not None else None
    return MemberSummary(
        periods=[PeriodTotals(*numbers[i : i + 9]) for i in range(0, len(numbers), 9)],
        first=_as_date(first) if first is not None else None,
        runs=runs,
    )


@dataclass(frozen=True)
class DayPoint:
    """One bar of a chart: a day (or a week's first day) and its numbers."""

    day: date
    conversations: int
    minutes: int
    days: int  # check-ins in the bucket (1 for a day)


@cache
def _daily_points_statement(weekly: bool) -> Select:
    inside = and_(
        Checkin.member_id == _p("member_id"),
        Checkin.local_date.between(_p("start", Date), _p("end", Date)),
        Checkin.status != "day_off",
    )
    if not weekly:
        return (
            select(
                Checkin.local_date,
                func.coalesce(Checkin.conversations, 0),
                func.coalesce(Checkin.minutes, 0),
                literal(1, Integer()),
            )
            .where(inside)
            .order_by(Checkin.local_date)
        )
    week = epoch_days(Checkin.local_date) // 7
    return (
        select(
            week.label("week"),
            func.sum(func.coalesce(Checkin.conversations, 0)),
            func.sum(func.coalesce(Checkin.minutes, 0)),
            func.count(),
        )
        .where(inside)
        .group_by(week)
        .order_by(week)
    )


async def daily_points(
    session: AsyncSession, member_id: int, start: date, end: date, *, weekly: bool = False
) -> list[DayPoint]:
    """The member's numbers per day (or per week, Monday first) in [start, end], oldest first."""
    rows = await session.execute(
        _daily_points_statement(weekly), {"member_id": member_id, "start": start, "end": end}
    )
    return [
        DayPoint(
            EPOCH + timedelta(weeks=int(key)) if weekly else _as_date(key), int(c), int(m), int(n)
        )
        for key, c, m, n in rows.all()
    ]


@cache
def _before_wins_statement() -> Select:
    text = func.lower(func.trim(Activity.text))
    times = func.count(func.distinct(Checkin.id))
    start, end = _p("win_start", Date), _p("win_end", Date)
    won = aliased(Checkin, name="won")
    return (
        select(func.min(Activity.text).label("text"), times.label("times"))
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(
            Checkin.member_id == _p("member_id"),
            Checkin.local_date.between(_p("win_from", Date), end),
            select(won.id)
            .where(
                won.member_id == Checkin.member_id,
                won.wins > 0,
                won.local_date.between(Checkin.local_date, add_days(Checkin.local_date, 2)),
                # As day numbers so the index serves the range just above, not this one.
                epoch_days(won.local_date).between(epoch_days(start), epoch_days(end)),
            )
            .exists(),
        )
        .group_by(text)
        .order_by(times.desc(), text)
        .limit(_p("win_limit", Integer))
    )


def _before_wins_values(member_id: int, start: date, end: date, limit: int) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "win_start": start,
        "win_end": end,
        "win_from": start - timedelta(days=2),
        "win_limit": limit,
    }


@cache
def _recurring_statement(by_member: bool, by_team: bool) -> Select:
    text = func.lower(func.trim(Activity.text))
    query = (
        select(func.min(Activity.text).label("text"), func.count().label("times"))
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(
            Activity.classification == "low",
            Checkin.local_date.between(_p("low_start", Date), _p("low_end", Date)),
        )
        .group_by(text)
        .having(func.count() >= _p("low_at_least", Integer))
        .order_by(func.count().desc(), text)
        .limit(1)
    )
    if by_member:
        query = query.where(Checkin.member_id == _p("member_id"))
    if by_team:
        query = query.join(TeamMembership, TeamMembership.member_id == Checkin.member_id).where(
            TeamMembership.team_id == _p("team_id"), TeamMembership.active.is_(True)
        )
    return query


async def recurring_low_value(
    session: AsyncSession,
    start: date,
    end: date,
    *,
    member_id: int | None = None,
    team_id: int | None = None,
    at_least: int = 2,
) -> tuple[str, int] | None:
    """The low-value activity named most often in [start, end] (at least `at_least` times)."""
    statement = _recurring_statement(member_id is not None, team_id is not None)
    values: dict[str, Any] = {"low_start": start, "low_end": end, "low_at_least": at_least}
    if member_id is not None:
        values["member_id"] = member_id
    if team_id is not None:
        values["team_id"] = team_id
    row = (await session.execute(statement, values)).first()
    return (str(row[0]), int(row[1])) if row else None


@cache
def _highlights_statement(with_wins: bool) -> Any:
    recurring = _recurring_statement(True, False).subquery("recurring")
    parts = [select(literal("low", String()).label("kind"), recurring.c.text, recurring.c.times)]
    if with_wins:
        wins = _before_wins_statement().subquery("before_wins")
        parts.append(select(literal("win", String()).label("kind"), wins.c.text, wins.c.times))
    return union_all(*parts)


@dataclass(frozen=True)
class Highlights:
    """What a member's activities say: what came before wins, and what to delegate."""

    before_wins: list[tuple[str, int]]
    delegate: tuple[str, int] | None


async def member_highlights(
    session: AsyncSession,
    member_id: int,
    *,
    wins_between: tuple[date, date] | None,
    delegate_between: tuple[date, date],
    delegate_at_least: int = 2,
    limit: int = 3,
) -> Highlights:
    """A member's top activities on a win day or the two days before it (when `wins_between`
    is given) and their recurring low-value activity (`recurring_low_value`): one query."""
    values: dict[str, Any] = {
        "member_id": member_id,
        "low_start": delegate_between[0],
        "low_end": delegate_between[1],
        "low_at_least": delegate_at_least,
    }
    if wins_between is not None:
        values |= _before_wins_values(member_id, *wins_between, limit)
    rows = (await session.execute(_highlights_statement(wins_between is not None), values)).all()
    delegate = next(((str(t), int(n)) for kind, t, n in rows if kind == "low"), None)
    wins = sorted(
        ((str(t), int(n)) for kind, t, n in rows if kind == "win"),
        key=lambda item: (-item[1], item[0].strip().casefold()),
    )
    return Highlights(before_wins=wins, delegate=delegate)


# --------------------------------------------------------------------------------------------
# Team leaderboards and recaps


@dataclass(frozen=True)
class Ranked:
    """A leaderboard row ranked by the database."""

    rank: int
    member_id: int
    display_name: str
    value: int
    members: int  # how many members are ranked in all


@cache
def _ranked_statement(metric: str) -> Select:
    """Conversations or minutes per visible member, ranked (ties share), best first."""
    column = Checkin.conversations if metric == "conversations" else Checkin.minutes
    # Members first, then each one's check-ins in the period through the (member, date) index.
    value = func.coalesce(func.sum(func.coalesce(column, 0)), 0)
    name = func.coalesce(func.nullif(Member.display_name, ""), Member.external_id)
    ranked = (
        select(
            func.rank().over(order_by=value.desc()).label("rank"),
            Member.id.label("member_id"),
            name.label("display_name"),
            value.label("value"),
        )
        .select_from(TeamMembership)
        .join(Member, Member.id == TeamMembership.member_id)
        .outerjoin(
            Checkin,
            and_(
                Checkin.member_id == Member.id,
                Checkin.local_date.between(_p("start", Date), _p("end", Date)),
            ),
        )
        .where(
            TeamMembership.team_id == _p("team_id"),
            TeamMembership.active.is_(True),
            TeamMembership.public_ranking.is_(True),
        )
        .group_by(Member.id)
        .subquery()
    )
    ranked_members = (
        select(func.count())
        .select_from(TeamMembership)
        .where(
            TeamMembership.team_id == _p("team_id"),
            TeamMembership.active.is_(True),
            TeamMembership.public_ranking.is_(True),
        )
        .scalar_subquery()
    )
    # The asker's row first, then the best: `top` + 1 rows cover both cases.
    return (
        select(
            ranked.c.rank,
            ranked.c.member_id,
            ranked.c.display_name,
            ranked.c.value,
            ranked_members,
        )
        .order_by(
            (ranked.c.member_id == _p("asker")).desc(),
            ranked.c.rank,
            func.lower(ranked.c.display_name),
            ranked.c.member_id,
        )
        .limit(_p("top_and_asker", Integer))
    )


async def ranked_totals(
    session: AsyncSession,
    team_id: int,
    start: date,
    end: date,
    *,
    metric: str,
    top: int,
    asker_id: int,
) -> list[Ranked]:
    """The top `top` members of the team by conversations or minutes in [start, end], plus the
    asker's own row; members who opted out of ranking are left out."""
    rows = await session.execute(
        _ranked_statement(metric),
        {
            "team_id": team_id,
            "start": start,
            "end": end,
            "top_and_asker": top + 1,
            "asker": asker_id,
        },
    )
    found = [
        Ranked(int(rank), int(member_id), str(name), int(value), int(members))
        for rank, member_id, name, value, members in rows.all()
    ]
    # The true top `top` is among the asker and the best others; the asker follows if lower.
    ordered = sorted(found, key=lambda r: (r.rank, r.display_name.casefold(), r.member_id))
    shown = ordered[:top]
    return shown + [r for r in ordered[top:] if r.member_id == asker_id]


@dataclass(frozen=True)
class MemberTotals:
    """One member's totals in a team over a period (a leaderboard row before ranking)."""

    member_id: int
    display_name: str
    external_id: str
    conversations: int
    minutes: int
    days_met: int
    days_logged: int
    days_off_workdays: int  # days off falling on the member's workdays
    logged_on_end: bool  # a check-in (not a day off) on the period's last day
    first_checkin: date | None  # the member's first check-in ever
    paused_until: date | None
    workdays: str
    min_conversations: int
    min_minutes: int
    joined: datetime | None


@cache
def _team_totals_statement(public_only: bool) -> Select:
    start, end, team_id = _p("start", Date), _p("end", Date), _p("team_id")
    min_c = personal_minimum(Member.goal_conversations, Team.min_conversations)
    min_m = personal_minimum(Member.goal_minutes, Team.min_minutes)
    workdays = func.coalesce(Member.workdays, Team.workdays)
    totals = (
        select(
            Checkin.member_id.label("member_id"),
            func.sum(func.coalesce(Checkin.conversations, 0)).label("conversations"),
            func.sum(func.coalesce(Checkin.minutes, 0)).label("minutes"),
            func.sum(_as_int(_met(min_c, min_m))).label("days_met"),
            func.sum(_as_int(Checkin.status != "day_off")).label("days_logged"),
            func.sum(
                _as_int(
                    and_(
                        Checkin.status == "day_off",
                        _is_workday_sql(epoch_days(Checkin.local_date), workdays),
                    )
                )
            ).label("days_off"),
            func.sum(_as_int(and_(Checkin.status != "day_off", Checkin.local_date == end))).label(
                "logged_on_end"
            ),
        )
        .join(TeamMembership, TeamMembership.member_id == Checkin.member_id)
        .join(Member, Member.id == Checkin.member_id)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(
            TeamMembership.team_id == team_id,
            TeamMembership.active.is_(True),
            Checkin.local_date.between(start, end),
        )
        .group_by(Checkin.member_id)
        .subquery()
    )
    first_checkin = (
        select(func.min(Checkin.local_date))
        .where(Checkin.member_id == Member.id)
        .correlate(Member)
        .scalar_subquery()
    )
    query = (
        select(
            Member.id,
            Member.display_name,
            Member.external_id,
            func.coalesce(totals.c.conversations, 0),
            func.coalesce(totals.c.minutes, 0),
            func.coalesce(totals.c.days_met, 0),
            func.coalesce(totals.c.days_logged, 0),
            func.coalesce(totals.c.days_off, 0),
            func.coalesce(totals.c.logged_on_end, 0),
            first_checkin,
            Member.paused_until,
            workdays,
            min_c,
            min_m,
            TeamMembership.joined_at,
        )
        .join(TeamMembership, TeamMembership.member_id == Member.id)
        .join(Team, Team.id == TeamMembership.team_id)
        .outerjoin(totals, totals.c.member_id == Member.id)
        .where(TeamMembership.team_id == team_id, TeamMembership.active.is_(True))
    )
    if public_only:
        query = query.where(TeamMembership.public_ranking.is_(True))
    return query


async def team_totals(
    session: AsyncSession,
    team_id: int,
    start: date,
    end: date,
    *,
    public_only: bool = True,
) -> list[MemberTotals]:
    """Every active member of the team with their totals over [start, end]."""
    rows = await session.execute(
        _team_totals_statement(public_only), {"team_id": team_id, "start": start, "end": end}
    )
    return [
        MemberTotals(
            member_id=int(r[0]),
            display_name=str(r[1] or r[2]),
            external_id=str(r[2]),
            conversations=int(r[3]),
            minutes=int(r[4]),
            days_met=int(r[5]),
            days_logged=int(r[6]),
            days_off_workdays=int(r[7]),
            logged_on_end=bool(r[8]),
            first_checkin=_as_date(r[9]) if r[9] is not None else None,
            paused_until=r[10],
            workdays=str(r[11]),
            min_conversations=int(r[12]),
            min_minutes=int(r[13]),
            joined=r[14],
        )
        for r in rows.all()
    ]


@cache
def _team_activity_statement() -> Select:
    return (
        select(func.sum(_as_int(Activity.classification == "high")), func.count())
        .select_from(Activity)
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .join(TeamMembership, TeamMembership.member_id == Checkin.member_id)
        .where(
            TeamMembership.team_id == _p("team_id"),
            TeamMembership.active.is_(True),
            Checkin.local_date.between(_p("start", Date), _p("end", Date)),
        )
    )


async def team_activity_counts(
    session: AsyncSession, team_id: int, start: date, end: date
) -> tuple[int, int]:
    """(high-value, all) top activities of the team's active members in [start, end]."""
    row = (
        await session.execute(
            _team_activity_statement(), {"team_id": team_id, "start": start, "end": end}
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)
