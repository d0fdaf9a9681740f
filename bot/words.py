"""Small helpers for the words Needle says: counts with their nouns, numbers and days.

Every count Needle prints next to a noun goes through `plural`, so a member never reads
"1 minutes"; days other than today are named in a question ("yesterday", "on Monday").
"""

from __future__ import annotations

from datetime import date, timedelta

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
IRREGULAR = {"day off": "days off", "activity": "activities", "this": "these"}


def plural(count: int, word: str) -> str:
    """`1 workday`, `3 workdays`, `1 activity`, `2 activities`."""
    return f"{count} {noun(count, word)}"


def noun(count: int, word: str) -> str:
    """The noun alone, singular for one: `minute`, `minutes`."""
    if count == 1:
        return word
    return IRREGULAR.get(word, word + "s")


def number_word(count: int) -> str:
    """`three` for 3 (up to nine), digits beyond."""
    return NUMBER_WORDS[count] if 0 <= count < len(NUMBER_WORDS) else str(count)


def day_phrase(day: date, today: date) -> str:
    """How a question names a day: `today`, `yesterday`, `on Monday` (within a week), or
    `on 18 Nov`."""
    if day == today:
        return "today"
    if day == today - timedelta(days=1):
        return "yesterday"
    if today - timedelta(days=7) < day < today:
        return f"on {DAY_NAMES[day.weekday()]}"
    return f"on {day.day} {day.strftime('%b')}"
