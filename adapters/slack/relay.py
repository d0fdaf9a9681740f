"""The relay between Slack and the engine: ask the engine, deliver its replies, keep App Home fresh.

Listeners acknowledge Slack first and then hand the slow work to the relay, which runs it as a
tracked task (so `stop()` can wait for it), one member's input at a time in arrival order (so two
quick messages are answered in order), and turns any failure into a short apology instead of
silence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import APOLOGY, CoachEngine, DeliveryError
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


# At most this many Incomings are inside the engine at once (the factory picks one for SQLite,
# whose single writer gains nothing from a crowd). A burst (everyone checking in at 17:00) waits
# here, in arrival order and without a deadline, instead of in the database connection pool,
# whose wait times out.
ENGINE_CONCURRENCY = 8

# At most this many pieces of background work (lookups, engine, delivery) run at once.
WORK_CONCURRENCY = 32

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


@dataclass(frozen=True)
class Where:
    """Where and how to answer one Incoming in Slack."""

    client: AsyncWebClient
    team_id: str
    user_id: str
    channel_id: str = ""  # where the member spoke; "" for App Home and modals
    trigger_id: str = ""  # lets Needle open a modal (commands and buttons, for 3 s)
    response_url: str = ""  # a slash command's answer channel


@dataclass
class _Turn:
    """A member's FIFO lock and how many pieces of work hold or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0


class Relay:
    """Runs the engine for Slack input and delivers what it says."""

    def __init__(
        self,
        engine: CoachEngine,
        directory: Directory,
        delivery: Delivery,
        engine_concurrency: int = ENGINE_CONCURRENCY,
    ) -> None:
        self.engine = engine
        self._engine_slots = asyncio.Semaphore(engine_concurrency)
        self._work_slots = asyncio.Semaphore(WORK_CONCURRENCY)
        self.directory = directory
        self.delivery = delivery
        self._tasks: set[asyncio.Task[Any]] = set()
        self._turns: dict[tuple[str, str], _Turn] = {}

    # -- running work -------------------------------------------------------------------------

    def spawn(
        self, work: Coroutine[Any, Any, Any], name: str = "slack-work", *, bounded: bool = True
    ) -> asyncio.Task[Any]:
        """Run `work` in the background, tracked until it ends; failures are logged.

        Bounded work waits for one of WORK_CONCURRENCY slots first, so a burst of events does
        not crowd out the acks of the requests still arriving. Work that another piece of work
        waits for must not be bounded.
        """
        if bounded:
            work = self._in_slot(work)
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    async def _in_slot(self, work: Coroutine[Any, Any, Any]) -> Any:
        async with self._work_slots:
            return await work

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack work %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Wait until every piece of background work has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def busy(self) -> int:
        """How many pieces of work are in flight."""
        return len(self._tasks)

    # -- the engine ---------------------------------------------------------------------------

    async def person(self, client: AsyncWebClient, team_id: str, user_id: str) -> Person:
        """Who the member is (cached `users.info`)."""
        return await self.directory.person(client, team_id, user_id)

    @asynccontextmanager
    async def turn(self, team_id: str, user_id: str) -> AsyncIterator[None]:
        """One member's input is handled one at a time, in arrival order (a FIFO lock)."""
        key = (team_id, user_id)
        entry = self._turns.get(key)
        if entry is None:
            entry = self._turns[key] = _Turn()
        entry.holders += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.holders -= 1
            if entry.holders == 0:
                del self._turns[key]

    async def ask(self, incoming: Incoming) -> list[Reply]:
        """The engine's answer to `incoming`; an apology if the engine fails."""
        try:
            async with self._engine_slots:
                return await self.engine.handle(incoming)
        except Exception:
            log.exception(
                "engine failed on %s from slack/%s/%s",
                incoming.kind,
                incoming.address.team_id,
                incoming.address.user_id,
            )
            return [APOLOGY]

    # -- answering ----------------------------------------------------------------------------

    async def converse(self, incoming: Incoming, where: Where) -> None:
        """Ask the engine and deliver its replies to `where`; refresh App Home after check-ins."""
        replies = await self.ask(incoming)
        await self.answer(where, replies)
        if any(r.kind in HOME_REFRESH_KINDS for r in replies):
            await self.refresh_home(where, incoming.person)

    async def answer(self, where: Where, replies: Sequence[Reply]) -> None:
        """Deliver replies: forms as modals, command answers via response_url, others posted."""
        trigger = where.trigger_id
        for reply in replies:
            try:
                if reply.form is not None and trigger:
                    await self.delivery.open_form(
                        where.client,
                        trigger,
                        reply.form,
                        channel=where.channel_id,
                        team=where.team_id,
                    )
                    trigger = ""  # a trigger opens one modal
                elif where.response_url:
                    await self.delivery.respond(
                        where.response_url, reply, session=where.client.session
                    )
                    if reply.image is not None or reply.file is not None:
                        await self._upload_for_command(where, reply)
                else:
                    channel = where.channel_id or await self.delivery.dm_channel(
                        where.client, where.team_id, where.user_id
                    )
                    await self.delivery.post(
                        where.client, where.team_id, channel, reply, user_id=where.user_id
                    )
            except DeliveryError as err:
                log.warning(
                    "could not answer slack/%s/%s (%s): %s",
                    where.team_id,
                    where.user_id,
                    reply.kind,
                    err,
                )

    async def _upload_for_command(self, where: Where, reply: Reply) -> None:
        """A command's chart or CSV: in the channel when shared, else in the member's DM."""
        shared = reply.visibility is Visibility.CHANNEL and where.channel_id
        channel = where.channel_id if shared else ""
        if not channel:
            channel = await self.delivery.dm_channel(where.client, where.team_id, where.user_id)
        try:
            await self.delivery.upload(where.client, where.team_id, channel, reply)
        except DeliveryError as err:
            if not shared:
                raise
            log.info("upload to %s failed (%s); sending it to the DM", channel, err)
            dm = await self.delivery.dm_channel(where.client, where.team_id, where.user_id)
            await self.delivery.upload(where.client, where.team_id, dm, reply)

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

    async def refresh_home(self, where: Where, person: Person | None = None) -> None:
        """Publish the member's App Home tab again."""
        if person is None:
            person = await self.person(where.client, where.team_id, where.user_id)
        replies = await self.home_replies(where.team_id, where.user_id, person)
        try:
            await self.delivery.publish_home(where.client, where.user_id, replies)
        except DeliveryError as err:
            log.warning("could not publish App Home for %s: %s", where.user_id, err)
