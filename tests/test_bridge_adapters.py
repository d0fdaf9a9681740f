"""The bridge as both adapters use it, through slack-bolt and discord.py against the fakes.

One member's events are answered in arrival order even when the first is slow; a full queue
is said at once (Slack: a 503 that Slack retries, or a busy note; Discord: a busy answer) and
nothing is dropped; an event waiting for its turn past the platform's budget is deferred;
`stop()` answers the accepted events before it returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

import adapters.bridge as bridge_module
from adapters.bridge import BUSY_TEXT, Bridge
from adapters.slack.app import build_slack_adapter
from adapters.slack.delivery import Pacing
from adapters.slack.listeners import views
from bot.engine import Engine
from bot.messages import Incoming, Reply
from bot.storage.db import Database
from bot.storage.models import Checkin
from tests.discord_harness import content, needle_on
from tests.fakes.discord import EPHEMERAL, FakeDiscord, start_needle_on
from tests.fakes.slack import DEFAULT_APP_TOKEN, FakeSlack, dm_event
from tests.slack_harness import SlackHarness, slack_harness, slack_settings

ALL_AT_ONCE = "12 calls, 90 min; demo with Acme; proposal for Beta"


class Gate:
    """The real engine behind a gate: Incomings whose text (or command) is in `held` wait
    until `open()`; `started` and `finished` record the order the engine saw them in."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.held: set[str] = set()
        self._open = asyncio.Event()
        self.waiting = asyncio.Event()
        self.started: list[str] = []
        self.finished: list[str] = []

    def open(self) -> None:
        """Let every held Incoming through."""
        self._open.set()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer like the engine, after the gate for held Incomings."""
        label = incoming.text or incoming.command or incoming.action
        self.started.append(label)
        if label in self.held:
            self.waiting.set()
            await self._open.wait()
        try:
            return await self.engine.handle(incoming)
        finally:
            self.finished.append(label)


async def checkins(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Checkin)) or 0)


# -- Slack ---------------------------------------------------------------------------------------


@pytest.fixture
async def gate(engine: Engine) -> Gate:
    return Gate(engine)


@pytest.fixture
async def tight_slack(settings: Any, gate: Gate) -> AsyncIterator[SlackHarness]:
    """Slack with room for one accepted event."""
    async with slack_harness(settings, gate, event_queue_max=1) as harness:
        harness.fake.add_user("U1", name="Ana", tz="America/New_York")
        harness.fake.add_user("U2", name="Bo", tz="Europe/Berlin")
        yield harness


async def test_slack_full_queue_asks_slack_to_retry_and_the_retry_is_recorded(
    tight_slack: SlackHarness, gate: Gate, database: Database
) -> None:
    gate.held.add(ALL_AT_ONCE)
    first = await tight_slack.event(dm_event("U1", ALL_AT_ONCE, event_id="EvFIRST"))
    await asyncio.wait_for(gate.waiting.wait(), 15)
    turned_away = dm_event("U2", ALL_AT_ONCE, event_id="EvSECOND")
    refused = await tight_slack.event(turned_away)
    assert (first.status, refused.status) == (200, 503)
    gate.open()
    await tight_slack.settle()
    assert await checkins(database) == 1
    retried = await tight_slack.event(turned_away, retry_num=1)
    await tight_slack.settle()
    assert retried.status == 200
    assert await checkins(database) == 2  # nothing was dropped
    assert "12 conversations" in tight_slack.dm_texts("U2")[-1]


async def test_slack_socket_mode_leaves_an_event_it_has_no_room_for_unacknowledged(
    settings: Any, gate: Gate, database: Database
) -> None:
    async with FakeSlack() as slack_fake:
        slack_fake.add_user("U1", name="Ana", tz="America/New_York")
        slack_fake.add_user("U2", name="Bo", tz="Europe/Berlin")
        async with slack_harness(
            settings,
            gate,
            slack_fake,
            slack_app_token=DEFAULT_APP_TOKEN,
            slack_signing_secret="",
            event_queue_max=1,
        ) as socket:
            async with asyncio.timeout(10):
                await socket.adapter.wait_ready()
            gate.held.add(ALL_AT_ONCE)
            first = await slack_fake.send_envelope("events_api", dm_event("U1", ALL_AT_ONCE))
            async with asyncio.timeout(10):
                await first.ack
            await asyncio.wait_for(gate.waiting.wait(), 15)
            declined = dm_event("U2", ALL_AT_ONCE, event_id="EvDECLINED")
            second = await slack_fake.send_envelope("events_api", declined)
            await asyncio.sleep(0.5)
            assert not second.ack.done()  # no ack: Slack sends the event again
            gate.open()
            await socket.settle()
            again = await slack_fake.send_envelope("events_api", declined)
            async with asyncio.timeout(10):
                await again.ack
            await socket.settle()
            assert await checkins(database) == 2


async def test_slack_full_queue_tells_a_slash_command_to_try_again(
    tight_slack: SlackHarness, gate: Gate
) -> None:
    gate.held.add(ALL_AT_ONCE)
    await tight_slack.dm("U1", ALL_AT_ONCE)
    await asyncio.wait_for(gate.waiting.wait(), 15)
    busy = await tight_slack.command("U2", "stats")
    assert busy.status == 200
    assert busy.text == BUSY_TEXT  # Slack shows a plain-text answer to the member
    gate.open()
    await tight_slack.settle()
    assert "stats" not in gate.started  # told, not queued


async def test_slack_full_queue_shows_busy_on_the_modal_and_keeps_it_open(
    tight_slack: SlackHarness, gate: Gate, database: Database
) -> None:
    await tight_slack.press("U2", "checkin.start")
    await tight_slack.settle()
    (opened,) = tight_slack.fake.calls_to("views.open")
    gate.held.add(ALL_AT_ONCE)
    await tight_slack.dm("U1", ALL_AT_ONCE)
    await asyncio.wait_for(gate.waiting.wait(), 15)
    values = {"conversations": "8", "minutes": "1h", "activities": "demo with Acme"}
    busy = await tight_slack.submit("U2", opened.params["view"], values)
    assert busy.json() == {"response_action": "errors", "errors": {"conversations": BUSY_TEXT}}
    gate.open()
    await tight_slack.settle()
    assert await checkins(database) == 1  # U1's; U2 can submit the open modal again


async def test_slack_closes_a_slow_modal_in_time_then_answers_in_the_dm(
    settings: Any, gate: Gate, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "VERDICT_BUDGET_SECONDS", 0.2)
    async with slack_harness(settings, gate) as slack:
        slack.fake.add_user("U1", name="Ana", tz="America/New_York")
        await slack.press("U1", "checkin.start")
        await slack.settle()
        (opened,) = slack.fake.calls_to("views.open")
        view = opened.params["view"]
        gate.held.add(view["callback_id"])
        values = {"conversations": "8", "minutes": "1h", "activities": "demo with Acme"}
        closed = await slack.submit("U1", view, values)
        assert (closed.status, closed.text) == (200, "")  # closed before the engine answered
        assert gate.finished == ["checkin.start"]
        gate.open()
        await slack.settle()
        assert await checkins(database) == 1
        assert "8 conversations" in slack.dm_texts("U1")[-1]


async def test_slack_answers_one_members_messages_in_order(
    settings: Any, gate: Gate, database: Database
) -> None:
    async with slack_harness(settings, gate) as slack:
        slack.fake.add_user("U1", name="Ana", tz="America/New_York")
        gate.held.add("checkin")
        await slack.dm("U1", "checkin")
        await asyncio.wait_for(gate.waiting.wait(), 15)
        await slack.dm("U1", "12")
        await asyncio.sleep(0.1)
        assert gate.started == ["checkin"]  # the second waits for the first
        gate.open()
        await slack.settle()
        assert gate.finished == ["checkin", "12"]


async def test_slack_stop_answers_accepted_events_before_returning(
    settings: Any, gate: Gate, database: Database
) -> None:
    async with FakeSlack() as slack_fake:
        slack_fake.add_user("U1", name="Ana", tz="America/New_York")
        adapter = build_slack_adapter(
            slack_settings(settings, slack_fake), gate, pacing=Pacing(per_channel_per_second=50.0)
        )
        await adapter.start()
        harness = SlackHarness(slack_fake, adapter, aiohttp.ClientSession())
        try:
            gate.held.add(ALL_AT_ONCE)
            assert (await harness.dm("U1", ALL_AT_ONCE)).status == 200
            await asyncio.wait_for(gate.waiting.wait(), 15)
            stopping = asyncio.create_task(adapter.stop())
            await asyncio.sleep(0.2)
            assert not stopping.done()  # waits for the accepted check-in
            gate.open()
            await asyncio.wait_for(stopping, 10)
        finally:
            await harness.http.close()
        assert await checkins(database) == 1
        assert "12 conversations" in harness.dm_texts("U1")[-1]


# -- Discord -------------------------------------------------------------------------------------


async def test_discord_answers_one_members_messages_in_order(
    fake: FakeDiscord, gate: Gate, people: dict[str, Any]
) -> None:
    async with needle_on(fake, gate):
        ana = people["ana"]
        gate.held.add("help")
        await fake.dm(ana, "help")
        await asyncio.wait_for(gate.waiting.wait(), 15)
        await fake.dm(ana, "stats")
        await asyncio.sleep(0.2)
        assert gate.started == ["help"]  # the second waits for the first
        gate.open()
        first = await fake.wait_for_dm(ana, within=15)
        second = await fake.wait_for_dm(ana, after=fake.calls.index(first) + 1, within=15)
        assert gate.finished == ["help", "stats"]
        assert "Here's what I can do" in content(first)  # the answers, in order too
        assert "Here's what I can do" not in content(second)


async def test_discord_full_queue_gets_a_busy_answer_and_nothing_is_dropped(
    fake: FakeDiscord, gate: Gate, people: dict[str, Any]
) -> None:
    async with needle_on(fake, gate, event_queue_max=1):
        gate.held.add("help")
        first = await fake.slash(people["ana"], "help", guild=people["acme"])
        await asyncio.wait_for(gate.waiting.wait(), 15)
        second = await fake.slash(people["ben"], "stats", guild=people["acme"])
        busy = await fake.wait_for_callback(second, within=15)
        assert content(busy) == BUSY_TEXT
        assert busy.json["data"]["flags"] & EPHEMERAL
        gate.open()
        answered = await fake.wait_for_answer(first, within=15)
        assert content(answered)
        assert gate.started == ["help"]


async def test_discord_defers_an_interaction_waiting_behind_a_slow_one(
    fake: FakeDiscord, gate: Gate, people: dict[str, Any]
) -> None:
    async with needle_on(fake, gate, ack_seconds=0.1):
        gate.held.add("help")
        await fake.dm(people["ana"], "help")
        await asyncio.wait_for(gate.waiting.wait(), 15)
        queued = await fake.slash(people["ana"], "stats", guild=people["acme"])
        thinking = await fake.wait_for_callback(queued, within=15)
        assert thinking.json["type"] == 5  # deferred while waiting for its turn
        assert gate.started == ["help"]
        gate.open()
        await fake.wait_for_call(lambda c: c.path.startswith("/webhooks/") and c.status == 200)
        assert gate.finished == ["help", "stats"]


async def test_discord_stop_answers_accepted_interactions_before_returning(
    fake: FakeDiscord, gate: Gate, people: dict[str, Any]
) -> None:
    adapter = await start_needle_on(fake, gate)
    gate.held.add("help")
    interaction = await fake.slash(people["ana"], "help", guild=people["acme"])
    await asyncio.wait_for(gate.waiting.wait(), 15)
    stopping = asyncio.create_task(adapter.stop())
    await asyncio.sleep(0.2)
    assert not stopping.done()  # waits for the accepted interaction
    gate.open()
    await asyncio.wait_for(stopping, 10)
    answered = [c for c in fake.calls if interaction in c.path and c.status in (200, 204)]
    assert answered, "the accepted interaction was answered before stop() returned"


async def test_a_burst_is_acknowledged_before_its_work_runs_and_a_stream_is_not_held(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    started: list[float] = []

    async def work() -> None:
        started.append(loop.time())

    # A burst (events less than BURST_GAP apart) runs no work until it is over.
    monkeypatch.setattr(bridge_module, "BURST_HOLD", 60.0)
    bridge = Bridge(engine, platform="test", workers=4)
    for n in range(30):
        assert bridge.submit(("T1", f"U{n}"), work)
        await asyncio.sleep(0.002)
    burst_ended = loop.time()
    await bridge.stop()
    assert len(started) == 30
    assert min(started) >= burst_ended  # nothing ran while events were still arriving

    # A steady stream is served once the hold is over, while it still flows.
    monkeypatch.setattr(bridge_module, "BURST_HOLD", 0.2)
    stream = Bridge(engine, platform="test", workers=4)
    started.clear()
    for n in range(300):
        stream.submit(("T1", f"U{n % 50}"), work)
        await asyncio.sleep(0.002)
        if started:
            break
    ran_while_flowing = bool(started)
    await stream.stop()
    assert ran_while_flowing
