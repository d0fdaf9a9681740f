"""The rows "what generates returns" reads: each check-in day, whether an outcome followed it,
and the top activities named that day.

Whether a day was followed by an outcome is decided in SQL, by the same rule as "before the
wins" (`bot.storage.activities.followed_within`: the day itself or the two days after), over
live outcome rows only: a voided (corrected or removed) outcome follows nothing. Days off are
not check-in days. Grouping activities by their normalised wording happens in Python
(`bot.outcomes.returns`), since the wording rules are not SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
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
def _days_statement(by_team: bool) -> Select:
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
    if by_team:
        return query.join(TeamMembership, TeamMembership.member_id == Checkin.member_id).where(
            TeamMembership.team_id == param("team_id"),
            TeamMembership.active.is_(True),
            in_team_history(Checkin.local_date, TeamMembership.history_from),
        )
    return query.where(Checkin.member_id == param("member_id"))


def _days_of(rows: Iterable[Any]) -> list[ReturnDay]:
    """Fold one row per activity into one `ReturnDay` per member and date."""
    days: dict[tuple[int, date], ReturnDay] = {}
    for member_id, day, followed, text, classification in rows:
        key = (int(member_id), day)
        found = days.get(key) or ReturnDay(key[0], day, bool(followed))
        if text is not None:
            found = ReturnDay(
                found.member_id,
                found.local_date,
                found.followed,
                (*found.activities, (str(text), str(classification))),
            )
        days[key] = found
    return list(days.values())


async def member_return_days(
    session: AsyncSession, member_id: int, start: date, end: date, kinds: Iterable[str]
) -> list[ReturnDay]:
    """A member's check-in days in [start, end], each marked when a live outcome of one of
    `kinds` followed it."""
    values = {"member_id": member_id, "start": start, "end": end, "kinds": list(kinds)}
    return _days_of(await session.execute(_days_statement(False), values))


async def team_return_days(
    session: AsyncSession, team_id: int, start: date, end: date, kinds: Iterable[str]
) -> list[ReturnDay]:
    """The check-in days in [start, end] of a team's active members that the team sees (from
    the day each joined it), each marked when one of the member's own live outcomes of one of
    `kinds` followed it."""
    values = {"team_id": team_id, "start": start, "end": end, "kinds": list(kinds)}
    return _days_of(await session.execute(_days_statement(True), values))
