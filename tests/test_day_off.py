"""Days off: asked before a day's answers are replaced, the reply fits the reason, and the
reason is kept on the day, shown in `stats` and in the export."""

from __future__ import annotations

import csv
import io

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import Action, Reply, ReplyKind
from bot.storage.checkins import checkin_versions
from bot.storage.db import Database
from bot.storage.people import find_member
from tests.scheduler_support import TUE, WED, at
from tests.support import stored


def choice_value(reply: Reply, action: Action) -> str:
    """The value the button `action` of a reply sends back."""
    for choice in reply.choices:
        if choice.action == action:
            return choice.value
    raise AssertionError(f"no {action} button in {reply.choices}")


async def test_off_after_a_finished_checkin_asks_first_and_shows_what_it_replaces(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("14 calls, 110 min; pricing call with Umbrella; follow-up emails", user="mei")
    replies = await bot.say("pto", user="mei")
    assert replies[0].kind == ReplyKind.CONFIRM
    text = replies[0].text
    assert "14 conversations" in text and "110 minutes" in text
    assert "pricing call with Umbrella" in text and "2 activities" in text
    actions = [choice.action for choice in replies[0].choices]
    assert actions == [Action.DAY_OFF_CONFIRM, Action.DAY_OFF_KEEP]
    still = await stored(database, "mei", WED)
    assert still is not None and still.status == "complete"  # nothing replaced yet

    replies = await bot.say("yes", user="mei")
    assert replies[0].kind == ReplyKind.DAY_OFF and "Enjoy it!" in replies[0].text
    off = await stored(database, "mei", WED)
    assert off is not None and (off.status, off.day_off_reason) == ("day_off", "pto")
    async with database.transaction() as session:
        member = await find_member(session, "memory", "mei")
        assert member is not None
        earlier = await checkin_versions(session, member.id, WED)
    assert [(v.status, v.conversations) for v in earlier] == [("complete", 14)]


async def test_no_keeps_the_checkin_and_buttons_answer_too(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("6 calls, 75 min; contract review with Hooli", user="dev")
    asked = await bot.say("feeling ill", user="dev")
    await bot.press(Action.DAY_OFF_KEEP, choice_value(asked[0], Action.DAY_OFF_KEEP), user="dev")
    kept = await stored(database, "dev", WED)
    assert kept is not None and (kept.status, kept.conversations) == ("complete", 6)

    asked = await bot.say("sick", user="dev")
    typed = await bot.say("no", user="dev")
    assert "stays" in typed[0].text
    asked = await bot.say("sick", user="dev")
    value = choice_value(asked[0], Action.DAY_OFF_CONFIRM)
    replies = await bot.press(Action.DAY_OFF_CONFIRM, value, user="dev")
    assert replies[0].kind == ReplyKind.DAY_OFF
    assert "Get well" in replies[0].text and "Enjoy" not in replies[0].text
    off = await stored(database, "dev", WED)
    assert off is not None and (off.status, off.day_off_reason) == ("day_off", "sick")


async def test_off_mid_checkin_with_answers_asks_and_keeps_them_on_no(
    bot: MemoryAdapter, database: Database
) -> None:
    for answer in ("checkin", "12"):
        await bot.say(answer, user="ada")
    asked = await bot.say("holiday", user="ada")
    assert asked[0].kind == ReplyKind.CONFIRM and "12 conversations" in asked[0].text
    await bot.say("no", user="ada")
    kept = await stored(database, "ada", WED)
    assert kept is not None and (kept.status, kept.conversations) == ("partial", 12)


async def test_the_reply_fits_the_reason(bot: MemoryAdapter, database: Database) -> None:
    plain = await bot.say("day off", user="kim")
    assert plain[0].kind == ReplyKind.DAY_OFF
    assert "Enjoy" not in plain[0].text and "Get well" not in plain[0].text
    sick = await bot.say("off sick", user="lou")
    assert "Get well" in sick[0].text and "Enjoy" not in sick[0].text
    holiday = await bot.say("bank holiday", user="sol")
    assert "Enjoy it!" in holiday[0].text
    kim, sol = await stored(database, "kim", WED), await stored(database, "sol", WED)
    assert kim is not None and kim.day_off_reason == "off"
    assert sol is not None and sol.day_off_reason == "holiday"


async def test_stats_and_export_show_the_reasons(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    clock.set(at(TUE, 18))
    await bot.say("sick today", user="eli")
    clock.set(at(WED, 18))
    await bot.say("on vacation", user="eli")
    replies = await bot.command("stats", "week", user="eli")
    shown = {fact.label: fact.value for fact in replies[0].facts}
    assert shown["Days off"] == "2 (1 sick, 1 vacation)"

    export = (await bot.command("export", user="eli"))[0]
    assert export.file is not None
    rows = list(csv.DictReader(io.StringIO(export.file.decode("utf-8-sig"))))
    assert {(r["date"], r["status"], r["day_off_reason"]) for r in rows} == {
        (TUE.isoformat(), "day_off", "sick"),
        (WED.isoformat(), "day_off", "vacation"),
    }
