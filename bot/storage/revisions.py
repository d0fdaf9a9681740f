"""Revisions: how results kept in memory know they are out of date.

The database keeps a counter on each team, member and membership (migration 0016's
triggers): a member's revision goes up with every change to the member's row and to their
check-ins, activities, outcomes, targets and daily minimums; a membership's with every change
to it (role, ranking, active, history); a team's with every change to its settings. No code
path can write without bumping, so a result computed from a member's rows is current exactly
while the member's revision, their membership's and the team's are what they were when it
was computed (`bot.stats.memo`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Member, Team, TeamMembership


@dataclass(frozen=True)
class TeamRevisions:
    """A team's revision and each active member's (member's and membership's) at one read."""

    team_id: int
    team: int
    members: dict[int, tuple[int, int]]  # member id -> (member revision, membership revision)


async def team_revisions(session: AsyncSession, team_id: int) -> TeamRevisions:
    """The team's revisions now: one query."""
    rows = (
        await session.execute(
            select(Team.revision, Member.id, Member.revision, TeamMembership.revision)
            .select_from(Team)
            .outerjoin(
                TeamMembership,
                (TeamMembership.team_id == Team.id) & TeamMembership.active.is_(True),
            )
            .outerjoin(Member, Member.id == TeamMembership.member_id)
            .where(Team.id == team_id)
        )
    ).all()
    team = int(rows[0][0]) if rows else -1
    members = {
        int(member_id): (int(member), int(membership))
        for _, member_id, member, membership in rows
        if member_id is not None
    }
    return TeamRevisions(team_id, team, members)
