"""Totals over periods: one member's numbers per period (with their streak runs, in one
query) and every member of a team over a period (a leaderboard or recap before ranking)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.days import first_checkin
from bot.storage.models import Activity, Checkin, Member, Team, TeamMembership
from bot.storage.sql import EPOCH, as_date, as_int, epoch_days, in_team_history, param
from bot.storage.streaks import (
    StreakParams,
    StreakRuns,
    is_workday,
    meets_minimum,
    member_values,
    personal_minimum,
    runs_of,
    streak_statement,
)


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


def _spans(periods: int) -> list[Any]:
    """SQL: whether a check-in lies in period i ([start{i}, end{i}]), for each period."""
    return [
        Checkin.local_date.between(param(f"start{i}", Date), param(f"end{i}", Date))
        for i in range(periods)
    ]


def member_days_in_range() -> Any:
    """SQL: the check-in is the member's (`member_id`) and lies in [lo, hi]."""
    return and_(
        Checkin.member_id == param("member_id"),
        Checkin.local_date.between(param("lo", Date), param("hi", Date)),
    )


def period_day_totals(periods: int, workdays: str) -> Subquery:
    """One row: for each period i, the member's conversations c{i}, minutes m{i}, days at
    minimum met{i} and days off off{i} (both on `workdays` only), days logged logged{i} and
    wins w{i}; and the date of their first check-in in [lo, hi] (`first`)."""
    workday = is_workday(epoch_days(Checkin.local_date), workdays)
    met = and_(workday, meets_minimum(param("min_c", Integer), param("min_m", Integer)))
    columns: list[Any] = []
    for i, inside in enumerate(_spans(periods)):
        columns += [
            func.sum(case((inside, func.coalesce(Checkin.conversations, 0)), else_=0)).label(
                f"c{i}"
            ),
            func.sum(case((inside, func.coalesce(Checkin.minutes, 0)), else_=0)).label(f"m{i}"),
            func.sum(as_int(and_(inside, met))).label(f"met{i}"),
            func.sum(as_int(and_(inside, Checkin.status != "day_off"))).label(f"logged{i}"),
            func.sum(as_int(and_(inside, workday, Checkin.status == "day_off"))).label(f"off{i}"),
            func.sum(case((inside, func.coalesce(Checkin.wins, 0)), else_=0)).label(f"w{i}"),
        ]
    return (
        select(*columns, func.min(Checkin.local_date).label("first"))
        .where(member_days_in_range())
        .subquery()
    )


def period_activity_totals(periods: int) -> Subquery:
    """One row: for each period i, the member's top activities a{i}, high-value ones h{i} and
    low-value ones l{i} (summed apart from the days, so a day's numbers count once)."""
    columns: list[Any] = []
    for i, inside in enumerate(_spans(periods)):
        columns += [
            func.sum(as_int(inside)).label(f"a{i}"),
            func.sum(as_int(and_(inside, Activity.classification == "high"))).label(f"h{i}"),
            func.sum(as_int(and_(inside, Activity.classification == "low"))).label(f"l{i}"),
        ]
    return (
        select(*columns)
        .select_from(Activity)
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(member_days_in_range())
        .subquery()
    )


@cache
def _period_totals_statement(periods: int, workdays: str) -> Select:
    """One row: the nine numbers of each period in turn (PeriodTotals order), then `first`."""
    days, activities = period_day_totals(periods, workdays), period_activity_totals(periods)
    columns: list[Any] = []
    for i in range(periods):
        columns += [days.c[f"{name}{i}"] for name in ("c", "m", "met", "logged", "off", "w")]
        columns += [activities.c[f"{name}{i}"] for name in ("a", "h", "l")]
    return select(*columns, days.c.first).select_from(days).join(activities, true())


@cache
def _member_summary_statement(periods: int, workdays: str) -> Select:
    totals = _period_totals_statement(periods, workdays).subquery("totals")
    runs = streak_statement(workdays, False).subquery("runs")
    return select(
        totals,
        last_workday_record(Checkin.member_id == param("member_id"), workdays),
        runs.c.member_id,
        runs.c.best,
        runs.c.run,
        runs.c.last_ordinal,
        runs.c.last_date,
        runs.c.grp,
        runs.c.first_ordinal,
    ).select_from(totals.outerjoin(runs, true()))


def last_workday_record(member: Any, workdays: Any, paused_until: Any = None) -> Any:
    """SQL: the date of the member's last check-in on a workday on or before the end of their
    pause (`paused_until`, the bound parameter unless given): where the pause's gap begins."""
    until = param("paused_until", Date) if paused_until is None else paused_until
    return (
        select(func.max(Checkin.local_date))
        .where(
            member,
            Checkin.local_date <= until,
            is_workday(epoch_days(Checkin.local_date), workdays),
        )
        .scalar_subquery()
    )


@dataclass(frozen=True)
class MemberSummary:
    """A member's totals per period and their streak runs, read in one query."""

    periods: list[PeriodTotals]
    first: date | None  # first check-in inside the periods' span
    runs: StreakRuns | None
    pause_last_record: date | None  # last check-in on a workday on or before the pause's end


