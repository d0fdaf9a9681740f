"""What is due at an instant: pure functions over local times, daylight saving and grace.

Nothing here touches the database or a clock. `due_work` is a tick's whole question: given
`now` and the members and teams the database says may be due (with the newest local date
already settled for each kind of delivery), it returns the typed work items to claim and send
now. Underneath, `profile_due` and `member_work` answer for one member's resolved schedule and
`team_recap_work` for a team's weekly recap.

Daylight saving rules:
- a wall time that does not exist on a day (inside the hour skipped when clocks go forward)
  fires at the first valid minute after it: 02:30 on a day that jumps from 02:00 to 03:00
  fires at 03:00;
- a wall time that occurs twice (inside the hour repeated when clocks go back) fires once, at
  its first occurrence.

Work is due from its fire instant until `grace` later; older work is skipped, never sent in a
burst. Only the newest occurrence of each kind counts: when a later day's time has passed, the
earlier day's delivery is no longer due.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.profile import Profile, zone
from bot.storage.deliveries import MemberCandidate, MemberRow, NudgesInUse, TeamCandidate
from bot.storage.models import Team

MINUTE = timedelta(minutes=1)
# Longest stretch of wall time a zone has skipped in one transition (Pacific/Apia skipped a
# whole day in 2011); the search for the first valid minute never looks further.
LONGEST_GAP = timedelta(hours=25)
LOOKBACK_DAYS = 8


class Kind(StrEnum):
    """The kinds of scheduled delivery; with target and local date they key a claim (stored
    as their value)."""

    PROMPT = "prompt"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    MANAGER_NOTE = "manager_note"
    PACE = "pace"
    RECAP = "recap"


# The manager's note follows the member's stronger nudge by a little, so the nudge is settled
# (sent, skipped or failed) by the time the note looks at it.
MANAGER_NOTE_DELAY = timedelta(minutes=2)


def member_target(member_id: int) -> str:
    """The claim target of a member's deliveries (one per person, whatever their teams)."""
    return f"member:{member_id}"


def team_target(team_id: int) -> str:
    """The claim target of a team's deliveries."""
    return f"team:{team_id}"


def wall_exists(wall: datetime, tz: ZoneInfo) -> bool:
    """True when the naive local wall time `wall` happens in `tz` (is not skipped)."""
    aware = wall.replace(tzinfo=tz, fold=0)
    back = aware.astimezone(UTC).astimezone(tz)
    return back.replace(tzinfo=None, fold=0) == wall


@functools.lru_cache(maxsize=16384)
def fire_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant when local wall time `at` on `day` comes, with the DST rules above.

    A time in a repeated hour gives its first occurrence; a skipped time gives the first
    valid minute after the gap. Cached: a tick asks the same few (day, time, zone) many times.
    """
    wall = datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None))
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None, fold=0) == wall:
        return instant
    candidate = wall
    limit = wall + LONGEST_GAP
    while candidate < limit:
        candidate += MINUTE
        if wall_exists(candidate, tz):
            return candidate.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return instant


def latest_occurrence(
    now: datetime,
    tz: ZoneInfo,
    at: time,
    *,
    offset: timedelta = timedelta(0),
    weekday: int | None = None,
) -> tuple[date, datetime] | None:
    """The newest local date whose fire instant (`at` plus `offset`) is not after `now`.

    With `weekday`, only that weekday counts (Monday = 0). Returns (local date, UTC instant).
    """
    today = now.astimezone(tz).date()
    # Tomorrow's wall time is after `now` unless the offset reaches back into today.
    first = -1 if offset < timedelta(0) else 0
    for back in range(first, LOOKBACK_DAYS + 1):
        day = today - timedelta(days=back)
        if weekday is not None and day.weekday() != weekday:
            continue
        fire = fire_instant(day, at, tz) + offset
        if fire <= now:
            return day, fire
    return None


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """True when a local wall time is inside quiet hours [start, end), which may wrap midnight.

    Equal start and end mean no quiet hours.
    """
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def is_due(fire: datetime, now: datetime, grace: timedelta) -> bool:
    """True when work that fires at `fire` should be sent at `now`: come, and not too late."""
    return fire <= now and now - fire <= grace


class DueWork(NamedTuple):
    """One delivery to claim now: its key (kind, target, local date) and when it fired."""

    kind: Kind
    target: str
    local_date: date
    fire_at: datetime
    member_id: int | None = None
    team_id: int | None = None

    @property
    def key(self) -> tuple[Kind, str, date]:
        """The claim's unique key."""
        return (self.kind, self.target, self.local_date)


