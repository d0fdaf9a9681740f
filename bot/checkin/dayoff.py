"""Marking a day off: its reason, asking before a check-in with answers is replaced, and the
reply that fits the reason.

`off`, `sick`, `vacation`, `holiday` or `pto` (typed, or the Day off button) marks a day off:
it neither counts against minimums nor breaks a streak, and the reason is kept on the day.
When the day already holds answers (a finished check-in, a partial one, or the check-in
conversation in progress), Needle first shows what would be replaced and asks yes/no — as
buttons and typed — in a short `day_off` conversation.
"""

from __future__ import annotations

import re
from datetime import date

from bot.context import Context
from bot.conversation import EndReason, end_conversation, open_conversation
from bot.messages import Action, Choice, Reply, ReplyKind
from bot.profile import describe_date
from bot.router import Command
from bot.storage.checkins import CheckinRecord, get_checkin, save_checkin
from bot.storage.models import Checkin, ConversationState
from bot.words import plural

FLOW = "day_off"
REASONS = ("sick", "vacation", "holiday", "pto", "off")
# The words of a day-off answer that name its reason; anything else is a plain day off.
REASON_WORDS = {
    "sick": "sick",
    "ill": "sick",
    "unwell": "sick",
    "krank": "sick",
    "vacation": "vacation",
    "vacay": "vacation",
    "urlaub": "vacation",
    "vacaciones": "vacation",
    "conge": "vacation",
    "holiday": "holiday",
    "holidays": "holiday",
    "hols": "holiday",
    "feriado": "holiday",
    "pto": "pto",
}
YES = frozenset({"yes", "y", "yes please", "yep", "yeah", "ok", "okay", "sure", "replace"})
NO = frozenset({"no", "n", "nope", "no thanks", "keep", "keep it", "cancel", "stop"})
WORD_RE = re.compile(r"[a-z]+")


def reason_of(text: str) -> str:
    """The reason a day-off answer names (`sick`, `vacation`, `holiday`, `pto`), else `off`."""
    for word in WORD_RE.findall(text.lower().replace("'", "")):
        if word in REASON_WORDS:
            return REASON_WORDS[word]
    return "off"


def has_answers(checkin: Checkin | None) -> bool:
    """True when a stored day holds something a day off would replace."""
    if checkin is None or checkin.status == "day_off":
        return False
    return (
        checkin.status == "complete"
        or any(
            value is not None and value != 0
            for value in (checkin.conversations, checkin.minutes, checkin.wins)
        )
        or bool(checkin.activities or checkin.note)
    )


def what_it_holds(checkin: Checkin) -> str:
    """`12 conversations, 95 minutes, 2 activities (demo with Acme; proposal)`."""
    parts = []
    if checkin.conversations is not None:
        parts.append(plural(checkin.conversations, "conversation"))
    if checkin.minutes is not None:
        parts.append(plural(checkin.minutes, "minute"))
    if checkin.activities:
        texts = "; ".join(a.text for a in checkin.activities)
        count = len(checkin.activities)
        parts.append(f"{plural(count, 'activity')} ({texts})")
    if checkin.wins:
        parts.append(plural(checkin.wins, "win"))
    return ", ".join(parts) or "a note"


async def mark_day_off(ctx: Context, day: date, text: str = "off") -> list[Reply]:
    """Mark `day` off for the reason `text` names, asking first when the day holds answers.

    A check-in conversation open for the day ends first, its answers kept (as partial), so
    the question shows them and `no` leaves them in place.
    """
    reason = reason_of(text)
    await end_conversation(ctx, EndReason.REPLACED)
    existing = await get_checkin(ctx.session, ctx.member.id, day)
    if not has_answers(existing):
        return await record_day_off(ctx, day, reason)
    assert existing is not None
    await open_conversation(ctx, flow=FLOW, step="confirm", local_date=day, data={"reason": reason})
    when = describe_date(day, ctx.today)
    done = "checked in" if existing.status == "complete" else "a partial check-in"
    label = "" if reason == "off" else f" ({reason})"
    return [
        Reply(
            f"You already have {done} for {when}: {what_it_holds(existing)}. Mark {when} as a "
            f"day off{label} instead? That replaces those answers (the earlier version is "
            "kept). (yes / no)",
            kind=ReplyKind.CONFIRM,
            title="Replace with a day off?",
            choices=confirm_choices(day, reason),
        )
    ]


