"""The pure "what is due now" step: members, teams and an instant in, typed work items out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.storage.deliveries import MemberCandidate, MemberRow, NudgesInUse, TeamCandidate
from bot.storage.models import Team
from scheduler.due import Kind, due_work, kinds_in_use, member_target, team_target

THU = date(2026, 11, 26)
JOINED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
GRACE = timedelta(hours=3)


def a_team(team_id: int = 1, **values: Any) -> Team:
    """A team with the stored defaults (17:00 UTC check-in, Mon–Fri, recap Friday 16:00)."""
    settings: dict[str, Any] = {
        "timezone": "UTC",
        "checkin_time": time(17, 0),
        "workdays": "01234",
        "min_conversations": 5,
        "min_minutes": 60,
        "nudge_after_minutes": 120,
        "quiet_start": time(21, 0),
        "quiet_end": time(8, 0),
        "escalate_after_days": 0,
        "pace_check_time": None,
        "recap_channel_id": "C1",
        "recap_weekday": 4,
        "recap_time": time(16, 0),
        "manager_member_id": None,
    }
    settings.update(values)
    return Team(id=team_id, platform="memory", external_id=f"team-{team_id}", **settings)


def a_member(member_id: int, **values: Any) -> MemberRow:
    """A member with no settings of their own (the team's apply)."""
    row: dict[str, Any] = {
        "timezone": None,
        "checkin_time": None,
        "workdays": None,
        "goal_conversations": None,
        "goal_minutes": None,
        "paused_until": None,
        "prompts_off": False,
    }
    row.update(values)
    return MemberRow(member_id, "memory", f"rep-{member_id}", f"Rep {member_id}", **row)


def candidate(
    member: MemberRow, team: Team, *, joined_at: datetime = JOINED, settled: Any = None
) -> MemberCandidate:
    """A member who may be due, with nothing settled yet (prompts and reminders asked)."""
    return MemberCandidate(member, team, joined_at, settled or (None, None))


def test_kinds_asked_follow_the_nudges_teams_have_on() -> None:
    assert kinds_in_use(NudgesInUse(False, False, False)) == [Kind.PROMPT, Kind.REMINDER]
    assert kinds_in_use(NudgesInUse(True, False, True)) == [
        Kind.PROMPT,
        Kind.REMINDER,
        Kind.ESCALATION,
        Kind.PACE,
    ]


def test_prompts_are_due_at_checkin_time_for_each_member_who_was_there() -> None:
    team = a_team()
    now = datetime(2026, 11, 26, 17, 0, 30, tzinfo=UTC)
    members = [
        candidate(a_member(1), team),
        candidate(a_member(2), team),  # shares member 1's profile and settled dates
        candidate(a_member(3), team, joined_at=now - timedelta(seconds=10)),  # joined after
        candidate(a_member(4, checkin_time=time(18, 0)), team),  # not yet
        candidate(a_member(5), team, settled=(THU, None)),  # already sent today
    ]
    work = due_work(
        now, members, [], [Kind.PROMPT, Kind.REMINDER], grace=GRACE, default_timezone="UTC"
    )
    assert [(item.due.kind, item.due.target, item.due.local_date) for item in work] == [
        (Kind.PROMPT, member_target(1), THU),
        (Kind.PROMPT, member_target(2), THU),
    ]
    first, second = work
    assert first.team is team and first.member == a_member(1)
    assert first.profile is second.profile  # worked out once for the group
    assert first.due.fire_at == datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


def test_a_teams_recap_is_due_at_its_weekday_and_time_in_its_zone() -> None:
    team = a_team(timezone="America/New_York")
    friday_4pm_new_york = datetime(2026, 11, 27, 21, 0, 5, tzinfo=UTC)
    work = due_work(
        friday_4pm_new_york,
        [],
        [
            TeamCandidate(team, None),
            TeamCandidate(a_team(2, timezone="America/New_York"), date(2026, 11, 27)),  # sent
            TeamCandidate(a_team(3, recap_weekday=3), None),  # Thursdays
        ],
        [Kind.PROMPT, Kind.REMINDER],
        grace=GRACE,
        default_timezone="UTC",
    )
    assert [(item.due.kind, item.due.target, item.profile) for item in work] == [
        (Kind.RECAP, team_target(1), None)
    ]
