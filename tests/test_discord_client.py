"""The Discord adapter's mechanics through the real discord.py client and the loopback fake.

A scripted engine stands in for Needle here, so each test pins one piece of the adapter:
command sync, what reaches the engine, ephemeral answers, deferral, modals, persistent buttons,
DMs, rate limits, delivery errors and gateway reconnects. tests/test_discord_coach.py runs the
real engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.base import DeliveryError
from bot.messages import (
    Address,
    Choice,
    Fact,
    Form,
    FormField,
    Image,
    Incoming,
    IncomingKind,
    Reply,
    ReplyKind,
    Visibility,
)
from tests.discord_harness import content
from tests.fakes.discord import EPHEMERAL, FakeDiscord, start_needle_on

Script = Callable[[Incoming], Awaitable[list[Reply]]]

FORM = Form(
    id="checkin.form:2026-11-25",
    title="Check-in",
    fields=(
        FormField("conversations", "Sales conversations today"),
        FormField("minutes", "Minutes talking with buyers"),
    ),
)


class ScriptedEngine:
    """Answers each Incoming with `script` and remembers what it was asked."""

    def __init__(self) -> None:
        self.seen: list[Incoming] = []
        self.script: Script = self._echo

    @staticmethod
    async def _echo(incoming: Incoming) -> list[Reply]:
        return [Reply(f"{incoming.kind}:{incoming.command or incoming.action}:{incoming.text}")]

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.seen.append(incoming)
        return await self.script(incoming)


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


async def test_start_logs_in_and_syncs_one_needle_command_for_servers_and_dms(
    fake: FakeDiscord, engine: ScriptedEngine
) -> None:
    adapter = await start_needle_on(fake, engine)
    await adapter.stop()
    paths = [(c.method, c.path) for c in fake.calls]
    assert ("GET", "/users/@me") in paths
    assert ("GET", "/oauth2/applications/@me") in paths
    (command,) = fake.commands["global"]
    assert command["name"] == "needle"
    assert command["contexts"] == [0, 1]  # servers and the DM with the bot
    subcommands = {o["name"]: o for o in command["options"]}
    assert set(subcommands) >= {
        "checkin",
        "log",
        "stats",
        "leaderboard",
        "returns",
        "goal",
        "timezone",
        "schedule",
        "pause",
        "resume",
        "export",
        "forget-me",
        "admin",
        "help",
    }
    periods = {o["name"]: o for o in subcommands["stats"]["options"]}["period"]["choices"]
    assert [c["value"] for c in periods] == ["today", "week", "month", "all"]
    metric = {o["name"]: o for o in subcommands["leaderboard"]["options"]}["metric"]
    assert [c["value"] for c in metric["choices"]] == ["calls", "minutes", "streak", "goal"]
    zone = subcommands["timezone"]["options"][0]
    assert zone["autocomplete"] is True
    assert subcommands["admin"]["type"] == 2  # a subcommand group
    assert fake.identifies == 1


async def test_guild_id_syncs_the_commands_to_that_server(
    fake: FakeDiscord, engine: ScriptedEngine, people: dict[str, Any]
) -> None:
    acme = people["acme"]
    adapter = await start_needle_on(fake, engine, guild_id=acme.id)
    await adapter.stop()
    assert [c["name"] for c in fake.commands[acme.id]] == ["needle"]
    assert "global" not in fake.commands


async def test_slash_command_in_a_server(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana, ben, acme = people["ana"], people["ben"], people["acme"]
    interaction = await fake.slash(ben, "stats", {"period": "week", "member": ana}, guild=acme)
    callback = await fake.wait_for_callback(interaction)
    (incoming,) = engine.seen
    assert incoming.kind is IncomingKind.COMMAND
    assert (incoming.command, incoming.text) == ("stats", f"week @{ana['id']}")
    assert incoming.mentions == (ana["id"],)
    assert incoming.address == Address("discord", acme.id, ben["id"], acme.channel_id)
    assert incoming.person.is_admin is True  # Ben has Manage Server
    assert incoming.person.display_name == "Ben"
    assert incoming.event_id == interaction
    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] & EPHEMERAL  # a private answer in a server


async def test_slash_command_in_a_dm(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    interaction = await fake.slash(ana, "log", {"calls": 3, "minutes": "40"})
    callback = await fake.wait_for_callback(interaction)
    (incoming,) = engine.seen
    assert (incoming.command, incoming.text) == ("log", "3 calls 40m")
    assert incoming.address == Address("discord", "", ana["id"], "")
    assert incoming.is_direct is True
    assert incoming.person.is_admin is None  # a DM says nothing about servers
    assert not (callback.json["data"].get("flags") or 0) & EPHEMERAL
    assert content(callback) == "command:log:3 calls 40m"


async def test_member_without_manage_server_is_not_admin(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    interaction = await fake.slash(
        people["ana"], "admin minimums", {"calls": 6}, guild=people["acme"]
    )
    await fake.wait_for_callback(interaction)
    (incoming,) = engine.seen
    assert (incoming.command, incoming.text) == ("admin", "minimums calls 6")
    assert incoming.person.is_admin is False


async def test_public_reply_is_not_ephemeral_and_stats_come_as_an_embed_with_a_chart(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    async def leaderboard(incoming: Incoming) -> list[Reply]:
        return [
            Reply(
                "Ben leads this week.",
                kind=ReplyKind.LEADERBOARD,
                title="Leaderboard — conversations, this week",
                facts=(Fact("1. Ben", "31"), Fact("2. Ana", "23")),
                image=Image("leaderboard.png", b"\x89PNG not really"),
                visibility=Visibility.CHANNEL,
            )
        ]

    engine.script = leaderboard
    interaction = await fake.slash(
        people["ana"], "leaderboard", {"metric": "calls"}, guild=people["acme"]
    )
    callback = await fake.wait_for_callback(interaction)
    data = callback.json["data"]
    assert not (data.get("flags") or 0) & EPHEMERAL
    (embed,) = data["embeds"]
    assert embed["title"] == "Leaderboard — conversations, this week"
    assert [f["name"] for f in embed["fields"]] == ["1. Ben", "2. Ana"]
    assert embed["image"]["url"] == "attachment://leaderboard.png"
    assert callback.files == [("leaderboard.png", b"\x89PNG not really")]


async def test_a_slow_engine_is_deferred_then_answered_by_a_follow_up(
    fake: FakeDiscord, engine: ScriptedEngine, people: dict[str, Any]
) -> None:
    release = asyncio.Event()

    async def slow(incoming: Incoming) -> list[Reply]:
        await release.wait()
        return [Reply("Here are your stats.")]

    engine.script = slow
    adapter = await start_needle_on(fake, engine, ack_seconds=0.05)
    try:
        interaction = await fake.slash(people["ana"], "stats", guild=people["acme"])
        callback = await fake.wait_for_callback(interaction)
        assert callback.json["type"] == 5  # "Needle is thinking…"
        assert callback.json["data"]["flags"] & EPHEMERAL
        release.set()
        follow_up = await fake.wait_for_call(
            lambda c: c.path.startswith("/webhooks/") and c.status == 200
        )
        assert content(follow_up) == "Here are your stats."
    finally:
        await adapter.stop()


async def test_a_slow_shared_answer_is_still_shared_with_the_channel(
    fake: FakeDiscord, engine: ScriptedEngine, people: dict[str, Any]
) -> None:
    release = asyncio.Event()

    async def slow(incoming: Incoming) -> list[Reply]:
        await release.wait()
        return [Reply("Leaderboard: Ana 12", visibility=Visibility.CHANNEL)]

    engine.script = slow
    adapter = await start_needle_on(fake, engine, ack_seconds=0.05)
    try:
        interaction = await fake.slash(people["ana"], "leaderboard", guild=people["acme"])
        callback = await fake.wait_for_callback(interaction)
        assert callback.json["data"]["flags"] & EPHEMERAL  # thinking, privately
        release.set()
        shared = await fake.wait_for_call(
            lambda c: c.method == "POST" and c.path.startswith("/webhooks/") and c.status == 200
        )
        assert content(shared) == "Leaderboard: Ana 12"
        assert not (shared.json.get("flags") or 0) & EPHEMERAL  # a new, public message
        (closed,) = [c for c in fake.calls if c.path.endswith("/messages/@original")]
        assert closed.method == "PATCH" and "Shared with the channel" in content(closed)
    finally:
        await adapter.stop()


async def test_engine_failure_gets_an_apology(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    async def broken(incoming: Incoming) -> list[Reply]:
        raise RuntimeError("database on fire")

    engine.script = broken
    interaction = await fake.slash(people["ana"], "help", guild=people["acme"])
    callback = await fake.wait_for_callback(interaction)
    assert "Sorry" in content(callback)
    assert "database" not in content(callback)


async def test_time_zone_autocomplete(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    interaction = await fake.autocomplete(people["ana"], "timezone", "zone", "new yo")
    callback = await fake.wait_for_callback(interaction)
    assert callback.json["type"] == 8
    assert {"name": "America/New_York", "value": "America/New_York"} in (
        callback.json["data"]["choices"]
    )
    assert engine.seen == []


async def checkin_script(incoming: Incoming) -> list[Reply]:
    if incoming.kind is IncomingKind.ACTION and incoming.action == "checkin.start":
        return [Reply("How did today go?", kind=ReplyKind.FORM, form=FORM)]
    if incoming.kind is IncomingKind.FORM:
        if not incoming.values.get("minutes", "").isdigit():
            bad = Form(
                FORM.id,
                FORM.title,
                FORM.fields,
                errors={"minutes": "Give minutes as a number, like 90."},
            )
            return [Reply("Almost there.", kind=ReplyKind.FORM, form=bad)]
        return [
            Reply(
                f"Saved: {incoming.values['conversations']} conversations.",
                kind=ReplyKind.SUMMARY,
                choices=(Choice("Edit", "checkin.edit", "2026-11-25"),),
            )
        ]
    return [Reply("?")]


async def test_prompt_button_opens_a_modal_and_the_submission_reaches_the_engine(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    engine.script = checkin_script
    prompt = Reply(
        "Time for today's check-in.",
        kind=ReplyKind.PROMPT,
        choices=(
            Choice("Check in", "checkin.start", style="primary"),
            Choice("Day off", "checkin.day_off"),
        ),
    )
    await needle.send(Address("discord", people["acme"].id, ana["id"]), prompt)
    sent = await fake.wait_for_dm(ana)
    message = fake.message_of(sent)
    assert [b["custom_id"] for b in message["components"][0]["components"]] == [
        "needle:checkin.start",
        "needle:checkin.day_off",
    ]

    pressed = await fake.click(ana, message, "needle:checkin.start")
    modal = (await fake.wait_for_callback(pressed)).json
    assert modal["type"] == 9
    assert modal["data"]["custom_id"] == "needle-form:checkin.form:2026-11-25"
    assert [c["label"] for c in modal["data"]["components"]] == [
        "Sales conversations today",
        "Minutes talking with buyers",
    ]
    assert engine.seen[-1].action == "checkin.start"
    assert engine.seen[-1].can_open_forms is True

    submitted = await fake.submit_modal(
        ana, modal["data"], {"conversations": "12", "minutes": "90"}
    )
    answer = await fake.wait_for_callback(submitted)
    form = engine.seen[-1]
    assert form.kind is IncomingKind.FORM
    assert form.action == "checkin.form:2026-11-25"
    assert form.values == {"conversations": "12", "minutes": "90"}
    assert content(answer) == "Saved: 12 conversations."
    edit = answer.json["data"]["components"][0]["components"][0]
    assert edit["custom_id"] == "needle:checkin.edit:2026-11-25"


async def test_form_errors_come_back_with_a_button_that_reopens_the_form(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana, acme = people["ana"], people["acme"]
    engine.script = checkin_script
    pressed = await fake.slash(ana, "checkin", guild=acme)  # answered "?" by the script
    await fake.wait_for_callback(pressed)
    modal = {
        "custom_id": "needle-form:" + FORM.id,
        "components": [
            {"type": 18, "component": {"type": 4, "custom_id": "conversations"}},
            {"type": 18, "component": {"type": 4, "custom_id": "minutes"}},
        ],
    }
    submitted = await fake.submit_modal(
        ana, modal, {"conversations": "12", "minutes": "lots"}, guild=acme
    )
    note = (await fake.wait_for_callback(submitted)).json
    assert note["type"] == 4
    assert note["data"]["flags"] & EPHEMERAL
    assert "Give minutes as a number" in note["data"]["content"]
    button = note["data"]["components"][0]["components"][0]
    assert button["label"] == "Fix my answers"

    message = fake.message_of(await fake.wait_for_callback(submitted))
    reopened = await fake.click(ana, message, button["custom_id"], guild=acme)
    again = (await fake.wait_for_callback(reopened)).json
    assert again["type"] == 9
    minutes = again["data"]["components"][1]
    assert minutes["description"].endswith("Give minutes as a number, like 90.")
    assert len([i for i in engine.seen if i.kind is IncomingKind.ACTION]) == 0


async def test_reopen_button_after_a_restart_asks_the_engine_for_the_form(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    engine.script = checkin_script
    message = fake.old_bot_message(
        fake.dm_channel_of(ana),
        "Almost there.",
        [("Fix my answers", "needle:form.open:1234/checkin.start/2026-11-25")],
    )
    # A reopen button from before a restart: its form is not on the shelf any more.
    pressed = await fake.click(ana, message, "needle:form.open:1234/checkin.start/2026-11-25")
    modal = (await fake.wait_for_callback(pressed)).json
    assert modal["type"] == 9
    assert (engine.seen[-1].action, engine.seen[-1].value) == ("checkin.start", "2026-11-25")


async def test_buttons_work_after_a_restart(
    fake: FakeDiscord, engine: ScriptedEngine, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    first = await start_needle_on(fake, engine)
    await first.send(
        Address("discord", "", ana["id"]),
        Reply("Check in?", choices=(Choice("Day off", "checkin.day_off", "2026-11-25"),)),
    )
    message = fake.message_of(await fake.wait_for_dm(ana))
    await first.stop()

    second = await start_needle_on(fake, engine)
    try:
        pressed = await fake.click(ana, message, "needle:checkin.day_off:2026-11-25")
        await fake.wait_for_callback(pressed)
        assert (engine.seen[-1].action, engine.seen[-1].value) == ("checkin.day_off", "2026-11-25")
        assert fake.identifies == 2
    finally:
        await second.stop()


async def test_typing_in_the_dm_reaches_the_engine_and_own_messages_do_not(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    said = await fake.dm(ana, "12 calls, 90 min; demo with <@42>")
    answer = await fake.wait_for_dm(ana)
    assert content(answer) == "message::12 calls, 90 min; demo with @42"
    (incoming,) = engine.seen
    assert incoming.kind is IncomingKind.MESSAGE
    assert incoming.event_id == said
    assert incoming.mentions == ("42",)
    assert incoming.address == Address("discord", "", ana["id"], "")
    # The fake echoes the bot's answer back over the gateway, as Discord does; a second
    # message proves the echo was read and ignored.
    await fake.dm(ana, "off")
    await fake.wait_for_dm(ana, after=fake.calls.index(answer) + 1)
    assert [i.text for i in engine.seen] == ["12 calls, 90 min; demo with @42", "off"]


async def test_send_opens_the_dm_once_and_posts_to_server_channels(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana, acme = people["ana"], people["acme"]
    await needle.send(Address("discord", acme.id, ana["id"]), Reply("Reminder one."))
    await needle.send(Address("discord", acme.id, ana["id"]), Reply("Reminder two."))
    recap = Reply(
        "Weekly recap",
        title="Acme Sales — week 48",
        facts=(Fact("Team", "54"),),
        visibility=Visibility.CHANNEL,
    )
    await needle.send(Address("discord", acme.id, "", acme.channel_id), recap)
    opened = [c for c in fake.calls if c.path == "/users/@me/channels"]
    assert len(opened) == 1
    assert str(opened[0].json["recipient_id"]) == ana["id"]
    posted = [c for c in fake.calls if c.path.endswith("/messages")]
    assert [c.path for c in posted] == [f"/channels/{fake.dm_channel_of(ana)}/messages"] * 2 + [
        f"/channels/{acme.channel_id}/messages"
    ]
    assert posted[2].json["embeds"][0]["title"] == "Acme Sales — week 48"


async def test_a_429_with_via_is_waited_out_and_retried(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    fake.rate_limit("POST", r"^/channels/\d+/messages$", retry_after=0.05)
    await needle.send(Address("discord", "", ana["id"]), Reply("Time for today's check-in."))
    posts = [c for c in fake.calls if c.path.endswith("/messages")]
    assert [c.status for c in posts] == [429, 200]
    assert posts[1].json["content"] == "Time for today's check-in."


async def test_a_429_without_via_is_not_retried(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    fake.rate_limit("POST", r"^/channels/\d+/messages$", via=False)
    with pytest.raises(DeliveryError) as raised:
        await needle.send(Address("discord", "", people["ana"]["id"]), Reply("Hello"))
    assert raised.value.permanent is False


async def test_closed_dms_and_unknown_users_are_permanent_failures(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    ana["dms_closed"] = True
    with pytest.raises(DeliveryError) as closed:
        await needle.send(Address("discord", "", ana["id"]), Reply("Hello"))
    assert closed.value.permanent is True
    with pytest.raises(DeliveryError) as unknown:
        await needle.send(Address("discord", "", "999"), Reply("Hello"))
    assert unknown.value.permanent is True


async def test_events_sent_while_the_gateway_is_down_arrive_after_the_resume(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    await fake.dm(ana, "12 calls")
    await fake.wait_for_dm(ana)
    await fake.drop(abrupt=True)
    missed = await fake.slash(ana, "help")  # dispatched while the client is away
    await fake.wait_until_connected()
    await fake.wait_for_callback(missed)
    assert fake.resumes == 1
    assert fake.identifies == 1  # resumed, not a new session
    assert [i.kind for i in engine.seen] == [IncomingKind.MESSAGE, IncomingKind.COMMAND]


async def test_more_after_a_modal_goes_to_the_dm(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana, acme = people["ana"], people["acme"]

    async def form_and_more(incoming: Incoming) -> list[Reply]:
        return [Reply("", form=FORM), Reply("Tip: you can also type your answers here.")]

    engine.script = form_and_more
    opened = await fake.slash(ana, "checkin", guild=acme)
    assert (await fake.wait_for_callback(opened)).json["type"] == 9
    tip = await fake.wait_for_dm(ana)
    assert content(tip) == "Tip: you can also type your answers here."


async def test_each_dm_is_opened_once_even_beyond_discord_pys_dm_cache(
    fake: FakeDiscord, needle: Any
) -> None:
    # discord.py remembers 128 DM channels; a fan-out reaches many more members than that.
    users = [fake.add_user(f"Rep {n}") for n in range(140)]
    for _ in range(2):
        for user in users:
            await needle.send(Address("discord", "", user["id"]), Reply("Time to check in."))
    opened = [c for c in fake.calls if c.path == "/users/@me/channels"]
    assert len(opened) == len(users)
    posted = [c for c in fake.calls if c.path.endswith("/messages")]
    assert len(posted) == 2 * len(users)


async def test_an_unprompted_form_is_sent_as_a_button_that_opens_it(
    fake: FakeDiscord, engine: ScriptedEngine, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    await needle.send(Address("discord", "", ana["id"]), Reply("Finish yesterday?", form=FORM))
    sent = await fake.wait_for_dm(ana)
    (button,) = sent.json["components"][0]["components"]
    assert button["label"] == "Check-in"
    pressed = await fake.click(ana, fake.message_of(sent), button["custom_id"])
    modal = (await fake.wait_for_callback(pressed)).json
    assert modal["type"] == 9
    assert modal["data"]["custom_id"] == "needle-form:" + FORM.id
    assert engine.seen == []  # opened from the shelf, without asking the engine again
