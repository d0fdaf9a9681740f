"""Delivering to Slack: unprompted sends, DMs, 429s, chart and CSV uploads, delivery errors."""

from __future__ import annotations

import asyncio
import csv as csv_module
import io
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.base import DeliveryError, Outbox
from adapters.slack.delivery import Delivery, Pacer, Pacing, delivery_error
from bot.engine import Engine
from bot.messages import (
    Address,
    Choice,
    Form,
    FormField,
    Image,
    Outgoing,
    Reply,
    ReplyKind,
    Visibility,
)
from tests.fakes.slack import DEFAULT_BOT_TOKEN, DEFAULT_TEAM, event_callback
from tests.slack_harness import SlackHarness, slack_harness

PNG = b"\x89PNG\r\n\x1a\n" + b"chart-bytes" * 50


@pytest.fixture
async def slack(settings: Any, engine: Engine) -> AsyncIterator[SlackHarness]:
    """The Slack adapter against FakeSlack."""
    async with slack_harness(settings, engine) as harness:
        harness.fake.add_user("U1", name="Ana")
        yield harness


def to(user: str, channel: str = "") -> Address:
    """A Slack address in the default workspace."""
    return Address("slack", DEFAULT_TEAM, user, channel)


async def test_send_opens_the_dm_and_posts(slack: SlackHarness) -> None:
    prompt = Reply(
        "Time for today's check-in.",
        kind=ReplyKind.PROMPT,
        choices=(Choice("Check in", "checkin.start", style="primary"), Choice("Day off", "x")),
    )
    await slack.adapter.send(to("U1"), prompt)
    await slack.adapter.send(to("U1"), Reply("Reminder"))
    (opened,) = slack.fake.calls_to("conversations.open")  # the DM channel is remembered
    assert opened.params["users"] == "U1"
    first, second = slack.fake.messages("D1")
    assert first.params["text"] == "Time for today's check-in."
    assert first.token == DEFAULT_BOT_TOKEN
    assert second.params["text"] == "Reminder"


async def test_send_through_the_outbox(slack: SlackHarness) -> None:
    outbox = Outbox()
    outbox.register(slack.adapter)
    slack.fake.add_channel("C0SALES")
    await outbox.send(Outgoing(to("", "C0SALES"), Reply("Weekly recap", kind=ReplyKind.RECAP)))
    (posted,) = slack.fake.messages("C0SALES")
    assert posted.params["text"] == "Weekly recap"


