"""What Needle says unprompted: the daily prompt, the reminder, escalations and pace checks.

The scheduler decides *when* (and claims each delivery once); this module decides *what*:
short, warm, specific messages that never read the same every day. Variants are picked by the
member's local date, so two days in a row never get the same sentence, and tests stay
deterministic.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkin.questions import question
from bot.messages import Action, Choice, Reply, ReplyKind
from bot.outcomes.targets import target_plan, to_go_text
from bot.profile import Profile
from bot.stats.sofar import pause_covers
from bot.storage.checkins import get_checkin
from bot.storage.days import member_start, recent_days
from bot.storage.models import Member, Team
from bot.storage.people import find_membership
from bot.words import plural

# How far back `days_below_minimum` looks: enough for any sensible escalation threshold.
LOOKBACK_DAYS = 60

PROMPT_OPENERS = (
    "Hi {name}, time for today's check-in.",
    "Evening {name} — how did today go?",
    "{name}, quick check-in before you wrap up.",
    "Hey {name}, let's count today honestly.",
    "Hi {name} — two minutes for today's numbers?",
    "{name}, how many buyers did you talk to today?",
    "Checking in, {name}. What did today look like?",
)

REMINDERS = (
    "No check-in yet today, {name}. Two minutes is all it takes — honest numbers beat "
    "perfect ones.",
    "{name}, still time to log today. Even a zero counts: it tells the truth about the day.",
    "A gentle nudge, {name}: today's check-in is waiting whenever you're ready.",
    "{name}, before the day slips away — how many conversations did you have?",
    "Don't let today go uncounted, {name}. Type the numbers or press a button below.",
    "Quick one, {name}: calls, minutes, top three things. That's the whole check-in.",
    "{name}, your check-in is still open. A rough answer now is better than a perfect one never.",
)

STREAK_LINES = (
    "You're on a {streak}-workday streak — keep it going.",
    "{workdays} in a row at your minimum. Worth protecting.",
    "Your streak stands at {workdays}. One check-in keeps it alive.",
)

ESCALATIONS = (
    "{name}, {workdays} in a row below your minimum now. No judgement — these stretches "
    "happen. What's one thing that would get you two more conversations tomorrow?",
    "{name}, it's been {workdays} under your minimum. Let's break the run: block the "
    "first hour tomorrow for calls, before anything else gets in.",
    "{workdays} below your minimum, {name}. Tomorrow, try three calls before you open "
    "your inbox — small starts rebuild momentum.",
    "{name}, {workdays} running below minimum. Pick the one buyer most likely to say yes "
    "and call them first thing tomorrow.",
)


class Named(Protocol):
    """Anything with a member's display name (a Member, or a row of its columns)."""

    @property
    def display_name(self) -> str: ...


def first_name(member: Named) -> str:
    """The name Needle greets a member with."""
    name = (member.display_name or "").strip()
    return name.split(" ")[0] if name else "there"


def pick(options: tuple[str, ...], local_date: date, salt: int = 0) -> str:
    """The variant of the day: consecutive dates never get the same one."""
    return options[(local_date.toordinal() + salt) % len(options)]


def checkin_choices(local_date: date) -> tuple[Choice, ...]:
    """The Check in / Day off buttons for a day."""
    iso = local_date.isoformat()
    return (
        Choice("Check in", Action.CHECKIN_START, iso, "primary"),
        Choice("Day off", Action.CHECKIN_DAY_OFF, iso),
    )


def daily_prompt(member: Named, team: Team, local_date: date) -> Reply:
    """The daily check-in prompt: a greeting, the first question and the two buttons."""
    opener = pick(PROMPT_OPENERS, local_date).format(name=first_name(member))
    return Reply(
        f"{opener}\n{question(team, 'conversations')}\n"
        "Answer here (e.g. `12 calls, 95 min; demo with Acme`), press Check in, or type `off` "
        "for a day off.",
        kind=ReplyKind.PROMPT,
        title="Daily check-in",
        choices=checkin_choices(local_date),
    )


async def reminder(
    session: AsyncSession, member: Member, team: Team, profile: Profile, local_date: date
) -> Reply:
    """The one reminder of the day for a member who has not checked in yet."""
    from bot.stats.streaks import member_streaks

    text = pick(REMINDERS, local_date).format(name=first_name(member))
    streaks = await member_streaks(session, member.id, profile, local_date)
    if streaks.current > 0:
        text += " " + pick(STREAK_LINES, local_date).format(
            streak=streaks.current, workdays=plural(streaks.current, "workday")
        )
    to_go = await month_to_go(session, member.id, profile, local_date)
    if to_go:
        text += f" This month: {to_go}"
    return Reply(text, kind=ReplyKind.REMINDER, choices=checkin_choices(local_date))


