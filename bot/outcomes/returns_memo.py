"""A team's returns from per-member results kept in a `TeamMemo`.

The team's analysis is the sum of its members' tallies (`bot.outcomes.returns.Tally`: a
check-in day belongs to one member) and its candidates to delegate are its members' groups of
low-value wordings added up (`bot.storage.activities.top_low_values`), so both are kept per
member and only the members whose rows changed since are read again. What comes out is what
`analyse` over all the team's days and `recurring_low_values(team_id=…)` say.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.outcomes.returns import Returns, Tally, returns_of, tally_sum
from bot.stats.memo import TeamMemo, to_read
from bot.storage.activities import LowValueGroup, low_value_groups, top_low_values
from bot.storage.outcomes import OutcomeTotals, outcome_totals
from bot.storage.returns import team_return_days
from bot.storage.revisions import TeamRevisions


async def kept_team_returns(
    session: AsyncSession,
    memo: TeamMemo,
    revisions: TeamRevisions,
    *,
    span: tuple[date, date],
    kinds: tuple[str, ...],
    delegate_at_least: int,
    delegate_limit: int,
) -> tuple[Returns, list[tuple[str, int]]]:
    """The analysis of the team's check-in days in `span` (first day, last check-in day)
    against `kinds` of outcomes, and its recurring low-value activities (as
    `recurring_low_values` lists them), from the members' results kept in `memo`."""
    start, last_day = span
    team_id = revisions.team_id

    async def tallies(stale: list[int]) -> dict[int, Tally]:
        days = await team_return_days(
            session, team_id, start, last_day, kinds, member_ids=to_read(stale, revisions)
        )
        wanted = set(stale)
        counted: dict[int, Tally] = {}
        for day in days:
            if day.member_id in wanted:
                found = counted.get(day.member_id)
                if found is None:
                    found = counted[day.member_id] = Tally()
                found.add_day(day)
        return counted

    async def groups(stale: list[int]) -> dict[int, list[LowValueGroup]]:
        return await low_value_groups(
            session, team_id, start, last_day, member_ids=to_read(stale, revisions)
        )

    kept = await memo.each_member(revisions, ("returns", start, last_day, kinds), tallies)
    named = await memo.each_member(revisions, ("delegate", start, last_day), groups)
    candidates = top_low_values(named.values(), at_least=delegate_at_least, limit=delegate_limit)
    return returns_of(tally_sum(kept.values())), candidates


async def kept_outcome_totals(
    session: AsyncSession, memo: TeamMemo, revisions: TeamRevisions, start: date, end: date
) -> dict[int, OutcomeTotals]:
    """`outcome_totals` of the team's members over [start, end], kept per member."""

    async def compute(stale: list[int]) -> dict[int, OutcomeTotals]:
        return await outcome_totals(session, stale, start, end)

    return await memo.each_member(revisions, ("outcomes", start, end), compute)
