"""Socket Mode: the adapter connects to FakeSlack's websocket and acks every envelope."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.engine import Engine
from tests.fakes.slack import (
    DEFAULT_APP_TOKEN,
    FakeSlack,
    block_action,
    command_form,
    dm_event,
    view_submission,
)
from tests.slack_harness import SlackHarness, slack_harness


@pytest.fixture
async def socket(settings: Any, engine: Engine) -> AsyncIterator[SlackHarness]:
    """The adapter in Socket Mode (SLACK_APP_TOKEN set, no signing secret needed)."""
    async with FakeSlack() as fake:
        fake.add_user("U1", name="Ana")
        async with slack_harness(
            settings, engine, fake, slack_app_token=DEFAULT_APP_TOKEN, slack_signing_secret=""
        ) as harness:
            async with asyncio.timeout(10):
                await harness.adapter.wait_ready()
            yield harness


async def ack_of(envelope: Any) -> dict[str, Any]:
    """The client's ack of an envelope (bounded wait: a missing ack fails the test)."""
    async with asyncio.timeout(10):
        ack: dict[str, Any] = await envelope.ack
        return ack


async def test_connects_with_the_app_token(socket: SlackHarness) -> None:
    (opened,) = socket.fake.calls_to("apps.connections.open")
    assert opened.token == DEFAULT_APP_TOKEN
    async with socket.http.get(socket.url + "/healthz") as response:
        health = await response.json()
    assert health["mode"] == "socket"
    assert health["ready"] is True
    async with socket.http.post(socket.url + "/slack/events", data="{}") as response:
        assert response.status == 404  # no HTTP events endpoint in Socket Mode


async def test_a_dm_event_is_acked_and_answered(socket: SlackHarness) -> None:
    event = dm_event("U1", "12 calls, 90 min; demo with Acme; proposal for Beta")
    envelope = await socket.fake.send_envelope("events_api", event)
    ack = await ack_of(envelope)
    assert ack["envelope_id"] == envelope.envelope_id
    await socket.settle()
    assert "12 conversations" in socket.dm_texts("U1")[-1]


async def test_a_slash_command_is_acked_then_answered(socket: SlackHarness) -> None:
    form = command_form("U1", "log 3 calls 40m", response_url=socket.fake.response_url("sm"))
    envelope = await socket.fake.send_envelope("slash_commands", form)
    ack = await ack_of(envelope)
    assert ack == {"envelope_id": envelope.envelope_id}
    await socket.settle()
    (answer,) = socket.fake.responses
    assert answer["__name"] == "sm"
    assert "3 / 5 conversations" in answer["text"]


async def test_a_modal_with_errors_is_answered_in_the_ack(socket: SlackHarness) -> None:
    envelope = await socket.fake.send_envelope("interactive", block_action("U1", "checkin.start"))
    await ack_of(envelope)
    await socket.settle()
    view = socket.fake.calls_to("views.open")[-1].params["view"]
    submission = view_submission(
        "U1", view, {"conversations": "many", "minutes": "soon", "activities": "calls"}
    )
    envelope = await socket.fake.send_envelope("interactive", submission)
    ack = await ack_of(envelope)
    assert ack["payload"]["response_action"] == "errors"
    assert {"conversations", "minutes"} <= set(ack["payload"]["errors"])


async def test_start_returns_while_slack_is_unreachable(settings: Any, engine: Engine) -> None:
    from adapters.slack.app import build_slack_adapter
    from tests.slack_harness import slack_settings

    async with FakeSlack() as fake:
        fake.fail_next("apps.connections.open", status=500, error="fatal_error", times=1000)
        adapter = build_slack_adapter(
            slack_settings(settings, fake, slack_app_token=DEFAULT_APP_TOKEN), engine
        )
        await adapter.start()  # returns although the connection keeps failing
        assert adapter.ready is False
        session = adapter.clients.base.session
        assert session is not None
        async with session.get(f"http://127.0.0.1:{adapter.port}/healthz") as response:
            assert response.status == 503
        await fake.wait_for("apps.connections.open")
        await adapter.stop()
