"""Outcome rows as the recording side reads and clears them: a check-in's own outcomes of a
day, a member's audit trail for export (as a team sees it), and forgetting a member's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.data import team_sees
from bot.storage.models import Member, Outcome, Target

CHECKIN_SOURCE = "checkin"


async def checkin_outcomes(session: AsyncSession, member_id: int, day: date) -> Sequence[Outcome]:
    """The live outcomes a member's check-in recorded for `day`, oldest first."""
    rows = await session.scalars(
        select(Outcome)
        .where(
            Outcome.member_id == member_id,
            Outcome.local_date == day,
            Outcome.source == CHECKIN_SOURCE,
            Outcome.voided_at.is_(None),
        )
        .order_by(Outcome.id)
    )
    return rows.all()


async def outcome_export_rows(
    session: AsyncSession, member_ids: Sequence[int], *, team_id: int | None = None
) -> list[tuple[str, str, Outcome]]:
    """Every outcome row of the members, voided ones included (the audit trail), with each
    member's external id and name; for a team's export, only the dates that team sees."""
    if not member_ids:
        return []
    result = await session.execute(
        select(Member.external_id, Member.display_name, Outcome)
        .join(Member, Member.id == Outcome.member_id)
        .where(
            Outcome.member_id.in_(member_ids),
            team_sees(Outcome.local_date, Outcome.member_id, team_id),
        )
        .order_by(Member.display_name, Member.external_id, Outcome.local_date, Outcome.id)
    )
    return [(str(ext), str(name), row) for ext, name, row in result.all()]


async def forget_outcomes(session: AsyncSession, member_id: int) -> int:
    """Delete a member's outcomes and targets, and their name from others' audit trails (what
    they recorded or voided for someone else); the number of outcome rows deleted."""
    await session.execute(
        update(Outcome).where(Outcome.member_id == member_id).values(replaced_by_id=None)
    )
    deleted = await session.execute(delete(Outcome).where(Outcome.member_id == member_id))
    await session.execute(
        update(Outcome).where(Outcome.recorded_by_id == member_id).values(recorded_by_id=None)
    )
    await session.execute(
        update(Outcome).where(Outcome.voided_by_id == member_id).values(voided_by_id=None)
    )
    await session.execute(delete(Target).where(Target.member_id == member_id))
    return int(getattr(deleted, "rowcount", 0) or 0)
