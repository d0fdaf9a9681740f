"""Coaching after a check-in below a minimum: the gap, this week's trend, one suggestion.

The suggestion is tied to what the member wrote, in this order of preference:

1. a low-value item in their top activities (named; "a candidate to delegate" when it keeps
   coming back over four weeks);
2. no buyer work among the top activities at all: put a call block in tomorrow's top three;
3. enough conversations but short ones, or long ones but few: adjust the other number;
4. otherwise: block the first hour tomorrow for calls.

Short, warm, specific; never a scolding.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.context import Context
from bot.profile import WEEKDAY_NAMES, Profile
from bot.stats.report import DELEGATE_WINDOW_DAYS, days_at_minimum
from bot.storage.activities import recurring_low_value
from bot.storage.days import DayMark, recent_days
from bot.storage.models import Checkin
from bot.words import plural


def gap_text(checkin: Checkin, profile: Profile) -> str | None:
    """`3 conversations and 20 minutes short of your minimum (8 and 90)`, or None when met."""
    gaps = []
    conversations = checkin.conversations or 0
    minutes = checkin.minutes or 0
    minimum = profile.conversations_minimum(checkin.local_date)
    if conversations < minimum:
        gaps.append(plural(minimum - conversations, "conversation"))
    if minutes < profile.min_minutes:
        gaps.append(plural(profile.min_minutes - minutes, "minute"))
    if not gaps:
        return None
    return (
        f"{' and '.join(gaps)} short of your minimum "
        f"({plural(minimum, 'conversation')}, "
        f"{plural(profile.min_minutes, 'minute')})"
    )


def week_start(day: date, profile: Profile) -> date:
    """The first day of the member's own week that holds `day`: the start of their run of
    workdays (Sunday for Sun–Thu, Monday for Mon–Fri); Monday for those who work every day
    or on a day off their schedule."""
    monday = day - timedelta(days=day.weekday())
    if len(profile.workdays) == 7 or not profile.is_workday(day):
        return monday
    start = day
    while profile.is_workday(start - timedelta(days=1)) and (day - start).days < 6:
        start -= timedelta(days=1)
    return start


def trend_text(
    days: list[DayMark], day: date, profile: Profile, at_minimum: tuple[int, int]
) -> str:
    """This week so far: workdays at minimum out of the workdays so far (`at_minimum`, as
    `stats` counts them) and the conversations day by day.

    With nothing earlier this week to compare, it says so only on the first day of the
    member's week (whatever weekday that is), and says nothing otherwise."""
    week = sorted(
        (d for d in days if not d.day_off and profile.is_workday(d.local_date)),
        key=lambda d: d.local_date,
    )
    if len(week) <= 1:
        if day == week_start(day, profile):
            return "It's the first day of your week — plenty of week left to build on."
        return ""
    met, so_far = at_minimum
    series = " → ".join(str(d.conversations) for d in week[-5:])
    earlier = [d.conversations for d in week if d.local_date < day]
    latest = next((d.conversations for d in week if d.local_date == day), week[-1].conversations)
    average = sum(earlier) / len(earlier) if earlier else latest
    if latest > average * 1.15:
        direction = "heading up"
    elif latest < average * 0.85:
        direction = "dipping today"
    else:
        direction = "holding steady"
    return (
        f"This week: {met} of {plural(so_far, 'workday')} at minimum, conversations {series} "
        f"({direction})."
    )


