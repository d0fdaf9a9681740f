"""What the platforms told Needle about their users, kept across restarts: DM channels and
profiles (`platform_contacts`).

Adapters read a member's row when their in-memory cache misses, and write what each event or
lookup carries (upserts, so two instances learning the same thing do not collide). The admin
flag is a cache for display; rights always come from what the platform says with a command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import PlatformContact


@dataclass(frozen=True)
class Contact:
    """One user's row: DM channel and profile (None where not known)."""

    team_id: str
    user_id: str
    dm_channel: str | None = None
    display_name: str | None = None
    timezone: str | None = None
    locale: str | None = None
    is_admin: bool | None = None
    profile_fetched_at: datetime | None = None


def _contact(row: PlatformContact) -> Contact:
    return Contact(
        team_id=row.team_id,
        user_id=row.user_id,
        dm_channel=row.dm_channel,
        display_name=row.display_name,
        timezone=row.timezone,
        locale=row.locale,
        is_admin=row.is_admin,
        profile_fetched_at=row.profile_fetched_at,
    )


async def team_contacts(session: AsyncSession, platform: str, team_id: str) -> dict[str, Contact]:
    """Every known user of a workspace, by user id (one query, read when a workspace is first
    needed after a start)."""
    c = PlatformContact
    rows = await session.scalars(select(c).where(c.platform == platform, c.team_id == team_id))
    return {row.user_id: _contact(row) for row in rows}


async def save_dm_channel(
    session: AsyncSession, platform: str, team_id: str, user_id: str, channel: str
) -> None:
    """Remember the DM channel between Needle and a user (kept if it is already the same)."""
    await _upsert(session, platform, team_id, user_id, {"dm_channel": channel})


async def save_profile(session: AsyncSession, platform: str, contact: Contact) -> None:
    """Remember a user's profile as fetched (or as a profile-change event carried it)."""
    values: dict[str, object] = {
        "display_name": contact.display_name,
        "timezone": contact.timezone,
        "locale": contact.locale,
        "is_admin": contact.is_admin,
        "profile_fetched_at": contact.profile_fetched_at,
    }
    await _upsert(session, platform, contact.team_id, contact.user_id, values)


async def _upsert(
    session: AsyncSession, platform: str, team_id: str, user_id: str, values: dict[str, object]
) -> None:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PlatformContact).values(
        platform=platform, team_id=team_id, user_id=user_id, **values
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["platform", "team_id", "user_id"], set_=values
        )
    )


async def forget_contacts(
    session: AsyncSession, platform: str, *, team_id: str | None = None, user_id: str | None = None
) -> int:
    """Drop the rows of a workspace (uninstalled) or of a user (forgotten); how many went."""
    c = PlatformContact
    statement = delete(c).where(c.platform == platform)
    if team_id is not None:
        statement = statement.where(c.team_id == team_id)
    if user_id is not None:
        statement = statement.where(c.user_id == user_id)
    if team_id is None and user_id is None:
        raise ValueError("forget_contacts needs a team or a user")
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