@dataclass(frozen=True)
class TeamRules:
    """A team's nudge settings, resolved once per tick and shared by its members."""

    team_id: int
    nudge_after: timedelta
    quiet_start: time
    quiet_end: time
    pace_check_time: time | None
    has_manager: bool
    escalate_after_days: int


class MemberSchedule(NamedTuple):
    """What `member_work` needs about a member: their profile in their first team, and it."""

    member_id: int
    profile: Profile
    joined_at: datetime
    rules: TeamRules


class Occurrences:
    """Per-tick memo of `latest_occurrence` and quiet-hour checks: thousands of members share
    a handful of zones and times."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._latest: dict[tuple[ZoneInfo, time, timedelta], tuple[date, datetime] | None] = {}
        self._quiet: dict[tuple[ZoneInfo, time, time, datetime], bool] = {}

    def latest(self, tz: ZoneInfo, at: time, offset: timedelta) -> tuple[date, datetime] | None:
        """`latest_occurrence(now, tz, at, offset=offset)`, computed once per tick."""
        key = (tz, at, offset)
        try:
            return self._latest[key]
        except KeyError:
            found = self._latest[key] = latest_occurrence(self.now, tz, at, offset=offset)
            return found

    def quiet(self, tz: ZoneInfo, start: time, end: time, instant: datetime) -> bool:
        """Whether `instant` is inside quiet hours [start, end) in `tz`, computed once."""
        key = (tz, start, end, instant)
        try:
            return self._quiet[key]
        except KeyError:
            local = instant.astimezone(tz).time()
            found = self._quiet[key] = in_quiet_hours(local, start, end)
            return found


class DueSlot(NamedTuple):
    """A member delivery due at `now` for everyone who shares a profile and what is settled.

    `starts_at` is the instant the delivery is about (the check-in time it follows): a member
    who joined after it gets nothing.
    """

    kind: Kind
    local_date: date
    fire_at: datetime
    starts_at: datetime


def profile_due(
    now: datetime,
    profile: Profile,
    rules: TeamRules,
    settled: Mapping[Kind, date | None],
    grace: timedelta,
    occurrences: Occurrences | None = None,
) -> list[DueSlot]:
    """The deliveries due at `now` for a member with this profile in a team with these rules.

    `settled` maps each kind to the newest local date already settled or held by a live claim
    (None when none). Prompts come at the check-in time; the stronger nudge (and its note to
    the manager) at the same time when enough workdays were below minimum (decided when it is
    sent); the reminder `nudge_after` later; the pace check at the team's pace time. Nudges
    (everything but the prompt) never come in quiet hours: when their time, or the moment they
    would be sent, is inside quiet hours, that day's nudge is skipped. Pass one `occurrences`
    to every call of a tick to share the time-zone work. Members who share all of this share
    the answer, so a tick asks once per such group (`for_member` finishes it per member).
    """
    memo = occurrences if occurrences is not None else Occurrences(now)
    tz = profile.timezone
    slots: list[DueSlot] = []

    def add(kind: Kind, at: time, offset: timedelta, *, nudge: bool) -> DueSlot | None:
        found = memo.latest(tz, at, offset)
        if found is None:
            return None
        day, fire = found
        last = settled.get(kind)
        if last is not None and last >= day:
            return None
        if not is_due(fire, now, grace):
            return None
        if not profile.is_workday(day) or profile.is_paused(day) or profile.prompts_off:
            return None
        if nudge and (
            memo.quiet(tz, rules.quiet_start, rules.quiet_end, fire)
            or memo.quiet(tz, rules.quiet_start, rules.quiet_end, now)
        ):
            return None
        slot = DueSlot(kind, day, fire, fire - offset)
        slots.append(slot)
        return slot

    prompt = add(Kind.PROMPT, profile.checkin_time, timedelta(0), nudge=False)
    if rules.escalate_after_days > 0:
        add(Kind.ESCALATION, profile.checkin_time, timedelta(0), nudge=True)
        if rules.has_manager:
            add(Kind.MANAGER_NOTE, profile.checkin_time, MANAGER_NOTE_DELAY, nudge=True)
    reminder = add(Kind.REMINDER, profile.checkin_time, rules.nudge_after, nudge=True)
    if prompt is not None and reminder is not None and reminder.local_date == prompt.local_date:
        # Back after downtime with both due: the reminder would land right on the prompt.
        # (Both are about the same check-in time, so a member gets both or neither.)
        slots.remove(reminder)
    if rules.pace_check_time is not None:
        add(Kind.PACE, rules.pace_check_time, timedelta(0), nudge=True)
    return slots


def for_member(
    slots: list[DueSlot], member_id: int, team_id: int, joined_at: datetime
) -> list[DueWork]:
    """The member's share of `profile_due`: each slot they were already in the team for."""
    target = member_target(member_id)
    return [
        DueWork(slot.kind, target, slot.local_date, slot.fire_at, member_id, team_id)
        for slot in slots
        if slot.starts_at >= joined_at
    ]