async def test_a_429_is_retried_and_the_message_arrives(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    await slack.adapter.send(to("U1"), Reply("Nudge: 2 of 5 conversations so far."))
    failed, delivered = slack.fake.calls_to("chat.postMessage")
    assert failed.params.get("__failed")
    assert delivered.params["text"] == "Nudge: 2 of 5 conversations so far."
    assert not delivered.params.get("__failed")


async def test_a_429_during_a_conversation_loses_nothing(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    await slack.dm("U1", "12 calls, 90 min; demo with Acme; proposal for Beta")
    await slack.settle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 2
    (confirmation,) = slack.fake.messages("D1")
    assert "12 conversations" in confirmation.params["text"]


async def test_a_chart_is_uploaded_with_files_v2(slack: SlackHarness) -> None:
    reply = Reply(
        "This week: 42 conversations.",
        kind=ReplyKind.STATS,
        image=Image("week.png", PNG, title="Your week"),
    )
    await slack.adapter.send(to("U1"), reply)
    (ask,) = slack.fake.calls_to("files.getUploadURLExternal")
    assert ask.params["filename"] == "week.png"
    assert int(ask.params["length"]) == len(PNG)
    (done,) = slack.fake.calls_to("files.completeUploadExternal")
    assert done.params["channel_id"] == "D1"
    (uploaded,) = done.params["files"]
    assert uploaded["title"] == "Your week"
    assert slack.fake.uploads[uploaded["id"]] == PNG
    assert slack.fake.messages("D1")[0].params["text"] == "This week: 42 conversations."


async def test_a_private_chart_asked_in_a_channel_goes_to_the_dm(slack: SlackHarness) -> None:
    reply = Reply("Your stats", image=Image("s.png", PNG), file=b"day,calls\n", filename="me.csv")
    slack.fake.add_channel("C0SALES")
    await slack.adapter.send(to("U1", "C0SALES"), reply)
    (ephemeral,) = slack.fake.calls_to("chat.postEphemeral")
    assert (ephemeral.params["channel"], ephemeral.params["user"]) == ("C0SALES", "U1")
    uploads = slack.fake.calls_to("files.completeUploadExternal")
    assert [u.params["channel_id"] for u in uploads] == ["D1", "D1"]
    assert sorted(slack.fake.uploads.values()) == sorted([PNG, b"day,calls\n"])


async def test_a_shared_reply_is_posted_in_the_channel(slack: SlackHarness) -> None:
    board = Reply("Leaderboard", visibility=Visibility.CHANNEL, image=Image("b.png", PNG))
    slack.fake.add_channel("C0SALES")
    await slack.adapter.send(to("U1", "C0SALES"), board)
    assert slack.fake.messages("C0SALES")
    (upload,) = slack.fake.calls_to("files.completeUploadExternal")
    assert upload.params["channel_id"] == "C0SALES"


async def test_a_form_sent_unprompted_comes_with_a_button(slack: SlackHarness) -> None:
    form = Form(
        "checkin.form:2026-11-25",
        "Check-in",
        (FormField("conversations", "Calls"),),
        reopen="checkin.start",
    )
    await slack.adapter.send(to("U1"), Reply("Check in?", kind=ReplyKind.PROMPT, form=form))
    (posted,) = slack.fake.messages("D1")
    (actions,) = [b for b in posted.params["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == "checkin.start"
    assert actions["elements"][0]["value"] == "2026-11-25"


@pytest.mark.parametrize(
    ("error", "permanent"),
    [("channel_not_found", True), ("account_inactive", True), ("fatal_error", False)],
)
async def test_delivery_errors_say_whether_to_retry(
    slack: SlackHarness, error: str, permanent: bool
) -> None:
    slack.fake.channel_errors["D1"] = error
    with pytest.raises(DeliveryError) as raised:
        await slack.adapter.send(to("U1"), Reply("hi"))
    assert raised.value.permanent is permanent
    assert error in str(raised.value)


async def test_another_workspace_cannot_be_reached_with_one_token(slack: SlackHarness) -> None:
    with pytest.raises(DeliveryError) as raised:
        await slack.adapter.send(Address("slack", "T0OTHER", "U1"), Reply("hi"))
    assert raised.value.permanent
    assert slack.fake.messages() == []


async def test_an_uninstall_stops_sending(slack: SlackHarness) -> None:
    uninstall = {"type": "app_uninstalled"}
    assert (await slack.event(event_callback(uninstall))).status == 200
    await slack.settle()
    with pytest.raises(DeliveryError) as raised:
        await slack.adapter.send(to("U1"), Reply("hi"))
    assert raised.value.permanent


def test_a_rate_limit_left_after_retries_is_not_permanent() -> None:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="http://x/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": "ratelimited"},
        headers={},
        status_code=429,
    )
    error = delivery_error(SlackApiError("rate limited", response), "post")
    assert error.permanent is False


async def test_messages_to_one_channel_are_paced_others_are_not() -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pacer = Pacer(Pacing(per_channel_per_second=1.0, burst=3), clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await pacer.wait_turn("D1")
    assert waits == []  # a short burst goes at once
    await pacer.wait_turn("D1")
    await pacer.wait_turn("D1")
    assert waits == [1.0, 1.0]  # then one a second
    await pacer.wait_turn("D2")
    assert waits == [1.0, 1.0]  # another member's DM does not wait


async def test_a_channel_waiting_for_its_turn_holds_no_workspace_slot() -> None:
    # One call in flight per workspace; channel C1 has used its burst and must wait.
    release = asyncio.Event()

    async def sleep(_seconds: float) -> None:
        await release.wait()

    pacer = Pacer(Pacing(per_channel_per_second=1.0, burst=1, per_team_in_flight=1), sleep=sleep)
    posted: list[str] = []

    class Client:
        async def chat_postMessage(self, *, channel: str, **_body: Any) -> None:
            posted.append(channel)

    delivery, client = Delivery(pacer), cast(Any, Client())
    await delivery.post(client, "T1", "C1", Reply("first"))
    waiting = asyncio.create_task(delivery.post(client, "T1", "C1", Reply("second")))
    await asyncio.sleep(0)
    await asyncio.wait_for(delivery.post(client, "T1", "C2", Reply("elsewhere")), 5)
    assert posted == ["C1", "C2"]  # C2 did not queue behind C1's wait
    release.set()
    await waiting
    assert posted == ["C1", "C2", "C1"]


async def test_stats_chart_and_export_csv_arrive_in_the_dm(slack: SlackHarness) -> None:
    await slack.dm("U1", "12 calls, 90 min; demo with Acme; proposal for Beta")
    await slack.settle()
    await slack.command("U1", "stats week", channel_id="C0SALES")
    await slack.command("U1", "export", channel_id="C0SALES")
    await slack.settle()
    stats, export = slack.fake.responses
    assert stats["response_type"] == export["response_type"] == "ephemeral"
    asked = slack.fake.calls_to("files.getUploadURLExternal")
    assert [c.params["filename"].rsplit(".", 1)[1] for c in asked] == ["png", "csv"]
    done = slack.fake.calls_to("files.completeUploadExternal")
    assert [c.params["channel_id"] for c in done] == ["D1", "D1"]
    chart, csv = (slack.fake.uploads[c.params["files"][0]["id"]] for c in done)
    assert chart.startswith(b"\x89PNG")
    (row,) = csv_module.DictReader(io.StringIO(csv.decode()))
    assert row["conversations"] == "12"
    assert slack.fake.messages("C0SALES") == []


async def test_a_leaderboard_asked_in_a_channel_is_shared_there(slack: SlackHarness) -> None:
    slack.fake.add_channel("C0SALES")  # one of the team's own channels
    await slack.dm("U1", "12 calls, 90 min; demo with Acme; proposal for Beta")
    await slack.settle()
    await slack.command("U1", "leaderboard calls week", channel_id="C0SALES")
    await slack.settle()
    (board,) = slack.fake.responses
    assert board["response_type"] == "in_channel"
    assert "12" in board["text"]
