"""The rows "what generates returns" reads: each check-in day, whether an outcome followed it,
and the top activities named that day.

Whether a day was followed by an outcome is decided in SQL, by the same rule as "before the
wins" (`bot.storage.activities.followed_within`: the day itself or the two days after), over
live outcome rows only: a voided (corrected or removed) outcome follows nothing. Days off are
not check-in days. Grouping activities by their normalised wording happens in Python
(`bot.outcomes.returns`), since the wording rules are not SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.activities import followed_within
from bot.storage.models import Activity, Checkin, Outcome, TeamMembership
from bot.storage.sql import in_team_history, param


@dataclass(frozen=True)
class ReturnDay:
    """One member's check-in day: whether an outcome followed it, and its top activities."""

    member_id: int
    local_date: date
    followed: bool
    activities: tuple[tuple[str, str], ...] = ()  # (text, high | low | neutral)


@cache
def _days_statement(by_team: bool, by_members: bool = False) -> Select:
    """The rows of a member's (or a team's active members', or only `member_ids` of them)
    check-in days, one per activity."""
    later = aliased(Outcome, name="later")
    followed = (
        select(later.id)
        .where(
            later.member_id == Checkin.member_id,
            later.voided_at.is_(None),
            later.kind.in_(bindparam("kinds", expanding=True)),
            followed_within(Checkin.local_date, later.local_date),
        )
        .exists()
    )
    query = (
        select(
            Checkin.member_id,
            Checkin.local_date,
            followed.label("followed"),
            Activity.text,
            Activity.classification,
        )
        .select_from(Checkin)
        .outerjoin(Activity, Activity.checkin_id == Checkin.id)
        .where(
            Checkin.status != "day_off",
            Checkin.local_date.between(param("start", Date), param("end", Date)),
        )
        .order_by(Checkin.member_id, Checkin.local_date, Activity.position)
    )
    if by_members:
        query = query.where(Checkin.member_id.in_(bindparam("member_ids", expanding=True)))
    if by_team:
        return query.join(TeamMembership, TeamMembership.member_id == Checkin.member_id).where(
            TeamMembership.team_id == param("team_id"),
            TeamMembership.active.is_(True),
            in_team_history(Checkin.local_date, TeamMembership.history_from),
        )
    return query.where(Checkin.member_id == param("member_id"))


def _days_of(rows: Iterable[Any]) -> list[ReturnDay]:
    """Fold one row per activity into one `ReturnDay` per member and date (the rows come
    ordered by member and date, so each day's rows are consecutive)."""
    days = []
    for (member_id, day), group in groupby(rows, key=itemgetter(0, 1)):
        of_day = list(group)
        activities = tuple((row[3], row[4]) for row in of_day if row[3] is not None)
        days.append(ReturnDay(int(member_id), day, bool(of_day[0][2]), activities))
    return days


async def member_return_days(
    session: AsyncSession, member_id: int, start: date, end: date, kinds: Iterable[str]
) -> list[ReturnDay]:
    """A member's check-in days in [start, end], each marked when a live outcome of one of
    `kinds` followed it."""
    values = {"member_id": member_id, "start": start, "end": end, "kinds": list(kinds)}
    return _days_of(await session.execute(_days_statement(False), values))


async def team_return_days(
    session: AsyncSession,
    team_id: int,
    start: date,
    end: date,
    kinds: Iterable[str],
    *,
    member_ids: Collection[int] | None = None,
) -> list[ReturnDay]:
    """The check-in days in [start, end] of a team's active members (only those of
    `member_ids`, when given) that the team sees (from the day each joined it), each marked
    when one of the member's own live outcomes of one of `kinds` followed it."""
    values: dict[str, Any] = {"team_id": team_id, "start": start, "end": end, "kinds": list(kinds)}
    if member_ids is not None:
        values["member_ids"] = list(member_ids)
    statement = _days_statement(True, member_ids is not None)
    return _days_of(await session.execute(statement, values))
