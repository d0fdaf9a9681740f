"""Every aggregation Needle shows: stats, streaks, leaderboards, trends, recaps — in SQL.

Nothing here loads a team's check-ins into Python: each function asks the database for the
sums, counts and runs it needs and returns small dataclasses.

A day *meets the minimum* when it is not a day off and both its conversations and its minutes
are at or above the member's personal minimum (their goal where set, never below the team's
minimum); a missing number counts as zero.

Streaks are computed with a *workday ordinal*: the number of the member's workdays from a fixed
Monday up to a date. Two recorded workdays are consecutive exactly when their ordinals differ by
one, so runs are found with window functions (gaps and islands) instead of walking calendars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
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


def workday_ordinal(day: date, workdays: str) -> int:
    """How many of `workdays` (weekday digits) fall in [EPOCH, day]; the SQL twin is below."""
    n = (day - EPOCH).days
    dow = n % 7
    return (n // 7) * len(set(workdays)) + sum(1 for k in range(dow + 1) if str(k) in workdays)


def _workday_ordinal_sql(days: ColumnElement[int], workdays: ColumnElement[str]) -> Any:
    """The SQL expression of `workday_ordinal` for a day number and a workdays string."""
    dow = days % 7
    size = func.length(workdays)
    prefix = sum(
        (case((and_(dow >= k, workdays.contains(str(k))), 1), else_=0) for k in range(7)),
        start=literal(0),
    )
    return (days // 7) * size + prefix


def _is_workday_sql(days: ColumnElement[int], workdays: ColumnElement[str]) -> Any:
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


# --------------------------------------------------------------------------------------------
# One member's recent days (nudges)


@dataclass(frozen=True)
class DayMark:
    """One recorded day of a member: a day off, or whether the minimums were met."""

    local_date: date
    day_off: bool
    met: bool
    conversations: int
    minutes: int


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
        select(
            Checkin.local_date,
            Checkin.status == "day_off",
            _met(min_conversations, min_minutes),
            func.coalesce(Checkin.conversations, 0),
            func.coalesce(Checkin.minutes, 0),
        )
        .where(
            Checkin.member_id == member_id,
            Checkin.local_date >= since,
            Checkin.local_date <= through,
        )
        .order_by(Checkin.local_date.desc())
    )
    return [
        DayMark(day, bool(off), bool(ok), int(conv), int(mins))
        for day, off, ok, conv, mins in rows.all()
    ]


async def member_start(
    session: AsyncSession, member_id: int
) -> tuple[datetime | None, date | None]:
    """When the member first talked to Needle, and the date of their first check-in."""
    created = await session.scalar(select(Member.created_at).where(Member.id == member_id))
    first = await session.scalar(
        select(func.min(Checkin.local_date)).where(Checkin.member_id == member_id)
    )
    return created, first


# --------------------------------------------------------------------------------------------
# Streaks


@dataclass(frozen=True)
class StreakRuns:
    """What the database says about a member's runs; `bot.stats.streaks` finishes the sum."""

    member_id: int
    best: int  # the longest run of met workdays, through `today`
    last_run: int  # met workdays in the latest run
    last_ordinal: int  # workday ordinal of the latest recorded workday (met or day off)
    last_date: date


@dataclass(frozen=True)
class StreakParams:
    """One member's streak rules: workdays, minimums and pause."""

    member_id: int
    workdays: str
    min_conversations: int
    min_minutes: int
    paused_until: date | None


