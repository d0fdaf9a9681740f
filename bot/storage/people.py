"""Queries about teams, members and their memberships."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.profile import zone
from bot.storage.models import Member, Team, TeamMembership


def personal_team_id(user_id: str) -> str:
    """The platform team id of a member's own personal team (a solo member on Discord, who
    writes only in DMs): theirs alone, named after them."""
    return f"user:{user_id}"


async def find_team(session: AsyncSession, platform: str, external_id: str) -> Team | None:
    """The team with this platform id, if Needle knows it."""
    return await session.scalar(
        select(Team).where(Team.platform == platform, Team.external_id == external_id)
    )


async def get_team(session: AsyncSession, team_id: int) -> Team | None:
    """The team with this Needle id."""
    return await session.get(Team, team_id)


async def ensure_team(
    session: AsyncSession,
    platform: str,
    external_id: str,
    *,
    now: datetime,
    timezone: str,
    name: str = "",
) -> Team:
    """The team with this platform id, created with the defaults on first contact."""
    team = await find_team(session, platform, external_id)
    if team is None:
        team = Team(
            platform=platform,
            external_id=external_id,
            name=name or external_id,
            timezone=timezone,
            created_at=now,
        )
        session.add(team)
        await session.flush()
    return team


async def find_member(session: AsyncSession, platform: str, external_id: str) -> Member | None:
    """The member with this platform user id, if Needle knows them."""
    return await session.scalar(
        select(Member).where(Member.platform == platform, Member.external_id == external_id)
    )


async def ensure_member(
    session: AsyncSession, platform: str, external_id: str, *, now: datetime, display_name: str
) -> Member:
    """The member with this platform user id, created on first contact (the engine keeps the
    display name up to date afterwards).

    The member's row is locked for the rest of the transaction (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers), so two messages from one member are handled
    one after the other.
    """
    member = await session.scalar(
        select(Member)
        .where(Member.platform == platform, Member.external_id == external_id)
        .with_for_update()
    )
    if member is None:
        member = Member(
            platform=platform,
            external_id=external_id,
            display_name=display_name or external_id,
            created_at=now,
        )
        session.add(member)
        await session.flush()
    return member


async def find_known_contact(
    session: AsyncSession, platform: str, user_id: str, team_external_id: str | None
) -> tuple[Member, Team, TeamMembership] | None:
    """The member, their team and active membership in one query, when all three exist.

    The usual case: a member Needle knows writes from a team they belong to, or, with no team
    (a Discord DM), from anywhere: then their first team (oldest membership, as `teams_of`).
    The member's row is locked for the transaction, as in `ensure_member`.
    """
    query = (
        select(Member, Team, TeamMembership)
        .join(TeamMembership, TeamMembership.member_id == Member.id)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(
            Member.platform == platform,
            Member.external_id == user_id,
            Team.platform == platform,
            TeamMembership.active.is_(True),
        )
        .with_for_update(of=Member)
    )
    if team_external_id is None:
        query = query.order_by(TeamMembership.joined_at, Team.id).limit(1)
    else:
        query = query.where(Team.external_id == team_external_id)
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1], row[2])


async def find_membership(
    session: AsyncSession, team_id: int, member_id: int
) -> TeamMembership | None:
    """The membership of a member in a team."""
    return await session.get(TeamMembership, (team_id, member_id))


async def ensure_membership(
    session: AsyncSession, team: Team, member: Member, *, now: datetime
) -> TeamMembership:
    """The member's membership in the team, created (or re-activated) on contact."""
    membership = await find_membership(session, team.id, member.id)
    if membership is None:
        # A member Needle knew before brings a history the new team must not see: the team
        # sees their check-ins from their local date of joining on (docs/behaviour.md).
        known_before = member.created_at is not None and member.created_at < now
        history_from = (
            now.astimezone(zone(member.timezone, team.timezone)).date() if known_before else None
        )
        membership = TeamMembership(
            team_id=team.id, member_id=member.id, joined_at=now, history_from=history_from
        )
        session.add(membership)
        await session.flush()
    elif not membership.active:
        membership.active = True
    return membership


async def teams_of(session: AsyncSession, member_id: int) -> Sequence[Team]:
    """The teams a member belongs to (active memberships), oldest first."""
    result = await session.scalars(
        select(Team)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.member_id == member_id, TeamMembership.active.is_(True))
        .order_by(TeamMembership.joined_at, Team.id)
    )
    return result.all()


async def narrowest_backfill_elsewhere(
    session: AsyncSession, member_id: int, team_id: int
) -> int | None:
    """The fewest backfill days among the member's other active teams (None: no other team).

    A member's check-in counts in every team of theirs, so a late check-in may only go as far
    back as every one of those teams allows."""
    return await session.scalar(
        select(func.min(Team.backfill_days))
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(
            TeamMembership.member_id == member_id,
            TeamMembership.active.is_(True),
            Team.id != team_id,
        )
    )


async def team_members_named(
    session: AsyncSession, team_id: int, name_or_id: str
) -> Sequence[Member]:
    """The active members of the team a typed name or id may mean: the one member with this
    platform user id when there is one, else every member with this display name
    (case-insensitive). Display names are not unique (and are set on any team the person
    uses), so a caller given more than one must ask which, never pick."""
    wanted = name_or_id.strip().lstrip("@")
    if not wanted:
        return []
    in_team = (
        select(Member)
        .join(TeamMembership, TeamMembership.member_id == Member.id)
        .where(TeamMembership.team_id == team_id, TeamMembership.active.is_(True))
    )
    by_id = await session.scalar(in_team.where(Member.external_id == wanted))
    if by_id is not None:
        return [by_id]
    result = await session.scalars(
        in_team.where(func.lower(Member.display_name) == wanted.lower()).order_by(Member.id)
    )
    return result.all()


async def get_member(session: AsyncSession, member_id: int) -> Member | None:
    """The member with this Needle id."""
    return await session.get(Member, member_id)


async def leave_personal_team(session: AsyncSession, member: Member) -> None:
    """The member joined a real team: their personal team (where they alone are admin) ends,
    so their DMs go to a real team and no one-person team of theirs overrides its rules. It
    comes back only if they belong to no real team any more (`ensure_membership`)."""
    personal = select(Team.id).where(
        Team.platform == member.platform,
        Team.external_id == personal_team_id(member.external_id),
    )
    await session.execute(
        update(TeamMembership)
        .where(
            TeamMembership.member_id == member.id,
            TeamMembership.team_id.in_(personal),
            TeamMembership.active.is_(True),
        )
        .values(active=False)
    )


async def deactivate_team(session: AsyncSession, platform: str, external_id: str) -> int:
    """Needle left a team (a server removed the bot): every membership there becomes inactive,
    so its members get no prompts or nudges for it and their DMs no longer reach it. A member
    who writes from the team again is re-activated (`ensure_membership`). Returns how many
    memberships were active."""
    team = await find_team(session, platform, external_id)
    if team is None:
        return 0
    result = await session.execute(
        update(TeamMembership)
        .where(TeamMembership.team_id == team.id, TeamMembership.active.is_(True))
        .values(active=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
