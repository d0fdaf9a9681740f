"""What a team's pages read about each member, kept between views (`bot.stats.memo`).

Each function here returns what its namesake in `bot.storage` returns for the whole team —
the same statements compute it — but reads only the members whose rows changed since the
last view: totals over a period, current streaks, workdays so far, top-activity counts,
the roll call's inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.stats.leaderboard import goal_days
from bot.stats.memo import TeamMemo, to_read
from bot.stats.periods import Period
from bot.stats.team_today import RollInput, roll_inputs
from bot.storage.activities import member_activity_counts
from bot.storage.models import Team
from bot.storage.revisions import TeamRevisions, team_revisions
from bot.storage.streaks import team_current_streaks
from bot.storage.totals import MemberTotals, team_totals


@dataclass
class TeamState:
    """One view's reads of a team through the memo: the revisions are read once, first."""

    session: AsyncSession
    team_id: int
    memo: TeamMemo
    revisions: TeamRevisions

    @classmethod
    async def read(cls, session: AsyncSession, team_id: int, memo: TeamMemo) -> TeamState:
        """The team as of now: its revisions, before anything is computed from its rows."""
        return cls(session, team_id, memo, await team_revisions(session, team_id))

    async def totals(self, start: date, end: date, *, public_only: bool) -> list[MemberTotals]:
        """`team_totals` over [start, end], in member id order (everyone's are kept; the
        visible members' are those not hidden from rankings)."""

        async def compute(member_ids: list[int]) -> dict[int, MemberTotals]:
            rows = await team_totals(
                self.session,
                self.team_id,
                start,
                end,
                public_only=False,
                member_ids=to_read(member_ids, self.revisions),
            )
            return {row.member_id: row for row in rows}

        kept = await self.memo.each_member(self.revisions, ("totals", start, end), compute)
        return [
            kept[member_id]
            for member_id in sorted(kept)
            if kept[member_id].public or not public_only
        ]

    async def current_streaks(self, today: date, rows: list[MemberTotals]) -> dict[int, int]:
        """`team_current_streaks` as of `today` of the members of `rows`."""
        rules = {row.member_id: (row.workdays, row.paused_until) for row in rows}

        async def compute(member_ids: list[int]) -> dict[int, int]:
            wanted = {m: rules[m] for m in member_ids if m in rules}
            return await team_current_streaks(self.session, self.team_id, today, wanted)

        kept = await self.memo.each_member(self.revisions, ("streak", today), compute)
        # A member the memo holds no streak for was not asked for before (hidden then).
        missing = [m for m in rules if m not in kept]
        if missing:
            kept |= await team_current_streaks(
                self.session, self.team_id, today, {m: rules[m] for m in missing}
            )
        return {m: kept[m] for m in rules}

    async def goal_days(self, period: Period, today: date) -> dict[int, int]:
        """Each active member's workdays of `period` that count so far (`goal_days`)."""
        rows = {
            row.member_id: row
            for row in await self.totals(period.start, period.end, public_only=False)
        }

        async def compute(member_ids: list[int]) -> dict[int, int]:
            return {m: goal_days(rows[m], period, today) for m in member_ids if m in rows}

        key = ("goal days", period.start, period.end, today)
        return await self.memo.each_member(self.revisions, key, compute)

    async def roll_call(
        self, team: Team, now: datetime, default_timezone: str
    ) -> dict[int, RollInput]:
        """`roll_inputs` at `now`: a member's are read again when their rows changed or their
        local date moved on."""

        async def compute(member_ids: list[int]) -> dict[int, RollInput]:
            asked = to_read(member_ids, self.revisions)
            return await roll_inputs(self.session, team, now, default_timezone, asked)

        def still(kept: RollInput) -> bool:
            return kept.profile.local_date(now) == kept.day

        key = ("roll call", default_timezone)
        return await self.memo.each_member(self.revisions, key, compute, still=still)

    async def activity_counts(self, start: date, end: date) -> tuple[int, int]:
        """`team_activity_counts`: (high-value, all) top activities in [start, end]."""

        async def compute(member_ids: list[int]) -> dict[int, tuple[int, int]]:
            asked = to_read(member_ids, self.revisions)
            return await member_activity_counts(self.session, self.team_id, start, end, asked)

        kept = await self.memo.each_member(self.revisions, ("activities", start, end), compute)
        return sum(h for h, _ in kept.values()), sum(n for _, n in kept.values())
