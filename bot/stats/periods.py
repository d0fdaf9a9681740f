"""The periods `stats` and `leaderboard` speak of: read from a command's words, resolved to
local dates, with the stretch each is compared with.

Decisions (docs/coaching.md, Stats periods):

- A period still running (today, this week, this month, this quarter, this year) is compared
  with the same stretch of the period before (Monday–Wednesday of last week on a Wednesday);
  today with the previous workday.
- A finished period (yesterday, last week, last month, a named month, last quarter, last year)
  is compared with the same number of days right before it: last month (31 days in October)
  against the 31 days before.
- A month named without a year (`october`, `oct`) is the latest one not in the future; a month
  still to come is refused. The month we are in is "this month".
- Words that can only mean a period (`last`, `quarter`, `2026-13`, `december` in the future)
  are never taken for a member's name: a period Needle can't read gets a friendly refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.profile import describe_date

PERIODS = ("today", "week", "month", "all")
PERIOD_ALIASES = {
    "day": "today",
    "daily": "today",
    "weekly": "week",
    "this-week": "week",
    "monthly": "month",
    "this-month": "month",
    "alltime": "all",
    "all-time": "all",
    "ever": "all",
    "total": "all",
    "yesterday": "yesterday",
    "quarter": "quarter",
    "quarterly": "quarter",
    "this-quarter": "quarter",
    "qtd": "quarter",
    "year": "year",
    "yearly": "year",
    "this-year": "year",
    "ytd": "year",
    "last-week": "last-week",
    "last-month": "last-month",
    "last-quarter": "last-quarter",
    "last-year": "last-year",
}
UNITS = {
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "quarter": "quarter",
    "quarters": "quarter",
    "year": "year",
    "years": "year",
}
LAST_WORDS = frozenset({"last", "previous", "prev", "past"})
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^\d{4}$")
PERIOD_USAGE = (
    "Periods: `today`, `yesterday`, `week`, `last week`, `month`, `last month`, `quarter`, "
    "`last quarter`, `year`, a month (`2026-10`, `october`, `oct 2026`) or `all`."
)


class PeriodError(ValueError):
    """Words that can only name a period, but none Needle knows; the text says which."""


@dataclass(frozen=True)
class Period:
    """A stretch of local dates and the one it is compared with."""

    name: str  # the key `parse_period` gives: today | week | last-week | 2026-10 | …
    start: date
    end: date
    previous: tuple[date, date] | None
    label: str  # "this week"
    versus: str  # "the same days last week"
    finished: bool = False  # the period lies wholly before today


def period_word(word: str) -> str | None:
    """The period one word names (`week`, `weekly`, `all-time`, `ytd`), or None."""
    word = word.strip().lower()
    return word if word in PERIODS else PERIOD_ALIASES.get(word)


def month_key(year: int, month: int, today: date) -> str:
    """The key of a calendar month; refused when it lies in the future."""
    if not 1 <= month <= 12 or year < 1900:
        raise PeriodError(f"“{year}-{month:02d}” is no month I know.")
    if (year, month) > (today.year, today.month):
        raise PeriodError(f"{date(year, month, 1).strftime('%B %Y')} hasn't started yet.")
    if (year, month) == (today.year, today.month):
        return "month"
    return f"{year:04d}-{month:02d}"


def parse_period(words: list[str], today: date) -> tuple[str | None, list[str]]:
    """Take the period out of a command's words: its key (None: none named) and the other
    words, in order. Mentions (`@ana`, `<@U1>`) are never read as periods.

    Raises PeriodError when words can only mean a period but name none Needle knows.
    """
    found: str | None = None
    rest: list[str] = []
    lowered = [word.lower() for word in words]
    i = 0
    while i < len(words):
        word, following = lowered[i], lowered[i + 1] if i + 1 < len(words) else ""
        if word.startswith(("@", "<")):
            rest.append(words[i])
        elif word in LAST_WORDS or word == "this":
            unit = UNITS.get(following)
            if unit is None:
                shown = " ".join(words[i : i + 2])
                raise PeriodError(f"“{shown[:40]}” is no period I know.")
            found = unit if word == "this" else f"last-{unit}"
            i += 1
        elif (named := period_word(word)) is not None:
            found = named
        elif (match := _YEAR_MONTH.match(word)) is not None:
            found = month_key(int(match[1]), int(match[2]), today)
        elif word in MONTHS:
            month = MONTHS[word]
            if _YEAR.match(following):
                found = month_key(int(following), month, today)
                i += 1
            else:
                year = today.year if month <= today.month else today.year - 1
                found = month_key(year, month, today)
        elif word in UNITS:
            found = UNITS[word]
        else:
            rest.append(words[i])
        i += 1
    return found, rest


def previous_workday(day: date, workdays: frozenset[int]) -> date:
    """The last workday before `day` (a week back at most)."""
    for back in range(1, 8):
        candidate = day - timedelta(days=back)
        if candidate.weekday() in workdays:
            return candidate
    return day - timedelta(days=1)


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter `day` lies in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def months_back(day: date, months: int) -> date:
    """The first of the month `months` before the month of `day`."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def so_far(name: str, start: date, today: date, previous_start: date, label: str) -> Period:
    """A period running from `start` to today, against the same stretch from
    `previous_start` (cut at the day before `start`)."""
    previous_end = min(previous_start + (today - start), start - timedelta(days=1))
    return Period(
        name,
        start,
        today,
        (previous_start, previous_end),
        label,
        f"the same days {label.replace('this', 'last')}",
    )