async def streak_runs(
    session: AsyncSession,
    today: date,
    *,
    member: StreakParams | None = None,
    team_id: int | None = None,
    public_only: bool = False,
) -> list[StreakRuns]:
    """Runs of met workdays for one member (`member`) or every active member of a team.

    Only workdays count. A below-minimum workday before `today` ends a run; so does a missing
    workday, unless it lies inside the gap that a pause ended (`paused_until`). Today's
    check-in counts once it meets the minimum and is ignored until then (today isn't over).
    """
    if member is not None:
        params = select(
            literal(member.member_id, Integer()).label("member_id"),
            literal(member.workdays, String()).label("workdays"),
            literal(member.min_conversations, Integer()).label("min_c"),
            literal(member.min_minutes, Integer()).label("min_m"),
            literal(member.paused_until, Date()).label("paused_until"),
        ).cte("params")
    else:
        params = (
            select(
                Member.id.label("member_id"),
                func.coalesce(Member.workdays, Team.workdays).label("workdays"),
                personal_minimum(Member.goal_conversations, Team.min_conversations).label("min_c"),
                personal_minimum(Member.goal_minutes, Team.min_minutes).label("min_m"),
                Member.paused_until.label("paused_until"),
            )
            .join(TeamMembership, TeamMembership.member_id == Member.id)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(
                TeamMembership.team_id == team_id,
                TeamMembership.active.is_(True),
                TeamMembership.public_ranking.is_(True) if public_only else true(),
            )
            .cte("params")
        )
    days = epoch_days(Checkin.local_date)
    met = _met(params.c.min_c, params.c.min_m)
    ordinal = _workday_ordinal_sql(days, params.c.workdays)
    pause_ordinal = _workday_ordinal_sql(epoch_days(params.c.paused_until), params.c.workdays)
    rows = (
        select(
            Checkin.member_id.label("member_id"),
            Checkin.local_date.label("local_date"),
            ordinal.label("ordinal"),
            _as_int(met).label("met"),
            _as_int(and_(Checkin.status != "day_off", ~met)).label("below"),
            params.c.paused_until.label("paused_until"),
            pause_ordinal.label("pause_ordinal"),
        )
        .join(params, params.c.member_id == Checkin.member_id)
        .where(
            Checkin.local_date <= today,
            _is_workday_sql(days, params.c.workdays),
            or_(Checkin.local_date < today, met),
        )
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
        latest.label("latest"),
    ).subquery()
    result = await session.execute(
        select(
            ranked.c.member_id,
            ranked.c.best,
            ranked.c.run,
            ranked.c.last_ordinal,
            ranked.c.last_date,
        ).where(ranked.c.latest == 1)
    )
    return [
        StreakRuns(
            member_id=int(member_id),
            best=int(best_run or 0),
            last_run=int(run or 0),
            last_ordinal=int(last_ordinal),
            last_date=_as_date(last_date),
        )
        for member_id, best_run, run, last_ordinal, last_date in result.all()
    ]


def _as_date(value: Any) -> date:
    """A date read back from a computed column (SQLite returns text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


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


async def period_totals(
    session: AsyncSession,
    member_id: int,
    periods: Sequence[tuple[date, date]],
    *,
    min_conversations: int,
    min_minutes: int,
) -> list[PeriodTotals]:
    """The member's totals for each (start, end) period, in one query."""
    if not periods:
        return []
    lo = min(start for start, _ in periods)
    hi = max(end for _, end in periods)
    activity_counts = (
        select(
            Activity.checkin_id.label("checkin_id"),
            func.count().label("n"),
            func.sum(_as_int(Activity.classification == "high")).label("high"),
            func.sum(_as_int(Activity.classification == "low")).label("low"),
        )
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(Checkin.member_id == member_id, Checkin.local_date.between(lo, hi))
        .group_by(Activity.checkin_id)
        .subquery()
    )
    met = _met(min_conversations, min_minutes)
    columns = []
    for start, end in periods:
        inside = Checkin.local_date.between(start, end)
        logged = and_(inside, Checkin.status != "day_off")
        columns += [
            func.sum(case((inside, func.coalesce(Checkin.conversations, 0)), else_=0)),
            func.sum(case((inside, func.coalesce(Checkin.minutes, 0)), else_=0)),
            func.sum(_as_int(and_(inside, met))),
            func.sum(_as_int(logged)),
            func.sum(_as_int(and_(inside, Checkin.status == "day_off"))),
            func.sum(case((inside, func.coalesce(Checkin.wins, 0)), else_=0)),
            func.sum(case((inside, func.coalesce(activity_counts.c.n, 0)), else_=0)),
            func.sum(case((inside, func.coalesce(activity_counts.c.high, 0)), else_=0)),
            func.sum(case((inside, func.coalesce(activity_counts.c.low, 0)), else_=0)),
        ]
    row = (
        await session.execute(
            select(*columns)
            .select_from(Checkin)
            .outerjoin(activity_counts, activity_counts.c.checkin_id == Checkin.id)
            .where(Checkin.member_id == member_id, Checkin.local_date.between(lo, hi))
        )
    ).one()
    values = [int(v or 0) for v in row]
    return [PeriodTotals(*values[i : i + 9]) for i in range(0, len(values), 9)]


