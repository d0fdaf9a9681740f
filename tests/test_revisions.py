"""The database bumps a member's, a membership's or a team's revision on every change to what
Needle computes from them, whichever path writes, and only theirs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select, text, update

from adapters.memory import MemoryAdapter
from bot.storage.db import Database
from bot.storage.models import Activity, Checkin, DailyMinimum, Member, Target, Team
from bot.storage.revisions import TeamRevisions, team_revisions

pytestmark = pytest.mark.both_databases
EVENTS = ("insert", "update", "delete")


async def revisions(database: Database) -> TeamRevisions:
    async with database.transaction() as session:
        team_id = (await session.scalars(select(Team.id))).one()
        return await team_revisions(session, team_id)


async def member_id(database: Database, user: str) -> int:
    async with database.transaction() as session:
        return (await session.scalars(select(Member.id).where(Member.external_id == user))).one()


async def test_each_write_bumps_its_own_member_only(bot: MemoryAdapter, database: Database) -> None:
    await bot.say("6 calls, 70 min; demo with Acme", user="ana")
    await bot.say("4 calls, 30 min; email cleanup", user="ben")
    ana, ben = await member_id(database, "ana"), await member_id(database, "ben")
    before = await revisions(database)

    async def write(change: object) -> tuple[int, int]:
        async with database.transaction() as session:
            await session.execute(change)  # type: ignore[call-overload]
        after = await revisions(database)
        moved = (after.members[ana][0] - before.members[ana][0], after.team[0] - before.team[0])
        assert after.members[ben] == before.members[ben], change
        return moved

    checkin = Checkin.member_id == ana
    steps = [
        update(Checkin).where(checkin).values(conversations=9),
        update(Activity)
        .where(Activity.checkin_id.in_(select(Checkin.id).where(checkin)))
        .values(text="demo with Beta"),
        delete(Activity).where(Activity.checkin_id.in_(select(Checkin.id).where(checkin))),
        update(Member).where(Member.id == ana).values(goal_conversations=8),
    ]
    moved = 0
    for step in steps:
        bumped, team = await write(step)
        assert bumped > moved and team == 0, step
        moved = bumped
    async with database.transaction() as session:
        now = datetime(2026, 11, 25, tzinfo=UTC)
        session.add(
            DailyMinimum(member_id=ana, local_date=date(2026, 11, 25), conversations=9, set_at=now)
        )
        session.add(
            Target(member_id=ana, metric="deals", amount=4, starts_on=date(2026, 11, 1), set_at=now)
        )
    after = await revisions(database)
    assert after.members[ana][0] >= moved + 2 + before.members[ana][0]
    assert after.members[ben] == before.members[ben]


async def test_chat_paths_bump_the_member_membership_and_team(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("6 calls, 70 min; demo with Acme", user="ana", is_admin=True)
    await bot.say("4 calls, 30 min; email cleanup", user="ben")
    ana, ben = await member_id(database, "ana"), await member_id(database, "ben")
    first = await revisions(database)

    await bot.command("admin", "outcomes meetings", user="ana", is_admin=True)
    second = await revisions(database)
    assert second.team[0] > first.team[0]  # a team setting
    assert second.members[ben] == first.members[ben]

    await bot.say("booked 2 meetings", user="ben")
    third = await revisions(database)
    assert third.members[ben][0] > second.members[ben][0]  # an outcome
    assert third.members[ana] == second.members[ana] and third.team == second.team

    await bot.command("ranking", "off", user="ben")
    fourth = await revisions(database)
    assert fourth.members[ben][1] > third.members[ben][1]  # the membership
    assert fourth.members[ana] == third.members[ana] and fourth.team == third.team

    await bot.say("checkin", user="ana")
    for answer in ("9", "same", "same", "none"):  # the last answers the outcomes question
        await bot.say(answer, user="ana")
    fifth = await revisions(database)
    assert fifth.members[ana][0] > fourth.members[ana][0]  # a correction through chat
    assert fifth.members[ben] == fourth.members[ben]


async def test_every_revision_trigger_is_in_place(database: Database) -> None:
    # A later migration that rebuilds a table on SQLite drops its triggers silently.
    tables = ("checkins", "outcomes", "targets", "daily_minimums", "activities")
    async with database.engine.connect() as conn:
        if database.is_sqlite:
            found = await conn.execute(
                text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            )
            expected = {(t, f"{t}_revision_{e}") for t in tables for e in EVENTS}
        else:
            found = await conn.execute(
                text(
                    "SELECT c.relname, t.tgname FROM pg_trigger t"
                    " JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
                )
            )
            expected = {(t, f"{t}_revision") for t in tables}
        expected |= {(t, f"{t}_revision") for t in ("members", "team_memberships", "teams")}
        expected |= {("team_memberships", "team_memberships_removed")}
        assert set(map(tuple, found.all())) == expected
