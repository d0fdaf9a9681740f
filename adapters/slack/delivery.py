"""Putting Needle's replies into Slack: messages, ephemeral answers, modals, App Home, uploads.

Every Web API call goes through the `AsyncWebClient` handed in (its base URL is SLACK_API_URL
and it retries 429s). `Pacer` keeps every call within Slack's published limits: messages to
one channel about one a second (short bursts allowed), and each method within its tier per
workspace (`conversations.open` Tier 3, `users.info` and `views.publish` Tier 4, ...), so one
workspace's backlog never delays another's calls; it also bounds the calls in flight per
workspace. Slack errors become `DeliveryError`, permanent when retrying cannot help.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.base import DeliveryError
from adapters.contacts import ContactBook
from adapters.pacing import Bucket, Turns
from adapters.slack import render
from adapters.slack.translate import PLATFORM, is_direct_channel
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
class Rate:
    """A published limit as a token bucket: calls a minute, and how many may go at once."""

    per_minute: float
    burst: int

    def scaled(self, speed: float) -> Rate:
        """The same limit `speed` times as fast (benchmarks compress minutes into seconds)."""
        return Rate(self.per_minute * speed, self.burst)


# Slack's published tiers (limits apply per method, per app, per workspace). Slack promises
# "N+ per minute" and tolerates bursts without saying how big; Needle keeps to N and to a
# small burst, so a 429 is the exception, not the way Needle learns it went too fast. Bursts
# a little smaller than Slack tolerates leave room for calls that arrive bunched up after
# travelling at different speeds.
TIER_3 = Rate(per_minute=50, burst=3)
TIER_4 = Rate(per_minute=100, burst=6)
# chat.postMessage has a special tier: about one message a second per channel (short bursts
# allowed; `Pacing.per_channel_per_second`) plus a workspace-wide limit Slack does not publish.
# Needle assumes this much for the workspace as a whole.
WORKSPACE_POSTS = Rate(per_minute=600, burst=20)
METHOD_TIERS: dict[str, Rate] = {
    "conversations.open": TIER_3,
    "conversations.info": TIER_3,
    "users.info": TIER_4,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "chat.postEphemeral": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "chat.postMessage": WORKSPACE_POSTS,
}


@dataclass(frozen=True)
class Pacing:
    """How fast Needle calls Slack: per-channel posting rate and burst, calls in flight per
    workspace, and the per-method limits of each workspace (`speed` scales every rate)."""

    per_channel_per_second: float = 1.0
    burst: int = 4
    per_team_in_flight: int = 20
    methods: Mapping[str, Rate] = field(default_factory=lambda: dict(METHOD_TIERS))
    speed: float = 1.0

    def rate_of(self, method: str) -> Rate | None:
        """The limit Needle keeps to for `method` in one workspace (None: not paced)."""
        rate = self.methods.get(method)
        return rate.scaled(self.speed) if rate is not None else None


class Pacer:
    """Token buckets per channel (posting) and per (workspace, method), and a semaphore per
    workspace bounding its calls in flight."""

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
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()
        self._methods: dict[tuple[str, str], Turns] = {}
        self._teams: dict[str, asyncio.Semaphore] = {}
        self.calls: Counter[str] = Counter()  # paced calls by method

    def team_slot(self, team_id: str) -> asyncio.Semaphore:
        """The semaphore bounding calls in flight for one workspace."""
        slot = self._teams.get(team_id)
        if slot is None:
            slot = asyncio.Semaphore(self.pacing.per_team_in_flight)
            self._teams[team_id] = slot
        return slot

    async def wait_turn(self, channel: str) -> None:
        """Wait until one more message may go to `channel`."""
        now = self._clock()
        bucket = self._buckets.get(channel)
        if bucket is None:
            bucket = Bucket(self.pacing.per_channel_per_second, self.pacing.burst, now)
            self._buckets[channel] = bucket
            if len(self._buckets) > 100_000:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(channel)
        wait = bucket.reserve(now)
        if wait > 0:
            await self._sleep(wait)

    async def call_turn(self, team_id: str, method: str) -> None:
        """Wait until the workspace may call `method` once more within its published limit
        (callers of one bucket in turn, see `adapters/pacing.py`)."""
        self.calls[method] += 1
        rate = self.pacing.rate_of(method)
        if rate is None:
            return
        key = (team_id, method)
        turns = self._methods.get(key)
        if turns is None:
            turns = Turns(rate.per_minute / 60.0, rate.burst, clock=self._clock, sleep=self._sleep)
            self._methods[key] = turns
        await turns.wait()

    def forget_channel(self, channel: str) -> None:
        """Drop the pacing kept for a channel."""
        self._buckets.pop(channel, None)

    def forget_team(self, team_id: str) -> None:
        """Drop the per-method pacing of a workspace (Needle was removed from it)."""
        for key in [k for k in self._methods if k[0] == team_id]:
            del self._methods[key]


class Delivery:
    """Sends replies through a given client; knows DM channels and paces every call.

    The DM channel of a member comes, in order, from memory, from the database (what an earlier
    `conversations.open` or one of the member's DMs told Needle, kept across restarts) and only
    then from `conversations.open`. Slack also accepts a member's user id as `channel` in
    `chat.postMessage` for a bot with `im:write` (the message lands in the Messages tab of the
    app's Home), but Needle does not post that way: the documented DM is the `D…` channel
    `conversations.open` returns and events carry, the one channel Needle's per-channel
    pacing and its "is this a DM" check can recognise, and `conversations.open` fails with
    a clear error (`user_not_found`, `cannot_dm_bot`) where posting to an id may not. Once
    known, the channel costs no call at all, which is what the id shortcut would have saved.
    """

    def __init__(self, pacer: Pacer | None = None, contacts: ContactBook | None = None) -> None:
        self.pacer = pacer or Pacer()
        self.contacts = contacts or ContactBook(None, PLATFORM)
        self._dms: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def dm_channel(self, client: AsyncWebClient, team_id: str, user_id: str) -> str:
        """The DM channel between Needle and a member (remembered; `conversations.open` for a
        member Needle never talked to)."""
        key = (team_id, user_id)
        channel = self._dms.get(key)
        if channel is not None:
            return channel
        known = await self.contacts.get(team_id, user_id)
        if known is not None and known.dm_channel:
            self._keep(key, known.dm_channel)
            return known.dm_channel
        await self.pacer.call_turn(team_id, "conversations.open")
        try:
            response = await client.conversations_open(users=user_id)
        except (SlackApiError, SlackClientError, OSError) as err:
            raise delivery_error(err, f"conversations.open {user_id}") from err
        channel = str((response.get("channel") or {}).get("id", ""))
        self._keep(key, channel)
        await self.contacts.remember_dm(team_id, user_id, channel)
        return channel

    async def learn_dm(self, team_id: str, user_id: str, channel: str) -> None:
        """Take the DM channel a member's own message arrived in."""
        if not is_direct_channel(channel) or self._dms.get((team_id, user_id)) == channel:
            return
        self._keep((team_id, user_id), channel)
        await self.contacts.remember_dm(team_id, user_id, channel)

    def _keep(self, key: tuple[str, str], channel: str) -> None:
        self._dms[key] = channel
        if len(self._dms) > 100_000:
            self._dms.popitem(last=False)

    async def forget_team(self, team_id: str) -> None:
        """Drop remembered DM channels and pacing of a workspace, in memory and stored."""
        for key in [k for k in self._dms if k[0] == team_id]:
            del self._dms[key]
        self.pacer.forget_team(team_id)
        await self.contacts.forget_team(team_id)

    def forget_person(self, user_id: str) -> None:
        """Drop a person's remembered DM channels and their pacing (they asked to be
        forgotten; their stored row goes with the rest of their data)."""
        for key in [k for k in self._dms if k[1] == user_id]:
            self.pacer.forget_channel(self._dms.pop(key))
        self.contacts.forget_user_in_memory(user_id)

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
        await self.pacer.call_turn(
            team_id, "chat.postEphemeral" if ephemeral else "chat.postMessage"
        )
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
            # files_upload_v2 asks for an upload URL, then completes the upload.
            await self.pacer.call_turn(team_id, "files.getUploadURLExternal")
            await self.pacer.call_turn(team_id, "files.completeUploadExternal")
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
        await self.pacer.call_turn(team, "views.open")
        try:
            await client.views_open(
                trigger_id=trigger_id, view=render.modal(form, channel=channel, team=team)
            )
        except (SlackApiError, SlackClientError, OSError) as err:
            raise delivery_error(err, "views.open") from err

    async def publish_home(
        self, client: AsyncWebClient, team_id: str, user_id: str, replies: Sequence[Reply]
    ) -> None:
        """Publish the member's App Home tab."""
        await self.pacer.call_turn(team_id, "views.publish")
        try:
            await client.views_publish(user_id=user_id, view=render.home_view(replies))
        except (SlackApiError, SlackClientError, OSError) as err:
            raise delivery_error(err, f"views.publish {user_id}") from err
