"""The streak rule, in one place: consecutive workdays at or above the member's personal minimum.

In the member's own local dates (docs/behaviour.md, Minimums and Streaks):

- Only the member's workdays count (`is_workday`). A check-in on a non-workday neither adds
  nor breaks.
- A day *meets the minimum* (`meets_minimum`) when it is not a day off and both its
  conversations and its minutes are at or above the member's personal minimum (their goal
  where set, never below the team's minimum: `personal_minimum`), raised on the days for which
  their target set a higher one (`day_conversations_minimum`); a missing number counts as
  zero.
- A day off (`off`, `vacation`, …) neither counts nor breaks.
- A workday below the minimum, or a workday with no check-in at all, breaks the streak.
- Today is judged like any other day once it has a check-in (at minimum adds, below breaks),
  so the streak shown on the day is the one shown after it; without a check-in today is not
  over and breaks nothing. Today being a non-workday changes nothing.
- A pause protects the gap it covers: missing workdays up to `paused_until` in the gap that
  the pause ended (or is still in) don't break. Needle keeps only the latest pause, so an
  older pause's gap counts as missed once a newer pause replaced it.
- In a team's view of another member only their check-ins from the day they joined the team
  are read (`history_from`, `bot.storage.sql.in_team_history`).

The database finds the runs with a *workday ordinal*: the number of the member's workdays
from a fixed Monday (EPOCH) up to a date. Two recorded workdays are consecutive exactly when
their ordinals differ by one, so runs are found with window functions (gaps and islands)
instead of walking calendars. The statement is a chain of named CTEs, one helper each
(`streak_days_cte` … `streak_runs_cte`). `finish` adds the trailing gap between the latest
recorded workday and today, which has no row to find.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    CTE,
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
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Checkin, DailyMinimum, Member, Team, TeamMembership
from bot.storage.sql import EPOCH, as_date, as_int, epoch_days, in_team_history, param

# --------------------------------------------------------------------------------------------
# What a workday is, what a day at minimum is


def workday_ordinal(day: date, workdays: str) -> int:
    """How many of `workdays` (weekday digits) fall in [EPOCH, day]; the SQL twin is below."""
    n = (day - EPOCH).days
    dow = n % 7
    return (n // 7) * len(set(workdays)) + sum(1 for k in range(dow + 1) if str(k) in workdays)


def workday_ordinal_sql(days: Any, workdays: Any) -> Any:
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


def is_workday(days: Any, workdays: Any) -> Any:
    """SQL: whether the day number `days` is one of `workdays` (a digits string or column)."""
    if isinstance(workdays, str):
        return (days % 7).in_([int(d) for d in workdays])
    return workdays.contains(cast(days % 7, String))


def personal_minimum(goal: Any, team_minimum: Any) -> Any:
    """SQL: the member's goal where it is above the team's minimum, else the team's minimum."""
    return case((func.coalesce(goal, 0) > team_minimum, goal), else_=team_minimum)


def day_conversations_minimum(min_conversations: Any) -> Any:
    """SQL: the conversations minimum of the check-in's day: the member's personal minimum, or
    the minimum their target set for that day (`DailyMinimum`) where that is higher."""
    fixed = (
        select(DailyMinimum.conversations)
        .where(
            DailyMinimum.member_id == Checkin.member_id,
            DailyMinimum.local_date == Checkin.local_date,
        )
        .scalar_subquery()
    )
    return case((func.coalesce(fixed, 0) > min_conversations, fixed), else_=min_conversations)


def meets_minimum(min_conversations: Any, min_minutes: Any) -> Any:
    """SQL: the check-in is not a day off and both its numbers reach the minimums of its day
    (`min_conversations` raised by the day's target minimum, `day_conversations_minimum`)."""
    return and_(
        Checkin.status != "day_off",
        func.coalesce(Checkin.conversations, 0) >= day_conversations_minimum(min_conversations),
        func.coalesce(Checkin.minutes, 0) >= min_minutes,
    )


# --------------------------------------------------------------------------------------------
# The runs, in SQL


@dataclass(frozen=True)
class StreakRuns:
    """What the database says about a member's runs; `finish` completes the sum."""

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
    history_from: date | None = None  # in a team's view of another member: from their join


def member_params_cte() -> CTE:
    """`params`: one row of bound parameters (member_id, min_c, min_m, paused_until,
    pause_ordinal, history_from) for a single member whose rules the caller resolved."""
    return select(
        param("member_id", Integer).label("member_id"),
        param("min_c", Integer).label("min_c"),
        param("min_m", Integer).label("min_m"),
        param("paused_until", Date).label("paused_until"),
        param("pause_ordinal", Integer).label("pause_ordinal"),
        param("history_from", Date).label("history_from"),
    ).cte("params")


