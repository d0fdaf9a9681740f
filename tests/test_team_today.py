"""`team today`: the lead's roll call by each member's own local date, and who may ask."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.memory import MemoryAdapter
from bot.messages import Reply, ReplyKind
from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.people import find_member
from tests.conftest import START
from tests.stats_helpers import join, seed

pytestmark = pytest.mark.both_databases

WED = date(2026, 11, 25)  # the fake clock's date in UTC: 18:00


def sections(reply: Reply) -> dict[str, list[str]]:
    """The reply's lines by section."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in reply.text.splitlines():
        if line.startswith("*"):
            current = line.strip("*")
            found[current] = []
        elif line.startswith("• "):
            found[current].append(line[2:])
    return found


async def day_off(database: Database, user: str, day: date, note: str) -> None:
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        record = CheckinRecord(status="day_off", note=note)
        await save_checkin(session, member.id, day, record, now=START)


async def test_the_roll_call_at_the_end_of_the_day(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "lead", admin=True)
    await join(bot, "ana")
    await join(bot, "ben", timezone="America/Los_Angeles")  # 10:00 on Wednesday
    await join(bot, "eve", timezone="Pacific/Auckland")  # 07:00 on Thursday already
    for user in ("cleo", "dan", "fay", "gus"):
        await join(bot, user)
    await seed(database, "ana", {WED: (6, 70)})
    await seed(database, "eve", {WED: (9, 90)})  # her yesterday: not today's check-in
    await day_off(database, "cleo", WED, "dentist")
    await bot.command("pause", "until 2026-12-04", user="dan")
    await bot.command("ranking", "off", user="fay")
    await bot.command("log", "2 calls", user="fay")
    await bot.command("schedule", "17:00 sat-sun", user="gus")
    await bot.command("schedule", "off", user="hal")

    replies = await bot.command("team", "today", user="lead", is_admin=True)
    assert replies[0].kind == ReplyKind.STATS
    shown = sections(replies[0])
    assert shown["Checked in"] == [
        "Ana — 6 / 5 ✅ conversations, 70 / 60 ✅ min",
        # Opted out of ranking, still on the roll call: it ranks nobody.
        "Fay — 2 / 5 conversations, 0 / 60 min (partial)",
    ]
    assert shown["Not yet"] == [
        "Ben — it's 10:00 there, prompt at 17:00",
        "Eve — it's 07:00 there, prompt at 17:00",
        "Hal — it's 18:00 there, prompts off",
        "Lead — it's 18:00 there, prompt at 17:00",
    ]
    assert shown["Day off"] == ["Cleo (dentist)"]
    assert shown["Paused"] == ["Dan — through Fri 4 Dec"]
    assert shown["Not a workday"] == ["Gus — Wed 25 Nov"]
    facts = {f.label: f.value for f in replies[0].facts}
    assert facts == {
        "Checked in": "2",
        "Not yet": "4",
        "Day off": "1",
        "Paused": "1",
        "Not a workday": "1",
    }


async def test_only_admins_and_the_manager_may_ask(bot: MemoryAdapter) -> None:
    await join(bot, "lead", admin=True)
    await join(bot, "ben")
    refused = await bot.command("team", "today", user="ben")
    assert refused[0].kind == ReplyKind.REFUSAL
    assert "Only team admins and the team's manager" in refused[0].text
    await bot.command("admin", "manager Ben", user="lead", is_admin=True)
    allowed = await bot.command("team", "today", user="ben")
    assert allowed[0].kind == ReplyKind.STATS
    assert "Lead — it's 18:00 there" in allowed[0].text
    unknown = await bot.command("team", "tomorrow", user="lead", is_admin=True)
    assert unknown[0].kind == ReplyKind.REASK


async def test_only_the_askers_team_is_listed(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "lead", admin=True)
    await join(bot, "zed", team_id="team-2")
    await seed(database, "zed", {WED: (7, 70)})
    replies = await bot.command("team", "", user="lead", is_admin=True)
    assert "Zed" not in replies[0].text
    assert sections(replies[0]) == {"Not yet": ["Lead — it's 18:00 there, prompt at 17:00"]}
