"""What each of a member's days was: the one classification behind chat's chart of days (the
bars and bands of `stats`) and the dashboard's calendar.

Decisions (docs/behaviour.md, Minimums and Streaks), in the member's own local dates:

- A recorded day is what its record says: a day off (with its reason), else *at minimum*
  when both numbers reach the member's personal minimum (`bot.storage.streaks.meets_minimum`,
  a partial check-in included), else a *partial* check-in (one left unfinished, below the
  minimum), else *below* the minimum. A record on a day that is not a workday is still shown
  for what it says; it neither adds to nor breaks a streak.
- A day without a record is, in this order: *ahead* (today, until it has a record, and the
  days after it), *not a workday*, *before* the member's first check-in (or, in a team's view
  of another member, before they joined the team), *paused* (a workday the latest pause
  covers: after the last check-in on a workday up to its last day, as streaks count it), or
  else *missed*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.profile import Profile
from bot.stats.sofar import pause_covers
from bot.storage.days import DayMark, member_start, recent_days

# Each kind of day and how it is named wherever it is shown, in the order a legend lists them.
DAY_KINDS: dict[str, str] = {
    "met": "At minimum",
    "below": "Below minimum",
    "partial": "Partial check-in",
    "off": "Day off",
    "paused": "Paused",
    "missed": "Missed",
    "rest": "Not a workday",
    "ahead": "Not yet",
    "before": "Before you started",
}
# The same in a word, for a small screen's calendar (the full name stays for screen readers).
DAY_KINDS_SHORT: dict[str, str] = {
    "met": "Met",
    "below": "Below",
    "partial": "Partial",
    "off": "Off",
    "paused": "Paused",
    "missed": "Missed",
    "rest": "Rest",
    "ahead": "Later",
    "before": "Before",
}


@dataclass(frozen=True)
class MemberDay:
    """One day of a member and what it was (a key of DAY_KINDS), with its numbers."""

    day: date
    kind: str
    conversations: int = 0
    minutes: int = 0
    reason: str | None = None  # a day off's reason (sick, vacation, holiday, pto, off)

    @property
    def label(self) -> str:
        """`At minimum`, `Day off (sick)`, …: the day's kind in words."""
        named = DAY_KINDS[self.kind]
        if self.kind == "off" and self.reason and self.reason != "off":
            return f"{named} ({self.reason})"
        return named

    @property
    def short(self) -> str:
        """The day's kind in a word (`Met`, `Off`, …)."""
        return DAY_KINDS_SHORT[self.kind]

    @property
    def has_numbers(self) -> bool:
        """True for days with a check-in's numbers."""
        return self.kind in ("met", "below", "partial")


def kind_of_record(mark: DayMark) -> str:
    """What a recorded day was: off, met, partial or below."""
    if mark.day_off:
        return "off"
    if mark.met:
        return "met"
    return "partial" if mark.partial else "below"


def classify_days(
    marks: Sequence[DayMark],
    start: date,
    end: date,
    *,
    today: date,
    first: date | None,
    profile: Profile,
) -> list[MemberDay]:
    """Every day of [start, end], oldest first, classified (see the module's docstring).

    `marks` are the member's recorded days in the span; `first` is the first day that can be
    missed (their first check-in, or the day a team's view of them begins).
    """
    recorded = {mark.local_date: mark for mark in marks}
    paused_until = profile.paused_until
    # The pause covers the gap it ended (or is still in): after the last recorded workday
    # on or before its last day, as in streaks and in the workdays so far.
    gap_after = max(
        (
            d
            for d in recorded
            if paused_until is not None and d <= paused_until and profile.is_workday(d)
        ),
        default=None,
    )
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        mark = recorded.get(day)
        if mark is not None:
            kind = kind_of_record(mark)
            days.append(MemberDay(day, kind, mark.conversations, mark.minutes, mark.reason))
        elif day >= today:
            days.append(MemberDay(day, "ahead"))
        elif not profile.is_workday(day):
            days.append(MemberDay(day, "rest"))
        elif first is None or day < first:
            days.append(MemberDay(day, "before"))
        else:
            paused = pause_covers(day, paused_until, gap_after)
            days.append(MemberDay(day, "paused" if paused else "missed"))
    return days


async def member_days(
    session: AsyncSession,
    member_id: int,
    profile: Profile,
    start: date,
    end: date,
    *,
    today: date,
    history_from: date | None = None,
) -> list[MemberDay]:
    """Each day of [start, end] of a member, classified; in a team's view (`history_from`)
    nothing before the day they joined is read."""
    since = max(start, history_from) if history_from else start
    marks = await recent_days(
        session,
        member_id,
        since=since,
        through=end,
        min_conversations=profile.min_conversations,
        min_minutes=profile.min_minutes,
    )
    _, first = await member_start(session, member_id)
    if history_from is not None and first is not None:
        first = max(first, history_from)
    return classify_days(marks, start, end, today=today, first=first, profile=profile)
