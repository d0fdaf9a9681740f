"""Runs the Slack adapter as `needle run` does, against the loopback FakeSlack, for tests.

`slack_harness(settings, engine)` starts FakeSlack, builds the adapter with
`build_slack_adapter` (HTTP mode on a free 127.0.0.1 port), and offers helpers that send
signed requests the way Slack does.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from adapters.slack.adapter import SlackAdapter
from adapters.slack.app import build_slack_adapter
from adapters.slack.delivery import Pacing
from bot.config import Settings
from tests.fakes.slack import (
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    DEFAULT_TEAM,
    FakeSlack,
    block_action,
    command_form,
    dm_event,
    interactive_body,
    signed_headers,
    view_submission,
)


@dataclass
class Answer:
    """Needle's HTTP answer to one request from Slack."""

    status: int
    text: str

    def json(self) -> Any:
        """The body as JSON ({} when empty)."""
        return json.loads(self.text) if self.text else {}


def slack_settings(base: Settings, fake: FakeSlack, **overrides: Any) -> Settings:
    """`base` with Slack pointed at the fake: one workspace, HTTP mode, a free port."""
    values: dict[str, Any] = {
        "slack_bot_token": DEFAULT_BOT_TOKEN,
        "slack_signing_secret": DEFAULT_SIGNING_SECRET,
        "slack_api_url": fake.base_url,
        "host": "127.0.0.1",
        "port": 0,
    }
    values.update(overrides)
    return base.model_copy(update=values)


class SlackHarness:
    """A started FakeSlack and SlackAdapter, and a client that talks like Slack."""

    def __init__(self, fake: FakeSlack, adapter: SlackAdapter, http: aiohttp.ClientSession):
        self.fake = fake
        self.adapter = adapter
        self.http = http

    @property
    def url(self) -> str:
        """Needle's base URL."""
        return f"http://127.0.0.1:{self.adapter.port}"

    async def post(
        self,
        body: str,
        *,
        content_type: str,
        secret: str = DEFAULT_SIGNING_SECRET,
        timestamp: int | None = None,
        retry_num: int | None = None,
    ) -> Answer:
        """POST a signed body to /slack/events."""
        headers = signed_headers(
            body,
            secret=secret,
            timestamp=timestamp,
            content_type=content_type,
            retry_num=retry_num,
        )
        async with self.http.post(
            self.url + "/slack/events", data=body.encode(), headers=headers
        ) as response:
            return Answer(response.status, await response.text())

    async def event(self, payload: dict[str, Any], **kwargs: Any) -> Answer:
        """Deliver an Events API callback."""
        return await self.post(json.dumps(payload), content_type="application/json", **kwargs)

    async def dm(self, user: str, text: str, *, team_id: str = DEFAULT_TEAM) -> Answer:
        """`user` types `text` in their DM with Needle."""
        return await self.event(dm_event(user, text, team_id=team_id))

    async def command(
        self,
        user: str,
        text: str,
        *,
        team_id: str = DEFAULT_TEAM,
        channel_id: str | None = None,
        name: str = "cmd",
    ) -> Answer:
        """`user` runs `/needle text`; answers land in `fake.responses` under `name`."""
        form = command_form(
            user,
            text,
            response_url=self.fake.response_url(name),
            team_id=team_id,
            channel_id=channel_id,
        )
        body = urllib.parse.urlencode(form)
        return await self.post(body, content_type="application/x-www-form-urlencoded")

    async def press(self, user: str, action_id: str, **kwargs: Any) -> Answer:
        """`user` presses a button."""
        payload = block_action(user, action_id, **kwargs)
        return await self.interact(payload)

    async def submit(
        self, user: str, view: dict[str, Any], values: dict[str, str], **kwargs: Any
    ) -> Answer:
        """`user` submits the modal `view` (as Needle opened it) with `values`."""
        return await self.interact(view_submission(user, view, values, **kwargs))

    async def interact(self, payload: dict[str, Any]) -> Answer:
        """POST an interactivity payload (button, modal)."""
        return await self.post(
            interactive_body(payload), content_type="application/x-www-form-urlencoded"
        )

    async def settle(self) -> None:
        """Wait until Needle has delivered every answer it is working on.

        Bolt starts listeners as tasks of their own; a few turns of the loop let any that are
        still starting hand their work to the relay before it is drained.
        """
        await settle(self.adapter)

    def dm_texts(self, user: str) -> list[str]:
        """Every message text Needle posted in `user`'s DM, in order."""
        channel = "D" + user.lstrip("UW")
        return [str(c.params.get("text", "")) for c in self.fake.messages(channel)]


async def settle(adapter: SlackAdapter) -> None:
    """Drain the adapter's work until no new work appears for a few loop turns."""
    quiet = 0
    while quiet < 3:
        await asyncio.sleep(0)
        if adapter.relay.busy:
            quiet = 0
            await adapter.drain()
        else:
            quiet += 1


@asynccontextmanager
async def slack_harness(
    settings: Settings, engine: Any, fake: FakeSlack | None = None, **overrides: Any
) -> AsyncIterator[SlackHarness]:
    """Start FakeSlack (unless given) and the adapter built as `needle run` builds it."""
    own_fake = fake is None
    fake = fake or FakeSlack()
    if own_fake:
        await fake.start()
    adapter = build_slack_adapter(
        slack_settings(settings, fake, **overrides),
        engine,
        pacing=Pacing(per_channel_per_second=50.0, burst=50, speed=100.0),
    )
    await adapter.start()
    http = aiohttp.ClientSession()
    try:
        yield SlackHarness(fake, adapter, http)
    finally:
        await http.close()
        await adapter.stop()
        if own_fake:
            await fake.stop()
