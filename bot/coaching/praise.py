"""The praise in a confirmation when both minimums are met: specific to the day, never stale.

What makes the day stand out is said first, in this order: a personal record (most
conversations or most minutes on any day so far), the member's best streak yet, the first day
at minimum after a workday below it or missed (said as which), a high share of high-value
activities; otherwise a general line. Each kind has several wordings; the wording is chosen by
the member's workday count (their n-th workday since the epoch, offset by their id), so it is
the same for a (member, date) whenever it is asked, and two workdays running never read the
same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.profile import Profile, workday_digits
from bot.storage.days import DayMark, PersonalBests
from bot.storage.streaks import workday_ordinal
from bot.words import plural

RECORD_CONVERSATIONS = (
    "{value} is your most conversations on any day so far — a new personal best.",
    "A personal record: {value}, more conversations than any day before.",
)
RECORD_MINUTES = (
    "{value} with buyers is a new personal best.",
    "More time with buyers than ever before: {value}. A personal record.",
)
BEST_STREAK = (
    "That's {value} at minimum in a row — your best streak yet.",
    "Your longest streak so far: {value} at minimum. Keep it going.",
)
BACK_AFTER_MISSED = (
    "Back at your minimum after a missed day — that's how streaks restart.",
    "Minimums met again after a day with no check-in. One day rebuilds the habit.",
)
BACK_AFTER_BELOW = (
    "Back at your minimum after a day below it — that's how streaks restart.",
    "Minimums met again after a short day. One day rebuilds the habit.",
)
ALL_HIGH_VALUE = (
    "Every one of your top activities was buyer work — that's where deals come from.",
    "Your top activities were all buyer work: time well spent.",
)
MOSTLY_HIGH_VALUE = (
    "{value} were buyer work — that's where deals come from.",
    "Mostly buyer work at the top of your day ({value}): time well spent.",
)
GENERAL = (
    "That's the work that moves deals.",
    "Conversations are what move pipeline — well done.",
    "Steady, honest work with buyers. It adds up.",
    "Another day of real buyer time in the bank.",
    "That's how pipeline gets built: one conversation at a time.",
)
BACK_WINDOW_DAYS = 14


class Comeback(StrEnum):
    """What the member's last workday before a day at minimum was, when it was not at it."""

    MISSED = "missed"  # no check-in at all
    BELOW = "below"  # checked in below the minimum


@dataclass(frozen=True)
class DayFacts:
    """What is true about a day at minimum, as praise needs it."""

    conversations: int
    minutes: int
    bests: PersonalBests
    current_streak: int
    best_streak: int
    back_after: Comeback | None
    high: int  # high-value top activities
    activities: int


def comeback(
    day: date, profile: Profile, marks: list[DayMark], first: date | None
) -> Comeback | None:
    """How the member's last workday before `day` (not paused, not a day off) fell short:
    missed (no check-in) or below the minimum; None when it was at minimum, or before their
    first check-in."""
    by_date = {mark.local_date: mark for mark in marks}
    for back in range(1, BACK_WINDOW_DAYS + 1):
        earlier = day - timedelta(days=back)
        if first is None or earlier < first:
            return None
        mark = by_date.get(earlier)
        if not profile.is_workday(earlier) or profile.is_paused(earlier):
            continue
        if mark is not None and mark.day_off:
            continue
        if mark is None:
            return Comeback.MISSED
        return None if mark.met else Comeback.BELOW
    return None


def praise_line(facts: DayFacts, member_id: int, day: date, profile: Profile) -> str:
    """One sentence of praise for a day at minimum (see the module's rules)."""
    key = workday_ordinal(day, workday_digits(profile.workdays)) + member_id
    bests = facts.bests
    if bests.days and facts.conversations > bests.conversations:
        return _choose(RECORD_CONVERSATIONS, key, plural(facts.conversations, "conversation"))
    if bests.days and facts.minutes > bests.minutes:
        return _choose(RECORD_MINUTES, key, plural(facts.minutes, "minute"))
    if facts.current_streak >= 3 and facts.current_streak >= facts.best_streak:
        return _choose(BEST_STREAK, key, plural(facts.current_streak, "workday"))
    if facts.back_after is Comeback.MISSED:
        return _choose(BACK_AFTER_MISSED, key)
    if facts.back_after is Comeback.BELOW:
        return _choose(BACK_AFTER_BELOW, key)
    if facts.activities >= 2 and facts.high * 3 >= facts.activities * 2:
        if facts.high == facts.activities:
            return _choose(ALL_HIGH_VALUE, key)
        return _choose(
            MOSTLY_HIGH_VALUE, key, f"{facts.high} of your {facts.activities} top activities"
        )
    return _choose(GENERAL, key)


def _choose(options: tuple[str, ...], key: int, value: str = "") -> str:
    """The wording of the day: consecutive keys never get the same one."""
    return options[key % len(options)].format(value=value)
