"""Needle in Slack over HTTP: signed requests to `/slack/events`, answers read from FakeSlack.

The adapter is built by `build_slack_adapter` exactly as `needle run` builds it, over the real
engine with a fresh SQLite database and a fake clock.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.commands import build_router
from bot.engine import Engine
from bot.messages import APOLOGY_TEXT
from bot.storage.db import Database
from bot.storage.models import Checkin, Member, ProcessedEvent, Team, TeamMembership
from tests.fakes.slack import DEFAULT_TEAM, FakeSlack, dm_event, event_callback
from tests.slack_harness import SlackHarness, slack_harness

ALL_AT_ONCE = "12 calls, 90 min; demo with Acme; proposal for Beta"


@pytest.fixture
async def slack(settings: Any, engine: Engine) -> AsyncIterator[SlackHarness]:
    """Needle's Slack adapter in HTTP mode against FakeSlack, with three members."""
    async with slack_harness(settings, engine) as harness:
        harness.fake.add_user("U1", name="Ana", tz="America/New_York")
        harness.fake.add_user("U2", name="Bo", tz="Europe/Berlin")
        harness.fake.add_user("U9", name="Cy", tz="Europe/London", is_admin=True)
        yield harness


async def checkins_of(database: Database, user_id: str) -> list[Checkin]:
    """Every check-in row of a Slack member."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Checkin)
            .join(Member, Member.id == Checkin.member_id)
            .where(Member.platform == "slack", Member.external_id == user_id)
        )
        return list(rows.scalars())


async def member_of(database: Database, user_id: str) -> Member | None:
    """The Slack member row, if Needle has met them."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Member).where(Member.platform == "slack", Member.external_id == user_id)
        )
        return rows.scalar_one_or_none()


def last_blocks(slack: SlackHarness, channel: str) -> list[dict[str, Any]]:
    """The blocks of the newest message Needle posted in `channel`."""
    blocks = slack.fake.messages(channel)[-1].params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def buttons(blocks: list[dict[str, Any]]) -> list[str]:
    """Action ids of every button in `blocks`."""
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


# -- check-ins ---------------------------------------------------------------------------------


async def test_check_in_by_typing_one_question_at_a_time(
    slack: SlackHarness, database: Database
) -> None:
    for text in ("checkin", "12", "1h30", "demo with Acme; proposal for Beta"):
        answer = await slack.dm("U1", text)
        assert answer.status == 200
        await slack.settle()
    texts = slack.dm_texts("U1")
    assert len(texts) >= 4
    assert "12 conversations" in texts[-1]
    assert "90 minutes" in texts[-1]
    assert "checkin.edit" in buttons(last_blocks(slack, "D1"))
    (checkin,) = await checkins_of(database, "U1")
    assert (checkin.status, checkin.conversations, checkin.minutes) == ("complete", 12, 90)
    member = await member_of(database, "U1")
    assert member is not None
    assert member.timezone == "America/New_York"  # from users.info at first contact
    assert member.display_name == "Ana"
    published = slack.fake.calls_to("views.publish")
    assert published, "App Home is refreshed after a check-in"
    assert published[-1].params["user_id"] == "U1"


async def test_check_in_by_button_and_modal_with_inline_errors(
    slack: SlackHarness, database: Database
) -> None:
    answer = await slack.press("U1", "checkin.start")
    assert answer.status == 200
    await slack.settle()
    (opened,) = slack.fake.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"].startswith("checkin.form")
    assert [b["block_id"] for b in view["blocks"]] == ["conversations", "minutes", "activities"]

    bad = await slack.submit(
        "U1", view, {"conversations": "lots", "minutes": "90", "activities": "demo"}
    )
    assert bad.status == 200
    assert bad.json()["response_action"] == "errors"
    assert set(bad.json()["errors"]) == {"conversations"}
    assert await checkins_of(database, "U1") == []

    good = await slack.submit(
        "U1",
        view,
        {"conversations": "8", "minutes": "1h", "activities": "demo with Acme\ncold calls"},
    )
    assert good.status == 200
    assert good.text == ""  # the modal closes
    await slack.settle()
    (checkin,) = await checkins_of(database, "U1")
    assert (checkin.conversations, checkin.minutes) == (8, 60)
    assert "8 conversations" in slack.dm_texts("U1")[-1]
    assert slack.fake.calls_to("views.publish")


async def test_edit_button_opens_the_modal_filled_in(slack: SlackHarness) -> None:
    await slack.dm("U1", ALL_AT_ONCE)
    await slack.settle()
    (edit,) = [b for b in buttons(last_blocks(slack, "D1")) if b.startswith("checkin.edit")]
    await slack.press("U1", edit, value="")
    await slack.settle()
    view = slack.fake.calls_to("views.open")[-1].params["view"]
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]}
    assert initial["conversations"] == "12"
    assert initial["minutes"] == "90"


async def test_day_off_button(slack: SlackHarness, database: Database) -> None:
    await slack.press("U2", "checkin.day_off")
    await slack.settle()
    (checkin,) = await checkins_of(database, "U2")
    assert checkin.status == "day_off"
    assert slack.dm_texts("U2")


