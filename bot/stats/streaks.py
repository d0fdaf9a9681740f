"""A member's streaks from their resolved profile.

The streak rule itself (workdays, the minimum, what breaks a run, today only adding) and the
SQL that applies it live in `bot.storage.streaks`; this module only turns a profile into the
rule's parameters.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.profile import Profile, workday_digits
from bot.storage import streaks
from bot.storage.streaks import StreakParams, Streaks


def params_of(member_id: int, profile: Profile) -> StreakParams:
    """The streak rules of a member, from their resolved profile."""
    return StreakParams(
        member_id=member_id,
        workdays=workday_digits(profile.workdays),
        min_conversations=profile.min_conversations,
        min_minutes=profile.min_minutes,
        paused_until=profile.paused_until,
    )


async def member_streaks(
    session: AsyncSession, member_id: int, profile: Profile, today: date
) -> Streaks:
    """The member's current and best streak as of `today` (their local date)."""
    return await streaks.member_streaks(session, params_of(member_id, profile), today)
