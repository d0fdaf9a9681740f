"""A member's own data, for `export` (read it all) and `forget-me` (delete it all)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.contacts import forget_contacts
from bot.storage.installations import forget_installer
from bot.storage.models import (
    Activity,
    Checkin,
    CheckinVersion,
    ConversationState,
    Delivery,
    Member,
    Team,
    TeamMembership,
    WebToken,
)
from bot.storage.people import personal_team_id
from bot.storage.sql import in_team_history


@dataclass(frozen=True)
class ExportRow:
    """One check-in (current or an earlier version) as it goes into a CSV export."""

    member_external_id: str
    member_name: str
    local_date: date
    record: str  # current | replaced
    version: int
    status: str
    conversations: int | None
    minutes: int | None
    activities: tuple[tuple[str, str], ...]  # (text, classification); versions keep text only
    wins: int | None
    wins_note: str | None
    note: str | None
    source: str
    recorded_at: datetime
    day_off_reason: str | None = None  # sick | vacation | holiday | pto | off, for a day off


def team_sees(local_date: Any, member_id: Any, team_id: int | None) -> Any:
    """SQL: the dated row of a member is one the team sees (every row without a team): on or
    after the day they joined it (`in_team_history`)."""
    if team_id is None:
        return true()
    return (
        select(TeamMembership.member_id)
        .where(
            TeamMembership.team_id == team_id,
            TeamMembership.member_id == member_id,
            in_team_history(local_date, TeamMembership.history_from),
        )
        .exists()
    )


async def export_rows(
    session: AsyncSession, member_ids: Sequence[int], *, team_id: int | None = None
) -> list[ExportRow]:
    """Every check-in of the members, with earlier versions, by member then date; for a
    team's export (`team_id`), only the days that team sees of each member."""
    if not member_ids:
        return []
    names = {
        row.id: (row.external_id, row.display_name)
        for row in (
            await session.execute(
                select(Member.id, Member.external_id, Member.display_name).where(
                    Member.id.in_(member_ids)
                )
            )
        ).all()
    }
    activities: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for checkin_id, text, classification in (
        await session.execute(
            select(Activity.checkin_id, Activity.text, Activity.classification)
            .join(Checkin, Checkin.id == Activity.checkin_id)
            .where(
                Checkin.member_id.in_(member_ids),
                team_sees(Checkin.local_date, Checkin.member_id, team_id),
            )
            .order_by(Activity.checkin_id, Activity.position)
        )
    ).all():
        activities[checkin_id].append((text, classification))
    rows: list[ExportRow] = []
    current = await session.scalars(
        select(Checkin).where(
            Checkin.member_id.in_(member_ids),
            team_sees(Checkin.local_date, Checkin.member_id, team_id),
        )
    )
    for checkin in current:
        external_id, name = names[checkin.member_id]
        rows.append(
            ExportRow(
                external_id,
                name,
                checkin.local_date,
                "current",
                checkin.version,
                checkin.status,
                checkin.conversations,
                checkin.minutes,
                tuple(activities.get(checkin.id, ())),
                checkin.wins,
                checkin.wins_note,
                checkin.note,
                checkin.source,
                checkin.updated_at,
                checkin.day_off_reason,
            )
        )
    versions = await session.scalars(
        select(CheckinVersion).where(
            CheckinVersion.member_id.in_(member_ids),
            team_sees(CheckinVersion.local_date, CheckinVersion.member_id, team_id),
        )
    )
    for old in versions:
        external_id, name = names[old.member_id]
        rows.append(
            ExportRow(
                external_id,
                name,
                old.local_date,
                "replaced",
                old.version,
                old.status,
                old.conversations,
                old.minutes,
                tuple((str(text), "") for text in old.activities or ()),
                old.wins,
                old.wins_note,
                old.note,
                old.source,
                old.recorded_at,
                old.day_off_reason,
            )
        )
    rows.sort(
        key=lambda r: (r.member_name.casefold(), r.member_external_id, r.local_date, r.version)
    )
    return rows


async def team_member_ids(session: AsyncSession, team_id: int) -> list[int]:
    """Ids of the team's active members."""
    result = await session.scalars(
        select(TeamMembership.member_id).where(
            TeamMembership.team_id == team_id, TeamMembership.active.is_(True)
        )
    )
    return list(result.all())


@dataclass(frozen=True)
class Forgotten:
    """What `forget_member` deleted."""

    checkins: int
    activities: int
    versions: int
    memberships: int
    scheduled: int  # prompt/nudge delivery records
    manager_of: int  # teams where the member was the named manager (now unset)


async def forget_member(session: AsyncSession, member: Member) -> Forgotten:
    """Delete the member and everything Needle keeps about them; say what went."""
    member_id = member.id
    checkin_ids = select(Checkin.id).where(Checkin.member_id == member_id)
    activities = await session.scalar(
        select(func.count()).select_from(Activity).where(Activity.checkin_id.in_(checkin_ids))
    )
    await session.execute(delete(Activity).where(Activity.checkin_id.in_(checkin_ids)))
    checkins = await session.execute(delete(Checkin).where(Checkin.member_id == member_id))
    versions = await session.execute(
        delete(CheckinVersion).where(CheckinVersion.member_id == member_id)
    )
    await session.execute(delete(ConversationState).where(ConversationState.member_id == member_id))
    # Dashboard links and sessions: signed in nowhere any more.
    await session.execute(delete(WebToken).where(WebToken.member_id == member_id))
    scheduled = await session.execute(
        delete(Delivery).where(Delivery.target == f"member:{member_id}")
    )
    managed = (await session.scalars(select(Team).where(Team.manager_member_id == member_id))).all()
    for team in managed:
        team.manager_member_id = None
    memberships = await session.scalar(
        select(func.count())
        .select_from(TeamMembership)
        .where(TeamMembership.member_id == member_id)
    )
    # The personal team a solo member got (named after them, theirs alone) goes too.
    personal = await session.scalar(
        select(Team).where(
            Team.platform == member.platform,
            Team.external_id == personal_team_id(member.external_id),
        )
    )
    if personal is not None:
        await session.execute(delete(Delivery).where(Delivery.target == f"team:{personal.id}"))
        await session.delete(personal)
    if member.platform == "slack":
        await forget_installer(session, member.external_id)
    await forget_contacts(session, member.platform, user_id=member.external_id)
    await session.delete(member)
    await session.flush()
    return Forgotten(
        checkins=_count(checkins),
        activities=int(activities or 0),
        versions=_count(versions),
        memberships=int(memberships or 0),
        scheduled=_count(scheduled),
        manager_of=len(managed),
    )


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