async def test_a_retried_event_is_recorded_once(slack: SlackHarness, database: Database) -> None:
    event = dm_event("U1", ALL_AT_ONCE, event_id="EvRETRIED1")
    first = await slack.event(event)
    await slack.settle()
    again = await slack.event(event, retry_num=1)
    third = await slack.event(event, retry_num=2)
    await slack.settle()
    assert (first.status, again.status, third.status) == (200, 200, 200)
    assert len(await checkins_of(database, "U1")) == 1
    assert len(slack.fake.messages("D1")) == 1
    async with database.transaction() as session:
        seen = await session.scalar(
            select(func.count()).where(ProcessedEvent.event_id == "EvRETRIED1")
        )
    assert seen == 1


async def test_forged_and_stale_signatures_get_401_and_change_nothing(
    slack: SlackHarness, database: Database
) -> None:
    before = len(slack.fake.calls)
    forged = await slack.event(dm_event("U1", ALL_AT_ONCE), secret="not-the-secret")
    stale = await slack.event(dm_event("U1", ALL_AT_ONCE), timestamp=int(time.time()) - 600)
    unsigned = await slack.http.post(slack.url + "/slack/events", json=dm_event("U1", ALL_AT_ONCE))
    await slack.settle()
    assert (forged.status, stale.status, unsigned.status) == (401, 401, 401)
    assert len(slack.fake.calls) == before
    assert await member_of(database, "U1") is None
    assert await checkins_of(database, "U1") == []


async def test_url_verification_and_health(slack: SlackHarness) -> None:
    answer = await slack.event({"type": "url_verification", "challenge": "c-123", "token": "t"})
    assert answer.status == 200
    assert answer.json() == {"challenge": "c-123"}
    async with slack.http.get(slack.url + "/healthz") as response:
        assert response.status == 200
        health = await response.json()
    assert health["ready"] is True
    assert health["mode"] == "http"
    assert health["workspaces"] == "single"


async def test_bot_messages_and_edits_are_ignored(slack: SlackHarness, database: Database) -> None:
    edited = dm_event("U1", ALL_AT_ONCE)
    edited["event"]["subtype"] = "message_changed"
    own = dm_event("U1", ALL_AT_ONCE)
    own["event"]["bot_id"] = "BBOTEDL1"
    for body in (edited, own):
        assert (await slack.event(body)).status == 200
    await slack.settle()
    assert slack.fake.messages() == []
    assert await member_of(database, "U1") is None


# -- slash commands ------------------------------------------------------------------------------

SUBCOMMANDS = [
    "help",
    "checkin",
    "log 3 calls 40m",
    "stats week",
    "stats today <@U2>",
    "leaderboard calls week",
    "goal calls 8",
    "timezone Europe/Berlin",
    "schedule 16:30 mon-fri",
    "pause 5d",
    "resume",
    "export",
    "forget-me",
    "admin minimums 6 60",
    "",
]


@pytest.mark.parametrize("text", SUBCOMMANDS)
async def test_every_subcommand_is_acked_then_answered(slack: SlackHarness, text: str) -> None:
    answer = await slack.command("U1", text)
    assert answer.status == 200
    assert answer.text == ""  # the ack: empty, so Slack shows nothing until the answer
    await slack.settle()
    answered = slack.fake.responses + [c.params for c in slack.fake.calls_to("views.open")]
    assert answered, f"/needle {text} got no answer"
    shared = text.startswith("leaderboard")  # the leaderboard is for the channel to see
    for body in slack.fake.responses:
        assert body["response_type"] == ("in_channel" if shared else "ephemeral")
        assert APOLOGY_TEXT not in body.get("text", "")


async def test_checkin_command_opens_the_modal(slack: SlackHarness) -> None:
    await slack.command("U1", "checkin", channel_id="C0SALES")
    await slack.settle()
    (opened,) = slack.fake.calls_to("views.open")
    metadata = json.loads(opened.params["view"]["private_metadata"])
    assert metadata["channel"] == "C0SALES"
    assert slack.fake.responses == []


async def test_command_answers_are_ephemeral(slack: SlackHarness, database: Database) -> None:
    await slack.command("U2", "timezone Europe/Berlin", channel_id="C0SALES")
    await slack.command("U2", "log 3 calls 40m", channel_id="C0SALES")
    await slack.settle()
    assert [r["response_type"] for r in slack.fake.responses] == ["ephemeral", "ephemeral"]
    assert "Europe/Berlin" in slack.fake.responses[0]["text"]
    (checkin,) = await checkins_of(database, "U2")
    assert (checkin.conversations, checkin.minutes) == (3, 40)
    assert slack.fake.messages() == []  # nothing posted in the channel


async def test_admins_come_from_users_info(slack: SlackHarness, database: Database) -> None:
    await slack.command("U9", "help")
    await slack.command("U1", "help")
    await slack.settle()
    async with database.transaction() as session:
        roles = dict(
            (
                await session.execute(
                    select(Member.external_id, TeamMembership.role).join(
                        TeamMembership, TeamMembership.member_id == Member.id
                    )
                )
            ).all()
        )
    assert roles == {"U9": "admin", "U1": "member"}


