"""Persisted conversation state: where each member is in a flow, so restarts resume it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ConversationState


async def load_state(session: AsyncSession, member_id: int) -> ConversationState | None:
    """The member's conversation in progress, if any."""
    return await session.get(ConversationState, member_id)


async def save_state(
    session: AsyncSession,
    member_id: int,
    *,
    team_id: int | None,
    flow: str,
    step: str,
    local_date: date,
    data: dict[str, Any],
    attempts: int,
    now: datetime,
) -> ConversationState:
    """Create or replace the member's conversation state."""
    state = await session.get(ConversationState, member_id)
    if state is None:
        state = ConversationState(member_id=member_id)
        session.add(state)
    state.team_id = team_id
    state.flow = flow
    state.step = step
    state.local_date = local_date
    state.data = dict(data)
    state.attempts = attempts
    state.updated_at = now
    await session.flush()
    return state


async def clear_state(session: AsyncSession, member_id: int) -> None:
    """End the member's conversation."""
    await session.execute(delete(ConversationState).where(ConversationState.member_id == member_id))
