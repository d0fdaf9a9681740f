"""The one-screen confirmation of a saved check-in: numbers against minimums, streak, focus.

A day at both minimums gets praise specific to it (`bot.coaching.praise`).
"""

from __future__ import annotations

from datetime import timedelta

from bot.coaching.classify import high_value_share
from bot.coaching.feedback import checkin_feedback
from bot.coaching.praise import BACK_WINDOW_DAYS, DayFacts, comeback, praise_line
from bot.context import Context
from bot.messages import Action, Choice, Fact, Reply, ReplyKind
from bot.outcomes.recording import day_outcomes_text
from bot.profile import describe_date
from bot.stats.streaks import member_streaks
from bot.storage.days import member_start, personal_bests, recent_days
from bot.storage.models import Checkin
from bot.storage.streaks import Streaks
from bot.words import plural


def against(value: int | None, minimum: int) -> str:
    """`12 / 5 ✅` or `3 / 5` (a missing answer shows as a dash)."""
    if value is None:
        return f"– / {minimum}"
    return f"{value} / {minimum}" + (" ✅" if value >= minimum else "")


async def confirmation(ctx: Context, checkin: Checkin) -> list[Reply]:
    """The confirmation replies for a check-in that was just saved."""
    profile = ctx.profile
    when = describe_date(checkin.local_date, ctx.today)
    streaks = await member_streaks(ctx.session, ctx.member.id, profile, ctx.today)
    classes = [a.classification for a in checkin.activities]
    share = high_value_share(classes)  # type: ignore[arg-type]
    facts = [
        Fact(
            "Conversations",
            against(checkin.conversations, profile.conversations_minimum(checkin.local_date)),
        ),
        Fact("Minutes with buyers", against(checkin.minutes, profile.min_minutes)),
        Fact("Streak", plural(streaks.current, "workday")),
    ]
    if checkin.activities:
        high = sum(1 for c in classes if c == "high")
        percent = f" ({round(share * 100)}%)" if share is not None else ""
        facts.append(Fact("High-value activities", f"{high} of {len(classes)}{percent}"))
    if checkin.wins is not None and ctx.team.track_wins:
        note = f" — {checkin.wins_note}" if checkin.wins_note else ""
        facts.append(Fact("Wins", f"{checkin.wins}{note}"))
    if ctx.team.outcomes:
        facts.append(Fact("Outcomes", await day_outcomes_text(ctx, checkin.local_date)))
    complete = checkin.status == "complete"
    title = f"Check-in saved for {when}" if complete else f"Partial check-in saved for {when}"
    headline = await headline_for(ctx, checkin, streaks)
    lines = [headline]
    if checkin.activities:
        lines.append(
            "Top activities: "
            + "; ".join(
                f"{a.text}{' ★' if a.classification == 'high' else ''}" for a in checkin.activities
            )
        )
    lines.append("Type `checkin` to edit it.")
    replies = [
        Reply(
            "\n".join(lines),
            kind=ReplyKind.SUMMARY,
            title=title,
            facts=tuple(facts),
            choices=(Choice("Edit", Action.CHECKIN_EDIT, checkin.local_date.isoformat()),),
        )
    ]
    coaching = await checkin_feedback(ctx, checkin)
    if coaching:
        replies.append(Reply(coaching, kind=ReplyKind.COACHING))
    return replies


async def headline_for(ctx: Context, checkin: Checkin, streaks: Streaks) -> str:
    """One warm sentence about the day's numbers; praise specific to the day at minimum."""
    profile = ctx.profile
    conversations = checkin.conversations or 0
    minutes = checkin.minutes or 0
    numbers = (
        f"{plural(conversations, 'conversation')} and {plural(minutes, 'minute')} "
        "talking with buyers"
    )
    minimum = profile.conversations_minimum(checkin.local_date)
    if conversations < minimum or minutes < profile.min_minutes:
        return f"{numbers}."
    day = checkin.local_date
    marks = await recent_days(
        ctx.session,
        ctx.member.id,
        since=day - timedelta(days=BACK_WINDOW_DAYS),
        through=day - timedelta(days=1),
        min_conversations=profile.min_conversations,
        min_minutes=profile.min_minutes,
    )
    _, first = await member_start(ctx.session, ctx.member.id)
    classes = [a.classification for a in checkin.activities]
    facts = DayFacts(
        conversations=conversations,
        minutes=minutes,
        bests=await personal_bests(ctx.session, ctx.member.id, day),
        current_streak=streaks.current,
        best_streak=streaks.best,
        back_after=comeback(day, profile, marks, first),
        high=sum(1 for c in classes if c == "high"),
        activities=len(classes),
    )
    return f"{numbers} — minimums met. {praise_line(facts, ctx.member.id, day, profile)}"