def confirm_choices(day: date, reason: str) -> tuple[Choice, ...]:
    """The yes/no buttons of the day-off question."""
    return (
        Choice("Yes, day off", Action.DAY_OFF_CONFIRM, f"{day.isoformat()} {reason}", "danger"),
        Choice("No, keep my check-in", Action.DAY_OFF_KEEP, day.isoformat()),
    )


async def record_day_off(ctx: Context, day: date, reason: str) -> list[Reply]:
    """Save `day` as a day off for `reason` and answer in a way that fits the reason."""
    await end_conversation(ctx, EndReason.DAY_OFF, local_date=day)
    await save_checkin(
        ctx.session,
        ctx.member.id,
        day,
        CheckinRecord(status="day_off", day_off_reason=reason, source="chat"),
        now=ctx.now,
    )
    when = describe_date(day, ctx.today)
    label = "" if reason == "off" else f" ({reason})"
    return [
        Reply(
            f"Day off noted for {when}{label}. It won't count against your minimums or break "
            f"your streak.{farewell(reason)}",
            kind=ReplyKind.DAY_OFF,
            choices=(Choice("Undo — check in instead", Action.CHECKIN_EDIT, day.isoformat()),),
        )
    ]


def farewell(reason: str) -> str:
    """The closing words that fit a day off's reason (nothing for a plain day off)."""
    if reason == "sick":
        return " Get well soon!"
    if reason in ("vacation", "holiday", "pto"):
        return " Enjoy it!"
    return ""


async def keep_checkin(ctx: Context, day: date) -> list[Reply]:
    """`no` to the day-off question: the day's answers stay."""
    await end_conversation(ctx, EndReason.ANSWERED, flow=FLOW, local_date=day)
    when = describe_date(day, ctx.today)
    return [Reply(f"Okay, your check-in for {when} stays as it is.", kind=ReplyKind.INFO)]


class DayOffFlow:
    """The question before a day off replaces a day's answers: typed yes or no."""

    name = FLOW

    async def close_if_expired(self, ctx: Context, state: ConversationState) -> bool:
        """Closed once the day can no longer be changed (noon the next day)."""
        if ctx.profile.late_answer_open(state.local_date, ctx.now):
            return False
        await end_conversation(ctx, EndReason.EXPIRED)
        return True

    async def close(self, ctx: Context, state: ConversationState, reason: EndReason) -> None:
        """Nothing to keep: the day's answers were saved before the question was asked."""

    def may_interrupt(self, command: Command, state: ConversationState) -> bool:
        """Any command runs instead of answering."""
        return True

    async def answer(self, ctx: Context, state: ConversationState, text: str) -> list[Reply]:
        """`yes` marks the day off, `no` keeps the check-in; anything else asks again."""
        answer = text.strip().lower().rstrip(".!")
        reason = str((state.data or {}).get("reason") or "off")
        if answer in YES:
            return await record_day_off(ctx, state.local_date, reason)
        if answer in NO:
            return await keep_checkin(ctx, state.local_date)
        return [
            Reply(
                "Please answer `yes` to mark the day off (replacing its answers), or `no` to "
                "keep your check-in.",
                kind=ReplyKind.REASK,
                choices=confirm_choices(state.local_date, reason),
            )
        ]

    async def reask(
        self, ctx: Context, state: ConversationState, after: Command, shown: list[Reply]
    ) -> list[Reply]:
        """Nothing: the question stays open, unrepeated, until answered."""
        return []


__all__ = ["REASONS", "DayOffFlow", "mark_day_off", "reason_of", "record_day_off"]
