"""Needle's coach on Discord: the real engine behind discord.py, against the loopback fake.

Started as `needle run` starts it (the factory, `start()`), then driven as Discord users drive
it: slash commands in a server and in the DM, the prompt's buttons and the check-in modal,
a check-in typed in the DM, an admin command from a non-admin, a 429 and a dropped gateway.
"""

from __future__ import annotations

import csv as csv_module
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.base import Outbox
from bot.clock import FakeClock
from bot.coaching.nudges import daily_prompt
from bot.engine import Engine
from bot.messages import Address
from bot.storage.db import Database
from bot.storage.models import Member, Team
from bot.storage.people import find_member, teams_of
from scheduler.service import Scheduler
from tests.discord_harness import acme_sales
from tests.fakes.discord import EPHEMERAL, Call, FakeDiscord, start_needle_on
from tests.support import TODAY, stored


@pytest.fixture
def people(fake: FakeDiscord) -> dict[str, Any]:
    return acme_sales(fake)


def text_of(call: Call) -> str:
    """Everything a user reads in a message call: content, embed title, text and fields."""
    body = call.json.get("data", call.json) if "type" in call.json else call.json
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(p for p in parts if p)


def buttons_of(call: Call) -> dict[str, str]:
    """Label -> custom_id of the buttons in a message call."""
    body = call.json.get("data", call.json) if "type" in call.json else call.json
    return {
        b["label"]: b["custom_id"]
        for row in body.get("components") or []
        for b in row.get("components") or []
    }


async def stored_checkin(
    database: Database, user_id: str, day: date = TODAY
) -> dict[str, Any] | None:
    """The member's check-in for `day` as stored, or None."""
    checkin = await stored(database, user_id, day, platform="discord")
    if checkin is None:
        return None
    return {
        "status": checkin.status,
        "conversations": checkin.conversations,
        "minutes": checkin.minutes,
        "activities": [a.text for a in checkin.activities],
        "source": checkin.source,
    }


class Dm:
    """Ana's side of her DM with Needle: say something, read what Needle answers."""

    def __init__(self, fake: FakeDiscord, user: dict[str, Any]) -> None:
        self.fake = fake
        self.user = user
        self.seen = len(fake.calls)

    async def next(self) -> Call:
        call = await self.fake.wait_for_dm(self.user, after=self.seen)
        self.seen = self.fake.calls.index(call) + 1
        return call

    async def say(self, text: str) -> Call:
        await self.fake.dm(self.user, text)
        return await self.next()


async def test_slash_commands_in_a_server_and_in_a_dm(
    fake: FakeDiscord, needle: Any, people: dict[str, Any]
) -> None:
    ana, acme = people["ana"], people["acme"]
    in_server = await fake.slash(ana, "timezone", {"zone": "Europe/Berlin"}, guild=acme)
    answer = await fake.wait_for_callback(in_server)
    assert "Time zone set to Europe/Berlin" in text_of(answer)
    assert answer.json["data"]["flags"] & EPHEMERAL  # only Ana sees it

    in_dm = await fake.slash(ana, "schedule", {"time": "16:30", "days": "mon-fri"})
    answer = await fake.wait_for_callback(in_dm)
    assert "your check-in comes at 16:30 (Europe/Berlin)" in text_of(answer)
    assert not (answer.json["data"].get("flags") or 0) & EPHEMERAL

    help_in_dm = await fake.slash(ana, "help")
    assert "`log 3 calls 40m`" in text_of(await fake.wait_for_callback(help_in_dm))


