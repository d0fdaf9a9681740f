"""A member's effective settings in a team: their own where set, the team's otherwise."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.storage.models import Team

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LATE_ANSWER_CUTOFF = time(12, 0)  # the oldest day open to a late check-in closes at noon
MAX_BACKFILL_DAYS = 7


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The ZoneInfo for `name`, or the fallback when the name is empty or unknown."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def parse_workday_digits(digits: str) -> frozenset[int]:
    """Stored workdays ("01234") as weekday numbers."""
    return frozenset(int(c) for c in digits if c.isdigit() and int(c) < 7)


def workday_digits(days: frozenset[int]) -> str:
    """Weekday numbers as stored workdays."""
    return "".join(str(d) for d in sorted(days))


def describe_workdays(days: frozenset[int]) -> str:
    """Workdays for people: `Mon–Fri`, `Mon, Wed, Fri`, `every day`."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "every day"
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{WEEKDAY_NAMES[ordered[0]]}–{WEEKDAY_NAMES[ordered[-1]]}"
    return ", ".join(WEEKDAY_NAMES[d] for d in ordered) or "no days"


def describe_date(day: date, today: date | None = None) -> str:
    """A local date for people: `today`, `yesterday` or `Wed 25 Nov`."""
    if today is not None:
        if day == today:
            return "today"
        if day == today - timedelta(days=1):
            return "yesterday"
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day.strftime('%b')}"


class MemberSettings(Protocol):
    """A member's own settings as `Profile.of` reads them: a Member, or a row of its columns."""

    @property
    def timezone(self) -> str | None: ...
    @property
    def checkin_time(self) -> time | None: ...
    @property
    def workdays(self) -> str | None: ...
    @property
    def goal_conversations(self) -> int | None: ...
    @property
    def goal_minutes(self) -> int | None: ...
    @property
    def paused_until(self) -> date | None: ...
    @property
    def prompts_off(self) -> bool: ...


@dataclass(frozen=True)
class Profile:
    """Everything about a member's schedule and minimums, resolved against their team."""

    timezone: ZoneInfo
    checkin_time: time
    workdays: frozenset[int]
    min_conversations: int
    min_minutes: int
    team_min_conversations: int
    team_min_minutes: int
    paused_until: date | None
    prompts_off: bool = False  # `schedule off`: no prompts or nudges, stats as usual
    backfill_days: int = 1  # the team's: how many days back a check-in may be filled in
    # The conversations minimums the member's target set for given days (`DailyMinimum`), as
    # far as they were read: `conversations_minimum` raises the personal minimum on those days.
    target_minimums: tuple[tuple[date, int], ...] = ()

    @classmethod
    def of(cls, member: MemberSettings, team: Team, default_timezone: str = "UTC") -> Profile:
        """Resolve a member's settings in a team."""
        return cls(
            timezone=zone(member.timezone, team.timezone or default_timezone),
            checkin_time=member.checkin_time or team.checkin_time,
            workdays=parse_workday_digits(member.workdays or team.workdays),
            min_conversations=max(member.goal_conversations or 0, team.min_conversations),
            min_minutes=max(member.goal_minutes or 0, team.min_minutes),
            team_min_conversations=team.min_conversations,
            team_min_minutes=team.min_minutes,
            paused_until=member.paused_until,
            prompts_off=bool(member.prompts_off),
            backfill_days=team.backfill_days or 1,
        )

    def conversations_minimum(self, day: date) -> int:
        """The conversations minimum that holds on `day`: the personal minimum, or the one the
        member's target set for that day where higher (the SQL twin is
        `bot.storage.streaks.day_conversations_minimum`)."""
        fixed = max((n for d, n in self.target_minimums if d == day), default=0)
        return max(self.min_conversations, fixed)

    def with_target_minimums(self, fixed: dict[date, int]) -> Profile:
        """This profile knowing the minimums the member's target fixed for some days."""
        if not fixed and not self.target_minimums:
            return self
        return replace(self, target_minimums=tuple(sorted(fixed.items())))

    def local(self, instant: datetime) -> datetime:
        """An instant in the member's local time."""
        return instant.astimezone(self.timezone)

    def local_date(self, instant: datetime) -> date:
        """The member's local date at an instant."""
        return self.local(instant).date()

    def is_workday(self, day: date) -> bool:
        """True when `day` is one of the member's workdays."""
        return day.weekday() in self.workdays

    def is_paused(self, day: date) -> bool:
        """True when the member paused Needle through `day`."""
        return self.paused_until is not None and day <= self.paused_until

    def late_answer_open(self, day: date, instant: datetime) -> bool:
        """True while a check-in for `day` may still be filled in or corrected.

        Today is always open, and so are the team's `backfill_days` days before it, the
        oldest of them until noon local time (the default, 1: yesterday until noon). Older
        days and days to come are closed.
        """
        local = self.local(instant)
        back = (local.date() - day).days
        if back < 0:
            return False
        if back < self.backfill_days:
            return True
        return back == self.backfill_days and local.time() < LATE_ANSWER_CUTOFF
