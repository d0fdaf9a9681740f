"""Which workdays count "so far": the one definition behind every "X of Y workdays at minimum".

Stats, the goal leaderboard, the weekly recap, the coaching after a check-in and the Home tab
all divide days at minimum by `workdays_so_far` (docs/behaviour.md, Minimums). Of a period
[start, end], as of the member's local `today`, the workdays that count are:

- the member's own workdays, from their first day (`first_day`; in a team's view of another
  person, never before the day they joined that team);
- through `end`, except that today counts only once it has a check-in (today is not over);
- minus days off on workdays (`days_off`, counted by the caller over the same stretch);
- minus paused days (`paused_days`): the workdays without a check-in that the latest pause
  covers, from the day after the last check-in on a workday up to its last day (the same gap
  the streak rule protects).

Days at minimum are counted on workdays only, so they never exceed the workdays so far.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.profile import workday_digits
from bot.storage.streaks import workday_ordinal


def workdays_between(start: date, end: date, workdays: frozenset[int]) -> int:
    """How many workdays fall in [start, end]."""
    if end < start or not workdays:
        return 0
    digits = workday_digits(workdays)
    return workday_ordinal(end, digits) - workday_ordinal(start - timedelta(days=1), digits)


def counted_span(
    start: date, end: date, today: date, *, first_day: date | None, checked_in_today: bool
) -> tuple[date, date]:
    """The stretch of [start, end] whose workdays can count: from the first day, and through
    yesterday when `end` is today and today has no check-in yet (empty when end < start)."""
    if first_day is None:
        return end + timedelta(days=1), end
    last = end - timedelta(days=1) if end == today and not checked_in_today else end
    return max(start, first_day), last


def pause_covers(day: date, paused_until: date | None, last_record: date | None) -> bool:
    """Whether `day` (a workday without a check-in) is a paused day: after `last_record` and
    on or before `paused_until`."""
    if paused_until is None or day > paused_until:
        return False
    return last_record is None or day > last_record


def paused_days(
    lo: date,
    hi: date,
    workdays: frozenset[int],
    paused_until: date | None,
    last_record: date | None,
) -> int:
    """Workdays in [lo, hi] the pause covers: after `last_record` (the last check-in on a
    workday on or before `paused_until`) through `paused_until`."""
    if paused_until is None:
        return 0
    begin = lo if last_record is None else max(lo, last_record + timedelta(days=1))
    return workdays_between(begin, min(hi, paused_until), workdays)


def workdays_so_far(
    start: date,
    end: date,
    today: date,
    workdays: frozenset[int],
    *,
    first_day: date | None,
    checked_in_today: bool,
    days_off: int,
    paused_until: date | None,
    last_record: date | None,
) -> int:
    """The workdays of [start, end] that count so far (see the module's docstring).

    `days_off` are the member's days off on workdays in the counted span; `last_record` is the
    date of their last check-in on a workday on or before `paused_until`.
    """
    lo, hi = counted_span(start, end, today, first_day=first_day, checked_in_today=checked_in_today)
    if hi < lo:
        return 0
    paused = paused_days(lo, hi, workdays, paused_until, last_record)
    return workdays_between(lo, hi, workdays) - days_off - paused
