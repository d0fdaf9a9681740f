"""Property tests of due-time computation across daylight-saving transitions in 2026–2027.

Many IANA zones (northern and southern DST, 30-minute DST, a 2-hour DST, transitions at local
midnight, negative DST, zones without DST) and dates on and around their transitions, plus
random dates: a check-in time inside a skipped hour fires at the first valid minute after it,
one inside a repeated hour fires once at its first occurrence, every day fires exactly once
whatever the tick interval, and downtime sends only what is within grace.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.profile import Profile
from scheduler.due import (
    DueWork,
    Kind,
    MemberSchedule,
    TeamRules,
    fire_instant,
    in_quiet_hours,
    latest_occurrence,
    member_work,
    wall_exists,
)

ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Dublin",  # negative DST in the tz database
    "Europe/Lisbon",
    "Europe/Helsinki",
    "Europe/Chisinau",
    "Europe/Kyiv",
    "Atlantic/Azores",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/St_Johns",  # -03:30 / -02:30
    "America/Halifax",
    "America/Havana",  # clocks change at local midnight
    "America/Santiago",
    "America/Asuncion",
    "America/Nuuk",
    "America/Scoresbysund",
    "America/Mexico_City",  # no DST any more
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Adelaide",  # +09:30 / +10:30
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Auckland",
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
    "Antarctica/Troll",  # 2-hour DST
    "Africa/Cairo",
    "Africa/Casablanca",  # DST suspended during Ramadan
    "Asia/Jerusalem",
    "Asia/Beirut",  # clocks change at local midnight
    "Asia/Gaza",
    "Asia/Tehran",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
)
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2028, 1, 1, tzinfo=UTC)
GRACE = timedelta(hours=3)


@dataclass(frozen=True)
class Transition:
    """An instant when a zone's UTC offset changes."""

    zone: str
    instant: datetime
    before: timedelta
    after: timedelta


@functools.cache
def transitions(zone: str) -> tuple[Transition, ...]:
    """The zone's offset changes in 2026–2027, found by a 6-hour scan and a minute bisection."""
    tz = ZoneInfo(zone)
    found: list[Transition] = []
    step = timedelta(hours=6)
    instant = START
    offset = instant.astimezone(tz).utcoffset()
    while instant < END:
        following = instant + step
        next_offset = following.astimezone(tz).utcoffset()
        if next_offset != offset:
            low, high = instant, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            assert offset is not None and next_offset is not None
            # Offsets change on whole minutes.
            found.append(
                Transition(zone, high.replace(second=0, microsecond=0), offset, next_offset)
            )
        instant, offset = following, next_offset
    return tuple(found)


ALL_TRANSITIONS = tuple(t for zone in ZONES for t in transitions(zone))


def test_the_zones_cover_many_transitions() -> None:
    assert len(ALL_TRANSITIONS) >= 60
    gaps = [t for t in ALL_TRANSITIONS if t.after > t.before]
    folds = [t for t in ALL_TRANSITIONS if t.after < t.before]
    assert len(gaps) >= 25 and len(folds) >= 25
    assert {t.after - t.before for t in gaps} >= {timedelta(minutes=30), timedelta(hours=1)}


@st.composite
def wall_near_transition(draw: st.DrawFn) -> tuple[ZoneInfo, date, time]:
    """A zone and a local wall time within two hours of one of its transitions."""
    transition = draw(st.sampled_from(ALL_TRANSITIONS))
    minutes = draw(st.integers(min_value=-120, max_value=180))
    wall = transition.instant.replace(tzinfo=None) + transition.before
    wall += timedelta(minutes=minutes)
    return ZoneInfo(transition.zone), wall.date(), wall.time()


@st.composite
def any_wall(draw: st.DrawFn) -> tuple[ZoneInfo, date, time]:
    """A zone, a date in 2026–2027 and a minute of the day."""
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)))
    at = time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    return ZoneInfo(zone), day, at


