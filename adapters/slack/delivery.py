"""Putting Needle's replies into Slack: messages, ephemeral answers, modals, App Home, uploads.

Every Web API call goes through the `AsyncWebClient` handed in (its base URL is SLACK_API_URL
and it retries 429s). `Pacer` spaces messages to one channel the way Slack's limits ask
(about one a second per channel, short bursts allowed) and bounds the calls in flight per
workspace. Slack errors become `DeliveryError`, permanent when retrying cannot help.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.base import DeliveryError
from adapters.slack import render
from adapters.slack.translate import is_direct_channel
from bot.messages import Form, Reply, Visibility

log = logging.getLogger(__name__)

# Slack errors after which sending again to the same place cannot succeed.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "invalid_auth",
        "is_archived",
        "messages_tab_disabled",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_access_not_granted",
        "token_revoked",
        "user_disabled",
        "user_is_bot",
        "user_not_found",
        "users_not_found",
    }
)


def delivery_error(err: Exception, what: str) -> DeliveryError:
    """A DeliveryError for a failed Slack call, permanent for errors retrying cannot fix."""
    if isinstance(err, SlackApiError):
        code = str(err.response.get("error", "")) if err.response is not None else ""
        return DeliveryError(f"{what}: {code or err}", permanent=code in PERMANENT_ERRORS)
    return DeliveryError(f"{what}: {err}", permanent=False)


@dataclass(frozen=True)
class Pacing:
    """How fast Needle posts: per-channel rate and burst, and calls in flight per workspace."""

    per_channel_per_second: float = 1.0
    burst: int = 5
    per_team_in_flight: int = 20


class Pacer:
    """A token bucket per channel and a semaphore per workspace."""

    def __init__(
        self,
        pacing: Pacing | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pacing = pacing or Pacing()
        self._clock = clock
        self._sleep = sleep
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._teams: dict[str, asyncio.Semaphore] = {}

    def team_slot(self, team_id: str) -> asyncio.Semaphore:
        """The semaphore bounding calls in flight for one workspace."""
        slot = self._teams.get(team_id)
        if slot is None:
            slot = asyncio.Semaphore(self.pacing.per_team_in_flight)
            self._teams[team_id] = slot
        return slot

    async def wait_turn(self, channel: str) -> None:
        """Wait until one more message may go to `channel`."""
        rate, burst = self.pacing.per_channel_per_second, float(self.pacing.burst)
        while True:
            now = self._clock()
            tokens, stamp = self._buckets.get(channel, (burst, now))
            tokens = min(burst, tokens + (now - stamp) * rate)
            if tokens >= 1.0:
                self._buckets[channel] = (tokens - 1.0, now)
                self._buckets.move_to_end(channel)
                if len(self._buckets) > 100_000:
                    self._buckets.popitem(last=False)
                return
            self._buckets[channel] = (tokens, now)
            await self._sleep((1.0 - tokens) / rate)

    def forget_channel(self, channel: str) -> None:
        """Drop the pacing kept for a channel."""
        self._buckets.pop(channel, None)


class Delivery:
    """Sends replies through a given client; knows DM channels and paces messages."""

    def __init__(self, pacer: Pacer | None = None) -> None:
        self.pacer = pacer or Pacer()
        self._dms: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def dm_channel(self, client: AsyncWebClient, team_id: str, user_id: str) -> str:
        """The DM channel between Needle and a member (`conversations.open`, remembered)."""
        key = (team_id, user_id)
        channel = self._dms.get(key)
        if channel is None:
            try:
                response = await client.conversations_open(users=user_id)
            except (SlackApiError, SlackClientError, OSError) as err:
                raise delivery_error(err, f"conversations.open {user_id}") from err
            channel = str((response.get("channel") or {}).get("id", ""))
            self._dms[key] = channel
            if len(self._dms) > 100_000:
                self._dms.popitem(last=False)
        return channel

    def forget_team(self, team_id: str) -> None:
        """Drop remembered DM channels of a workspace."""
        for key in [k for k in self._dms if k[0] == team_id]:
            del self._dms[key]

    def forget_person(self, user_id: str) -> None:
        """Drop a person's remembered DM channels and their pacing (they asked to be
        forgotten)."""
        for key in [k for k in self._dms if k[1] == user_id]:
            self.pacer.forget_channel(self._dms.pop(key))

    async def post(
        self, client: AsyncWebClient, team_id: str, channel: str, reply: Reply, user_id: str = ""
    ) -> None:
        """Post `reply` in `channel` (ephemeral to `user_id` if private outside a DM) + files."""
        body = render.message(reply, with_opener=True)
        ephemeral = (
            reply.visibility is Visibility.PRIVATE
            and bool(user_id)
            and not is_direct_channel(channel)
        )
        # Wait for the channel's turn before taking one of the workspace's slots: a busy
        # channel must not hold slots that other channels could use.
        await self.pacer.wait_turn(channel)
        async with self.pacer.team_slot(team_id):
            try:
                if ephemeral:
                    await client.chat_postEphemeral(channel=channel, user=user_id, **body)
                else:
                    await client.chat_postMessage(channel=channel, **body)
            except (SlackApiError, SlackClientError, OSError) as err:
                raise delivery_error(err, f"post to {channel}") from err
        if reply.image is not None or reply.file is not None:
            target = channel
            if ephemeral:
                target = await self.dm_channel(client, team_id, user_id)
            await self.upload(client, team_id, target, reply)

    async def upload(
        self, client: AsyncWebClient, team_id: str, channel: str, reply: Reply
    ) -> None:
        """Upload the reply's chart and/or CSV with the files v2 API, shared in `channel`."""
        uploads: list[tuple[str, bytes, str]] = []
        if reply.image is not None:
            image = reply.image
            uploads.append((image.filename, image.data, image.title or reply.title or "Chart"))
        if reply.file is not None:
            name = reply.filename or "needle.csv"
            uploads.append((name, reply.file, reply.title or name))
        for filename, data, title in uploads:
            async with self.pacer.team_slot(team_id):
                try:
                    await client.files_upload_v2(
                        channel=channel, file=data, filename=filename, title=title
                    )
                except (SlackApiError, SlackClientError, OSError) as err:
                    raise delivery_error(err, f"upload {filename} to {channel}") from err

    async def respond(
        self, response_url: str, reply: Reply, session: aiohttp.ClientSession | None = None
    ) -> None:
        """Answer a slash command through its `response_url` (ephemeral unless CHANNEL), on
        the adapter's shared HTTP `session` when given."""
        body = render.respond_body(reply, in_channel=reply.visibility is Visibility.CHANNEL)
        webhook = AsyncWebhookClient(response_url, session=session)
        try:
            response = await webhook.send_dict(body)
        except (SlackClientError, OSError) as err:
            raise DeliveryError(f"response_url: {err}") from err
        if response.status_code >= 300:
            raise DeliveryError(f"response_url answered {response.status_code}: {response.body}")

    async def open_form(
        self, client: AsyncWebClient, trigger_id: str, form: Form, *, channel: str, team: str
    ) -> None:
        """Open `form` as a modal in answer to a command or button press."""
        try:
            await client.views_open(
                trigger_id=trigger_id, view=render.modal(form, channel=channel, team=team)
            )
        except (SlackApiError, SlackClientError, OSError) as err:
            raise delivery_error(err, "views.open") from err

    async def publish_home(
        self, client: AsyncWebClient, user_id: str, replies: Sequence[Reply]
    ) -> None:
        """Publish the member's App Home tab."""
        try:
            await client.views_publish(user_id=user_id, view=render.home_view(replies))
        except (SlackApiError, SlackClientError, OSError) as err:
            raise delivery_error(err, f"views.publish {user_id}") from err
