"""Read the arguments of commands: `log`, `pause`, `schedule`, times of day and workdays.

- Quick log: a unit-less number is conversations, a second one minutes ("3 40" and "3 40m" ->
  3 conversations, 40 minutes); adding nothing ("0 calls") is refused.
- Pause: "5d" counts today as day 1; "until <date>" is inclusive; a month/day without a year is
  the next such day (today included); "until friday" is the next Friday after today; "2m" is
  refused as ambiguous but "2 months" works. US-style "12/01" is refused as ambiguous.
- Times: H:MM, HH:MM, 9am, 4:30pm, noon, midnight; "0930" and a bare "9" are refused.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from bot.checkin.numbers import (
    MAX_CONVERSATIONS,
    MAX_PAUSE_DAYS,
    AnswerError,
    clean_text,
    duration_text,
    minutes_in_range,
    numeric_text,
    refuse_missing_number,
    split_words,
    tally_quantities,
)

# --------------------------------------------------------------------------------------------
# Commands: log, pause, schedule


@dataclass(frozen=True)
class QuickLog:
    """What `log` adds to today."""

    conversations: int
    minutes: int


def parse_quick_log(text: str) -> QuickLog:
    """Read the arguments of `log`: "3 calls 40m", "3 40m", "40 min", "2 calls", "3 calls, 1h"."""
    clean = clean_text(text)
    tally = tally_quantities(duration_text(clean))
    conversations: Decimal | None = None
    minutes: Decimal | None = None
    if tally.counts:
        conversations = sum((q.value for q in tally.counts), Decimal(0))
    if tally.times:
        minutes = tally.minutes
    for q in tally.loose:
        if q.kind != "bare":
            continue
        if conversations is None:
            conversations = q.value
            tally.counts.append(q)
        elif minutes is None:
            minutes = q.value
            tally.times.append(q)
        else:
            raise AnswerError("I found too many numbers; give calls and minutes once each.")
    if conversations is None and minutes is None:
        raise refuse_missing_number(clean, "calls or minutes")
    if any(q.negative for q in tally.counts + tally.times):
        raise AnswerError("A log can only add; numbers can't be negative.")
    if any(q.fractional for q in tally.counts):
        raise AnswerError("Calls are whole numbers.")
    conversations = conversations or Decimal(0)
    if conversations > MAX_CONVERSATIONS:
        raise AnswerError(f"That's more than {MAX_CONVERSATIONS} conversations in a day.")
    whole_minutes = minutes_in_range(minutes or Decimal(0))
    if not conversations and not whole_minutes:
        raise AnswerError("That adds nothing to today.")
    return QuickLog(int(conversations), whole_minutes)


_MONTHS = {
    name: number
    for number, names in enumerate(
        split_words(
            "jan,january feb,february mar,march apr,april may jun,june jul,july aug,august"
            " sep,sept,september oct,october nov,november dec,december"
        ),
        1,
    )
    for name in names.split(",")
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        split_words(
            "mon,monday,mo tue,tues,tuesday,tu wed,weds,wednesday,we thu,thur,thurs,thursday,th"
            " fri,friday,fr sat,saturday,sa sun,sunday,su"
        )
    )
    for name in names.split(",")
}
_PAUSE_PREFIX_RE = re.compile(
    r"^(?:for\s+|until\s+|till\s+|til\s+|to\s+|through\s+|thru\s+|up\s+to\s+)*(?:the\s+)?"
)
_PAUSE_SPAN_RE = re.compile(
    r"(?P<n>[0-9]+)\s*(?P<unit>d|days?|w|wks?|weeks?|months?)(?:\s+from\s+today)?"
)
_ISO_DATE_RE = re.compile(r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})")
_ORDINAL = r"(?:st|nd|rd|th)?"
_MONTH_DAY_RE = re.compile(
    rf"(?P<month>[a-z]+)\.?\s+(?P<d>[0-9]{{1,2}}){_ORDINAL}(?:,?\s+(?P<y>[0-9]{{4}}))?"
)
_DAY_MONTH_RE = re.compile(
    rf"(?P<d>[0-9]{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<month>[a-z]+)\.?(?:,?\s+(?P<y>[0-9]{{4}}))?"
)


def _check_pause_end(end: date, today: date) -> date:
    """Refuse a last paused day in the past or more than a year ahead."""
    if end < today:
        raise AnswerError("That date has already passed.")
    if (end - today).days > MAX_PAUSE_DAYS:
        raise AnswerError(f"That's more than {MAX_PAUSE_DAYS} days away.")
    return end


def _add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later, clamped to the month's length."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _calendar_date(year: int | None, month: int, day: int, today: date) -> date:
    """A date from its parts; without a year, the next such day from today on."""
    try:
        if year is not None:
            return date(year, month, day)
        for candidate_year in (today.year, today.year + 1, today.year + 2, today.year + 3):
            try:
                candidate = date(candidate_year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise ValueError("no such day")
    except ValueError:
        raise AnswerError("That's not a real date.") from None


def parse_pause(text: str, today: date) -> date:
    """Read the arguments of `pause` and return the last paused day (inclusive)."""
    clean = " ".join(numeric_text(clean_text(text)).split()).strip(" .!")
    clean = _PAUSE_PREFIX_RE.sub("", clean, count=1)
    clean = re.sub(r"^an?\s+(?=(?:day|week|month)\b)", "1 ", clean)
    if not clean:
        raise AnswerError("For how long? Give a number of days or a date.")
    if clean in ("today", "tonight"):
        return today
    if clean == "tomorrow":
        return today + timedelta(days=1)
    span = _PAUSE_SPAN_RE.fullmatch(clean)
    if span:
        n, unit = int(span.group("n")), span.group("unit")
        if n == 0:
            raise AnswerError("Pause for at least one day.")
        if n > 2 * MAX_PAUSE_DAYS:
            raise AnswerError(f"That's more than {MAX_PAUSE_DAYS} days away.")
        if unit.startswith("mo"):
            return _check_pause_end(_add_months(today, n) - timedelta(days=1), today)
        days = n * 7 if unit.startswith("w") else n
        return _check_pause_end(today + timedelta(days=days - 1), today)
    if clean in _WEEKDAYS and len(clean) >= 3:
        ahead = (_WEEKDAYS[clean] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    iso = _ISO_DATE_RE.fullmatch(clean)
    if iso:
        end = _calendar_date(int(iso["y"]), int(iso["m"]), int(iso["d"]), today)
        return _check_pause_end(end, today)
    for pattern in (_MONTH_DAY_RE, _DAY_MONTH_RE):
        named = pattern.fullmatch(clean)
        if named and named["month"] in _MONTHS:
            year = int(named["y"]) if named["y"] else None
            end = _calendar_date(year, _MONTHS[named["month"]], int(named["d"]), today)
            return _check_pause_end(end, today)
    if re.fullmatch(r"[0-9]+\s*m", clean):
        raise AnswerError("Is that minutes or months? Write days, weeks or a date.")
    raise AnswerError("I couldn't read how long to pause.")


_TIME_12H = r"(?P<h12>[0-9]{1,2})(?::(?P<m12>[0-9]{2}))?\s*(?P<ampm>[ap])\.?\s?m\.?(?![a-z])"
_TIME_24H = r"(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})"
_TIME_RE = re.compile(rf"{_TIME_12H}|{_TIME_24H}|(?P<word>noon|midday|midnight)")
_TIME_SEARCH_RE = re.compile(
    rf"(?<![\w:])(?:{_TIME_12H}|{_TIME_24H}(?![0-9])|noon|midday|midnight)"
)


def _time_from_match(m: re.Match[str]) -> time:
    """Turn a matched time of day into a `time`, checking its ranges."""
    if m["word"]:
        return time(0, 0) if m["word"] == "midnight" else time(12, 0)
    if m["ampm"]:
        hour, minute = int(m["h12"]), int(m["m12"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise AnswerError("That's not a time of day.")
        hour = hour % 12 + (12 if m["ampm"] == "p" else 0)
        return time(hour, minute)
    hour, minute = int(m["h24"]), int(m["m24"])
    if hour > 23 or minute > 59:
        raise AnswerError("That's not a time of day.")
    return time(hour, minute)


def parse_time_of_day(text: str) -> time:
    """Read a time of day: "16:30", "9:05", "4:30pm", "9am", "9 a.m.", "noon"."""
    clean = " ".join(clean_text(text).lower().split())
    m = _TIME_RE.fullmatch(clean)
    if not m:
        raise AnswerError("I couldn't read that time.")
    return _time_from_match(m)


_ALL_DAYS = frozenset(range(7))
_DAY_GROUPS = {
    "daily": _ALL_DAYS,
    "everyday": _ALL_DAYS,
    "weekdays": frozenset(range(5)),
    "weekday": frozenset(range(5)),
    "workdays": frozenset(range(5)),
    "workday": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}
_DAY_PHRASES = (
    (
        re.compile(r"\b(?:every|each|all)\s*(?:single\s+)?days?\b|\ball\s+week\b|\b7\s+days\b"),
        " daily ",
    ),
    (re.compile(r"\b(?:work|business|week)\s+days?\b"), " weekdays "),
    (re.compile(r"\s*(?:-|\bto\b|\bthrough\b|\bthru\b|\buntil\b|\btill\b)\s*"), "-"),
)
_DAY_SPLIT_RE = re.compile(r"[\s,/&+;.]+|\band\b|\bon\b|\bevery\b")


def _weekday(name: str) -> int:
    """The weekday number of a day name ("mon", "Tuesdays")."""
    if name in _WEEKDAYS:
        return _WEEKDAYS[name]
    if name.endswith("s") and name[:-1] in _WEEKDAYS and len(name) > 3:
        return _WEEKDAYS[name[:-1]]
    raise AnswerError(f"I don't know which day “{name[:20]}” is.")


def parse_workdays(text: str) -> frozenset[int]:
    """Read workdays as Python weekday numbers (Mon=0): "mon-fri", "mon,wed,fri", "daily"."""
    clean = " ".join(clean_text(text).lower().split())
    for pattern, replacement in _DAY_PHRASES:
        clean = pattern.sub(replacement, clean)
    days: set[int] = set()
    for token in _DAY_SPLIT_RE.split(clean):
        if not token.strip("-"):
            continue
        if token in _DAY_GROUPS:
            days |= _DAY_GROUPS[token]
        elif "-" in token:
            ends = token.split("-")
            if len(ends) != 2 or not all(ends):
                raise AnswerError(f"I couldn't read the day range “{token[:20]}”.")
            first, last = _weekday(ends[0]), _weekday(ends[1])
            days.update((first + k) % 7 for k in range((last - first) % 7 + 1))
        else:
            days.add(_weekday(token))
    if not days:
        raise AnswerError("Which days? Name at least one.")
    return frozenset(days)


def parse_schedule(text: str) -> tuple[time, frozenset[int] | None]:
    """Read the arguments of `schedule`: a time, then optional workdays ("16:30 mon-fri")."""
    clean = " ".join(clean_text(text).lower().split())
    m = _TIME_SEARCH_RE.search(clean)
    if not m:
        raise AnswerError("I couldn't find a time there.")
    matched = _TIME_RE.fullmatch(m.group().strip())
    if matched is None:  # pragma: no cover - the search pattern only finds valid forms
        raise AnswerError("I couldn't read that time.")
    at = _time_from_match(matched)
    rest = (clean[: m.start()] + " " + clean[m.end() :]).strip()
    rest = re.sub(r"^(?:at|on)\b|\b(?:at|on)$", "", rest).strip(" ,;")
    return at, (parse_workdays(rest) if rest else None)