walls = st.one_of(wall_near_transition(), any_wall())


@given(walls)
@settings(max_examples=400, deadline=None)
def test_fire_instant_is_the_wall_time_or_the_first_valid_minute_after_it(
    case: tuple[ZoneInfo, date, time],
) -> None:
    tz, day, at = case
    wall = datetime.combine(day, at)
    fire = fire_instant(day, at, tz)
    local = fire.astimezone(tz)
    assert fire.second == 0 and fire.microsecond == 0
    if wall_exists(wall, tz):
        # A time that happens fires then; a repeated time fires at its first occurrence.
        assert local.replace(tzinfo=None) == wall
        assert local.fold == 0
    else:
        # A skipped time fires at the first minute that exists after it.
        assert local.replace(tzinfo=None) > wall
        before = (fire - timedelta(minutes=1)).astimezone(tz).replace(tzinfo=None)
        assert before < wall


@given(walls)
@settings(max_examples=300, deadline=None)
def test_consecutive_days_fire_in_order_about_a_day_apart(
    case: tuple[ZoneInfo, date, time],
) -> None:
    tz, day, at = case
    first = fire_instant(day - timedelta(days=1), at, tz)
    second = fire_instant(day, at, tz)
    third = fire_instant(day + timedelta(days=1), at, tz)
    for earlier, later in ((first, second), (second, third)):
        assert timedelta(hours=21) <= later - earlier <= timedelta(hours=27)


@given(walls)
@settings(max_examples=300, deadline=None)
def test_latest_occurrence_is_the_newest_fire_not_after_now(
    case: tuple[ZoneInfo, date, time],
) -> None:
    tz, day, at = case
    fire = fire_instant(day, at, tz)
    for now in (fire, fire + timedelta(seconds=59), fire + timedelta(hours=5)):
        found = latest_occurrence(now, tz, at)
        assert found is not None
        found_day, found_fire = found
        assert found_fire <= now
        assert fire_instant(found_day + timedelta(days=1), at, tz) > now
    found = latest_occurrence(fire - timedelta(seconds=1), tz, at)
    assert found is not None and found[0] == day - timedelta(days=1)


def schedule_for(tz: ZoneInfo, at: time, *, nudge_minutes: int = 120) -> MemberSchedule:
    """A member due every day at `at`, with no quiet hours."""
    profile = Profile(
        timezone=tz,
        checkin_time=at,
        workdays=frozenset(range(7)),
        min_conversations=5,
        min_minutes=60,
        team_min_conversations=5,
        team_min_minutes=60,
        paused_until=None,
    )
    rules = TeamRules(
        team_id=1,
        nudge_after=timedelta(minutes=nudge_minutes),
        quiet_start=time(0, 0),
        quiet_end=time(0, 0),
        pace_check_time=None,
        has_manager=False,
        escalate_after_days=0,
    )
    return MemberSchedule(7, profile, START - timedelta(days=30), rules)


def run_ticks(
    schedule: MemberSchedule, ticks: list[datetime], grace: timedelta = GRACE
) -> list[tuple[DueWork, datetime]]:
    """What a scheduler ticking at these instants claims (the dict stands in for the table)."""
    settled: dict[Kind, date | None] = {}
    claimed: set[tuple[str, str, date]] = set()
    sent: list[tuple[DueWork, datetime]] = []
    for now in ticks:
        for work in member_work(now, schedule, settled, grace):
            assert work.key not in claimed, f"{work.key} due twice"
            claimed.add(work.key)
            settled[work.kind] = work.local_date
            sent.append((work, now))
    return sent


