"""The relay between Slack and the engine: ask the engine, deliver its replies, keep App Home fresh.

Listeners acknowledge Slack and hand the slow work to the relay's `Bridge` (`adapters/bridge.py`),
which runs it one member's input at a time in arrival order, with a bounded queue and a bounded
number of engine calls, and turns any engine failure into a short apology instead of silence.

When the queue is full the listener is told at once (`accept` returns False) and answers Slack
with `retry_later()`, an HTTP 503. Slack's Events API treats any answer other than a 2xx as a
failed delivery and sends the event again (at once, after a minute, after five minutes); in
Socket Mode Bolt does not acknowledge an envelope whose answer is not a 200, and Slack sends an
unacknowledged event again the same way. So an event Needle has no room for is never lost: it
comes back when the burst has passed. Slash commands are answered with the bridge's `BUSY_TEXT`
(Slack does not retry them), modals with it as an error on the form, and a button press gets the
503 too: Slack marks the press as failed, so the member sees it and presses again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import CoachEngine, DeliveryError
from adapters.bridge import CAPACITY, ENGINE_CONCURRENCY, Bridge, Deadline, Work
from adapters.slack.delivery import Delivery
from adapters.slack.people import Directory
from adapters.slack.translate import PLATFORM
from bot.messages import (
    Address,
    Incoming,
    IncomingKind,
    Person,
    Reply,
    ReplyKind,
    Visibility,
)

log = logging.getLogger(__name__)

# Reply kinds after which the member's App Home tab is published again: a check-in saved,
# changed or logged to, and settings that change what Home shows (goals, pauses).
HOME_REFRESH_KINDS = frozenset(
    {
        ReplyKind.SUMMARY,
        ReplyKind.DAY_OFF,
        ReplyKind.SAVED_PARTIAL,
        ReplyKind.LOGGED,
        ReplyKind.SETTINGS,
    }
)

HOME_FALLBACK = Reply(
    "Your daily check-in, stats and settings live here. Type `help` in the Messages tab for "
    "everything Needle can do.",
    kind=ReplyKind.HOME,
    title="Needle",
)


def retry_later() -> BoltResponse:
    """The answer to an event Needle has no room for: Slack sends it again later."""
    return BoltResponse(status=503, body="")


@dataclass(frozen=True)
class Origin:
    """Where one Incoming came from in Slack, and how to answer it there."""

    client: AsyncWebClient
    team_id: str
    user_id: str
    channel_id: str = ""  # where the member spoke; "" for App Home and modals
    trigger_id: str = ""  # lets Needle open a modal (commands and buttons, for 3 s)
    response_url: str = ""  # a slash command's answer channel


class Relay:
    """Runs Slack input through the bridge to the engine and delivers what it says."""

    def __init__(
        self,
        engine: CoachEngine,
        directory: Directory,
        delivery: Delivery,
        engine_concurrency: int = ENGINE_CONCURRENCY,
        capacity: int = CAPACITY,
    ) -> None:
        self.bridge = Bridge(
            engine, platform=PLATFORM, engine_concurrency=engine_concurrency, capacity=capacity
        )
        self.directory = directory
        self.delivery = delivery

    # -- accepting work -----------------------------------------------------------------------

    def accept(
        self,
        team_id: str,
        user_id: str,
        work: Work,
        *,
        name: str,
        deadline: Deadline | None = None,
    ) -> bool:
        """Queue one event of a member (run in their turn); False when there is no room."""
        return self.bridge.submit((team_id, user_id), work, name=name, deadline=deadline)

    async def drain(self) -> None:
        """Wait until every accepted event has been answered (tests)."""
        await self.bridge.drain()

    @property
    def busy(self) -> int:
        """How many accepted events are not finished."""
        return self.bridge.busy

    # -- the engine ---------------------------------------------------------------------------

    async def person(
        self, client: AsyncWebClient, team_id: str, user_id: str, *, text: str | None = None
    ) -> Person:
        """Who the member is (cached `users.info`). `text`: the message they typed; one that
        names no command asks for no right (see `Directory.person`)."""
        rights = text is None or self.names_command(text)
        return await self.directory.person(client, team_id, user_id, rights=rights)

    def names_command(self, text: str) -> bool:
        """True when a message's first word names one of the engine's commands (one of them
        may need the member's rights); True, to be safe, when the engine has no router."""
        router = getattr(self.bridge.engine, "router", None)
        if router is None:
            return True
        words = text.strip().lstrip("/").split(maxsplit=1)
        return bool(words) and router.find_command(words[0]) is not None

    async def ask(self, incoming: Incoming) -> list[Reply]:
        """The engine's answer to `incoming`; an apology if the engine fails."""
        return await self.bridge.ask(incoming)

    # -- answering ----------------------------------------------------------------------------

    async def converse(self, incoming: Incoming, origin: Origin) -> None:
        """Ask the engine and deliver its replies to `origin`; refresh App Home after check-ins."""
        replies = await self.ask(incoming)
        await self.answer(origin, replies)
        if any(r.kind in HOME_REFRESH_KINDS for r in replies):
            self.refresh_home_later(origin, incoming.person)

    def refresh_home_later(self, origin: Origin, person: Person) -> None:
        """Queue the member's App Home refresh as their next event, behind the events already
        waiting: `views.publish` is Tier 4 (100 a minute), so in a burst of check-ins the
        answers go first and the Home tabs follow at their own pace. When the bridge is three
        quarters full the refresh is left out, keeping the room for members' messages (the tab
        is published anew whenever it is opened)."""

        async def refresh() -> None:
            await self.refresh_home(origin, person)

        reserve = self.bridge.capacity // 4
        if self.bridge.busy >= self.bridge.capacity - reserve or not self.accept(
            origin.team_id, origin.user_id, refresh, name="slack-home"
        ):
            log.info("App Home of slack/%s/%s not refreshed: busy", origin.team_id, origin.user_id)

    async def answer(self, origin: Origin, replies: Sequence[Reply]) -> None:
        """Deliver replies: forms as modals, command answers via response_url, others posted."""
        trigger = origin.trigger_id
        for reply in replies:
            try:
                if reply.form is not None and trigger:
                    await self.delivery.open_form(
                        origin.client,
                        trigger,
                        reply.form,
                        channel=origin.channel_id,
                        team=origin.team_id,
                    )
                    trigger = ""  # a trigger opens one modal
                elif origin.response_url:
                    await self.delivery.respond(
                        origin.response_url, reply, session=origin.client.session
                    )
                    if reply.image is not None or reply.file is not None:
                        await self._upload_for_command(origin, reply)
                else:
                    channel = origin.channel_id or await self.delivery.dm_channel(
                        origin.client, origin.team_id, origin.user_id
                    )
                    await self.delivery.post(
                        origin.client, origin.team_id, channel, reply, user_id=origin.user_id
                    )
            except DeliveryError as err:
                log.warning(
                    "could not answer slack/%s/%s (%s): %s",
                    origin.team_id,
                    origin.user_id,
                    reply.kind,
                    err,
                )

    async def _upload_for_command(self, origin: Origin, reply: Reply) -> None:
        """A command's chart or CSV: in the channel when shared, else in the member's DM."""
        shared = reply.visibility is Visibility.CHANNEL and origin.channel_id
        channel = origin.channel_id if shared else ""
        if not channel:
            channel = await self.delivery.dm_channel(origin.client, origin.team_id, origin.user_id)
        try:
            await self.delivery.upload(origin.client, origin.team_id, channel, reply)
        except DeliveryError as err:
            if not shared:
                raise
            log.info("upload to %s failed (%s); sending it to the DM", channel, err)
            dm = await self.delivery.dm_channel(origin.client, origin.team_id, origin.user_id)
            await self.delivery.upload(origin.client, origin.team_id, dm, reply)

    # -- App Home -----------------------------------------------------------------------------

    async def home_replies(self, team_id: str, user_id: str, person: Person) -> list[Reply]:
        """What the member's App Home shows: the engine's `home` summary."""
        incoming = Incoming(
            address=Address(PLATFORM, team_id, user_id, ""),
            kind=IncomingKind.COMMAND,
            command="home",
            person=person,
            is_direct=True,
        )
        replies = await self.ask(incoming)
        if not replies or any(r.kind is ReplyKind.ERROR for r in replies):
            return [HOME_FALLBACK]
        return replies

    async def refresh_home(self, origin: Origin, person: Person | None = None) -> None:
        """Publish the member's App Home tab again."""
        if person is None:
            person = await self.person(origin.client, origin.team_id, origin.user_id)
        replies = await self.home_replies(origin.team_id, origin.user_id, person)
        try:
            await self.delivery.publish_home(origin.client, origin.team_id, origin.user_id, replies)
        except DeliveryError as err:
            log.warning("could not publish App Home for %s: %s", origin.user_id, err)
