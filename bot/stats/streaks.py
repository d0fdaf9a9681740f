"""Streaks: consecutive workdays at or above the member's personal minimum.

The rules (SPEC §4), in the member's own local dates:

- Only the member's workdays count. A check-in on a non-workday neither adds nor breaks.
- A day off (`off`, `vacation`, …) neither counts nor breaks.
- A workday below the minimum, or a workday with no check-in at all, breaks the streak.
- Today is not over: it adds once it meets the minimum and never breaks the streak.
- A pause protects the gap it covers: missing workdays up to `paused_until` in the gap that the
  pause ended (or is still in) don't break. Needle keeps only the latest pause, so an older
  pause's gap counts as missed once a newer pause replaced it.

The database finds the runs (bot.storage.stats.streak_runs); this module adds the trailing
gap between the latest recorded workday and today, which has no row to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.profile import Profile, workday_digits
from bot.storage.stats import (
    EPOCH,
    StreakParams,
    StreakRuns,
    streak_runs,
    team_streak_runs,
    workday_ordinal,
)


@dataclass(frozen=True)
class Streaks:
    """A member's current and best streak, in workdays."""

    current: int
    best: int


def anchor_ordinal(today: date, workdays: str) -> int:
    """The ordinal of the last workday that must be covered for a run to be current.

    That is the last workday before today (today itself may still be filled in); a run whose
    last recorded workday is today (met) is of course current too.
    """
    return workday_ordinal(today - timedelta(days=1), workdays)


def finish(
    runs: StreakRuns | None, today: date, workdays: str, paused_until: date | None
) -> Streaks:
    """Current and best streak from the database's runs plus the trailing gap."""
    if runs is None or not workdays:
        return Streaks(0, 0)
    anchor = anchor_ordinal(today, workdays)
    current = runs.last_run
    if runs.last_ordinal < anchor:
        # Workdays after the last record were missed, unless a pause covers all of them.
        covered = paused_until is not None and workday_ordinal(paused_until, workdays) >= anchor
        if not covered:
            current = 0
    return Streaks(current=current, best=max(runs.best, current))


def params_of(member_id: int, profile: Profile) -> StreakParams:
    """The streak rules of a member, from their resolved profile."""
    return StreakParams(
        member_id=member_id,
        workdays=workday_digits(profile.workdays),
        min_conversations=profile.min_conversations,
        min_minutes=profile.min_minutes,
        paused_until=profile.paused_until,
    )


async def member_streaks(
    session: AsyncSession, member_id: int, profile: Profile, today: date
) -> Streaks:
    """The member's current and best streak as of `today` (their local date)."""
    params = params_of(member_id, profile)
    found = await streak_runs(session, today, params)
    return finish(found, today, params.workdays, params.paused_until)


FIRST_HORIZON_DAYS = 28


async def team_current_streaks(
    session: AsyncSession,
    team_id: int,
    today: date,
    members: dict[int, tuple[str, date | None]],
) -> dict[int, int]:
    """The current streak of each listed member of a team as of `today`.

    `members` maps member id -> (workdays digits, paused_until). Only recent check-ins are
    read at first; members whose run reaches back to the first workday of what was read are
    read again further back (four times as far each round), so a long streak costs a few
    more rows for its owner only, never a scan of the whole team's history.
    """
    by_workdays: dict[str, list[int]] = {}
    for member_id, (workdays, _paused) in members.items():
        by_workdays.setdefault(workdays, []).append(member_id)
    found: dict[int, StreakRuns] = {}
    for workdays, member_ids in by_workdays.items():
        horizon = FIRST_HORIZON_DAYS
        pending = member_ids
        while pending:
            since = max(EPOCH, today - timedelta(days=horizon))
            runs = await team_streak_runs(session, team_id, pending, workdays, today, since=since)
            found.update(runs)
            if since == EPOCH:
                break
            # A run that starts later than the window's first workday was broken (or began)
            # just before it: nothing further back can change it.
            first_workday = workday_ordinal(since - timedelta(days=1), workdays) + 1
            pending = [
                m for m, r in runs.items() if r.unbroken and r.first_ordinal <= first_workday
            ]
            horizon *= 4
    return {
        member_id: finish(found.get(member_id), today, workdays, paused).current
        for member_id, (workdays, paused) in members.items()
    }
