"""What generates returns: which activities are followed by outcomes more often than usual.

A pure analysis over a member's (or a team's) check-in days (`bot.storage.returns.ReturnDay`:
the day, whether a meeting booked or a deal won followed it within three days, its top
activities). The rules, written down (docs/coaching.md, "What generates returns"):

- An activity's wording is normalised before counting: lower case, times ("2h", "45 min")
  dropped, then numbers and punctuation dropped, spaces collapsed. "Demo calls (3)" and
  "demo calls" are one activity; "admin 2h" and "Admin, 45 min" are "admin".
- For each activity named on at least two days: the days it appeared, how many of them were
  followed by an outcome, against the same count on the other check-in days. The baseline is
  every check-in day. Activities are ranked by lift: their share over the baseline's.
- The same by class: days with a high-value (low-value, neutral) activity against days
  without one.
- Chance is named, not hidden: an activity seen on fewer than `MIN_ACTIVITY_DAYS` days (or
  whose other days are fewer than that) is "too few days to tell"; with fewer than
  `MIN_OUTCOME_DAYS` days followed by an outcome in all, nothing is ranked at all.
- The time low-value activities took is read from their wording ("admin 2h", "CRM updates
  45 min", "1h30"), with the check-in's own duration reader; an activity without a time is
  counted as one whose time is unknown, never guessed.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.checkin.numbers import (
    MAX_MINUTES,
    clean_text,
    duration_text,
    round_minutes,
    tally_quantities,
)
from bot.storage.returns import ReturnDay

MIN_ACTIVITY_DAYS = 5  # days an activity (and the days without it) must count to be compared
MIN_OUTCOME_DAYS = 3  # days followed by an outcome before anything is ranked
CLASSES = ("high", "low", "neutral")

_WORD_RE = re.compile(r"[^\W\d_]+")
# Left at an edge once a time is cut out ("emails 2 hours and 15" -> "emails and").
_EDGE_WORDS = frozenset({"and", "for", "in", "of", "on", "with", "then", "about"})


# Distinct activity wordings whose reading is kept: a team's 90 days repeat a few hundred
# wordings tens of thousands of times, and reading one is the expensive part of the analysis.
WORDINGS_KEPT = 4096


@functools.lru_cache(maxsize=WORDINGS_KEPT)
def activity_minutes(text: str) -> int | None:
    """The time an activity's wording gives ("admin 2h" -> 120, "1h30" -> 90), or None when
    it names no time, a negative one or more than a day."""
    tally = tally_quantities(duration_text(clean_text(text)))
    if not tally.times or any(q.negative for q in tally.times) or tally.minutes <= 0:
        return None
    minutes = round_minutes(tally.minutes)
    return minutes if 0 < minutes <= MAX_MINUTES else None


@functools.lru_cache(maxsize=WORDINGS_KEPT)
def activity_key(text: str) -> str:
    """An activity's wording as it is counted: lower case, no times, numbers or punctuation."""
    spoken = duration_text(clean_text(text))
    for quantity in reversed(tally_quantities(spoken).times):
        spoken = spoken[: quantity.start] + " " + spoken[quantity.end :]
    words = _WORD_RE.findall(spoken)
    while words and words[-1] in _EDGE_WORDS:
        words.pop()
    while words and words[0] in _EDGE_WORDS:
        words.pop(0)
    return " ".join(words)


@dataclass(frozen=True)
class Share:
    """Days followed by an outcome, out of some days."""

    followed: int
    days: int

    @property
    def ratio(self) -> float | None:
        """The share (0..1), None without days."""
        return self.followed / self.days if self.days else None


@dataclass(frozen=True)
class Finding:
    """One activity (or class) against the other check-in days."""

    name: str
    present: Share  # the days it appeared
    others: Share  # the check-in days it did not
    baseline: Share  # every check-in day

    @property
    def lift(self) -> float | None:
        """How many times the baseline's share the days with it reach; None without one."""
        present, baseline = self.present.ratio, self.baseline.ratio
        if present is None or not baseline:
            return None
        return present / baseline

    @property
    def enough_days(self) -> bool:
        """Whether both sides have enough days to be compared at all."""
        return self.present.days >= MIN_ACTIVITY_DAYS and self.others.days >= MIN_ACTIVITY_DAYS


