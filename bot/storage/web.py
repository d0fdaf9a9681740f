"""The dashboard's rows: sign-in links used once, sessions, TV links, and the shared secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AppSecret, Checkin, TeamMembership, WebToken

LINK, SESSION, TV = "link", "session", "tv"


@dataclass(frozen=True)
class Grant:
    """What a valid token lets its holder see: one member's view of one team."""

    token_id: str
    kind: str
    member_id: int
    team_id: int
    is_admin: bool


def _grant(row: WebToken) -> Grant:
    return Grant(row.id, row.kind, row.member_id, row.team_id, row.is_admin)


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def shared_secret(session: AsyncSession, name: str, candidate: str, now: datetime) -> str:
    """The secret stored under `name`; `candidate` becomes it when none is stored yet.

    Instances starting at once each offer a candidate; the first insert wins and every
    instance reads back the same value.
    """
    statement = (
        _insert(session)(AppSecret)
        .values(name=name, value=candidate, created_at=now)
        .on_conflict_do_nothing()
    )
    await session.execute(statement)
    value = await session.scalar(select(AppSecret.value).where(AppSecret.name == name))
    assert value is not None
    return value


async def add_token(
    session: AsyncSession,
    token_id: str,
    kind: str,
    *,
    member_id: int,
    team_id: int,
    is_admin: bool,
    now: datetime,
    expires_at: datetime | None,
) -> None:
    """Store a new link, session or TV token."""
    session.add(
        WebToken(
            id=token_id,
            kind=kind,
            member_id=member_id,
            team_id=team_id,
            is_admin=is_admin,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def use_link(session: AsyncSession, token_id: str, now: datetime) -> Grant | None:
    """Spend a sign-in link: its grant the first time, None when used, expired or unknown.

    One conditional UPDATE decides, so two browsers opening the same link at once (on two
    instances) cannot both get in.
    """
    result = await session.execute(
        update(WebToken)
        .where(
            WebToken.id == token_id,
            WebToken.kind == LINK,
            WebToken.used_at.is_(None),
            WebToken.revoked_at.is_(None),
            WebToken.expires_at > now,
        )
        .values(used_at=now)
    )
    if not getattr(result, "rowcount", 0):
        return None
    row = await session.get(WebToken, token_id)
    return _grant(row) if row is not None else None


async def valid_token(
    session: AsyncSession, token_id: str, kind: str, now: datetime
) -> Grant | None:
    """A session's or TV link's grant while it is neither revoked nor expired."""
    row = await session.scalar(
        select(WebToken).where(
            WebToken.id == token_id, WebToken.kind == kind, WebToken.revoked_at.is_(None)
        )
    )
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return _grant(row)


async def revoke_token(session: AsyncSession, token_id: str, now: datetime) -> None:
    """End a session (sign out)."""
    await session.execute(
        update(WebToken)
        .where(WebToken.id == token_id, WebToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_member_tokens(
    session: AsyncSession, member_id: int, team_id: int, kind: str, now: datetime
) -> int:
    """Revoke every live token of one kind a member holds for a team (`dashboard tv off`)."""
    result = await session.execute(
        update(WebToken)
        .where(
            WebToken.member_id == member_id,
            WebToken.team_id == team_id,
            WebToken.kind == kind,
            WebToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0))


async def team_change_stamp(session: AsyncSession, team_id: int, start: date, end: date) -> str:
    """A short stamp that changes whenever a check-in of the team dated `start`…`end` is
    written or removed, or who ranks changes: what the TV page polls for, instead of
    re-reading the leaderboard.

    It is read from the database, so every Needle process sharing it sees the same stamp.
    Only the dates the board counts are read (an index range on `local_date`), not the
    team's whole history: a few thousand index entries for a week of a team of 1,000.
    """
    members = (
        select(TeamMembership.member_id)
        .where(TeamMembership.team_id == team_id, TeamMembership.active.is_(True))
        .scalar_subquery()
    )
    latest, count = (
        await session.execute(
            select(func.max(Checkin.updated_at), func.count(Checkin.id)).where(
                Checkin.local_date.between(start, end), Checkin.member_id.in_(members)
            )
        )
    ).one()
    ranked = await session.scalar(
        select(func.count()).where(
            TeamMembership.team_id == team_id,
            TeamMembership.active.is_(True),
            TeamMembership.public_ranking.is_(True),
        )
    )
    return f"{latest.isoformat() if latest else '-'}/{count}/{ranked}"
