"""A team's returns kept per member (`team_returns(memo=…)`, as the dashboard's team page reads
them) say what the plain `returns team` says after every kind of change, reading again only
the member whose rows changed; the candidates to delegate added up per member are the list
the database gives for the whole team."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import update

from adapters.memory import MemoryAdapter
from bot.outcomes.returns_report import ReturnsView, team_returns, window_of
from bot.stats.memo import TeamMemo
from bot.storage.activities import low_value_groups, recurring_low_values, top_low_values
from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.models import TeamMembership
from bot.storage.outcomes import OutcomeKind, live_outcomes, record_outcome, void_outcome
from bot.storage.people import find_member, find_team
from bot.storage.revisions import team_revisions
from tests.conftest import START
from tests.returns_history import ana_and_ben, track_outcomes
from tests.stats_helpers import join, seed

pytestmark = pytest.mark.both_databases

WED = date(2026, 11, 25)
SLOTS_PER_MEMBER = 3  # the tally, the low-value wordings and the outcome totals


async def views(database: Database, memo: TeamMemo, team_id: str) -> tuple[ReturnsView, ...]:
    """The team's returns read plainly and from the memo, in one transaction."""
    async with database.transaction() as session:
        team = await find_team(session, "memory", team_id)
        assert team is not None
        plain = await team_returns(session, team, WED)
        revisions = await team_revisions(session, team.id)
        kept = await team_returns(session, team, WED, memo=memo, revisions=revisions)
    return plain, kept


async def member_id(database: Database, user: str) -> int:
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        return member.id


class Watch:
    """The team's kept returns against the plain ones, and how many members were read again."""

    def __init__(self, database: Database, memo: TeamMemo, team_id: str = "team-1") -> None:
        self.database, self.memo, self.team_id = database, memo, team_id

    async def check(self, recomputed: int) -> ReturnsView:
        """The kept view equals the plain one; `recomputed` members were read again."""
        before = self.memo.stats.computed
        plain, kept = await views(self.database, self.memo, self.team_id)
        assert kept == plain
        assert self.memo.stats.computed - before == recomputed * SLOTS_PER_MEMBER
        return kept


async def test_kept_team_returns_follow_every_change_reading_only_the_changed_member(
    bot: MemoryAdapter, database: Database
) -> None:
    await ana_and_ben(bot, database, lead=True)
    await join(bot, "dee", team_id="team-2")
    await seed(database, "dee", {date(2026, 11, d): (4, 40, ("inbox 30 min",)) for d in (2, 3, 4)})
    await track_outcomes(database, "team-2", ["meetings"])
    memo = TeamMemo()
    team, other = Watch(database, memo), Watch(database, memo, "team-2")

    first = await team.check(recomputed=3)  # the lead, Ana and Ben
    assert (first.result.baseline.followed, first.result.baseline.days) == (7, 19)
    assert first.delegate == [("inbox", 3)] and first.outcomes == 4
    assert (await other.check(recomputed=1)).result.baseline.days == 3
    assert await team.check(recomputed=0) == first

    # A new check-in of Ben's, inside the window.
    await seed(database, "ben", {date(2026, 11, 18): (5, 60, ("inbox 30 min", "cold emails"))})
    checked_in = await team.check(recomputed=1)
    assert checked_in.result.baseline.days == 20

    # Ana corrects a past day's activities.
    await seed(database, "ana", {date(2026, 11, 16): (6, 70, ("admin 1h", "inbox 30 min"))})
    corrected = await team.check(recomputed=1)
    assert corrected.result != checked_in.result and corrected.delegate == [("inbox", 5)]

    # An outcome of Ben's follows his new day, then is removed.
    ben = await member_id(database, "ben")
    async with database.transaction() as session:
        await record_outcome(
            session,
            member_id=ben,
            local_date=date(2026, 11, 20),
            kind=OutcomeKind.MEETING,
            now=START,
        )
    booked = await team.check(recomputed=1)
    assert booked.result.baseline.followed == corrected.result.baseline.followed + 1
    async with database.transaction() as session:
        for outcome in await live_outcomes(session, ben, date(2026, 11, 20), WED):
            await void_outcome(session, outcome, now=START, by_member_id=ben)
    assert await team.check(recomputed=1) == corrected

    # Ranking off changes nothing in returns, though Ben's membership moved.
    await bot.command("ranking", "off", user="ben")
    assert await team.check(recomputed=1) == corrected

    # Ben leaves the team: his days are no longer the team's; nobody is read again.
    async with database.transaction() as session:
        await session.execute(
            update(TeamMembership).where(TeamMembership.member_id == ben).values(active=False)
        )
    left = await team.check(recomputed=0)
    assert left.result.baseline.days == corrected.result.baseline.days - 5

    # The other team on the same database was never read again.
    assert await other.check(recomputed=0) == (await views(database, memo, "team-2"))[0]


def low(*texts: str) -> CheckinRecord:
    """A check-in naming low-value activities only."""
    return CheckinRecord(
        status="complete",
        conversations=3,
        minutes=30,
        activities=tuple((text, "low") for text in texts),
        wins=0,
    )


LOW_DAYS: dict[str, dict[int, tuple[str, ...]]] = {
    "ana": {2: ("Admin", "admin "), 3: (" admin",), 4: ("Émails", "Zoom notes")},
    "ben": {2: ("ADMIN", "émails"), 3: ("Émails", "zoom notes"), 5: ("Inbox",)},
    "cy": {2: ("inbox", "ÉMAILS"), 3: ("Zoom Notes",), 4: ("inbox ", "Ärger", "ärger")},
}


async def test_candidates_to_delegate_added_up_per_member_are_the_teams_list(
    bot: MemoryAdapter, database: Database
) -> None:
    for user in ("ana", "ben", "cy"):
        await join(bot, user)
    await join(bot, "dee", team_id="team-2")
    async with database.transaction() as session:
        other_team = {"dee": {2: ("Admin", "Admin", "admin")}}
        for user, days in (LOW_DAYS | other_team).items():
            member = await find_member(session, "memory", user)
            assert member is not None
            for day, texts in days.items():
                local = date(2026, 11, day)
                at = datetime.combine(local, time(18, 0)).astimezone()
                await save_checkin(session, member.id, local, low(*texts), now=at)
    start, last_day = window_of(WED)
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        groups = await low_value_groups(session, team.id, start, last_day)
        ana = await find_member(session, "memory", "ana")
        assert ana is not None
        only_ana = await low_value_groups(session, team.id, start, last_day, member_ids=[ana.id])
        assert only_ana == {ana.id: groups[ana.id]} and len(groups) == 3
        every = await recurring_low_values(
            session, start, last_day, team_id=team.id, at_least=1, limit=50
        )
        # What the comparison must cover: tied counts, case and spaces, accented wordings.
        counts = [times for _, times in every]
        assert len(set(counts)) < len(counts)
        assert any(not text.isascii() for text, _ in every)
        assert any(text != text.strip() or text != text.lower() for text, _ in every)
        for at_least in (1, 2, 3, 4):
            for limit in (1, 2, 3, 50):
                sql = await recurring_low_values(
                    session, start, last_day, team_id=team.id, at_least=at_least, limit=limit
                )
                merged = top_low_values(groups.values(), at_least=at_least, limit=limit)
                assert merged == sql, (at_least, limit)
        plain = await team_returns(session, team, WED)
        revisions = await team_revisions(session, team.id)
        kept = await team_returns(session, team, WED, memo=TeamMemo(), revisions=revisions)
        assert kept == plain and plain.delegate
