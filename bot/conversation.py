"""Where every conversation ends, and where one starts or moves on.

A member has at most one conversation (a check-in, a day-off or forget-me question). Whatever
ends it — its last answer, `cancel`, its late-answer window closing, a conversation for another
day or of another flow taking its place — goes through `end_conversation`, which lets the flow
keep what was answered (`Flow.close`: the check-in saves a partial check-in) and only then
removes it, in the same transaction. `open_conversation` ends a different open conversation
the same way before it starts one, so no answer is dropped by being written over.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.context import Context
from bot.storage.conversations import EndReason, delete_state, load_state, save_state
from bot.storage.models import ConversationState


async def end_conversation(
    ctx: Context, reason: EndReason, *, flow: str | None = None, local_date: date | None = None
) -> None:
    """End the member's open conversation (if any) for `reason`, after its flow kept what
    was answered.

    With `flow`/`local_date`, `reason` is about that conversation only: a different one that
    happens to be open ends as REPLACED (its answers are kept, not taken as done).
    """
    state = await load_state(ctx.session, ctx.member.id)
    if state is None:
        return
    if (flow is not None and state.flow != flow) or (
        local_date is not None and state.local_date != local_date
    ):
        reason = EndReason.REPLACED
    close = ctx.services.conversation_closers.get(state.flow)
    if close is not None:
        await close(ctx, state, reason)
    await delete_state(ctx.session, ctx.member.id)


async def open_conversation(
    ctx: Context,
    *,
    flow: str,
    step: str,
    local_date: date,
    data: dict[str, Any],
    attempts: int = 0,
) -> ConversationState:
    """Start the conversation `flow` for `local_date` at `step`, or move it on when it is the
    one open; a different open conversation ends first (REPLACED) with its answers kept."""
    state = await load_state(ctx.session, ctx.member.id)
    if state is not None and (state.flow != flow or state.local_date != local_date):
        await end_conversation(ctx, EndReason.REPLACED)
    return await save_state(
        ctx.session,
        ctx.member.id,
        team_id=ctx.team.id,
        flow=flow,
        step=step,
        local_date=local_date,
        data=data,
        attempts=attempts,
        now=ctx.now,
    )


__all__ = ["EndReason", "end_conversation", "open_conversation"]
