"""Late check-ins: the team's backfill window for `checkin 2026-11-20`, and an admin's
correction of a member's day (`admin fix`), kept in the audit trail with who made it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from adapters.memory import MemoryAdapter
from bot.messages import Reply, ReplyKind
from bot.storage.db import Database
from bot.storage.models import Checkin, CheckinVersion
from bot.storage.people import find_member
from tests.stats_helpers import join, seed

pytestmark = pytest.mark.both_databases

FRI = date(2026, 11, 20)  # five days before the fake clock's Wednesday 25 November, 18:00


def rows_of(reply: Reply) -> list[dict[str, str]]:
    assert reply.file is not None
    return list(csv.DictReader(io.StringIO(reply.file.decode("utf-8-sig"))))


async def test_backfill_window_is_a_team_setting(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "lead", admin=True)
    await join(bot, "ana")
    closed = await bot.command("checkin", "2026-11-20")
    assert closed[0].kind == ReplyKind.REFUSAL
    assert "until noon the next day" in closed[0].text

    refused = await bot.command("admin", "backfill 7", user="ana")
    assert refused[0].kind == ReplyKind.REFUSAL
    for wrong in ("9", "0", "lots"):
        assert (await bot.command("admin", f"backfill {wrong}", user="lead", is_admin=True))[
            0
        ].kind == ReplyKind.REASK
    done = await bot.command("admin", "backfill 7", user="lead", is_admin=True)
    assert "up to 7 days back" in done[0].text
    settings = await bot.command("admin", user="lead", is_admin=True)
    facts = {f.label: f.value for f in settings[0].facts}
    assert facts["Late check-ins"] == "check-ins up to 7 days back (the oldest until noon)"

    # Five days back: the questions come, and every answer still counts for that Friday.
    first = await bot.command("checkin", "2026-11-20")
    assert first[-1].kind == ReplyKind.QUESTION
    await bot.say("9")
    await bot.say("75")
    saved = await bot.say("demo with Acme; proposal for Beta")
    assert saved[0].title == "Check-in saved for Fri 20 Nov"
    # Seven days back closed at noon; eight days back is closed.
    for day in ("2026-11-18", "2026-11-17"):
        late = await bot.command("checkin", day)
        assert late[0].kind == ReplyKind.REFUSAL
        assert "up to 7 days back, the oldest until noon" in late[0].text
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None
        checkin = await session.scalar(select(Checkin).where(Checkin.member_id == member.id))
        assert checkin is not None
        assert (checkin.local_date, checkin.conversations, checkin.minutes) == (FRI, 9, 75)


async def test_an_admin_fixes_a_members_day(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "lead", admin=True)
    await join(bot, "ana")
    await seed(database, "ana", {FRI: (3, 40, ("Demo with Acme",))})
    fixed = await bot.command("admin", "fix @ana 2026-11-20 9 75", user="lead", is_admin=True)
    assert fixed[0].kind == ReplyKind.SETTINGS
    assert "Ana’s Fri 20 Nov is now 9 conversations and 75 minutes (was 3 and 40)" in (
        fixed[0].text
    )
    await bot.command("admin", "fix Ana 2026-11-20 10 1h20", user="lead", is_admin=True)
    async with database.transaction() as session:
        ana = await find_member(session, "memory", "ana")
        lead = await find_member(session, "memory", "lead")
        assert ana is not None and lead is not None
        checkin = await session.scalar(select(Checkin).where(Checkin.member_id == ana.id))
        assert checkin is not None
        assert (checkin.conversations, checkin.minutes, checkin.status) == (10, 80, "complete")
        assert (checkin.source, checkin.recorded_by_id, checkin.version) == ("admin", lead.id, 3)
        versions = (
            await session.scalars(select(CheckinVersion).order_by(CheckinVersion.version))
        ).all()
        # Her own record, then the first fix: each version says who wrote it.
        assert [(v.conversations, v.source, v.recorded_by_id) for v in versions] == [
            (3, "chat", None),
            (9, "admin", lead.id),
        ]
    # Ana sees it in her stats and her export.
    stats = await bot.command("stats", "last week")
    assert "Corrected by an admin: Fri 20 Nov (by Lead)." in stats[0].text
    assert {f.label: f.value for f in stats[0].facts}["Conversations"] == "10"
    export = rows_of((await bot.command("export"))[0])
    assert [(r["record"], r["source"]) for r in export] == [
        ("replaced", "chat"),
        ("replaced", "admin"),
        ("current", "admin"),
    ]
    # Her own correction afterwards is hers again.
    await bot.command("admin", "backfill 7", user="lead", is_admin=True)
    await bot.command("checkin", "2026-11-20")
    for answer in ("11", "same", "same"):
        await bot.say(answer)
    async with database.transaction() as session:
        checkin = await session.scalar(select(Checkin).where(Checkin.member_id == ana.id))
        assert checkin is not None
        assert (checkin.conversations, checkin.recorded_by_id) == (11, None)
    assert "Corrected" not in (await bot.command("stats", "last week"))[0].text


async def test_a_missing_day_or_a_day_off_becomes_a_partial_check_in(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "lead", admin=True)
    await join(bot, "ana")
    await seed(database, "ana", {date(2026, 11, 19): "off"})
    for day, before in (("2026-11-19", "(was a day off)"), ("yesterday", "(was no check-in)")):
        reply = await bot.command("admin", f"fix ana {day} 6 60", user="lead", is_admin=True)
        assert reply[0].kind == ReplyKind.SETTINGS
        assert before in reply[0].text
    async with database.transaction() as session:
        ana = await find_member(session, "memory", "ana")
        assert ana is not None
        days = (
            await session.scalars(
                select(Checkin).where(Checkin.member_id == ana.id).order_by(Checkin.local_date)
            )
        ).all()
        assert [(c.local_date.day, c.status, c.conversations) for c in days] == [
            (19, "partial", 6),
            (24, "partial", 6),
        ]


async def test_fix_refusals(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "lead", admin=True)
    await join(bot, "ana")
    await join(bot, "zed", team_id="team-2")
    refused = await bot.command("admin", "fix ana 2026-11-20 9 75", user="ana")
    assert refused[0].kind == ReplyKind.REFUSAL
    for args, said in (
        ("fix zed 2026-11-20 9 75", "I can't find “zed”"),
        ("fix ana 2026-12-01 9 75", "hasn't happened yet"),
        ("fix ana 2025-01-01 9 75", "Only the last 90 days"),
        ("fix ana friday 9 75", "no day I can read"),
        ("fix ana 2026-11-20 lots 75", "Try `admin fix @ana 2026-11-20 9 75`"),
        ("fix 9 75", "Name the member"),
    ):
        reply = await bot.command("admin", args, user="lead", is_admin=True)
        assert said in reply[0].text, (args, reply[0].text)
    async with database.transaction() as session:
        assert (await session.scalars(select(Checkin))).all() == []


async def test_a_forgotten_admin_leaves_the_correction_unsigned(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "lead", admin=True)
    await join(bot, "ana")
    await bot.command("admin", "fix ana yesterday 6 60", user="lead", is_admin=True)
    await bot.command("forget-me", user="lead", is_admin=True)
    gone = await bot.say("yes", user="lead", is_admin=True)
    assert gone[0].kind == ReplyKind.FORGOTTEN
    async with database.transaction() as session:
        checkin = await session.scalar(select(Checkin))
        assert checkin is not None and checkin.recorded_by_id is None
    stats = await bot.command("stats", "week")
    assert "Corrected by an admin: Tue 24 Nov." in stats[0].text
