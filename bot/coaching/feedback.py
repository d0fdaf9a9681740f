"""Coaching after a check-in below a minimum: the gap and one concrete suggestion."""

from __future__ import annotations

from bot.context import Context
from bot.storage.models import Checkin


async def checkin_feedback(ctx: Context, checkin: Checkin) -> str | None:
    """A short coaching note when the check-in is below a minimum, else None."""
    if checkin.status != "complete":
        return None
    gaps = []
    if (checkin.conversations or 0) < ctx.profile.min_conversations:
        gaps.append(f"{ctx.profile.min_conversations - (checkin.conversations or 0)} conversations")
    if (checkin.minutes or 0) < ctx.profile.min_minutes:
        gaps.append(f"{ctx.profile.min_minutes - (checkin.minutes or 0)} minutes")
    if not gaps:
        return None
    low = [a.text for a in checkin.activities if a.classification == "low"]
    if low:
        tip = f"Could someone else take “{low[0]}” so that time goes to buyers?"
    else:
        tip = "Try blocking the first hour tomorrow for calls, before the inbox gets you."
    return f"You were {' and '.join(gaps)} short of your minimum today. {tip}"
