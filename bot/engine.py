"""The engine: takes a neutral Incoming, answers with neutral Replies, knows no platform.

Every Incoming is handled in one database transaction: the event id is remembered (so a
retried event does nothing twice), the team and member are found or created, and the message,
command, button or form is routed to its handler. Errors Needle caused are logged with context
and the user gets a short apology. While the database is out of reach (a restart) a message
waits for it, trying again with growing pauses, and is answered late; past
OUTAGE_RETRY_SECONDS the member is told plainly that it was not saved.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.context import (
    ChannelCheck,
    Context,
    ForgetListener,
    Services,
    is_personal_team,
)
from bot.conversation import EndReason, end_conversation
from bot.messages import (
    APOLOGY,
    NOT_SAVED,
    Incoming,
    IncomingKind,
    Reply,
    ReplyKind,
    Visibility,
)
from bot.metrics import Metrics
from bot.router import Command, Router
from bot.stats.charts import draw_charts
from bot.storage.conversations import load_state
from bot.storage.db import Database, is_connection_error
from bot.storage.events import remember_event
from bot.storage.models import Member, Team, TeamMembership
from bot.storage.people import (
    deactivate_team,
    ensure_member,
    ensure_membership,
    ensure_team,
    find_known_contact,
    leave_personal_team,
    narrowest_backfill_elsewhere,
    personal_team_id,
    teams_of,
)

log = logging.getLogger(__name__)

# Pauses between tries while the database is out of reach: doubling from the first, capped.
OUTAGE_FIRST_PAUSE = 0.25
OUTAGE_LONGEST_PAUSE = 5.0
CONFLICT_TRIES = 3
MAX_TEXT = 4000
NOT_SHARED = (
    "_Only you see this: this channel isn't one of the team's own (or I couldn't check it), "
    "so I don't post the team's numbers in it._"
)


class Engine:
    """Needle's platform-neutral core."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        *,
        router: Router,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        # Read by the bridge, the scheduler and the adapters too (one registry per process).
        self.metrics = metrics if metrics is not None else Metrics()
        self.services = Services(settings=settings, clock=clock)
        self.router = router
        for flow in router.flows():
            self.services.conversation_closers[flow.name] = flow.close
        # How the outage retries wait and measure (injected so tests need not wait).
        self._sleep = sleep
        self._monotonic = monotonic

    @property
    def clock(self) -> Clock:
        """The clock the engine reads."""
        return self.services.clock

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one Incoming; never raises for a user's input. Timed in `metrics`."""
        started = time.perf_counter()
        try:
            return await self._answer(incoming)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.engine_seconds.labels(incoming.kind.value).observe(elapsed)

    async def _answer(self, incoming: Incoming) -> list[Reply]:
        """Answer one Incoming, trying again while the database is out of reach.

        Each try is one transaction, rolled back whole when it fails. A lost or refused
        database connection is tried again with growing pauses for up to
        OUTAGE_RETRY_SECONDS, then answered with NOT_SAVED; a conflict (two first contacts
        racing) or a busy database a few times at once; anything else gets the apology.
        """
        conflicts = 0
        pause = OUTAGE_FIRST_PAUSE
        give_up_at: float | None = None
        while True:
            try:
                return await self._handle_once(incoming)
            except Exception as err:
                if is_connection_error(err):
                    now = self._monotonic()
                    if give_up_at is None:
                        give_up_at = now + self.services.settings.outage_retry_seconds
                        log.warning("database out of reach handling %s: %r", incoming.kind, err)
                    if now >= give_up_at:
                        log.error(
                            "database out of reach for %d s; %s from %s/%s was not saved",
                            self.services.settings.outage_retry_seconds,
                            incoming.kind,
                            incoming.address.platform,
                            incoming.address.user_id,
                        )
                        return [NOT_SAVED]
                    await self._sleep(min(pause, give_up_at - now))
                    pause = min(pause * 2, OUTAGE_LONGEST_PAUSE)
                    continue
                conflicts += 1
                if isinstance(err, (IntegrityError, OperationalError)) and (
                    conflicts < CONFLICT_TRIES
                ):
                    # Two first contacts racing to create the same member, or a busy database.
                    log.warning("retrying %s after %s (attempt %d)", incoming.kind, err, conflicts)
                    continue
                log.exception(
                    "failed to handle %s from %s/%s/%s",
                    incoming.kind,
                    incoming.address.platform,
                    incoming.address.team_id,
                    incoming.address.user_id,
                )
                return [APOLOGY]

    def add_channel_check(self, platform: str, check: ChannelCheck) -> None:
        """Let `check(team_id, channel_id)` tell whether a channel is one of a team's own on
        `platform` (an adapter lends it: the recap may only go to the team's channels)."""
        self.services.channel_checks[platform] = check

    def add_forget_listener(self, listener: ForgetListener) -> None:
        """Call `listener(platform, user_id)` after `forget-me` deleted a person's data, so an
        adapter drops what it caches about them."""
        self.services.forget_listeners.append(listener)

    async def team_removed(self, platform: str, team_id: str) -> None:
        """Needle was removed from a team (a Discord server): its memberships end, so nothing
        more is sent for it and no direct message counts toward it."""
        async with self.database.transaction() as session:
            ended = await deactivate_team(session, platform, team_id)
        log.info("Needle left %s/%s: %d membership(s) ended", platform, team_id, ended)

    async def _handle_once(self, incoming: Incoming) -> list[Reply]:
        now = self.clock.now()
        async with self.database.transaction() as session:
            if incoming.event_id and not await remember_event(
                session, incoming.address.platform, incoming.event_id, now=now
            ):
                log.info("dropping repeated event %s", incoming.event_id)
                return []
            ctx = await self._context(session, incoming, now)
            if ctx is None:
                return []
            replies = await self._route(ctx)
            team_id = ctx.team.external_id
        for committed in ctx.after_commit:
            committed()
        replies = await self._shared_only_in_team_channels(incoming, team_id, replies)
        return await draw_charts(replies)

    async def _shared_only_in_team_channels(
        self, incoming: Incoming, team_id: str, replies: list[Reply]
    ) -> list[Reply]:
        """A reply for the whole channel (the leaderboard) goes there only when the channel is
        one of the team's own, as for the recap; in any other channel (shared with another
        organisation, or unknown) it is answered to the asker alone, with a note why."""
        channel = incoming.address.channel_id
        if (
            incoming.is_direct
            or not channel
            or not any(r.visibility is Visibility.CHANNEL for r in replies)
        ):
            return replies
        try:
            belongs = await self.services.channel_in_team(
                incoming.address.platform, team_id, channel
            )
        except Exception:
            log.exception("could not check channel %s of %s", channel, team_id)
            belongs = False
        if belongs is not False:
            return replies
        return [
            replace(reply, visibility=Visibility.PRIVATE, text=f"{reply.text}\n\n{NOT_SHARED}")
            if reply.visibility is Visibility.CHANNEL
            else reply
            for reply in replies
        ]

    async def _context(
        self, session: AsyncSession, incoming: Incoming, now: datetime
    ) -> Context | None:
        """Find or create the member and the team this Incoming belongs to (None: an action
        for members only, about someone who is not one)."""
        address = incoming.address
        contact = await find_known_contact(
            session, address.platform, address.user_id, address.team_id or None
        )
        if contact is None:
            if incoming.kind is IncomingKind.ACTION and self.router.members_only(incoming.action):
                return None
            contact = await self._first_contact(session, incoming, now)
        member, team, membership = contact
        person = incoming.person
        if person.display_name and member.display_name != person.display_name:
            member.display_name = person.display_name
        if person.timezone and not member.timezone_chosen and member.timezone != person.timezone:
            member.timezone = person.timezone  # the platform's profile, until the member chooses
        if member.undeliverable_since is not None:
            member.undeliverable_since = None  # they wrote to us: reachable again
        # The role is a record of what the platform said last, shown to no one as a right:
        # `Context.is_admin` asks the Incoming itself.
        if incoming.person.is_admin is not None and address.team_id:
            membership.role = "admin" if incoming.person.is_admin else "member"
        elif is_personal_team(team, address.user_id):
            membership.role = "admin"  # a solo member runs their own team
        # A wider late check-in window than the default holds only if every other team of the
        # member's allows it (one more query, only for teams that widened it).
        backfill_elsewhere = (
            await narrowest_backfill_elsewhere(session, member.id, team.id)
            if team.backfill_days > 1
            else None
        )
        ctx = Context(
            session=session,
            services=self.services,
            incoming=incoming,
            team=team,
            member=member,
            membership=membership,
            now=now,
            backfill_elsewhere=backfill_elsewhere,
        )
        await ctx.load_target_minimums()
        return ctx

    async def _first_contact(
        self, session: AsyncSession, incoming: Incoming, now: datetime
    ) -> tuple[Member, Team, TeamMembership]:
        """Find or create the member, their team and membership (first contact, DMs)."""
        settings = self.services.settings
        address = incoming.address
        zone_name = incoming.person.timezone or settings.default_timezone
        member = await ensure_member(
            session,
            address.platform,
            address.user_id,
            now=now,
            display_name=incoming.person.display_name,
        )
        if address.team_id:
            team = await ensure_team(
                session, address.platform, address.team_id, now=now, timezone=zone_name
            )
            await leave_personal_team(session, member)
        else:
            # A direct message with no team (Discord DMs): the member's first team, or a
            # personal one for a solo member.
            teams = await teams_of(session, member.id)
            team = (
                teams[0]
                if teams
                else await ensure_team(
                    session,
                    address.platform,
                    personal_team_id(address.user_id),
                    now=now,
                    timezone=zone_name,
                    name=incoming.person.display_name,
                )
            )
        membership = await ensure_membership(session, team, member, now=now)
        return member, team, membership

    async def _route(self, ctx: Context) -> list[Reply]:
        incoming = ctx.incoming
        if incoming.kind is IncomingKind.COMMAND:
            return await self.run_command(ctx, incoming.command, clean(incoming.text))
        if incoming.kind is IncomingKind.ACTION:
            action = self.router.action(incoming.action)
            if action is None:
                return [Reply("That button has expired. Type `help` to see what I can do.")]
            return await action.handler(ctx, incoming.value)
        if incoming.kind is IncomingKind.FORM:
            # A form id may carry a reference after a colon (`checkin.form:2026-11-24`).
            form_id, _, ref = incoming.action.partition(":")
            form_handler = self.router.form(form_id)
            if form_handler is None:
                return [Reply("That form has expired. Type `checkin` to start again.")]
            return await form_handler(ctx, {**incoming.values, "_ref": ref})
        return await self.on_message(ctx, clean(incoming.text))

    async def run_command(self, ctx: Context, name: str, args: str) -> list[Reply]:
        """Run a subcommand by name, refusing admin commands to non-admins."""
        entry, args = self.router.find_command_at(name or "help", args)
        if entry is None:
            return [
                Reply(
                    f"I don't know the command `{name[:40]}`. Type `help` for the list.",
                    kind=ReplyKind.UNKNOWN,
                )
            ]
        if entry.admin_only and not ctx.is_admin:
            return [
                Reply(
                    ctx.admin_refusal(
                        entry.name,
                        f"Only team admins can use `{entry.name}`. Ask an admin of your "
                        "workspace or server to change it.",
                    ),
                    kind=ReplyKind.REFUSAL,
                )
            ]
        return await entry.handler(ctx, args)

    async def on_message(self, ctx: Context, text: str) -> list[Reply]:
        """A plain message: answer an open conversation, run a command, or offer it to the
        router's plain-message handlers (a check-in typed in one message, a greeting)."""
        if not text:
            return [Reply("I got an empty message. Type `help` to see what I can do.")]
        word, _, rest = strip_prefix(text).partition(" ")
        entry, _ = self.router.find_command_at(word, rest)
        state = await load_state(ctx.session, ctx.member.id)
        if state is not None:
            flow = self.router.flow(state.flow)
            if flow is None:
                await end_conversation(ctx, EndReason.UNROUTED)  # a conversation no one answers
                state = None
            elif await flow.close_if_expired(ctx, state):
                state = None
            elif entry is None or not flow.may_interrupt(entry, state):
                return await flow.answer(ctx, state, text)
        if entry is not None:
            replies = await self.run_command(ctx, word, rest.strip())
            if state is not None:
                replies += await self._reminder_of_open_question(ctx, entry, replies)
            return replies
        for handler in self.router.message_handlers:
            answered = await handler(ctx, text)
            if answered is not None:
                return answered
        return [
            Reply(
                "I didn't catch that. Type `checkin` for today's check-in, `log 3 calls 40m` "
                "to add to today, or `help` for everything else.",
                kind=ReplyKind.UNKNOWN,
            )
        ]

    async def _reminder_of_open_question(
        self, ctx: Context, after: Command, shown: list[Reply]
    ) -> list[Reply]:
        """After a command mid-conversation answered `shown`, what the conversation still
        open then repeats of its question, so the member can go on."""
        state = await load_state(ctx.session, ctx.member.id)
        flow = self.router.flow(state.flow) if state is not None else None
        if state is None or flow is None:
            return []
        return await flow.reask(ctx, state, after, shown)


def clean(text: str) -> str:
    """Trim, cap and tidy what a user typed (NUL bytes; adapters already turned platform
    mentions into `@<id>`)."""
    return text.replace("\x00", "")[:MAX_TEXT].strip()


def strip_prefix(text: str) -> str:
    """`/needle stats week` and `needle stats week` typed in a DM become `stats week`."""
    lowered = text.lower()
    for prefix in ("/needle ", "needle ", "/"):
        if lowered.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


__all__ = ["Engine"]