async def test_checkin_by_prompt_button_and_modal(
    fake: FakeDiscord, needle: Any, people: dict[str, Any], database: Database
) -> None:
    ana, acme = people["ana"], people["acme"]
    # The daily prompt as the scheduler sends it: to Ana's DM, with the two buttons.
    member = Member(platform="discord", external_id=ana["id"], display_name="Ana Lopez")
    prompt = daily_prompt(member, Team(platform="discord", external_id=acme.id), TODAY)
    await needle.send(Address("discord", acme.id, ana["id"]), prompt)
    sent = await fake.wait_for_dm(ana)
    assert "Ana" in text_of(sent)
    assert buttons_of(sent) == {
        "Check in": "needle:checkin.start:2026-11-25",
        "Day off": "needle:checkin.day_off:2026-11-25",
    }

    pressed = await fake.click(ana, fake.message_of(sent), "needle:checkin.start:2026-11-25")
    modal = (await fake.wait_for_callback(pressed)).json
    assert modal["type"] == 9
    fields = [c["component"]["custom_id"] for c in modal["data"]["components"]]
    assert fields == ["conversations", "minutes", "activities"]

    # A bad answer: Discord cannot show errors inside a submitted modal, so Needle answers
    # with what to fix and a button that reopens the form.
    bad = await fake.submit_modal(
        ana, modal["data"], {"conversations": "12", "minutes": "lots", "activities": "demo"}
    )
    note = await fake.wait_for_callback(bad)
    assert "Minutes with buyers" in text_of(note)
    fix = buttons_of(note)["Fix my answers"]
    reopened = await fake.click(ana, fake.message_of(note), fix)
    again = (await fake.wait_for_callback(reopened)).json
    assert again["type"] == 9
    minutes = again["data"]["components"][1]
    assert "description" in minutes  # the error, under the field's label
    assert again["data"]["components"][0]["component"]["value"] == "12"  # answers kept

    # A 429 on the answer is waited out and retried by discord.py.
    fake.rate_limit("POST", r"^/interactions/\d+/[^/]+/callback$")
    good = await fake.submit_modal(
        ana,
        again["data"],
        {"conversations": "12", "minutes": "1h30", "activities": "demo with Acme\nproposal"},
    )
    confirmation = await fake.wait_for_callback(good)
    attempts = [c.status for c in fake.calls if c.path.startswith(f"/interactions/{good}/")]
    assert attempts == [429, 200]
    assert "Check-in saved for today" in text_of(confirmation)
    assert "Conversations: 12 / 5" in text_of(confirmation)
    assert "Edit" in buttons_of(confirmation)
    assert await stored_checkin(database, ana["id"]) == {
        "status": "complete",
        "conversations": 12,
        "minutes": 90,
        "activities": ["demo with Acme", "proposal"],
        "source": "form",
    }


async def test_checkin_by_typing_in_the_dm_survives_a_dropped_gateway(
    fake: FakeDiscord, needle: Any, people: dict[str, Any], database: Database
) -> None:
    ana = people["ana"]
    dm = Dm(fake, ana)
    first = await dm.say("checkin")
    assert "How many sales conversations" in text_of(first)
    assert "How many minutes" in text_of(await dm.say("12"))

    # The gateway goes away mid-check-in; Ana's answer is sent while Needle is disconnected.
    await fake.drop(abrupt=True)
    await fake.dm(ana, "90 min")
    await fake.wait_until_connected()
    assert "top activities" in text_of(await dm.next()).lower()
    assert fake.resumes == 1 and fake.identifies == 1

    # And a 429 on the last answer: discord.py waits it out and posts again.
    fake.rate_limit("POST", rf"^/channels/{fake.dm_channel_of(ana)}/messages$")
    confirmation = await dm.say("demo with Acme; proposal for Beta; inbox")
    assert "Check-in saved for today" in text_of(confirmation)
    posts = [c.status for c in fake.calls if c.path.endswith("/messages")]
    assert 429 in posts
    assert await stored_checkin(database, ana["id"]) == {
        "status": "complete",
        "conversations": 12,
        "minutes": 90,
        "activities": ["demo with Acme", "proposal for Beta", "inbox"],
        "source": "chat",
    }


async def test_day_off_button(
    fake: FakeDiscord, needle: Any, people: dict[str, Any], database: Database
) -> None:
    ana = people["ana"]
    message = fake.old_bot_message(
        fake.dm_channel_of(ana),
        "Time for today's check-in.",
        [("Day off", "needle:checkin.day_off:2026-11-25")],
    )
    pressed = await fake.click(ana, message, "needle:checkin.day_off:2026-11-25")
    assert "Day off noted for today" in text_of(await fake.wait_for_callback(pressed))
    assert (await stored_checkin(database, ana["id"]) or {}).get("status") == "day_off"


