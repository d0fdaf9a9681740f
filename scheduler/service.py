"""The scheduler service: an APScheduler tick on the running loop that sends what is due.

The scheduler holds no live objects. Each tick reads the injected clock, asks the database
who might be due (members and teams on the platforms this process serves), works out local
times in Python (scheduler.due), and hands the due work to the Deliverer, which claims each
delivery in the database before sending it. Restarts, catch-up after downtime and several
instances on one PostgreSQL all follow from the claims; APScheduler only paces the ticks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from adapters.base import Outbox
from bot.clock import Clock
from bot.config import Settings
from bot.profile import Profile, zone
from bot.storage import deliveries as store
from bot.storage.db import Database
from bot.storage.deliveries import MemberRow
from bot.storage.events import EVENT_MEMORY, forget_events_before
from bot.storage.models import Team
from bot.storage.slack_oauth import forget_expired_oauth_states
from scheduler.delivery import Deliverer, DeliveryReport, Work
from scheduler.due import (
    DueSlot,
    Kind,
    Occurrences,
    TeamRules,
    for_member,
    profile_due,
    team_recap_work,
)

log = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(hours=6)
# The columns of a MemberRow that Profile.of reads: timezone through prompts_off.
MEMBER_SETTINGS = slice(MemberRow._fields.index("timezone"), len(MemberRow._fields))
KEEP_DELIVERIES = timedelta(days=90)
STOP_TIMEOUT_SECONDS = 15.0


def instance_name(settings: Settings) -> str:
    """This process's name in delivery claims: INSTANCE_NAME, or host name and process id."""
    return settings.instance_name or f"{socket.gethostname()}:{os.getpid()}"


def team_rules_of(team: Team) -> TeamRules:
    """A team's nudge settings as `member_work` reads them."""
    return TeamRules(
        team_id=team.id,
        nudge_after=timedelta(minutes=team.nudge_after_minutes),
        quiet_start=team.quiet_start,
        quiet_end=team.quiet_end,
        pace_check_time=team.pace_check_time,
        has_manager=team.manager_member_id is not None,
        escalate_after_days=team.escalate_after_days,
    )


@dataclass(frozen=True)
class TickReport:
    """What one tick found and did."""

    now: datetime
    members: int
    teams: int
    delivery: DeliveryReport


