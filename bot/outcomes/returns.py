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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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


@dataclass
class Tally:
    """What some check-in days add to the analysis, before anything is ranked.

    Tallies of days that share no (member, date) add up (`Tally.add`) to the tally of all
    of them: a team's is the sum of its members'. Only `add_day` and `add` change one; a tally
    kept for a member is only ever added into a fresh one.
    """

    followed: int = 0  # days followed by an outcome
    days: int = 0  # check-in days
    by_key: dict[str, list[int]] = field(default_factory=dict)  # key -> [followed, days]
    by_class: dict[str, list[int]] = field(default_factory=dict)  # class -> [followed, days]
    low_mentions: int = 0  # low-value activities named
    low_timed: int = 0  # of which with a time in their wording
    low_minutes: int = 0  # the sum of those times
    low_by_key: dict[str, int] = field(default_factory=dict)  # activity -> minutes

    def add_day(self, day: ReturnDay) -> None:
        """Count one check-in day (an activity named twice that day counts the day once)."""
        keys: set[str] = set()
        named: set[str] = set()
        for text, classification in day.activities:
            key = activity_key(text)
            if key:
                keys.add(key)
            named.add(classification)
            if classification == "low":
                self.low_mentions += 1
                minutes = activity_minutes(text)
                if minutes is not None:
                    self.low_timed += 1
                    self.low_minutes += minutes
                    low_key = key or text.strip()[:60]
                    self.low_by_key[low_key] = self.low_by_key.get(low_key, 0) + minutes
        self.followed += day.followed
        self.days += 1
        _count(self.by_key, keys, day.followed)
        _count(self.by_class, named, day.followed)

    def add(self, other: Tally) -> None:
        """Add another tally's days (days this one has not counted) to this one."""
        self.followed += other.followed
        self.days += other.days
        _merge(self.by_key, other.by_key)
        _merge(self.by_class, other.by_class)
        self.low_mentions += other.low_mentions
        self.low_timed += other.low_timed
        self.low_minutes += other.low_minutes
        low = self.low_by_key
        for key, minutes in other.low_by_key.items():
            low[key] = low.get(key, 0) + minutes


def _count(counts: dict[str, list[int]], names: set[str], followed: bool) -> None:
    for name in names:
        found = counts.get(name)
        if found is None:
            counts[name] = [int(followed), 1]
        else:
            found[0] += followed
            found[1] += 1


def _merge(counts: dict[str, list[int]], other: dict[str, list[int]]) -> None:
    for name, (followed, days) in other.items():
        found = counts.get(name)
        if found is None:
            counts[name] = [followed, days]
        else:
            found[0] += followed
            found[1] += days


def tally(days: Iterable[ReturnDay]) -> Tally:
    """The tally of some check-in days."""
    counted = Tally()
    for day in days:
        counted.add_day(day)
    return counted


def tally_sum(tallies: Iterable[Tally]) -> Tally:
    """The tallies of disjoint sets of days added up (none of them changed)."""
    total = Tally()
    for part in tallies:
        total.add(part)
    return total


def returns_of(counted: Tally) -> Returns:
    """The analysis of a tally: recurring activities and classes against the baseline."""
    baseline = Share(counted.followed, counted.days)
    activities = sorted(
        (
            _finding(key, Share(followed, days), baseline)
            for key, (followed, days) in counted.by_key.items()
            if days >= 2
        ),
        key=_rank,
    )
    classes = tuple(
        _finding(cls, Share(*counted.by_class[cls]), baseline)
        for cls in CLASSES
        if cls in counted.by_class
    )
    low_value = LowValueTime(
        mentions=counted.low_mentions,
        timed=counted.low_timed,
        minutes=counted.low_minutes,
        by_activity=tuple(sorted(counted.low_by_key.items(), key=lambda item: (-item[1], item[0]))),
    )
    return Returns(baseline, tuple(activities), classes, low_value)


def analyse(days: Iterable[ReturnDay]) -> Returns:
    """Count, for every recurring activity and class, the days followed by an outcome."""
    return returns_of(tally(days))


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