def member_work(
    now: datetime,
    schedule: MemberSchedule,
    settled: Mapping[Kind, date | None],
    grace: timedelta,
    occurrences: Occurrences | None = None,
) -> list[DueWork]:
    """The member's deliveries due at `now` (`profile_due` for one member; see there)."""
    slots = profile_due(now, schedule.profile, schedule.rules, settled, grace, occurrences)
    return for_member(slots, schedule.member_id, schedule.rules.team_id, schedule.joined_at)


def team_recap_work(
    now: datetime,
    *,
    team_id: int,
    tz: ZoneInfo,
    weekday: int,
    at: time,
    settled: date | None,
    grace: timedelta,
) -> DueWork | None:
    """The team's weekly recap when it is due at `now` (weekday and time in the team's zone)."""
    found = latest_occurrence(now, tz, at, weekday=weekday)
    if found is None:
        return None
    day, fire = found
    if settled is not None and settled >= day:
        return None
    if not is_due(fire, now, grace):
        return None
    return DueWork(Kind.RECAP, team_target(team_id), day, fire, None, team_id)


class Work(NamedTuple):
    """Due work with what its message needs: the team and, for a member, their profile."""

    due: DueWork
    team: Team
    profile: Profile | None = None
    member: MemberRow | None = None  # for a member: the columns the tick read


def kinds_in_use(in_use: NudgesInUse) -> list[Kind]:
    """The member delivery kinds worth asking about: prompts and reminders always, the optional
    nudges when a team on the served platforms has them on."""
    optional = (
        (Kind.ESCALATION, in_use.escalation),
        (Kind.MANAGER_NOTE, in_use.manager_note),
        (Kind.PACE, in_use.pace),
    )
    return [Kind.PROMPT, Kind.REMINDER, *(kind for kind, wanted in optional if wanted)]


def team_rules_of(team: Team) -> TeamRules:
    """A team's nudge settings as `profile_due` reads them."""
    return TeamRules(
        team_id=team.id,
        nudge_after=timedelta(minutes=team.nudge_after_minutes),
        quiet_start=team.quiet_start,
        quiet_end=team.quiet_end,
        pace_check_time=team.pace_check_time,
        has_manager=team.manager_member_id is not None,
        escalate_after_days=team.escalate_after_days,
    )


def own_settings(member: MemberRow) -> tuple[object, ...]:
    """The member's own settings that `Profile.of` resolves against their team's (and whether
    they turned prompts off)."""
    return (
        member.timezone,
        member.checkin_time,
        member.workdays,
        member.goal_conversations,
        member.goal_minutes,
        member.paused_until,
        member.prompts_off,
    )


def due_work(
    now: datetime,
    members: Sequence[MemberCandidate],
    teams: Sequence[TeamCandidate],
    kinds: Sequence[Kind],
    *,
    grace: timedelta,
    default_timezone: str,
) -> list[Work]:
    """Everything due at `now`: each member's deliveries and each team's recap, as work items.

    `members` and `teams` are what the database says may be due; each member's `settled` dates
    follow `kinds`, in order. Members of a team with the same own settings and the same dates
    settled share a profile and what is due, worked out once; each member then only checks
    when they joined.
    """
    work: list[Work] = []
    occurrences = Occurrences(now)
    rules: dict[int, TeamRules] = {}
    groups: dict[tuple[object, ...], tuple[Profile, list[DueSlot]]] = {}
    for candidate in members:
        team, member = candidate.team, candidate.member
        key = (team.id, own_settings(member), candidate.settled)
        group = groups.get(key)
        if group is None:
            team_rules = rules.get(team.id)
            if team_rules is None:
                team_rules = rules[team.id] = team_rules_of(team)
            profile = Profile.of(member, team, default_timezone)
            settled = dict(zip(kinds, candidate.settled, strict=True))
            slots = profile_due(now, profile, team_rules, settled, grace, occurrences)
            group = groups[key] = (profile, slots)
        profile, slots = group
        if slots:
            for due in for_member(slots, member.id, team.id, candidate.joined_at):
                work.append(Work(due, team, profile, member))
    for team_candidate in teams:
        team = team_candidate.team
        recap = team_recap_work(
            now,
            team_id=team.id,
            tz=zone(team.timezone, default_timezone),
            weekday=team.recap_weekday,
            at=team.recap_time,
            settled=team_candidate.settled,
            grace=grace,
        )
        if recap is not None:
            work.append(Work(recap, team))
    return work
