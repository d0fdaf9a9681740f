"""Queries about check-ins: the current record of a day, its earlier versions, quick logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from bot.storage.models import Activity, Checkin, CheckinVersion, Member


@dataclass(frozen=True)
class CheckinRecord:
    """What a check-in says, apart from its bookkeeping; what `save_checkin` writes."""

    status: str  # complete | partial | day_off
    day_off_reason: str | None = None  # sick | vacation | holiday | pto | off, for a day off
    conversations: int | None = None
    minutes: int | None = None
    activities: tuple[tuple[str, str], ...] = ()  # (text, classification)
    wins: int | None = None
    wins_note: str | None = None
    note: str | None = None
    source: str = "chat"


async def get_checkin(session: AsyncSession, member_id: int, local_date: date) -> Checkin | None:
    """The member's current check-in for a local date, with its activities."""
    return await session.scalar(
        select(Checkin)
        .options(selectinload(Checkin.activities))
        .where(Checkin.member_id == member_id, Checkin.local_date == local_date)
    )


async def save_checkin(
    session: AsyncSession,
    member_id: int,
    local_date: date,
    record: CheckinRecord,
    *,
    now: datetime,
    recorded_by: int | None = None,
) -> Checkin:
    """Write the day's check-in; an existing one is replaced and its old version kept for audit.

    `recorded_by` is the member who wrote it when that is not the member themself (an admin's
    correction); it is kept with the record and with the version it later becomes.
    """
    checkin = await get_checkin(session, member_id, local_date)
    if checkin is None:
        checkin = Checkin(
            member_id=member_id, local_date=local_date, version=1, created_at=now, activities=[]
        )
        session.add(checkin)
    else:
        session.add(
            CheckinVersion(
                member_id=member_id,
                local_date=local_date,
                version=checkin.version,
                status=checkin.status,
                day_off_reason=checkin.day_off_reason,
                conversations=checkin.conversations,
                minutes=checkin.minutes,
                wins=checkin.wins,
                wins_note=checkin.wins_note,
                note=checkin.note,
                activities=[activity.text for activity in checkin.activities],
                source=checkin.source,
                recorded_by_id=checkin.recorded_by_id,
                recorded_at=checkin.updated_at,
                replaced_at=now,
            )
        )
        checkin.version += 1
    checkin.status = record.status
    checkin.day_off_reason = record.day_off_reason if record.status == "day_off" else None
    checkin.conversations = record.conversations
    checkin.minutes = record.minutes
    checkin.wins = record.wins
    checkin.wins_note = record.wins_note
    checkin.note = record.note
    checkin.source = record.source
    checkin.recorded_by_id = recorded_by
    checkin.updated_at = now
    checkin.activities = [
        Activity(position=position, text=text[:500], classification=classification)
        for position, (text, classification) in enumerate(record.activities)
    ]
    await session.flush()
    return checkin


def record_of(checkin: Checkin) -> CheckinRecord:
    """The record a stored check-in holds (to change one field and save it again)."""
    return CheckinRecord(
        status=checkin.status,
        day_off_reason=checkin.day_off_reason,
        conversations=checkin.conversations,
        minutes=checkin.minutes,
        activities=tuple((a.text, a.classification) for a in checkin.activities),
        wins=checkin.wins,
        wins_note=checkin.wins_note,
        note=checkin.note,
        source=checkin.source,
    )


async def days_off_by_reason(
    session: AsyncSession, member_id: int, start: date, end: date
) -> dict[str, int]:
    """How many days off the member had in [start, end], by reason (`off` when none was
    given), most frequent first."""
    reason = func.coalesce(Checkin.day_off_reason, "off")
    rows = await session.execute(
        select(reason, func.count())
        .where(
            Checkin.member_id == member_id,
            Checkin.status == "day_off",
            Checkin.local_date.between(start, end),
        )
        .group_by(reason)
        .order_by(func.count().desc(), reason)
    )
    return {str(name): int(count) for name, count in rows.all()}


async def checkin_versions(
    session: AsyncSession, member_id: int, local_date: date
) -> Sequence[CheckinVersion]:
    """Earlier versions of a day's check-in, oldest first."""
    result = await session.scalars(
        select(CheckinVersion)
        .where(CheckinVersion.member_id == member_id, CheckinVersion.local_date == local_date)
        .order_by(CheckinVersion.version)
    )
    return result.all()


async def corrections_between(
    session: AsyncSession, member_id: int, start: date, end: date
) -> list[tuple[date, str | None]]:
    """The member's days in [start, end] whose current record an admin wrote (`admin fix`),
    with that admin's name (None once the admin's data was deleted), oldest first."""
    writer = aliased(Member)
    rows = await session.execute(
        select(
            Checkin.local_date,
            func.coalesce(func.nullif(writer.display_name, ""), writer.external_id),
        )
        .outerjoin(writer, writer.id == Checkin.recorded_by_id)
        .where(
            Checkin.member_id == member_id,
            Checkin.local_date.between(start, end),
            Checkin.source == "admin",
        )
        .order_by(Checkin.local_date)
    )
    return [(day, name) for day, name in rows.all()]