async def suggestion(ctx: Context, checkin: Checkin) -> str:
    """One concrete next step, tied to the member's own words."""
    profile = ctx.profile
    low = [a.text for a in checkin.activities if a.classification == "low"]
    high = [a.text for a in checkin.activities if a.classification == "high"]
    tomorrow = next_workday(checkin.local_date, profile)
    if low:
        item = low[0]
        recurring = await recurring_low_value(
            ctx.session,
            checkin.local_date - timedelta(days=DELEGATE_WINDOW_DAYS - 1),
            checkin.local_date,
            member_id=ctx.member.id,
        )
        if recurring and recurring[0].strip().casefold() == item.strip().casefold():
            return (
                f"“{item}” has taken a top-three slot {plural(recurring[1], 'time')} in four "
                "weeks — "
                "a good candidate to delegate, so that time goes to buyers."
            )
        return (
            f"“{item}” took one of your top three slots today. Could someone else take it, "
            f"or can it wait until after your calls {tomorrow}?"
        )
    if checkin.activities and not high:
        return (
            "None of today's top three was time with buyers. Put a call block in "
            f"{tomorrow}'s top three — the first hour, before anything else."
        )
    conversations_short = (checkin.conversations or 0) < profile.conversations_minimum(
        checkin.local_date
    )
    minutes_short = (checkin.minutes or 0) < profile.min_minutes
    if conversations_short and not minutes_short:
        return (
            "Your conversations run long — good depth. To lift the count, line up three short "
            f"follow-up calls first thing {tomorrow}."
        )
    if minutes_short and not conversations_short:
        return (
            "Plenty of conversations, but short ones. Book one longer discovery call or demo "
            f"for {tomorrow} to get real time with a buyer."
        )
    if high:
        return (
            f"“{high[0]}” is exactly the work that moves deals — block the first hour "
            f"{tomorrow} for more of it, before the inbox gets you."
        )
    return f"Try blocking the first hour {tomorrow} for calls, before the inbox gets you."


def next_workday(day: date, profile: Profile) -> str:
    """`tomorrow`, or the weekday name of the next workday (`Monday`)."""
    for ahead in range(1, 8):
        candidate = day + timedelta(days=ahead)
        if profile.is_workday(candidate):
            if ahead == 1:
                return "tomorrow"
            full = {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday"}
            full |= {"Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday"}
            return full[WEEKDAY_NAMES[candidate.weekday()]]
    return "tomorrow"


async def recurring_today(ctx: Context, checkin: Checkin) -> tuple[str, int] | None:
    """Today's low-value item when it keeps coming back (three times or more in four weeks)."""
    low = {a.text.strip().casefold() for a in checkin.activities if a.classification == "low"}
    if not low:
        return None
    recurring = await recurring_low_value(
        ctx.session,
        checkin.local_date - timedelta(days=DELEGATE_WINDOW_DAYS - 1),
        checkin.local_date,
        member_id=ctx.member.id,
        at_least=3,
    )
    if recurring and recurring[0].strip().casefold() in low:
        return recurring
    return None


async def checkin_feedback(ctx: Context, checkin: Checkin) -> str | None:
    """A coaching note for a complete check-in below a minimum; else, a recurring low-value
    item worth delegating; else None."""
    if checkin.status != "complete":
        return None
    profile = ctx.profile
    gap = gap_text(checkin, profile)
    if gap is None:
        recurring = await recurring_today(ctx, checkin)
        if recurring is None:
            return None
        return (
            f"Minimums met — nice. One thing: “{recurring[0]}” has come up "
            f"{plural(recurring[1], 'time')} "
            "in four weeks. Worth delegating, so more of your day goes to buyers?"
        )
    day = checkin.local_date
    monday = day - timedelta(days=day.weekday())  # the week `stats week` counts
    week = await recent_days(
        ctx.session,
        ctx.member.id,
        since=monday,
        through=day,
        min_conversations=profile.min_conversations,
        min_minutes=profile.min_minutes,
    )
    at_minimum = await days_at_minimum(ctx.session, ctx.member, profile, monday, day, ctx.today)
    when = "today" if day == ctx.today else f"on {WEEKDAY_NAMES[day.weekday()]}"
    parts = [f"You were {gap} {when}.", trend_text(week, day, profile, at_minimum)]
    return " ".join(part for part in [*parts, await suggestion(ctx, checkin)] if part)