async def test_admin_command_is_refused_to_a_member_without_manage_server(
    fake: FakeDiscord, needle: Any, people: dict[str, Any]
) -> None:
    ana, ben, acme = people["ana"], people["ben"], people["acme"]
    refused = await fake.slash(ana, "admin minimums", {"calls": 8}, guild=acme)
    answer = await fake.wait_for_callback(refused)
    assert "Only team admins" in text_of(answer)
    assert answer.json["data"]["flags"] & EPHEMERAL
    allowed = await fake.slash(ben, "admin minimums", {"calls": 8}, guild=acme)
    assert "minimums are 8 conversations" in text_of(await fake.wait_for_callback(allowed))


async def test_checkin_interrupted_by_a_dropped_gateway_between_modal_and_submit(
    fake: FakeDiscord, needle: Any, people: dict[str, Any], database: Database
) -> None:
    ana, acme = people["ana"], people["acme"]
    opened = await fake.slash(ana, "checkin", guild=acme)
    modal = (await fake.wait_for_callback(opened)).json
    assert modal["type"] == 9

    await fake.drop()  # closed with 4000 while Ana is typing into the form
    submitted = await fake.submit_modal(
        ana,
        modal["data"],
        {"conversations": "3", "minutes": "20", "activities": "inbox"},
        guild=acme,
    )
    await fake.wait_until_connected()
    confirmation = await fake.wait_for_callback(submitted)
    assert "Partial" not in text_of(confirmation)
    assert "Conversations: 3 / 5" in text_of(confirmation)
    assert confirmation.json["data"]["flags"] & EPHEMERAL
    assert fake.resumes == 1
    assert (await stored_checkin(database, ana["id"]) or {}).get("conversations") == 3


async def test_one_checkin_a_day_for_a_member_of_two_servers(
    fake: FakeDiscord, engine: Engine, people: dict[str, Any], database: Database
) -> None:
    ana, acme = people["ana"], people["acme"]
    beta = fake.add_guild("Beta Ventures")
    fake.add_member(beta, ana)
    adapter = await start_needle_on(fake, engine)
    try:
        for guild in (acme, beta):  # Ana uses Needle once in each server
            await fake.wait_for_callback(await fake.slash(ana, "help", guild=guild))
        dm = Dm(fake, ana)
        saved = await dm.say("12 calls, 95 min; demo with Acme; proposal for Beta")
        assert "Check-in saved for today" in text_of(saved)
        async with database.transaction() as session:
            member = await find_member(session, "discord", ana["id"])
            assert member is not None
            teams = {t.external_id for t in await teams_of(session, member.id)}
        assert teams == {acme.id, beta.id}  # one member, in both teams, with one check-in
        assert (await stored_checkin(database, ana["id"]) or {}).get("conversations") == 12
        for guild in (acme, beta):
            board = await fake.slash(ana, "leaderboard", {"period": "today"}, guild=guild)
            assert "Ana" in text_of(await fake.wait_for_callback(board))
    finally:
        await adapter.stop()


async def test_admin_settings_from_discord_options(
    fake: FakeDiscord, needle: Any, people: dict[str, Any]
) -> None:
    ana, ben, acme = people["ana"], people["ben"], people["acme"]
    await fake.wait_for_callback(await fake.slash(ana, "help", guild=acme))  # Ana joins

    async def admin(subcommand: str, options: dict[str, Any]) -> str:
        interaction = await fake.slash(ben, f"admin {subcommand}", options, guild=acme)
        return text_of(await fake.wait_for_callback(interaction))

    assert "6 conversations and 45 minutes" in await admin("minimums", {"calls": 6, "minutes": 45})
    recap = await admin("recap", {"channel": fake.channel(acme), "day": "fri", "time": "16:00"})
    assert f"the weekly recap goes to {acme.channel_id} on" in recap
    assert "Ana Lopez is the team's manager" in await admin("manager", {"member": ana})
    assert "Europe/Berlin" in await admin("timezone", {"zone": "Europe/Berlin"})
    shown = await admin("show", {})
    assert "6 conversations, 45 minutes" in shown
    assert "Manager: Ana Lopez" in shown


