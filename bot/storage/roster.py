"""A team's roster for the day: its active members and each one's check-in on a given date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Checkin, Member, TeamMembership


async def active_members(
    session: AsyncSession, team_id: int, member_ids: Sequence[int] | None = None
) -> Sequence[Member]:
    """Every active member of the team (of `member_ids`, when given), whether or not they are
    shown on leaderboards."""
    query = (
        select(Member)
        .join(TeamMembership, TeamMembership.member_id == Member.id)
        .where(TeamMembership.team_id == team_id, TeamMembership.active.is_(True))
        .order_by(Member.id)
    )
    if member_ids is not None:
        query = query.where(Member.id.in_(list(member_ids)))
    return (await session.scalars(query)).all()


async def checkins_on(session: AsyncSession, days: Mapping[int, date]) -> dict[int, Checkin]:
    """Each member's check-in on their own date (`days`: member id -> local date), by member id."""
    if not days:
        return {}
    rows = await session.scalars(
        select(Checkin).where(
            Checkin.member_id.in_(list(days)), Checkin.local_date.in_(set(days.values()))
        )
    )
    return {c.member_id: c for c in rows.all() if days.get(c.member_id) == c.local_date}