def finished(name: str, start: date, end: date, label: str) -> Period:
    """A period wholly in the past, against the same number of days right before it."""
    length = (end - start).days + 1
    before = (
        "the day before"
        if length == 1
        else ("the week before" if length == 7 else f"the {length} days before")
    )
    previous = (start - timedelta(days=length), start - timedelta(days=1))
    return Period(name, start, end, previous, label, before, finished=True)


def period_of(name: str, today: date, workdays: frozenset[int], first: date | None) -> Period:
    """The period `name` (a key from `parse_period`) as of `today`, with the stretch it is
    compared with; `first` starts "all time"."""
    if name == "today":
        before = previous_workday(today, workdays)
        return Period(name, today, today, (before, before), "today", describe_date(before, today))
    if name == "yesterday":
        return finished(name, today - timedelta(days=1), today - timedelta(days=1), "yesterday")
    if name == "week":
        start = today - timedelta(days=today.weekday())
        return so_far(name, start, today, start - timedelta(days=7), "this week")
    if name == "month":
        start = today.replace(day=1)
        return so_far(name, start, today, months_back(today, 1), "this month")
    if name == "quarter":
        start = quarter_start(today)
        return so_far(name, start, today, months_back(start, 3), "this quarter")
    if name == "year":
        start = date(today.year, 1, 1)
        return so_far(name, start, today, date(today.year - 1, 1, 1), "this year")
    if name == "last-week":
        start = today - timedelta(days=today.weekday() + 7)
        return finished(name, start, start + timedelta(days=6), "last week")
    if name == "last-month":
        start = months_back(today, 1)
        return finished(name, start, today.replace(day=1) - timedelta(days=1), "last month")
    if name == "last-quarter":
        end = quarter_start(today) - timedelta(days=1)
        return finished(name, quarter_start(end), end, "last quarter")
    if name == "last-year":
        year = today.year - 1
        return finished(name, date(year, 1, 1), date(year, 12, 31), "last year")
    if (match := _YEAR_MONTH.match(name)) is not None:
        start = date(int(match[1]), int(match[2]), 1)
        end = months_back(start, -1) - timedelta(days=1)
        return finished(name, start, end, start.strftime("%B %Y"))
    return Period("all", first or today, today, None, "all time", "")
