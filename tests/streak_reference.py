"""The streak rule walked day by day: the slow, obvious version the SQL must match."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from bot.storage.streaks import Streaks
from tests.stats_helpers import Day


def reference(
    days: Mapping[date, Day],
    today: date,
    *,
    workdays: frozenset[int],
    min_conversations: int,
    min_minutes: int,
    paused_until: date | None,
) -> Streaks:
    """Current and best streak of `days` ((conversations, minutes) or "off") as of `today`."""

    def met(value: Day) -> bool:
        if isinstance(value, str):  # "off": a day off
            return False
        return value[0] >= min_conversations and value[1] >= min_minutes

    def is_workday(day: date) -> bool:
        return day.weekday() in workdays

    eligible = sorted(d for d, v in days.items() if is_workday(d) and d <= today)
    if not eligible:
        return Streaks(0, 0)
    run = best = 0
    day = eligible[0]
    while day <= today:
        if is_workday(day):
            if day in eligible:
                value = days[day]
                if value != "off":
                    run = run + 1 if met(value) else 0
            elif day < today:
                following = [d for d in eligible if d > day]
                excused = (
                    paused_until is not None
                    and day <= paused_until
                    and (not following or following[0] > paused_until)
                )
                if not excused:
                    run = 0
        best = max(best, run)
        day += timedelta(days=1)
    return Streaks(run, best)