async def test_stats_leaderboard_and_export_as_discord_messages(
    fake: FakeDiscord, needle: Any, people: dict[str, Any]
) -> None:
    ana, acme = people["ana"], people["acme"]
    await fake.wait_for_callback(await fake.slash(ana, "help", guild=acme))
    await Dm(fake, ana).say("12 calls, 95 min; demo with Acme; proposal for Beta")

    # Drawing the chart may take longer than Discord's 3 s on a cold start: then the answer
    # is deferred and comes as a follow-up; either way it is the same message.
    interaction = await fake.slash(ana, "stats", {"period": "week"}, guild=acme)
    assert (await fake.wait_for_callback(interaction)).json["data"]["flags"] & EPHEMERAL
    stats = await fake.wait_for_answer(interaction)
    data = stats.json.get("data", stats.json)
    (embed,) = data["embeds"]
    assert embed["image"]["url"].startswith("attachment://")
    assert [name for name, _ in stats.files] == [embed["image"]["url"].split("//", 1)[1]]
    assert stats.files[0][1].startswith(b"\x89PNG")

    board = await fake.wait_for_answer(
        await fake.slash(ana, "leaderboard", {"metric": "calls", "period": "today"}, guild=acme)
    )
    assert "Ana Lopez" in text_of(board)

    export = await fake.wait_for_answer(await fake.slash(ana, "export"))
    ((name, csv),) = export.files
    assert name.endswith(".csv")
    (row,) = csv_module.DictReader(io.StringIO(csv.decode()))
    assert row["conversations"] == "12"


async def test_the_scheduler_prompts_in_the_dm_and_posts_the_recap_in_the_channel(
    fake: FakeDiscord,
    needle: Any,
    people: dict[str, Any],
    database: Database,
    clock: FakeClock,
) -> None:
    ana, ben, acme = people["ana"], people["ben"], people["acme"]
    clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    for user in (ana, ben):  # both use Needle once in the server: they are on the team
        await fake.wait_for_callback(await fake.slash(user, "help", guild=acme))
    recap = await fake.slash(
        ben,
        "admin recap",
        {"channel": fake.channel(acme), "day": "fri", "time": "16:00"},
        guild=acme,
    )
    await fake.wait_for_callback(recap)
    outbox = Outbox()
    outbox.register(needle)
    scheduler = Scheduler(database, outbox, clock, owner="test")

    # Wednesday 17:01 UTC, just after the default 17:00 check-in time: the daily prompt.
    clock.set(datetime(2026, 11, 25, 17, 1, tzinfo=UTC))
    await scheduler.tick()
    prompt = await fake.wait_for_dm(ana)
    assert buttons_of(prompt)["Check in"] == "needle:checkin.start:2026-11-25"
    pressed = await fake.click(ana, fake.message_of(prompt), buttons_of(prompt)["Check in"])
    modal = (await fake.wait_for_callback(pressed)).json
    submitted = await fake.submit_modal(
        ana, modal["data"], {"conversations": "7", "minutes": "75", "activities": "demo"}
    )
    assert "Check-in saved for today" in text_of(await fake.wait_for_callback(submitted))

    # Friday 16:05 team time (UTC): the weekly recap, in the server's recap channel.
    clock.set(datetime(2026, 11, 27, 16, 5, tzinfo=UTC))
    seen = len(fake.calls)
    await scheduler.tick()
    posted = await fake.wait_for_call(
        lambda c: c.method == "POST" and c.path == f"/channels/{acme.channel_id}/messages",
        after=seen,
    )
    assert "Ana Lopez" in text_of(posted)
    assert posted.files and posted.files[0][1].startswith(b"\x89PNG")
