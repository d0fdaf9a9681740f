"""What members did: top activities before wins, recurring low-value activities (candidates
to delegate) and a team's high-value share.

One definition of "followed by": a result (a win, an outcome) follows an activity when it falls
on the activity's day or the `FOLLOW_UP_DAYS - 1` days after it (`followed_within`); one
definition of a delegation candidate: a low-value activity named at least a few times in a span
(`recurring_low_values`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Select, String, bindparam, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.models import Activity, Checkin, TeamMembership
from bot.storage.sql import add_days, as_int, epoch_days, in_team_history, param

FOLLOW_UP_DAYS = 3  # the activity's day and the two after it


def followed_within(day: Any, later: Any) -> Any:
    """SQL: the date `later` falls on `day` or in the `FOLLOW_UP_DAYS - 1` days after it."""
    return later.between(day, add_days(day, FOLLOW_UP_DAYS - 1))


@cache
def _before_wins_statement() -> Select:
    text = func.lower(func.trim(Activity.text))
    times = func.count(func.distinct(Checkin.id))
    start, end = param("win_start", Date), param("win_end", Date)
    won = aliased(Checkin, name="won")
    return (
        select(func.min(Activity.text).label("text"), times.label("times"))
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(
            Checkin.member_id == param("member_id"),
            Checkin.local_date.between(param("win_from", Date), end),
            select(won.id)
            .where(
                won.member_id == Checkin.member_id,
                won.wins > 0,
                followed_within(Checkin.local_date, won.local_date),
                # As day numbers so the index serves the range just above, not this one.
                epoch_days(won.local_date).between(epoch_days(start), epoch_days(end)),
            )
            .exists(),
        )
        .group_by(text)
        .order_by(times.desc(), text)
        .limit(param("win_limit", Integer))
    )


def _before_wins_values(member_id: int, start: date, end: date, limit: int) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "win_start": start,
        "win_end": end,
        "win_from": start - timedelta(days=FOLLOW_UP_DAYS - 1),
        "win_limit": limit,
    }


@cache
def _recurring_statement(by_member: bool, by_team: bool) -> Select:
    text = func.lower(func.trim(Activity.text))
    query = (
        select(func.min(Activity.text).label("text"), func.count().label("times"))
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(
            Activity.classification == "low",
            Checkin.local_date.between(param("low_start", Date), param("low_end", Date)),
        )
        .group_by(text)
        .having(func.count() >= param("low_at_least", Integer))
        .order_by(func.count().desc(), text)
        .limit(param("low_limit", Integer))
    )
    if by_member:
        query = query.where(Checkin.member_id == param("member_id"))
    if by_team:
        query = _seen_by_team(query)
    return query


def _seen_by_team(query: Select) -> Select:
    """`query` over check-ins limited to those a team sees: its active members' from the day
    each joined it."""
    return query.join(TeamMembership, TeamMembership.member_id == Checkin.member_id).where(
        TeamMembership.team_id == param("team_id"),
        TeamMembership.active.is_(True),
        in_team_history(Checkin.local_date, TeamMembership.history_from),
    )


async def recurring_low_values(
    session: AsyncSession,
    start: date,
    end: date,
    *,
    member_id: int | None = None,
    team_id: int | None = None,
    at_least: int = 2,
    limit: int = 1,
) -> list[tuple[str, int]]:
    """The low-value activities named most often in [start, end] (each at least `at_least`
    times), most named first: the candidates to delegate."""
    statement = _recurring_statement(member_id is not None, team_id is not None)
    values: dict[str, Any] = {
        "low_start": start,
        "low_end": end,
        "low_at_least": at_least,
        "low_limit": limit,
    }
    if member_id is not None:
        values["member_id"] = member_id
    if team_id is not None:
        values["team_id"] = team_id
    return [(str(text), int(times)) for text, times in await session.execute(statement, values)]


@dataclass(frozen=True)
class LowValueGroup:
    """One member's low-value activities that `recurring_low_values` counts as one: named
    alike but for case and surrounding spaces, as the database compares them."""

    key: str  # the wording as the database groups it (lower-cased, trimmed)
    text: str  # the least of the wordings (the database's `min`)
    times: int


@cache
def _low_value_groups_statement(by_members: bool) -> Select:
    key = func.lower(func.trim(Activity.text))
    query = (
        select(Checkin.member_id, key.label("key"), func.min(Activity.text), func.count())
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(
            Activity.classification == "low",
            Checkin.local_date.between(param("low_start", Date), param("low_end", Date)),
        )
        .group_by(Checkin.member_id, key)
    )
    if by_members:
        query = query.where(Checkin.member_id.in_(bindparam("member_ids", expanding=True)))
    return _seen_by_team(query)


async def low_value_groups(
    session: AsyncSession,
    team_id: int,
    start: date,
    end: date,
    *,
    member_ids: Collection[int] | None = None,
) -> dict[int, list[LowValueGroup]]:
    """Each active member's (or only `member_ids`') low-value activities in [start, end] that
    the team sees, grouped as `recurring_low_values` groups them (members with none are
    absent): what `top_low_values` adds up to the team's candidates to delegate."""
    values: dict[str, Any] = {"team_id": team_id, "low_start": start, "low_end": end}
    if member_ids is not None:
        values["member_ids"] = list(member_ids)
    statement = _low_value_groups_statement(member_ids is not None)
    found: dict[int, list[LowValueGroup]] = {}
    for member_id, key, text, times in await session.execute(statement, values):
        found.setdefault(int(member_id), []).append(LowValueGroup(str(key), str(text), int(times)))
    return found