@dataclass(frozen=True)
class LowValueTime:
    """What low-value activities in the top three took, as far as their wording says."""

    mentions: int  # low-value activities named
    timed: int  # of which with a time in their wording
    minutes: int  # the sum of those times
    by_activity: tuple[tuple[str, int], ...]  # (activity, minutes), most first


@dataclass(frozen=True)
class Returns:
    """The whole analysis of some check-in days."""

    baseline: Share
    activities: tuple[Finding, ...]  # named on two days or more, by lift
    classes: tuple[Finding, ...]  # high, low, neutral (those named at all)
    low_value: LowValueTime

    @property
    def enough_outcomes(self) -> bool:
        """Whether enough days were followed by an outcome to rank anything."""
        return self.baseline.followed >= MIN_OUTCOME_DAYS

    def above(self) -> list[Finding]:
        """Activities with enough days followed by outcomes more often than the baseline."""
        if not self.enough_outcomes:
            return []
        return [f for f in self.activities if f.enough_days and _gap(f) > 0]

    def below(self) -> list[Finding]:
        """Activities with enough days followed by outcomes less often, the weakest first."""
        if not self.enough_outcomes:
            return []
        return sorted(
            (f for f in self.activities if f.enough_days and _gap(f) < 0),
            key=lambda f: (f.lift or 0.0, -f.present.days, f.name),
        )

    def too_few(self) -> list[Finding]:
        """Recurring activities with too few days (or too few other days) to tell."""
        return [f for f in self.activities if not f.enough_days]


def _gap(finding: Finding) -> float:
    """The share with the activity minus the share without it."""
    return (finding.present.ratio or 0.0) - (finding.others.ratio or 0.0)


def _finding(name: str, present: Share, baseline: Share) -> Finding:
    others = Share(baseline.followed - present.followed, baseline.days - present.days)
    return Finding(name, present, others, baseline)


def _rank(finding: Finding) -> tuple[float, int, str]:
    return (-(finding.lift or 0.0), -finding.present.days, finding.name)


def analyse(days: Iterable[ReturnDay]) -> Returns:
    """Count, for every recurring activity and class, the days followed by an outcome."""
    day_list = list(days)
    baseline = Share(sum(d.followed for d in day_list), len(day_list))
    by_key: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    low_mentions, low_timed, low_minutes = 0, 0, 0
    low_by_key: dict[str, int] = defaultdict(int)
    for day in day_list:
        keys: set[str] = set()
        named: set[str] = set()
        for text, classification in day.activities:
            key = activity_key(text)
            if key:
                keys.add(key)
            named.add(classification)
            if classification == "low":
                low_mentions += 1
                minutes = activity_minutes(text)
                if minutes is not None:
                    low_timed += 1
                    low_minutes += minutes
                    low_by_key[key or text.strip()[:60]] += minutes
        for key in keys:
            by_key[key][0] += day.followed
            by_key[key][1] += 1
        for cls in named:
            by_class[cls][0] += day.followed
            by_class[cls][1] += 1
    activities = sorted(
        (
            _finding(key, Share(followed, count), baseline)
            for key, (followed, count) in by_key.items()
            if count >= 2
        ),
        key=_rank,
    )
    classes = tuple(
        _finding(cls, Share(*by_class[cls]), baseline) for cls in CLASSES if cls in by_class
    )
    low_value = LowValueTime(
        mentions=low_mentions,
        timed=low_timed,
        minutes=low_minutes,
        by_activity=tuple(sorted(low_by_key.items(), key=lambda item: (-item[1], item[0]))),
    )
    return Returns(baseline, tuple(activities), classes, low_value)


def outcome_kinds(tracked: Sequence[str]) -> tuple[tuple[str, ...], str]:
    """The outcome kinds that count as a return for a team tracking `tracked`, and how a
    sentence names one: meetings only -> "a meeting"; deals or revenue only -> "a won deal";
    both, or nothing chosen yet -> either."""
    meetings = "meetings" in tracked
    deals = "deals" in tracked or "revenue" in tracked
    if meetings and not deals:
        return ("meeting",), "a meeting"
    if deals and not meetings:
        return ("won",), "a won deal"
    return ("meeting", "won"), "a meeting or a won deal"
