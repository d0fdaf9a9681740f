"""One member's days: their recent marks (nudges, coaching), their numbers per day or week
for charts, and when they started."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Select, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Checkin, Member
from bot.storage.sql import EPOCH, as_date, epoch_days, param
from bot.storage.streaks import meets_minimum


@dataclass(frozen=True)
class DayMark:
    """One recorded day of a member: a day off, or whether the minimums were met."""

    local_date: date
    day_off: bool
    met: bool
    conversations: int
    minutes: int
    partial: bool = False  # a check-in left unfinished (a quick log, a stopped check-in)
    reason: str | None = None  # why a day off: sick, vacation, holiday, pto, off


@cache
def _recent_days_statement() -> Select:
    return (
        select(
            Checkin.local_date,
            Checkin.status == "day_off",
            meets_minimum(param("min_c", Integer), param("min_m", Integer)),
            func.coalesce(Checkin.conversations, 0),
            func.coalesce(Checkin.minutes, 0),
            Checkin.status == "partial",
            Checkin.day_off_reason,
        )
        .where(
            Checkin.member_id == param("member_id"),
            Checkin.local_date >= param("since", Date),
            Checkin.local_date <= param("through", Date),
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
        DayMark(as_date(day), bool(off), bool(ok), int(conv), int(mins), bool(part), reason)
        for day, off, ok, conv, mins, part, reason in rows.all()
    ]


def first_checkin() -> Any:
    """SQL: the date of the member's first check-in ever (correlated to Member)."""
    return (
        select(func.min(Checkin.local_date))
        .where(Checkin.member_id == Member.id)
        .correlate(Member)
        .scalar_subquery()
    )


@cache
def _member_start_statement() -> Select:
    return select(Member.created_at, first_checkin()).where(Member.id == param("member_id"))


async def member_start(
    session: AsyncSession, member_id: int
) -> tuple[datetime | None, date | None]:
    """When the member first talked to Needle, and the date of their first check-in."""
    row = (await session.execute(_member_start_statement(), {"member_id": member_id})).first()
    if row is None:
        return None, None
    return row[0], as_date(row[1]) if row[1] is not None else None


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
        Checkin.member_id == param("member_id"),
        Checkin.local_date.between(param("start", Date), param("end", Date)),
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
            EPOCH + timedelta(weeks=int(key)) if weekly else as_date(key), int(c), int(m), int(n)
        )
        for key, c, m, n in rows.all()
    ]


@dataclass(frozen=True)
class PersonalBests:
    """A member's highest numbers on any other recorded day, and how many such days."""

    conversations: int
    minutes: int
    days: int


@cache
def _personal_bests_statement() -> Select:
    return select(
        func.coalesce(func.max(Checkin.conversations), 0),
        func.coalesce(func.max(Checkin.minutes), 0),
        func.count(),
    ).where(
        Checkin.member_id == param("member_id"),
        Checkin.local_date != param("day", Date),
        Checkin.status != "day_off",
    )


async def personal_bests(session: AsyncSession, member_id: int, day: date) -> PersonalBests:
    """The member's most conversations and minutes on any recorded day other than `day`."""
    row = (
        await session.execute(_personal_bests_statement(), {"member_id": member_id, "day": day})
    ).one()
    return PersonalBests(int(row[0]), int(row[1]), int(row[2]))
