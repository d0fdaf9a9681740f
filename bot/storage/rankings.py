"""Leaderboards ranked by the database: a team's conversations, minutes, meetings booked, deals
won or revenue per member (outcomes: live rows only, dated inside the team's view of them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Select, Subquery, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Checkin, Member, Outcome, TeamMembership
from bot.storage.sql import in_team_history, param


@dataclass(frozen=True)
class Ranked:
    """A leaderboard row ranked by the database."""

    rank: int
    member_id: int
    display_name: str
    value: int
    members: int  # how many members are ranked in all


def ranked_membership() -> Any:
    """SQL: the membership is in the team (`team_id`), active and shown on leaderboards."""
    return and_(
        TeamMembership.team_id == param("team_id"),
        TeamMembership.active.is_(True),
        TeamMembership.public_ranking.is_(True),
    )


# What an outcome board sums: (the kind of row, its column).
OUTCOME_METRICS = {
    "meetings": ("meeting", "quantity"),
    "deals": ("won", "quantity"),
    "revenue": ("won", "amount"),
}


def ranked_members(metric: str) -> Subquery:
    """One row per ranked member of the team: rank (ties share), member_id, display_name and
    value (their conversations, minutes or outcomes in [start, end] that the team sees, 0
    without)."""
    if metric in OUTCOME_METRICS:
        # Live outcome rows of one kind, dated inside the team's view of the member.
        kind, column_name = OUTCOME_METRICS[metric]
        table: Any = Outcome
        column = getattr(Outcome, column_name)
        rows_of = and_(Outcome.kind == kind, Outcome.voided_at.is_(None))
    else:
        table, rows_of = Checkin, true()
        column = Checkin.conversations if metric == "conversations" else Checkin.minutes
    # Members first, then each one's rows in the period through the (member, date) index.
    value = func.coalesce(func.sum(func.coalesce(column, 0)), 0)
    name = func.coalesce(func.nullif(Member.display_name, ""), Member.external_id)
    return (
        select(
            func.rank().over(order_by=value.desc()).label("rank"),
            Member.id.label("member_id"),
            name.label("display_name"),
            value.label("value"),
        )
        .select_from(TeamMembership)
        .join(Member, Member.id == TeamMembership.member_id)
        .outerjoin(
            table,
            and_(
                table.member_id == Member.id,
                rows_of,
                table.local_date.between(param("start", Date), param("end", Date)),
                in_team_history(table.local_date, TeamMembership.history_from),
            ),
        )
        .where(*ranked_membership().clauses)
        .group_by(Member.id)
        .subquery()
    )


def ranked_count() -> Any:
    """SQL: how many members of the team are ranked (a scalar)."""
    return (
        select(func.count())
        .select_from(TeamMembership)
        .where(*ranked_membership().clauses)
        .scalar_subquery()
    )


@cache
def _ranked_statement(metric: str) -> Select:
    """Conversations or minutes per visible member, ranked (ties share), best first."""
    ranked = ranked_members(metric)
    ranked_in_all = ranked_count()
    # The asker's row first, then the best: `top` + 1 rows cover both cases.
    return (
        select(
            ranked.c.rank,
            ranked.c.member_id,
            ranked.c.display_name,
            ranked.c.value,
            ranked_in_all,
        )
        .order_by(
            (ranked.c.member_id == param("asker")).desc(),
            ranked.c.rank,
            func.lower(ranked.c.display_name),
            ranked.c.member_id,
        )
        .limit(param("top_and_asker", Integer))
    )


async def ranked_totals(
    session: AsyncSession,
    team_id: int,
    start: date,
    end: date,
    *,
    metric: str,
    top: int,
    asker_id: int,
) -> list[Ranked]:
    """The top `top` members of the team by conversations or minutes in [start, end], plus the
    asker's own row; members who opted out of ranking are left out."""
    rows = await session.execute(
        _ranked_statement(metric),
        {
            "team_id": team_id,
            "start": start,
            "end": end,
            "top_and_asker": top + 1,
            "asker": asker_id,
        },
    )
    found = [
        Ranked(int(rank), int(member_id), str(name), int(value), int(members))
        for rank, member_id, name, value, members in rows.all()
    ]
    # The true top `top` is among the asker and the best others; the asker follows if lower.
    ordered = sorted(found, key=lambda r: (r.rank, r.display_name.casefold(), r.member_id))
    shown = ordered[:top]
    return shown + [r for r in ordered[top:] if r.member_id == asker_id]