async def month_to_go(
    session: AsyncSession, member_id: int, profile: Profile, local_date: date
) -> str | None:
    """What the member's target still asks this month, in conversations a day (None: no
    target, or no rate to speak of yet)."""
    plan = await target_plan(session, member_id, profile, local_date)
    return to_go_text(plan) if plan is not None else None


async def days_below_minimum(
    session: AsyncSession,
    member_id: int,
    profile: Profile,
    through: date,
    *,
    team_id: int | None = None,
) -> int:
    """Consecutive workdays below the member's minimum, ending at `through` (their local date).

    Days off, non-workdays and paused days (`bot.stats.sofar.pause_covers`) are skipped (they
    neither count nor end the run);
    a workday with no check-in counts as below, but only from the member's first day with
    Needle. Looks back at most LOOKBACK_DAYS days. For a team (`team_id`: the escalation and
    the manager's note it sends) only the days that team sees count: from the day the member
    joined it.
    """
    created, first = await member_start(session, member_id)
    starts = [d for d in (first, profile.local_date(created) if created else None) if d]
    if not starts:
        return 0
    start = max(min(starts), through - timedelta(days=LOOKBACK_DAYS))
    membership = await find_membership(session, team_id, member_id) if team_id else None
    if membership is not None and membership.history_from is not None:
        start = max(start, membership.history_from)
    marks = {
        mark.local_date: mark
        for mark in await recent_days(
            session,
            member_id,
            since=start,
            through=through,
            min_conversations=profile.min_conversations,
            min_minutes=profile.min_minutes,
        )
    }
    until = profile.paused_until
    last_record = max(
        (d for d in marks if until is not None and d <= until and profile.is_workday(d)),
        default=None,
    )
    count = 0
    day = through
    while day >= start:
        mark = marks.get(day)
        skipped = not profile.is_workday(day) or (
            mark.day_off if mark is not None else pause_covers(day, until, last_record)
        )
        if not skipped:
            if mark is not None and mark.met:
                break
            count += 1
        day -= timedelta(days=1)
    return count


async def escalation(
    session: AsyncSession,
    member: Member,
    team: Team,
    profile: Profile,
    local_date: date,
    days_below: int,
) -> tuple[Reply, Reply | None]:
    """A stronger nudge after N workdays below minimum, and a short note to the team's manager."""
    from bot.storage.people import get_member

    name = first_name(member)
    text = pick(ESCALATIONS, local_date).format(name=name, workdays=plural(days_below, "workday"))
    text += (
        f" Your minimum is {plural(profile.conversations_minimum(local_date), 'conversation')} and "
        f"{plural(profile.min_minutes, 'minute')} a workday."
    )
    to_go = await month_to_go(session, member.id, profile, local_date)
    if to_go:
        text += f" This month: {to_go}"
    to_member = Reply(text, kind=ReplyKind.ESCALATION, choices=checkin_choices(local_date))
    manager_id = team.manager_member_id
    if manager_id is None or manager_id == member.id:
        return to_member, None
    manager = await get_member(session, manager_id)
    membership = await find_membership(session, team.id, manager_id)
    if manager is None or membership is None or not membership.active:
        return to_member, None
    full_name = member.display_name or name
    note = Reply(
        f"{full_name} has been below their minimum "
        f"({plural(profile.conversations_minimum(local_date), 'conversation')}, "
        f"{plural(profile.min_minutes, 'minute')}) for {plural(days_below, 'workday')} in a row. "
        "A short, friendly "
        "word from you could help — Needle has already sent them a nudge.",
        kind=ReplyKind.MANAGER_NOTE,
        title="Accountability note",
    )
    return to_member, note


async def pace_check(
    session: AsyncSession, member: Member, team: Team, profile: Profile, local_date: date
) -> Reply | None:
    """A mid-day note with where the member stands, when they are under half of a minimum."""
    checkin = await get_checkin(session, member.id, local_date)
    if checkin is not None and checkin.status == "day_off":
        return None
    conversations = (checkin.conversations or 0) if checkin else 0
    minutes = (checkin.minutes or 0) if checkin else 0
    minimum = profile.conversations_minimum(local_date)
    half_behind = conversations * 2 < minimum or minutes * 2 < profile.min_minutes
    if not half_behind:
        return None
    standing = (
        f"{conversations} of {plural(minimum, 'conversation')}, "
        f"{minutes} of {plural(profile.min_minutes, 'minute')} so far today."
    )
    tips = (
        "Plenty of day left — who's the next buyer to call?",
        "An hour of calls this afternoon closes most of the gap.",
        "Log as you go with `log 2 calls 25m`.",
    )
    to_go = await month_to_go(session, member.id, profile, local_date)
    tip = f"This month: {to_go}" if to_go else pick(tips, local_date)
    return Reply(f"{standing} {tip}", kind=ReplyKind.PACE, title="Pace check")