def team_params_cte(workdays: str) -> CTE:
    """`params`: one row per listed active member of a team (`member_ids`, `team_id`), with
    the same columns as `member_params_cte`, minimums, pause and the first day the team sees
    read from the database."""
    return (
        select(
            Member.id.label("member_id"),
            personal_minimum(Member.goal_conversations, Team.min_conversations).label("min_c"),
            personal_minimum(Member.goal_minutes, Team.min_minutes).label("min_m"),
            Member.paused_until.label("paused_until"),
            workday_ordinal_sql(epoch_days(Member.paused_until), workdays).label("pause_ordinal"),
            TeamMembership.history_from.label("history_from"),
        )
        .join(TeamMembership, TeamMembership.member_id == Member.id)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(
            TeamMembership.team_id == param("team_id"),
            TeamMembership.active.is_(True),
            Member.id.in_(bindparam("member_ids", expanding=True)),
        )
        .cte("params")
    )


def streak_days_cte(params: CTE) -> CTE:
    """`streak_base`: each check-in of the `params` members in [since, today], with its day
    number `n`, `met` and `below` (1/0) and the member's pause (today's check-in counts like
    any other; a missing today is the trailing gap `finish` ignores)."""
    today = param("today", Date)
    met = meets_minimum(params.c.min_c, params.c.min_m)
    return (
        select(
            Checkin.member_id.label("member_id"),
            Checkin.local_date.label("local_date"),
            epoch_days(Checkin.local_date).label("n"),
            as_int(met).label("met"),
            as_int(and_(Checkin.status != "day_off", ~met)).label("below"),
            params.c.paused_until.label("paused_until"),
            params.c.pause_ordinal.label("pause_ordinal"),
        )
        .join(params, params.c.member_id == Checkin.member_id)
        .where(
            Checkin.local_date >= param("since", Date),
            Checkin.local_date <= today,
            in_team_history(Checkin.local_date, params.c.history_from),
        )
        .cte("streak_base")
    )


def workdays_cte(days: CTE, workdays: str) -> CTE:
    """`streak_days`: the rows of `days` that fall on `workdays`, each with its workday
    `ordinal` (check-ins on other days neither add nor break)."""
    return (
        select(
            days.c.member_id,
            days.c.local_date,
            workday_ordinal_sql(days.c.n, workdays).label("ordinal"),
            days.c.met,
            days.c.below,
            days.c.paused_until,
            days.c.pause_ordinal,
        )
        .where(is_workday(days.c.n, workdays))
        .cte("streak_days")
    )


def previous_workday_cte(rows: CTE) -> CTE:
    """`streak_marked`: the workday rows, each with the ordinal of the member's previous
    recorded workday (`prev_ordinal`, NULL on the first)."""
    prev = func.lag(rows.c.ordinal).over(partition_by=rows.c.member_id, order_by=rows.c.local_date)
    return select(
        rows.c.member_id,
        rows.c.local_date,
        rows.c.ordinal,
        rows.c.met,
        rows.c.below,
        rows.c.paused_until,
        rows.c.pause_ordinal,
        prev.label("prev_ordinal"),
    ).cte("streak_marked")


def breaks_streak(marked: CTE) -> Any:
    """SQL: the row starts a new run: a workday below the minimum, or missed workdays before
    it that the pause does not cover (the pause covers the gap it ended)."""
    missed = and_(
        marked.c.prev_ordinal.is_not(None),
        marked.c.ordinal - marked.c.prev_ordinal > 1,
        ~and_(
            marked.c.paused_until.is_not(None),
            marked.c.local_date > marked.c.paused_until,
            marked.c.pause_ordinal >= marked.c.ordinal - 1,
        ),
    )
    return or_(marked.c.below == 1, missed)


def run_groups_cte(marked: CTE) -> CTE:
    """`streak_grouped`: the workday rows numbered by run (`grp`: how many breaks so far)."""
    group = func.sum(as_int(breaks_streak(marked))).over(
        partition_by=marked.c.member_id, order_by=marked.c.local_date, rows=(None, 0)
    )
    return select(
        marked.c.member_id,
        marked.c.local_date,
        marked.c.ordinal,
        marked.c.met,
        group.label("grp"),
    ).cte("streak_grouped")


