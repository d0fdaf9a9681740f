"""Persisted conversation state: where each member is in a flow, so restarts resume it.

A member has at most one conversation. `save_state` only ever continues the conversation that
is open (same flow, same day) or starts one where none is: replacing a different conversation
would drop its answers, so it is refused. Ending one goes through `bot.conversation`, which
lets the flow keep what was answered before `delete_state` removes it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ConversationState

# How recently a member must have been asked or have answered to count as mid-conversation.
ACTIVE_WITHIN = timedelta(minutes=30)
IDS_PER_STATEMENT = 5000  # member ids per IN (...) list, well under SQLite's 32766 parameters


class EndReason(StrEnum):
    """Why a conversation ended; a flow's `close` decides from it what to keep."""

    COMPLETED = "completed"  # its last answer was taken and saved by the flow
    DAY_OFF = "day_off"  # its day was marked off
    CANCELLED = "cancelled"  # the member said `cancel`
    GAVE_UP = "gave_up"  # too many unusable answers
    EXPIRED = "expired"  # it can no longer be answered (late-answer window, question expired)
    REPLACED = "replaced"  # another conversation (another day, another flow) took its place
    ANSWERED = "answered"  # a question answered once (yes/no) that holds nothing to keep
    UNROUTED = "unrouted"  # no flow of that name is routed any more


class ConversationStillOpen(RuntimeError):
    """A different conversation is open: end it (`bot.conversation`) before starting one."""


async def load_state(session: AsyncSession, member_id: int) -> ConversationState | None:
    """The member's conversation in progress, if any."""
    return await session.get(ConversationState, member_id)


async def is_mid_conversation(
    session: AsyncSession, member_id: int, *, now: datetime, within: timedelta = ACTIVE_WITHIN
) -> bool:
    """True when the member has an open conversation they were asked or answered in within
    `within` of `now` (a scheduled prompt would land in the middle of its questions)."""
    state = await session.get(ConversationState, member_id)
    return state is not None and now - state.updated_at <= within


def members_mid_conversation(
    connection: Connection,
    member_ids: Iterable[int],
    *,
    now: datetime,
    within: timedelta = ACTIVE_WITHIN,
) -> set[int]:
    """Which of these members are mid-conversation at `now` (`is_mid_conversation` for many
    at once, in one statement): the scheduler asks this for each chunk of deliveries it claims.

    Driver SQL like the scheduler's claims: a chunk holds hundreds of members.
    """
    ids = sorted(set(member_ids))
    if not ids:
        return set()
    dialect = connection.dialect
    bind = ConversationState.__table__.c.updated_at.type.bind_processor(dialect)
    since = now - within
    since_param = bind(since) if bind is not None else since
    found: set[int] = set()
    for first in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = ids[first : first + IDS_PER_STATEMENT]
        sql = _mid_conversation_sql(dialect.name, len(chunk))
        rows: Sequence[Any] = connection.exec_driver_sql(sql, (since_param, *chunk)).all()
        found.update(row[0] for row in rows)
    return found


@functools.lru_cache(maxsize=32)
def _mid_conversation_sql(dialect: str, members: int) -> str:
    """The SELECT of members asked or answered since an instant (parameters: it, then ids)."""
    if dialect == "sqlite":
        since, ids = "?", ", ".join(["?"] * members)
    else:
        since = "$1::timestamptz"
        ids = ", ".join(f"${n}::bigint" for n in range(2, members + 2))
    return (
        "SELECT member_id FROM conversation_states "
        f"WHERE updated_at >= {since} AND member_id IN ({ids})"
    )


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
    """Create the member's conversation state, or move the open one on.

    Raises ConversationStillOpen when another conversation (another flow or day) is open.
    """
    state = await session.get(ConversationState, member_id)
    if state is None:
        state = ConversationState(member_id=member_id)
        session.add(state)
    elif state.flow != flow or state.local_date != local_date:
        raise ConversationStillOpen(
            f"member {member_id} is in {state.flow} for {state.local_date}, not {flow} for "
            f"{local_date}"
        )
    state.team_id = team_id
    state.flow = flow
    state.step = step
    state.local_date = local_date
    state.data = dict(data)
    state.attempts = attempts
    state.updated_at = now
    await session.flush()
    return state


async def delete_state(session: AsyncSession, member_id: int) -> None:
    """Remove the member's conversation row; only `bot.conversation.end_conversation` calls
    this, after the flow kept what was answered."""
    state = await session.get(ConversationState, member_id)
    if state is not None:
        await session.delete(state)
        await session.flush()
