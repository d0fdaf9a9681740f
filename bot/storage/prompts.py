"""The daily prompt as a conversation sees it: was a later day's prompt sent, and settling
the day's prompt when the member already dealt with the day in a conversation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Delivery

PROMPT = "prompt"  # the daily prompt's delivery kind


def _member_target(member_id: int) -> str:
    return f"member:{member_id}"


async def prompt_sent_after(
    session: AsyncSession, member_id: int, *, later_than: date, since: datetime
) -> bool:
    """True when a daily prompt for a day after `later_than` reached the member at or after
    `since` (a new day's question now stands where the old conversation was)."""
    sent = await session.scalar(
        select(Delivery.id)
        .where(
            Delivery.kind == PROMPT,
            Delivery.target == _member_target(member_id),
            Delivery.local_date > later_than,
            Delivery.sent_at.is_not(None),
            Delivery.sent_at >= since,
        )
        .limit(1)
    )
    return sent is not None


async def settle_prompt(
    session: AsyncSession, member_id: int, local_date: date, *, reason: str, now: datetime
) -> bool:
    """Settle the member's daily prompt of `local_date` as skipped, unless it already has a
    delivery record (sent, claimed or settled); True when it was settled here."""
    target = _member_target(member_id)
    existing = await session.scalar(
        select(Delivery.id).where(
            Delivery.kind == PROMPT, Delivery.target == target, Delivery.local_date == local_date
        )
    )
    if existing is not None:
        return False
    session.add(
        Delivery(
            kind=PROMPT,
            target=target,
            local_date=local_date,
            status="skipped",
            claimed_by="",
            claimed_at=now,
            lease_until=now,
            attempts=0,
            error=reason[:1000],
        )
    )
    await session.flush()
    return True
