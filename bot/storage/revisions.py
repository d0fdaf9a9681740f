"""Revisions: how results kept in memory know they are out of date.

The database keeps a counter on each team, member and membership (migration 0016's
triggers): a member's revision goes up with every change to the member's row and to their
check-ins, activities, outcomes, targets and daily minimums; a membership's with every change
to it (role, ranking, active, history); a team's with every change to its settings. No code
path can write without bumping, so a result computed from a member's rows is current exactly
while the member's revision, their membership's and the team's are what they were when it
was computed (`bot.stats.memo`), the row being the same row (its creation time).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Member, Team, TeamMembership

Stamp = tuple[int, int, str]  # member revision, membership revision, member created


@dataclass(frozen=True)
class TeamRevisions:
    """A team's stamp and each active member's at one read.

    A stamp carries the row's creation time next to its revisions: SQLite may give a deleted
    row's id to the next new row (a member who asked to be forgotten, then a newcomer), whose
    revisions start again from zero, and only the creation time tells the two apart. It is
    compared, never read, so it is kept as the database's text.
    """

    team_id: int
    team: tuple[int, str]  # team revision, team created
    members: dict[int, Stamp]  # member id -> stamp


async def team_revisions(session: AsyncSession, team_id: int) -> TeamRevisions:
    """The team's revisions now: two small queries."""
    team = (
        await session.execute(
            select(Team.revision, cast(Team.created_at, String)).where(Team.id == team_id)
        )
    ).first()
    rows = await session.execute(
        select(
            TeamMembership.member_id,
            Member.revision,
            TeamMembership.revision,
            cast(Member.created_at, String),
        )
        .join(Member, Member.id == TeamMembership.member_id)
        .where(TeamMembership.team_id == team_id, TeamMembership.active.is_(True))
    )
    return TeamRevisions(
        team_id,
        (int(team[0]), str(team[1])) if team is not None else (-1, ""),
        {
            int(m): (int(member), int(membership), str(created))
            for m, member, membership, created in rows
        },
    )