async def member_summary(
    session: AsyncSession,
    params: StreakParams,
    periods: Sequence[tuple[date, date]],
    *,
    today: date,
) -> MemberSummary:
    """A member's totals for each (start, end) period, the date of their first check-in
    inside the periods' span, and their streak runs: one query."""
    values: dict[str, Any] = member_values(params) | {
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
    first, last_record = row[9 * len(periods)], row[9 * len(periods) + 1]
    streak = row[9 * len(periods) + 2 :]
    runs = runs_of(streak) if streak[0] is not None else None
    return MemberSummary(
        periods=[PeriodTotals(*numbers[i : i + 9]) for i in range(0, len(numbers), 9)],
        first=as_date(first) if first is not None else None,
        runs=runs,
        pause_last_record=as_date(last_record) if last_record is not None else None,
    )


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
    logged_on_end: bool  # a check-in (a day off too) on the period's last day
    first_checkin: date | None  # the member's first check-in ever
    paused_until: date | None
    workdays: str
    min_conversations: int
    min_minutes: int
    joined: datetime | None
    started: datetime | None  # when the member first talked to Needle (Member.created_at)
    timezone: str  # the member's zone (their own, else the team's)
    history_from: date | None  # the first day of theirs the team sees (None: all)
    pause_last_record: date | None  # last check-in on a workday on or before the pause's end
    public: bool = True  # shown on leaderboards (not `ranking off`)


def personal_minimums() -> tuple[Any, Any]:
    """SQL: a team member's minimum conversations and minutes (over Member joined to Team)."""
    return (
        personal_minimum(Member.goal_conversations, Team.min_conversations),
        personal_minimum(Member.goal_minutes, Team.min_minutes),
    )


def member_workdays() -> Any:
    """SQL: a team member's workday digits (their own, else the team's)."""
    return func.coalesce(Member.workdays, Team.workdays)


def team_day_totals(
    start: Any, end: Any, team_id: Any, minimums: tuple[Any, Any], only: Any = None
) -> Subquery:
    """One row per active member of the team with check-ins in [start, end] (those the team
    sees: `in_team_history`): member_id,
    conversations, minutes, days_met and days_off (both on their workdays), days_logged and
    logged_on_end (any check-in on `end`); `minimums` is `personal_minimums()`; `only`, when
    given, a list of member ids (an expanding parameter) to read instead of everyone."""
    min_c, min_m = minimums
    workday = is_workday(epoch_days(Checkin.local_date), member_workdays())
    return (
        select(
            Checkin.member_id.label("member_id"),
            func.sum(func.coalesce(Checkin.conversations, 0)).label("conversations"),
            func.sum(func.coalesce(Checkin.minutes, 0)).label("minutes"),
            func.sum(as_int(and_(workday, meets_minimum(min_c, min_m)))).label("days_met"),
            func.sum(as_int(Checkin.status != "day_off")).label("days_logged"),
            func.sum(as_int(and_(Checkin.status == "day_off", workday))).label("days_off"),
            func.sum(as_int(Checkin.local_date == end)).label("logged_on_end"),
        )
        .join(TeamMembership, TeamMembership.member_id == Checkin.member_id)
        .join(Member, Member.id == Checkin.member_id)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(
            TeamMembership.team_id == team_id,
            TeamMembership.active.is_(True),
            Checkin.local_date.between(start, end),
            in_team_history(Checkin.local_date, TeamMembership.history_from),
            true() if only is None else Checkin.member_id.in_(only),
        )
        .group_by(Checkin.member_id)
        .subquery()
    )


@cache
def _team_totals_statement(public_only: bool, some: bool) -> Select:
    """Every active (`public_only`: ranked) member of the team with their totals and rules;
    `some`: only the members listed in `member_ids`."""
    start, end, team_id = param("start", Date), param("end", Date), param("team_id")
    only: Any = bindparam("member_ids", expanding=True) if some else None
    min_c, min_m = personal_minimums()
    totals = team_day_totals(start, end, team_id, (min_c, min_m), only)
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
            first_checkin(),
            Member.paused_until,
            member_workdays(),
            min_c,
            min_m,
            TeamMembership.joined_at,
            last_workday_record(
                Checkin.member_id == Member.id, member_workdays(), Member.paused_until
            ),
            Member.created_at,
            func.coalesce(Member.timezone, Team.timezone),
            TeamMembership.history_from,
            TeamMembership.public_ranking,
        )
        .join(TeamMembership, TeamMembership.member_id == Member.id)
        .join(Team, Team.id == TeamMembership.team_id)
        .outerjoin(totals, totals.c.member_id == Member.id)
        .where(TeamMembership.team_id == team_id, TeamMembership.active.is_(True))
    )
    if public_only:
        query = query.where(TeamMembership.public_ranking.is_(True))
    if only is not None:
        query = query.where(Member.id.in_(only))
    return query


async def team_totals(
    session: AsyncSession,
    team_id: int,
    start: date,
    end: date,
    *,
    public_only: bool = True,
    member_ids: Sequence[int] | None = None,
) -> list[MemberTotals]:
    """Every active member of the team (or those of `member_ids`) with their totals over
    [start, end]."""
    values: dict[str, Any] = {"team_id": team_id, "start": start, "end": end}
    if member_ids is not None:
        values["member_ids"] = list(member_ids)
    rows = await session.execute(
        _team_totals_statement(public_only, member_ids is not None), values
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
            first_checkin=as_date(r[9]) if r[9] is not None else None,
            paused_until=r[10],
            workdays=str(r[11]),
            min_conversations=int(r[12]),
            min_minutes=int(r[13]),
            joined=r[14],
            pause_last_record=as_date(r[15]) if r[15] is not None else None,
            started=r[16],
            timezone=str(r[17] or "UTC"),
            history_from=as_date(r[18]) if r[18] is not None else None,
            public=bool(r[19]),
        )
        for r in rows.all()
    ]
