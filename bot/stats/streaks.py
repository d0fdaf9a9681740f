"""Streaks: consecutive workdays at or above the member's minimums.

Days off and non-workdays neither count nor break a streak; a workday without a check-in at
or above the minimums breaks it. Today does not break a streak until it is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.profile import Profile
from bot.storage.models import Checkin


@dataclass(frozen=True)
class Streaks:
    """A member's current and best streak, in workdays."""

    current: int
    best: int


async def member_streaks(
    session: AsyncSession, member_id: int, profile: Profile, today: date
) -> Streaks:
    """The member's current and best streak as of `today` (their local date)."""
    met = and_(
        Checkin.status == "complete",
        Checkin.conversations >= profile.min_conversations,
        Checkin.minutes >= profile.min_minutes,
    )
    rows = (
        await session.execute(
            select(Checkin.local_date, Checkin.status)
            .where(
                Checkin.member_id == member_id,
                Checkin.local_date <= today,
                or_(met, Checkin.status == "day_off"),
            )
            .order_by(Checkin.local_date)
        )
    ).all()
    if not rows:
        return Streaks(0, 0)
    good = {day: status for day, status in rows}
    best = run = 0
    day = rows[0][0]
    while day <= today:
        if day in good:
            if good[day] != "day_off" and profile.is_workday(day):
                run += 1
        elif profile.is_workday(day) and not profile.is_paused(day) and day != today:
            run = 0
        best = max(best, run)
        day += timedelta(days=1)
    return Streaks(current=run, best=best)