async def test_an_admin_names_the_recap_channel_with_a_channel_link(
    slack: SlackHarness, database: Database
) -> None:
    slack.fake.add_channel("C0SALES")
    await slack.command("U9", "admin recap <#C0SALES|sales> fri 16:00")
    await slack.settle()
    async with database.transaction() as session:
        channel = await session.scalar(select(Team.recap_channel_id))
    assert channel == "C0SALES"  # the id Slack posts and uploads to, not the label


# -- App Home, profile changes ----------------------------------------------------------------


async def test_app_home_is_published_when_opened(slack: SlackHarness) -> None:
    opened = event_callback({"type": "app_home_opened", "user": "U1", "tab": "home"})
    messages_tab = event_callback({"type": "app_home_opened", "user": "U1", "tab": "messages"})
    assert (await slack.event(opened)).status == 200
    assert (await slack.event(messages_tab)).status == 200
    await slack.settle()
    (published,) = slack.fake.calls_to("views.publish")
    assert published.params["user_id"] == "U1"
    view = published.params["view"]
    assert view["type"] == "home"
    assert APOLOGY_TEXT not in json.dumps(view, ensure_ascii=False)
    assert {"checkin.start", "checkin.day_off"} <= set(buttons(view["blocks"]))


async def test_app_home_shows_the_week_after_a_check_in(slack: SlackHarness) -> None:
    await slack.dm("U1", ALL_AT_ONCE)
    await slack.settle()
    view = json.dumps(slack.fake.calls_to("views.publish")[-1].params["view"])
    assert "12" in view
    assert "streak" in view.lower()


async def test_user_change_refreshes_the_member(slack: SlackHarness) -> None:
    await slack.command("U1", "help")
    await slack.settle()
    user = dict(slack.fake.users[(DEFAULT_TEAM, "U1")], tz="Asia/Tokyo", is_admin=True)
    answer = await slack.event(event_callback({"type": "user_change", "user": user}))
    await slack.settle()
    assert answer.status == 200
    person = await slack.adapter.relay.person(slack.adapter.clients.base, DEFAULT_TEAM, "U1")
    assert person.timezone == "Asia/Tokyo"
    assert person.is_admin is True
    assert len(slack.fake.calls_to("users.info")) == 1  # taken from the event, not asked again


async def test_profile_changes_of_people_who_never_used_needle_create_nobody(
    slack: SlackHarness, database: Database
) -> None:
    user = dict(slack.fake.users[(DEFAULT_TEAM, "U1")], tz="Asia/Tokyo")
    for _ in range(2):  # the second one once found the first one's cached profile
        assert (
            await slack.event(event_callback({"type": "user_change", "user": user}))
        ).status == 200
        await slack.settle()
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 0


async def test_a_retry_reaching_another_instance_is_recorded_once(
    settings: Any, database: Database, clock: Any
) -> None:
    async with FakeSlack() as fake:
        fake.add_user("U1", name="Ana")
        first_engine, second_engine = (
            Engine(database, settings, clock, router=build_router()),
            Engine(database, settings, clock, router=build_router()),
        )
        async with (
            slack_harness(settings, first_engine, fake) as one,
            slack_harness(settings, second_engine, fake) as two,
        ):
            event = dm_event("U1", ALL_AT_ONCE, event_id="EvTWOINSTANCES")
            assert (await one.event(event)).status == 200
            await one.settle()
            assert (await two.event(event, retry_num=1)).status == 200
            await two.settle()
        assert len(fake.messages("D1")) == 1
    assert len(await checkins_of(database, "U1")) == 1


async def test_settings_from_app_home(slack: SlackHarness, database: Database) -> None:
    await slack.event(event_callback({"type": "app_home_opened", "user": "U2", "tab": "home"}))
    await slack.settle()
    home = slack.fake.calls_to("views.publish")[-1].params["view"]
    assert "settings.open" in buttons(home["blocks"])
    await slack.press("U2", "settings.open", container="view")
    await slack.settle()
    view = slack.fake.calls_to("views.open")[-1].params["view"]
    assert view["callback_id"] == "settings.form"
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]}
    assert initial["timezone"] == "Europe/Berlin"  # from users.info
    refused = await slack.submit("U2", view, {**initial, "goal_calls": "2"})
    assert refused.json()["response_action"] == "errors"
    assert set(refused.json()["errors"]) == {"goal_calls"}
    saved = await slack.submit("U2", view, {**initial, "goal_calls": "9"})
    assert saved.text == ""
    await slack.settle()
    assert "9 conversations" in slack.dm_texts("U2")[-1]
    refreshed = json.dumps(slack.fake.calls_to("views.publish")[-1].params["view"])
    assert "9 conversations" in refreshed
    member = await member_of(database, "U2")
    assert member is not None
    assert member.goal_conversations == 9
