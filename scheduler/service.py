"""The scheduler service: an APScheduler tick on the running loop that sends what is due.

The scheduler holds no live objects. Each tick reads the injected clock, asks the database
who might be due (members and teams on the platforms this process serves), has
`scheduler.due.due_work` (pure: local times, daylight saving, grace) say what is due now, and
hands those work items to the Deliverer (`scheduler.delivery`), which claims each delivery in
the database before sending it. Restarts, catch-up after downtime and several
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
from bot.metrics import Metrics
from bot.storage import deliveries as store
from bot.storage.db import Database
from bot.storage.events import EVENT_MEMORY, forget_events_before
from bot.storage.slack_oauth import forget_expired_oauth_states
from scheduler.delivery import Deliverer, DeliveryReport
from scheduler.due import Kind, due_work, kinds_in_use

log = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(hours=6)
KEEP_DELIVERIES = timedelta(days=90)
STOP_TIMEOUT_SECONDS = 15.0


def instance_name(settings: Settings) -> str:
    """This process's name in delivery claims: INSTANCE_NAME, or host name and process id."""
    return settings.instance_name or f"{socket.gethostname()}:{os.getpid()}"


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
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        self.metrics = metrics if metrics is not None else Metrics()
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
            # The last tick that can still send a delivery is the one to give up waiting.
            wait_limit=self.grace - timedelta(seconds=tick_seconds),
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
            kinds = kinds_in_use(await store.nudges_in_use(session, platforms=platforms))
            members = await store.member_candidates(
                session, platforms=platforms, kinds=kinds, now=now
            )
            teams = await store.recap_candidates(
                session, platforms=platforms, kind=Kind.RECAP, now=now
            )
        work = due_work(
            now,
            members,
            teams,
            kinds,
            grace=self.grace,
            default_timezone=self.default_timezone,
        )
        report = await self.deliverer.deliver(work, now, started)
        self.metrics.count_deliveries(
            due=report.due_by_kind,
            sent=report.sent_by_kind,
            failed=report.failed_by_kind,
            deferred=report.deferred_by_kind,
        )
        if report.due:
            log.info(
                "scheduler tick at %s: %s", now.isoformat(timespec="seconds"), report.summary()
            )
        await self._maybe_prune(now)
        self.metrics.tick_seconds.observe(time.monotonic() - started)
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
        metrics=getattr(engine, "metrics", None),
    )
