"""A member's history stays with the teams that saw it: a team sees another person's check-ins
from the day they joined it (every team view: stats @member, export team, leaderboards, the
recap, the escalation count), while the member's own views show everything of theirs."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.coaching.nudges import days_below_minimum
from bot.messages import Reply
from bot.profile import Profile
from bot.stats.recap import weekly_recap
from bot.storage.db import Database
from bot.storage.people import find_member, find_membership, find_team
from tests.stats_helpers import Day, join, seed

JOINED_B = date(2026, 11, 16)  # a Monday: the day Mo joins team B
TODAY = date(2026, 11, 18)  # Wednesday, the fake clock's date in these tests
EARLIER: dict[date, Day] = {JOINED_B - timedelta(days=d): (5, 60) for d in (3, 4, 5, 6, 7, 10, 11)}
AFTER: dict[date, Day] = {
    JOINED_B: (12, 61),
    JOINED_B + timedelta(days=1): (13, 62),
    TODAY: (14, 63),
}


def facts(replies: list[Reply]) -> dict[str, str]:
    """The facts of the first reply, by label."""
    return {fact.label: fact.value for fact in replies[0].facts}


def my_line(replies: list[Reply], name: str) -> str:
    """The leaderboard line naming `name`."""
    lines = [line for line in replies[0].text.splitlines() if name in line]
    assert lines, replies[0].text
    return lines[0]


async def mo_with_history(bot: MemoryAdapter, database: Database, clock: FakeClock) -> None:
    """Mo checks in with team A for two weeks, touches team B once on JOINED_B (a `help`),
    then checks in three more days; Bea is team B's admin, Al team A's."""
    clock.set(datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    await join(bot, "al", team_id="team-a", admin=True)
    await join(bot, "mo", team_id="team-a")
    await seed(database, "mo", EARLIER)
    clock.set(datetime.combine(JOINED_B, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10))
    await join(bot, "bea", team_id="team-b", admin=True)
    await join(bot, "mo", team_id="team-b")
    await seed(database, "mo", AFTER)
    clock.set(datetime(2026, 11, 18, 18, 0, tzinfo=UTC))


async def test_the_new_team_sees_only_what_came_after_the_join(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    await mo_with_history(bot, database, clock)
    after = sum(day[0] for day in AFTER.values() if not isinstance(day, str))
    everything = after + 5 * len(EARLIER)  # five conversations a day with team A

    async def as_bea(command: str, args: str, **extra: object) -> list[Reply]:
        return await bot.command(
            command,
            args,
            user="bea",
            team_id="team-b",
            is_admin=True,
            **extra,  # type: ignore[arg-type]
        )

    shown = facts(await as_bea("stats", "month @mo", mentions=("mo",)))
    assert shown["Conversations"] == str(after)  # nothing before the join to compare with
    assert shown["Days at minimum"] == "3 of 3 workdays"
    assert shown["Current streak"] == shown["Best streak"] == "3 workdays"
    assert facts(await as_bea("stats", "all @mo", mentions=("mo",)))["Conversations"] == str(after)
    assert my_line(await as_bea("leaderboard", "calls month"), "Mo").endswith(f"— {after}")
    assert my_line(await as_bea("leaderboard", "minutes month"), "Mo").endswith("— 186 min")
    assert my_line(await as_bea("leaderboard", "goal month"), "Mo").endswith("(3/3 days)")
    assert my_line(await as_bea("leaderboard", "streak"), "Mo").endswith("— 3 workdays")

    export = (await as_bea("export", "team"))[0]
    assert export.file is not None
    rows = list(csv.DictReader(io.StringIO(export.file.decode("utf-8-sig"))))
    mo_dates = sorted(row["date"] for row in rows if row["member_id"] == "mo")
    assert mo_dates == sorted(d.isoformat() for d in AFTER), rows

    async with database.transaction() as session:
        team_b = await find_team(session, "memory", "team-b")
        assert team_b is not None
        recap = await weekly_recap(session, team_b, TODAY, clock.now())
    recap_facts = {fact.label: fact.value for fact in recap.facts}
    assert recap_facts["Team conversations"].startswith(f"{after} ")
    assert "Longest streak: Mo — 3 workdays" in recap.text
    assert "Biggest improvement" not in recap.text  # the week before (25) is team A's

    # Mo's own stats show everything of theirs; team A, where they started, sees it all too.
    own = facts(await bot.command("stats", "month", user="mo", team_id="team-b"))
    assert own["Conversations"] == str(everything)
    assert own["Current streak"] == "10 workdays"
    board_a = await bot.command(
        "leaderboard", "calls month", user="al", team_id="team-a", is_admin=True
    )
    assert my_line(board_a, "Mo").endswith(f"— {everything}")


async def test_the_escalation_counts_only_days_the_team_sees(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    await mo_with_history(bot, database, clock)
    below: dict[date, Day] = {
        d: (1, 10) for d in [*EARLIER, JOINED_B, JOINED_B + timedelta(days=1)]
    }
    await seed(database, "mo", below)
    async with database.transaction() as session:
        mo = await find_member(session, "memory", "mo")
        team_a = await find_team(session, "memory", "team-a")
        team_b = await find_team(session, "memory", "team-b")
        assert mo is not None and team_a is not None and team_b is not None
        membership = await find_membership(session, team_b.id, mo.id)
        assert membership is not None and membership.history_from == JOINED_B
        through = JOINED_B + timedelta(days=1)
        in_b = await days_below_minimum(
            session, mo.id, Profile.of(mo, team_b), through, team_id=team_b.id
        )
        in_a = await days_below_minimum(
            session, mo.id, Profile.of(mo, team_a), through, team_id=team_a.id
        )
    assert in_b == 2  # Monday and Tuesday in team B
    assert in_a == 9  # every workday since Mo started, in team A