def top_low_values(
    groups: Iterable[Iterable[LowValueGroup]], *, at_least: int = 2, limit: int = 1
) -> list[tuple[str, int]]:
    """Members' groups (`low_value_groups`) added up to what `recurring_low_values` says for
    all of them: per wording, the least text and the times named, at least `at_least`, most
    named first (then by the grouped wording), `limit` at most. Texts compare as the
    database's binary collation does: by code point."""
    merged: dict[str, list[Any]] = {}
    for member_groups in groups:
        for group in member_groups:
            found = merged.get(group.key)
            if found is None:
                merged[group.key] = [group.text, group.times]
            else:
                found[0] = min(found[0], group.text)
                found[1] += group.times
    ranked = sorted(
        ((key, text, times) for key, (text, times) in merged.items() if times >= at_least),
        key=lambda item: (-item[2], item[0]),
    )
    return [(text, times) for _, text, times in ranked[:limit]]


async def recurring_low_value(
    session: AsyncSession,
    start: date,
    end: date,
    *,
    member_id: int | None = None,
    team_id: int | None = None,
    at_least: int = 2,
) -> tuple[str, int] | None:
    """The low-value activity named most often in [start, end] (at least `at_least` times)."""
    found = await recurring_low_values(
        session, start, end, member_id=member_id, team_id=team_id, at_least=at_least
    )
    return found[0] if found else None


@cache
def _highlights_statement(with_wins: bool) -> Any:
    recurring = _recurring_statement(True, False).subquery("recurring")
    parts = [select(literal("low", String()).label("kind"), recurring.c.text, recurring.c.times)]
    if with_wins:
        wins = _before_wins_statement().subquery("before_wins")
        parts.append(select(literal("win", String()).label("kind"), wins.c.text, wins.c.times))
    return union_all(*parts)


@dataclass(frozen=True)
class Highlights:
    """What a member's activities say: what came before wins, and what to delegate."""

    before_wins: list[tuple[str, int]]
    delegate: tuple[str, int] | None


async def member_highlights(
    session: AsyncSession,
    member_id: int,
    *,
    wins_between: tuple[date, date] | None,
    delegate_between: tuple[date, date],
    delegate_at_least: int = 2,
    limit: int = 3,
) -> Highlights:
    """A member's top activities on a win day or the two days before it (when `wins_between`
    is given) and their recurring low-value activity (`recurring_low_value`): one query."""
    values: dict[str, Any] = {
        "member_id": member_id,
        "low_start": delegate_between[0],
        "low_end": delegate_between[1],
        "low_at_least": delegate_at_least,
        "low_limit": 1,
    }
    if wins_between is not None:
        values |= _before_wins_values(member_id, *wins_between, limit)
    rows = (await session.execute(_highlights_statement(wins_between is not None), values)).all()
    delegate = next(((str(t), int(n)) for kind, t, n in rows if kind == "low"), None)
    wins = sorted(
        ((str(t), int(n)) for kind, t, n in rows if kind == "win"),
        key=lambda item: (-item[1], item[0].strip().casefold()),
    )
    return Highlights(before_wins=wins, delegate=delegate)


@cache
def _team_activity_statement(per_member: bool = False, some: bool = False) -> Select:
    counts = (func.sum(as_int(Activity.classification == "high")), func.count())
    query = select(Checkin.member_id, *counts) if per_member else select(*counts)
    if per_member:
        query = query.group_by(Checkin.member_id)
    if some:
        query = query.where(Checkin.member_id.in_(bindparam("member_ids", expanding=True)))
    return _seen_by_team(
        query.select_from(Activity)
        .join(Checkin, Checkin.id == Activity.checkin_id)
        .where(Checkin.local_date.between(param("start", Date), param("end", Date)))
    )


async def team_activity_counts(
    session: AsyncSession, team_id: int, start: date, end: date
) -> tuple[int, int]:
    """(high-value, all) top activities of the team's active members in [start, end]."""
    row = (
        await session.execute(
            _team_activity_statement(), {"team_id": team_id, "start": start, "end": end}
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


async def member_activity_counts(
    session: AsyncSession,
    team_id: int,
    start: date,
    end: date,
    member_ids: Collection[int] | None = None,
) -> dict[int, tuple[int, int]]:
    """`team_activity_counts` of each active member (of `member_ids`, when given) with
    activities in the span."""
    values: dict[str, Any] = {"team_id": team_id, "start": start, "end": end}
    if member_ids is not None:
        values["member_ids"] = list(member_ids)
    rows = await session.execute(_team_activity_statement(True, member_ids is not None), values)
    return {int(member): (int(high or 0), int(count)) for member, high, count in rows.all()}
