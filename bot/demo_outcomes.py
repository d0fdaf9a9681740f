"""The demo team's outcomes and targets, so `returns`, `funnel`, the outcome leaderboards and
the dashboard's panels have something to show.

Outcomes follow the demo's check-ins the way they do in real teams: a meeting is booked more
often in the days after a demo or a discovery call than after a day of admin, deals are won
(with their value) after proposals and negotiations, one is lost, one is corrected (its first
row voided, the audit trail). The newcomer has none yet, to show that reply too.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.outcomes import (
    Metric,
    OutcomeKind,
    correct_outcome,
    live_outcomes,
    record_outcome,
    set_target,
)
from bot.storage.people import find_member, find_team
from bot.storage.returns import member_return_days

# The chance that a day with an activity naming one of these words brings a meeting within
# three days; the best word of the day counts.
MEETING_ODDS = (("demo", 0.45), ("discovery", 0.35), ("referral", 0.2), ("prospecting", 0.15))
OTHER_HIGH_ODDS = 0.08
LOW_DAY_ODDS = 0.03
DEAL_ODDS = (("proposal", 0.15), ("negotiation", 0.2))
DEAL_VALUES = (6_000, 8_500, 12_000, 15_000, 24_000)
ACCOUNTS = {"proposal": "Delta Foods", "negotiation": "Orion"}
TARGETS = {"Ana Lima": (Metric.DEALS, 4), "Eli Cohen": (Metric.MEETINGS, 10)}
NO_OUTCOMES_YET = "Hana Novak"


def meeting_odds(activities: Sequence[tuple[str, str]]) -> float:
    """How likely a day's activities bring a meeting in the demo."""
    texts = " ".join(text.lower() for text, _ in activities)
    odds = [chance for word, chance in MEETING_ODDS if word in texts]
    if odds:
        return max(odds)
    return OTHER_HIGH_ODDS if any(c == "high" for _, c in activities) else LOW_DAY_ODDS


async def seed_outcomes(
    database: Database,
    clock: Clock,
    platform: str,
    team_id: str,
    members: Sequence[tuple[str, str]],
) -> None:
    """Record the demo members' outcomes over the check-ins already seeded, and two targets;
    `members` are (user id, name) pairs."""
    rng = random.Random(3)  # a draw where the story reads as it does in most teams
    now = clock.now()
    today = now.date()
    async with database.transaction() as session:
        team = await find_team(session, platform, team_id)
        assert team is not None, "the demo team is seeded first"
        team.outcomes = [str(m) for m in Metric]
        for user_id, name in members:
            member = await find_member(session, platform, user_id)
            assert member is not None, "the demo members are seeded first"
            if name in TARGETS:
                metric, amount = TARGETS[name]
                await set_target(
                    session,
                    member_id=member.id,
                    metric=metric,
                    amount=amount,
                    month_start=today.replace(day=1),
                    now=now,
                )
            if name == NO_OUTCOMES_YET:
                continue
            days = await member_return_days(
                session, member.id, today - timedelta(weeks=8), today, ()
            )
            for day in days:
                await _outcomes_after(session, rng, member.id, day.local_date, day.activities, now)
        # One correction, as a rep would make it: the first won deal's value was wrong.
        await _correct_first_win(session, members, platform, today, now)


def _when(rng: random.Random, day: date, today: date) -> date:
    """A date on the day or within the two days after it, never after today."""
    return min(day + timedelta(days=rng.choice((0, 0, 1))), today)


async def _outcomes_after(
    session: AsyncSession,
    rng: random.Random,
    member_id: int,
    day: date,
    activities: Sequence[tuple[str, str]],
    now: datetime,
) -> None:
    today = now.date()
    at = datetime.combine(day, time(18, 0), tzinfo=now.tzinfo)
    if rng.random() < meeting_odds(activities):
        await record_outcome(
            session,
            member_id=member_id,
            local_date=_when(rng, day, today),
            kind=OutcomeKind.MEETING,
            quantity=rng.choice((1, 1, 2)),
            now=at,
            source="demo",
        )
    texts = " ".join(text.lower() for text, _ in activities)
    for word, chance in DEAL_ODDS:
        if word in texts and rng.random() < chance:
            lost = rng.random() < 0.2
            await record_outcome(
                session,
                member_id=member_id,
                local_date=_when(rng, day, today),
                kind=OutcomeKind.LOST if lost else OutcomeKind.WON,
                amount=None if lost else rng.choice(DEAL_VALUES),
                account=ACCOUNTS[word],
                now=at,
                source="demo",
            )


async def _correct_first_win(
    session: AsyncSession,
    members: Sequence[tuple[str, str]],
    platform: str,
    today: date,
    now: datetime,
) -> None:
    member = await find_member(session, platform, members[0][0])
    assert member is not None
    won = [
        o
        for o in await live_outcomes(session, member.id, today - timedelta(weeks=8), today)
        if o.kind == OutcomeKind.WON
    ]
    if won:
        await correct_outcome(
            session, won[0], now=now, by_member_id=member.id, amount=(won[0].amount or 0) + 1_000
        )
