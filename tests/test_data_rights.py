"""`export` (CSV contents, team scope) and `forget-me` (confirmation, deletion, what's left)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import func, select

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import Reply, ReplyKind
from bot.storage.db import Database
from bot.storage.models import Activity, Checkin, CheckinVersion, Member, TeamMembership
from bot.storage.people import find_member
from tests.stats_helpers import join, seed

WED = date(2026, 11, 25)
MON = WED - timedelta(days=2)


def rows_of(reply: Reply) -> list[dict[str, str]]:
    assert reply.file is not None
    text = reply.file.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


async def test_export_own_data_with_versions(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await join(bot, "ben")
    await seed(database, "ben", {MON: (9, 99)})
    await bot.say("3 calls, 20 min; inbox; demo with Acme; crm updates")
    await bot.say("checkin")
    for answer in ("6", "same", "same"):
        await bot.say(answer)
    replies = await bot.command("export")
    reply = replies[0]
    assert (
        reply.kind == ReplyKind.EXPORT
        and reply.filename == "needle-export-ana-2026-11-25-180000.csv"
    )
    rows = rows_of(reply)
    assert [(r["record"], r["version"], r["conversations"]) for r in rows] == [
        ("replaced", "1", "3"),
        ("current", "2", "6"),
    ]
    current = rows[1]
    assert current["member_id"] == "ana" and current["date"] == "2026-11-25"
    assert current["minutes"] == "20" and current["status"] == "complete"
    assert (current["activity_1"], current["class_1"]) == ("inbox", "low")
    assert (current["activity_2"], current["class_2"]) == ("demo with Acme", "high")
    assert all(r["member_id"] == "ana" for r in rows)  # Ben's data isn't in it


async def test_team_export_is_for_admins_of_that_team(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "ana", admin=True)
    await join(bot, "ben")
    await join(bot, "zed", team_id="team-2")
    for user in ("ana", "ben", "zed"):
        await seed(database, user, {MON: (6, 70)})
    refused = await bot.command("export", "team", user="ben")
    assert refused[0].kind == ReplyKind.REFUSAL and refused[0].file is None
    rows = rows_of((await bot.command("export", "team", is_admin=True))[0])
    assert sorted(r["member_id"] for r in rows) == ["ana", "ben"]


async def counts(database: Database, user: str) -> dict[str, int]:
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        if member is None:
            return {}
        checkin_ids = select(Checkin.id).where(Checkin.member_id == member.id)
        return {
            "checkins": await session.scalar(
                select(func.count()).select_from(Checkin).where(Checkin.member_id == member.id)
            )
            or 0,
            "activities": await session.scalar(
                select(func.count())
                .select_from(Activity)
                .where(Activity.checkin_id.in_(checkin_ids))
            )
            or 0,
        }


async def test_forget_me_by_typed_yes(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await join(bot, "ben")
    await seed(database, "ana", {MON: (6, 70, ("Demo", "Inbox"))})
    await seed(database, "ben", {MON: (6, 70, ("Demo",))})
    await bot.say("9 calls, 90 min; demo; call; proposal")
    await bot.say("checkin")
    for answer in ("7", "same", "same"):
        await bot.say(answer)
    asked = await bot.command("forget-me")
    assert asked[0].kind == ReplyKind.CONFIRM
    assert [c.action for c in asked[0].choices] == ["forget_me.confirm", "forget_me.cancel"]
    unsure = await bot.say("hmm")
    assert unsure[0].kind == ReplyKind.REASK
    assert (await counts(database, "ana"))["checkins"] == 2  # nothing deleted yet
    done = await bot.say("yes")
    assert done[0].kind == ReplyKind.FORGOTTEN
    assert "2 check-ins, 5 top activities, 1 earlier version" in done[0].text
    assert "your membership in 1 team" in done[0].text
    assert await counts(database, "ana") == {}
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CheckinVersion)) == 0
        names = (await session.scalars(select(Member.external_id))).all()
        assert "ana" not in names and "ben" in names
        assert await session.scalar(select(func.count()).select_from(TeamMembership)) == 1
    assert await counts(database, "ben") == {"checkins": 1, "activities": 1}


async def test_forget_me_by_button_and_cancel(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana")
    await seed(database, "ana", {MON: (6, 70)})
    await bot.command("forget-me")
    kept = await bot.press("forget_me.cancel", "no")
    assert "nothing deleted" in kept[0].text.lower()
    # A stale Yes button after cancelling deletes nothing.
    stale = await bot.press("forget_me.confirm", "yes")
    assert "expired" in stale[0].text
    assert (await counts(database, "ana"))["checkins"] == 1
    await bot.command("forget-me")
    gone = await bot.press("forget_me.confirm", "yes")
    assert gone[0].kind == ReplyKind.FORGOTTEN and "1 check-in," in gone[0].text
    assert await counts(database, "ana") == {}


async def test_forget_me_question_expires(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    await join(bot, "ana")
    await seed(database, "ana", {MON: (6, 70)})
    await bot.command("forget-me")
    clock.advance(minutes=11)
    late = await bot.say("yes")
    assert "expired" in late[0].text
    assert (await counts(database, "ana"))["checkins"] == 1


async def test_forget_me_mid_checkin_resumes_on_no(bot: MemoryAdapter) -> None:
    await bot.say("checkin")
    await bot.say("4")
    await bot.command("forget-me")
    replies = await bot.say("no")
    assert replies[-1].kind == ReplyKind.QUESTION
    assert "minutes" in replies[-1].text
    done = await bot.say("30")
    assert done[-1].kind == ReplyKind.QUESTION  # on to the activities, the 4 calls kept


async def test_ranking_toggle(bot: MemoryAdapter, database: Database) -> None:
    assert "shown on" in (await bot.command("ranking"))[0].text
    await bot.command("ranking", "off")
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None
        membership = await session.get(TeamMembership, (1, member.id))
        assert membership is not None and membership.public_ranking is False
    assert "hidden from" in (await bot.command("ranking"))[0].text