@dataclass(frozen=True)
class DayPoint:
    """One bar of a chart: a day (or a week's first day) and its numbers."""

    day: date
    conversations: int
    minutes: int
    days: int  # check-ins in the bucket (1 for a day)


async def daily_points(
    session: AsyncSession, member_id: int, start: date, end: date, *, weekly: bool = False
) -> list[DayPoint]:
    """The member's numbers per day (or per week, Monday first) in [start, end], oldest first."""
    inside = and_(
        Checkin.member_id == member_id,
        Checkin.local_date.between(start, end),
        Checkin.status != "day_off",
    )
    if not weekly:
        rows = await session.execute(
            select(
                Checkin.local_date,
                func.coalesce(Checkin.conversations, 0),
                func.coalesce(Checkin.minutes, 0),
            )
            .where(inside)
            .order_by(Checkin.local_date)
        )
        return [DayPoint(day, int(c), int(m), 1) for day, c, m in rows.all()]
    week = epoch_days(Checkin.local_date) // 7
    weeks = await session.execute(
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
    return [
        DayPoint(EPOCH + timedelta(weeks=int(w)), int(c), int(m), int(n))
        for w, c, m, n in weeks.all()
    ]


async def activities_before_wins(
    session: AsyncSession, member_id: int, start: date, end: date, *, limit: int = 3
) -> list[tuple[str, int]]:
    """Top activities on a win day or the two days before it, most frequent first."""
    win_days = (
        select(epoch_days(Checkin.local_date).label("n"))
        .where(
            Checkin.member_id == member_id,
            Checkin.local_date.between(start, end),
            Checkin.wins > 0,
        )
        .subquery()
    )
    text = func.lower(func.trim(Activity.text))
    n = epoch_days(Checkin.local_date)
    rows = await session.execute(
        select(func.min(Activity.text), func.count(func.distinct(Checkin.id)).label("times"))
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(
            Checkin.member_id == member_id,
            Checkin.local_date.between(start - timedelta(days=2), end),
            select(win_days.c.n).where(win_days.c.n >= n, win_days.c.n <= n + 2).exists(),
        )
        .group_by(text)
        .order_by(func.count(func.distinct(Checkin.id)).desc(), text)
        .limit(limit)
    )
    return [(str(t), int(c)) for t, c in rows.all()]


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
    text = func.lower(func.trim(Activity.text))
    query = (
        select(func.min(Activity.text), func.count().label("times"))
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(Activity.classification == "low", Checkin.local_date.between(start, end))
        .group_by(text)
        .having(func.count() >= at_least)
        .order_by(func.count().desc(), text)
        .limit(1)
    )
    if member_id is not None:
        query = query.where(Checkin.member_id == member_id)
    if team_id is not None:
        query = query.join(TeamMembership, TeamMembership.member_id == Checkin.member_id).where(
            TeamMembership.team_id == team_id, TeamMembership.active.is_(True)
        )
    row = (await session.execute(query)).first()
    return (str(row[0]), int(row[1])) if row else None


# --------------------------------------------------------------------------------------------
# Team leaderboards and recaps


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


async def team_totals(
    session: AsyncSession,
    team_id: int,
    start: date,
    end: date,
    *,
    public_only: bool = True,
) -> list[MemberTotals]:
    """Every active member of the team with their totals over [start, end]."""
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
    rows = await session.execute(query)
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


async def team_activity_counts(
    session: AsyncSession, team_id: int, start: date, end: date
) -> tuple[int, int]:
    """(high-value, all) top activities of the team's active members in [start, end]."""
    row = (
        await session.execute(
            select(func.sum(_as_int(Activity.classification == "high")), func.count())
            .select_from(Activity)
            .join(Checkin, Checkin.id == Activity.checkin_id)
            .join(TeamMembership, TeamMembership.member_id == Checkin.member_id)
            .where(
                TeamMembership.team_id == team_id,
                TeamMembership.active.is_(True),
                Checkin.local_date.between(start, end),
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)
