"""What a rep's funnel and target read from the database: check-in days and conversations over
a window, days off ahead, and the conversations minimum a target fixed for a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Checkin, DailyMinimum
from bot.storage.sql import as_date, as_int


@dataclass(frozen=True)
class CheckinSpan:
    """A member's check-ins over a span of dates: days with numbers (days off excluded) and
    the conversations on them."""

    days: int
    conversations: int


async def checkin_span(
    session: AsyncSession, member_id: int, start: date, end: date
) -> CheckinSpan:
    """The member's check-in days (complete or partial, not days off) in [start, end] and the
    sum of their conversations."""
    worked = Checkin.status != "day_off"
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(as_int(worked)), 0),
                func.coalesce(func.sum(func.coalesce(Checkin.conversations, 0)), 0),
            ).where(Checkin.member_id == member_id, Checkin.local_date.between(start, end))
        )
    ).one()
    return CheckinSpan(days=int(row[0]), conversations=int(row[1]))


async def recorded_dates(
    session: AsyncSession, member_id: int, start: date, end: date
) -> dict[date, bool]:
    """Each date in [start, end] with a check-in, mapped to whether it is a day off."""
    rows = await session.execute(
        select(Checkin.local_date, Checkin.status == "day_off").where(
            Checkin.member_id == member_id, Checkin.local_date.between(start, end)
        )
    )
    return {as_date(day): bool(off) for day, off in rows.all()}


async def target_minimum(session: AsyncSession, member_id: int, day: date) -> int | None:
    """The conversations minimum the member's target fixed for `day`, if one was."""
    value = await session.scalar(
        select(DailyMinimum.conversations).where(
            DailyMinimum.member_id == member_id, DailyMinimum.local_date == day
        )
    )
    return int(value) if value is not None else None


async def target_minimums(
    session: AsyncSession, member_id: int, start: date, end: date
) -> dict[date, int]:
    """The conversations minimums the member's target fixed for days in [start, end]."""
    rows = await session.execute(
        select(DailyMinimum.local_date, DailyMinimum.conversations).where(
            DailyMinimum.member_id == member_id, DailyMinimum.local_date.between(start, end)
        )
    )
    return {as_date(day): int(n) for day, n in rows.all()}


async def fix_target_minimum(
    session: AsyncSession, member_id: int, day: date, conversations: int, *, now: datetime
) -> int:
    """Fix `day`'s target minimum unless one is already fixed; the minimum that holds."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(DailyMinimum)
        .values(member_id=member_id, local_date=day, conversations=conversations, set_at=now)
        .on_conflict_do_nothing()
    )
    fixed = await target_minimum(session, member_id, day)
    return fixed if fixed is not None else conversations


async def unfix_target_minimum(session: AsyncSession, member_id: int, day: date) -> None:
    """Drop `day`'s target minimum (the member stopped following, or changed, their target
    today: today is judged again by what holds now)."""
    await session.execute(
        delete(DailyMinimum).where(
            DailyMinimum.member_id == member_id, DailyMinimum.local_date == day
        )
    )