def streak_runs_cte(grouped: CTE) -> CTE:
    """`streak_runs`: one row per member and run: met workdays in it (`run`), its first and
    last ordinal and its last date."""
    return (
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


@cache
def streak_statement(workdays: str, team: bool) -> Select:
    """Per member, the best run and the latest run (member_id, best, run, last_ordinal,
    last_date, grp, first_ordinal): for one member, or (`team`) for listed members of a team,
    who all have these `workdays` (weekday digits: the expressions are constant lookups)."""
    params = team_params_cte(workdays) if team else member_params_cte()
    rows = workdays_cte(streak_days_cte(params), workdays)
    runs = streak_runs_cte(run_groups_cte(previous_workday_cte(rows)))
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


def runs_of(row: Any) -> StreakRuns:
    """A row of `streak_statement` as StreakRuns."""
    member_id, best_run, run, last_ordinal, last_date, group, first_ordinal = row
    return StreakRuns(
        member_id=int(member_id),
        best=int(best_run or 0),
        last_run=int(run or 0),
        last_ordinal=int(last_ordinal),
        last_date=as_date(last_date),
        unbroken=int(group or 0) == 0,
        first_ordinal=int(first_ordinal or 0),
    )


def member_values(member: StreakParams) -> dict[str, Any]:
    """The bound parameters of `member_params_cte` for one member."""
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
        "history_from": member.history_from,
    }


async def streak_runs(
    session: AsyncSession, today: date, member: StreakParams, *, since: date = EPOCH
) -> StreakRuns | None:
    """Runs of met workdays of one member, from `since` through `today`."""
    values = member_values(member) | {"today": today, "since": since}
    row = (await session.execute(streak_statement(member.workdays, False), values)).first()
    return runs_of(row) if row is not None else None


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
        streak_statement(workdays, True),
        {"team_id": team_id, "member_ids": list(member_ids), "today": today, "since": since},
    )
    return {runs.member_id: runs for runs in map(runs_of, rows.all())}


# --------------------------------------------------------------------------------------------
# Current and best streak: the runs plus the trailing gap


@dataclass(frozen=True)
class Streaks:
    """A member's current and best streak, in workdays."""

    current: int
    best: int


def anchor_ordinal(today: date, workdays: str) -> int:
    """The ordinal of the last workday that must be covered for a run to be current.

    That is the last workday before today (today itself may still be filled in); a run whose
    last recorded workday is today (met) is of course current too.
    """
    return workday_ordinal(today - timedelta(days=1), workdays)


def finish(
    runs: StreakRuns | None, today: date, workdays: str, paused_until: date | None
) -> Streaks:
    """Current and best streak from the database's runs plus the trailing gap."""
    if runs is None or not workdays:
        return Streaks(0, 0)
    anchor = anchor_ordinal(today, workdays)
    current = runs.last_run
    if runs.last_ordinal < anchor:
        # Workdays after the last record were missed, unless a pause covers all of them.
        covered = paused_until is not None and workday_ordinal(paused_until, workdays) >= anchor
        if not covered:
            current = 0
    return Streaks(current=current, best=max(runs.best, current))


async def member_streaks(session: AsyncSession, member: StreakParams, today: date) -> Streaks:
    """The member's current and best streak as of `today` (their local date)."""
    found = await streak_runs(session, today, member)
    return finish(found, today, member.workdays, member.paused_until)


FIRST_HORIZON_DAYS = 28


async def team_current_streaks(
    session: AsyncSession,
    team_id: int,
    today: date,
    members: dict[int, tuple[str, date | None]],
) -> dict[int, int]:
    """The current streak of each listed member of a team as of `today`.

    `members` maps member id -> (workdays digits, paused_until). Only recent check-ins are
    read at first; members whose run reaches back to the first workday of what was read are
    read again further back (four times as far each round), so a long streak costs a few
    more rows for its owner only, never a scan of the whole team's history.
    """
    by_workdays: dict[str, list[int]] = {}
    for member_id, (workdays, _paused) in members.items():
        by_workdays.setdefault(workdays, []).append(member_id)
    found: dict[int, StreakRuns] = {}
    for workdays, member_ids in by_workdays.items():
        horizon = FIRST_HORIZON_DAYS
        pending = member_ids
        while pending:
            since = max(EPOCH, today - timedelta(days=horizon))
            runs = await team_streak_runs(session, team_id, pending, workdays, today, since=since)
            found.update(runs)
            if since == EPOCH:
                break
            # A run that starts later than the window's first workday was broken (or began)
            # just before it: nothing further back can change it.
            first_workday = workday_ordinal(since - timedelta(days=1), workdays) + 1
            pending = [
                m for m, r in runs.items() if r.unbroken and r.first_ordinal <= first_workday
            ]
            horizon *= 4
    return {
        member_id: finish(found.get(member_id), today, workdays, paused).current
        for member_id, (workdays, paused) in members.items()
    }