class Scheduler:
    """Sends daily prompts, nudges, pace checks and weekly recaps, each exactly once."""

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        clock: Clock,
        *,
        owner: str,
        tick_seconds: int = 30,
        grace: timedelta = timedelta(hours=3),
        lease: timedelta = timedelta(minutes=5),
        concurrency: int = 20,
        default_timezone: str = "UTC",
        max_attempts: int = 5,
        retry_base: timedelta = timedelta(minutes=1),
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.clock = clock
        self.owner = owner
        self.tick_seconds = tick_seconds
        # Work a tick or two late is never "too late", whatever CATCH_UP_HOURS says.
        self.grace = max(grace, timedelta(seconds=2 * tick_seconds))
        self.default_timezone = default_timezone
        self.deliverer = Deliverer(
            database,
            outbox,
            owner=owner,
            lease=lease,
            concurrency=concurrency,
            max_attempts=max_attempts,
            retry_base=retry_base,
        )
        self._aps: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._current: asyncio.Task[Any] | None = None
        self._last_prune: datetime | None = None
        self._first: asyncio.Task[None] | None = None

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Find what is due at `now` (default: the clock's now) and deliver it."""
        started = time.monotonic()
        now = now or self.clock.now()
        platforms = self.outbox.platforms
        async with self.database.transaction() as session:
            in_use = await store.nudges_in_use(session, platforms=platforms)
            kinds = [
                kind
                for kind, wanted in (
                    (Kind.PROMPT, True),
                    (Kind.REMINDER, True),
                    (Kind.ESCALATION, in_use.escalation),
                    (Kind.MANAGER_NOTE, in_use.manager_note),
                    (Kind.PACE, in_use.pace),
                )
                if wanted
            ]
            members = await store.member_candidates(
                session, platforms=platforms, kinds=kinds, now=now
            )
            teams = await store.recap_candidates(
                session, platforms=platforms, kind=Kind.RECAP, now=now
            )
        work: list[Work] = []
        occurrences = Occurrences(now)
        rules: dict[int, TeamRules] = {}
        # Members of a team with the same settings and the same deliveries settled share a
        # profile and what is due; each member then only checks when they joined.
        groups: dict[tuple[Any, ...], tuple[Profile, list[DueSlot]]] = {}
        for candidate in members:
            team, row = candidate.team, candidate.member
            team_id = team.id
            # The team, the member's own settings (timezone … prompts_off) and what is settled.
            group_key = (team_id, row[MEMBER_SETTINGS], candidate.settled)
            group = groups.get(group_key)
            if group is None:
                team_rules = rules.get(team_id)
                if team_rules is None:
                    team_rules = rules[team_id] = team_rules_of(team)
                profile = Profile.of(row, team, self.default_timezone)
                settled = dict(zip(kinds, candidate.settled, strict=True))
                slots = profile_due(now, profile, team_rules, settled, self.grace, occurrences)
                group = groups[group_key] = (profile, slots)
            profile, slots = group
            if slots:
                for due in for_member(slots, row.id, team_id, candidate.joined_at):
                    work.append(Work(due, team, profile, row))
        for team_candidate in teams:
            team = team_candidate.team
            recap = team_recap_work(
                now,
                team_id=team.id,
                tz=zone(team.timezone, self.default_timezone),
                weekday=team.recap_weekday,
                at=team.recap_time,
                settled=team_candidate.settled,
                grace=self.grace,
            )
            if recap is not None:
                work.append(Work(recap, team))
        report = await self.deliverer.deliver(work, now, started)
        if report.due:
            log.info(
                "scheduler tick at %s: %s", now.isoformat(timespec="seconds"), report.summary()
            )
        await self._maybe_prune(now)
        return TickReport(now, len(members), len(teams), report)

    async def _maybe_prune(self, now: datetime) -> None:
        if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        async with self.database.transaction() as session:
            removed = await store.prune(session, before=(now - KEEP_DELIVERIES).date())
            forgotten = await forget_events_before(session, now - EVENT_MEMORY)
            await forget_expired_oauth_states(session, now)
        if removed or forgotten:
            log.info(
                "pruned %d delivery records older than %s and %d event ids older than %s",
                removed,
                KEEP_DELIVERIES,
                forgotten,
                EVENT_MEMORY,
            )

    async def _scheduled_tick(self) -> None:
        """The APScheduler job: one tick at a time; errors are logged, the next tick retries."""
        if self._lock.locked():
            return
        async with self._lock:
            self._current = asyncio.current_task()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler tick failed; the next tick tries again")
            finally:
                self._current = None

    async def start(self) -> None:
        """Start ticking on the running event loop, the first tick at once."""
        if self._aps is not None:
            return
        self.deliverer.resume_claiming()
        self._aps = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
        self._aps.add_job(
            self._scheduled_tick,
            IntervalTrigger(seconds=self.tick_seconds),
            id="needle-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._aps.start()
        # The first tick at once (catch-up after downtime); APScheduler paces the ones after.
        self._first = asyncio.create_task(self._scheduled_tick())
        log.info(
            "scheduler %s ticking every %d s (catch-up %s)",
            self.owner,
            self.tick_seconds,
            self.grace,
        )

    async def stop(self) -> None:
        """Stop ticking; a tick in flight may finish its sends (briefly), the rest is given back."""
        if self._aps is None:
            return
        self._aps.shutdown(wait=False)
        self._aps = None
        self.deliverer.stop_claiming()
        if self._first is not None and not self._first.done() and not self._lock.locked():
            self._first.cancel()
        current = self._current
        if current is not None and not current.done():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(current), STOP_TIMEOUT_SECONDS)
            if not current.done():
                current.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await current


def build_scheduler(
    settings: Settings,
    database: Database,
    engine: Any,
    outbox: Outbox,
    *,
    clock: Clock | None = None,
) -> Scheduler:
    """The scheduler `needle run` and `needle chat` start, from the settings."""
    return Scheduler(
        database,
        outbox,
        clock if clock is not None else engine.clock,
        owner=instance_name(settings),
        tick_seconds=settings.tick_seconds,
        grace=settings.catch_up,
        lease=timedelta(seconds=settings.claim_lease_seconds),
        concurrency=settings.send_concurrency,
        default_timezone=settings.default_timezone,
    )