@given(
    wall_near_transition(),
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=0, max_value=59),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_day_fires_exactly_once_at_the_first_tick_after_its_time(
    case: tuple[ZoneInfo, date, time], step_minutes: int, phase_seconds: int
) -> None:
    tz, day, at = case
    schedule = schedule_for(tz, at)
    step = timedelta(minutes=step_minutes)
    begin = fire_instant(day - timedelta(days=1), at, tz) - timedelta(minutes=30)
    ticks: list[datetime] = []
    now = begin + timedelta(seconds=phase_seconds)
    end = fire_instant(day + timedelta(days=1), at, tz) + step
    while now < end:
        ticks.append(now)
        now += step
    sent = run_ticks(schedule, ticks)
    prompts = {work.local_date: (work, when) for work, when in sent if work.kind == Kind.PROMPT}
    for offset in (-1, 0, 1):
        expected = day + timedelta(days=offset)
        assert expected in prompts, f"no prompt on {expected}"
        work, when = prompts[expected]
        assert work.fire_at == fire_instant(expected, at, tz)
        assert work.fire_at <= when < work.fire_at + step
    reminders = [work.local_date for work, _ in sent if work.kind == Kind.REMINDER]
    assert len(reminders) == len(set(reminders))


@given(
    wall_near_transition(),
    st.integers(min_value=10, max_value=60 * 30),
)
@settings(max_examples=120, deadline=None)
def test_after_downtime_only_work_within_grace_is_sent(
    case: tuple[ZoneInfo, date, time], down_minutes: int
) -> None:
    tz, day, at = case
    schedule = schedule_for(tz, at)
    fire = fire_instant(day, at, tz)
    went_down = fire - timedelta(minutes=5)
    back = went_down + timedelta(minutes=down_minutes)
    sent = run_ticks(schedule, [went_down - timedelta(minutes=1), back])
    at_restart = [(work, when) for work, when in sent if when == back]
    for work, _ in at_restart:
        assert timedelta(0) <= back - work.fire_at <= GRACE
    prompts_at_restart = [w for w, _ in at_restart if w.kind == Kind.PROMPT]
    newest = latest_occurrence(back, tz, at)
    assert newest is not None
    newest_day, newest_fire = newest
    if back - newest_fire <= GRACE and newest_fire > went_down - timedelta(minutes=1):
        assert [w.local_date for w in prompts_at_restart] == [newest_day]
    else:
        assert prompts_at_restart == []


def _reference_quiet(local: time, start: time, end: time) -> bool:
    minutes = {(start.hour * 60 + start.minute + n) % 1440 for n in range(1440)}
    length = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % 1440
    quiet = set(sorted(minutes, key=lambda m: (m - start.hour * 60 - start.minute) % 1440)[:length])
    return local.hour * 60 + local.minute in quiet


minutes_of_day = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@given(minutes_of_day, minutes_of_day, minutes_of_day)
def test_quiet_hours_wrap_midnight(local: time, start: time, end: time) -> None:
    assert in_quiet_hours(local, start, end) == _reference_quiet(local, start, end)


def test_known_transitions() -> None:
    """Worked examples: Berlin and New York in spring and autumn, Havana at midnight."""
    berlin = ZoneInfo("Europe/Berlin")
    # 29 March 2026: 02:00 -> 03:00. 02:30 does not exist: fire at 03:00 CEST (01:00 UTC).
    assert fire_instant(date(2026, 3, 29), time(2, 30), berlin) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    # 25 October 2026: 03:00 -> 02:00. 02:30 happens twice: fire at the first (00:30 UTC).
    assert fire_instant(date(2026, 10, 25), time(2, 30), berlin) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    new_york = ZoneInfo("America/New_York")
    assert fire_instant(date(2027, 3, 14), time(2, 15), new_york) == datetime(
        2027, 3, 14, 7, 0, tzinfo=UTC
    )
    assert fire_instant(date(2026, 11, 1), time(1, 30), new_york) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    havana = ZoneInfo("America/Havana")
    spring = next(t for t in transitions("America/Havana") if t.after > t.before)
    local_day = (spring.instant + spring.after).date()
    assert fire_instant(local_day, time(0, 10), havana) == spring.instant
    assert fire_instant(local_day, time(0, 10), havana).astimezone(havana).time() == time(1, 0)
