"""Remembering platform event ids so an event that arrives twice is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ProcessedEvent


async def remember_event(
    session: AsyncSession, platform: str, event_id: str, *, now: datetime
) -> bool:
    """Record the event id; True the first time, False when it was already handled.

    The insert joins the caller's transaction, so an event whose handling fails is not
    remembered and a retry is handled again.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ProcessedEvent)
        .values(platform=platform, event_id=event_id[:200], received_at=now)
        .on_conflict_do_nothing()
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def forget_events_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop remembered event ids older than `cutoff` (platforms retry for minutes, not days)."""
    result = await session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0))


EVENT_MEMORY = timedelta(days=3)
