"""The bridge between a chat platform and the engine, shared by the Slack and Discord adapters.

An adapter hands the bridge one piece of work per event it accepts (a DM, a command, a button,
a submitted form). The bridge

- keeps each member's events in order: one member's events run one at a time, in arrival
  order; different members' events run side by side;
- bounds the work: a fixed pool of workers runs the events, and at most `engine_concurrency`
  of them are inside the engine at once (SQLite's single writer gains nothing from a crowd);
- bounds what it holds: at most `capacity` events are accepted and unfinished. `submit` says
  synchronously when the queue is full, so the adapter can answer on the spot (Slack: a status
  that makes Slack send the event again later; Discord: "busy, try again in a moment");
- calls the adapter's defer callback when the platform's answer budget runs out before the
  engine has answered (a `Deadline`, armed when the event is accepted);
- lets a burst be acknowledged first: while events keep arriving (one at least every
  `BURST_GAP` seconds) workers hold off, for at most `BURST_HOLD` seconds of the burst, so the
  platform's acknowledgements do not queue behind the engine work of the events before them
  on the one event loop (a steady stream is served as before once the hold is over);
- turns an engine failure into the one apology, `APOLOGY`;
- drains at shutdown: `stop()` refuses new events and waits, up to a timeout, for the accepted
  ones to finish, so their answers go out before the database closes;
- reports to the engine's metrics, when it keeps them: its queue depth, and for events with a
  deadline the time from accepting to answering or deferring them (the acknowledgement).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from adapters.base import CoachEngine
from adapters.metrics_http import metrics_of
from bot.messages import APOLOGY, Incoming, Reply

log = logging.getLogger(__name__)

# Incomings inside the engine at once on PostgreSQL (SQLite gets one: a single writer).
ENGINE_CONCURRENCY = 8

# Workers running accepted events (lookups, the engine, delivery) at once.
WORKERS = 32

# Accepted-but-unfinished events an adapter holds before it turns new ones away.
CAPACITY = 2000

# How long `stop()` waits for accepted events before cancelling what is left.
STOP_SECONDS = 10.0

# A burst: events arriving less than BURST_GAP seconds apart. Workers wait for its end, up
# to BURST_HOLD seconds after its first event, before running work (see the module's list).
BURST_GAP = 0.02
BURST_HOLD = 1.0

# What a member reads when an adapter has no room for their event right now.
BUSY_TEXT = "Needle is busy right now. Please try again in a moment."

# A member of a team: (team id, user id). Their events are handled one at a time.
MemberKey = tuple[str, str]
Work = Callable[[], Coroutine[Any, Any, object]]
Defer = Callable[[], Coroutine[Any, Any, object]]


def engine_concurrency_for(database_url: str) -> int:
    """Incomings handled by the engine at once: one for SQLite (a single writer gains nothing
    from a crowd; a burst waits here, in order and without a deadline, instead of in the
    connection pool, whose wait times out), ENGINE_CONCURRENCY otherwise."""
    return 1 if database_url.startswith("sqlite") else ENGINE_CONCURRENCY


class Deadline:
    """A platform's answer budget for one event, and what to do when it runs out.

    Armed when the bridge accepts the event (time spent waiting for the member's turn counts).
    When `seconds` pass before the work calls `settle()`, the bridge runs `defer` (Slack: ack
    and post later; Discord: "Needle is thinking…" and follow up).
    """

    def __init__(self, seconds: float, defer: Defer) -> None:
        self.seconds = seconds
        self._defer = defer
        self._timer: asyncio.TimerHandle | None = None
        self._deferring: asyncio.Task[object] | None = None
        self._settled = False
        self._armed_at = 0.0
        self._acknowledged: Callable[[float], object] | None = None

    def arm(self, acknowledged: Callable[[float], object] | None = None) -> None:
        """Start counting (the bridge calls this when it accepts the event); `acknowledged`
        is told the seconds until the event is answered in time or deferred."""
        loop = asyncio.get_running_loop()
        self._armed_at = loop.time()
        self._acknowledged = acknowledged
        self._timer = loop.call_later(self.seconds, self._expire)

    def _ack(self) -> None:
        if self._acknowledged is not None:
            self._acknowledged(asyncio.get_running_loop().time() - self._armed_at)
            self._acknowledged = None

    def _expire(self) -> None:
        if self._settled:
            return
        self._ack()
        self._deferring = asyncio.get_running_loop().create_task(self._defer(), name="bridge-defer")
        self._deferring.add_done_callback(_log_failed_deferral)

    def cancel(self) -> None:
        """Never defer (the work ended without settling, e.g. it failed); the event counts as
        acknowledged now unless it was deferred already."""
        self._ack()
        self._settled = True
        if self._timer is not None:
            self._timer.cancel()

    async def settle(self) -> bool:
        """The answer is ready: True when it is in time (no defer will run), else False once
        the defer callback has finished (answer with follow-ups)."""
        self.cancel()
        if self._deferring is None:
            return True
        with contextlib.suppress(Exception):
            await self._deferring
        return False


def _log_failed_deferral(task: asyncio.Task[object]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("could not defer an answer", exc_info=task.exception())


@dataclass
class _Event:
    """One accepted event: its work and, if the platform wants an answer in time, a deadline."""

    work: Work
    name: str
    deadline: Deadline | None = None


class Bridge:
    """Runs accepted events: per-member order, bounded concurrency, bounded queue, drain."""

    def __init__(
        self,
        engine: CoachEngine,
        *,
        platform: str,
        engine_concurrency: int = ENGINE_CONCURRENCY,
        workers: int = WORKERS,
        capacity: int = CAPACITY,
    ) -> None:
        self.engine = engine
        self.platform = platform
        self.capacity = capacity
        self._engine_slots = asyncio.Semaphore(engine_concurrency)
        self._worker_count = workers
        self._workers: list[asyncio.Task[None]] = []
        self._members: dict[MemberKey, deque[_Event]] = {}
        # Members with an event ready to run; each member is here at most once, and not while
        # a worker runs one of their events.
        self._ready: asyncio.Queue[MemberKey] = asyncio.Queue()
        self._unfinished = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._accepting = True
        # When the latest event arrived, and when the burst it belongs to began (loop time).
        self._last_arrival = float("-inf")
        self._burst_began = float("-inf")
        self._acknowledged: Callable[[float], object] | None = None
        metrics = metrics_of(engine)
        if metrics is not None:
            metrics.watch_queue(platform, lambda: self._unfinished)
            self._acknowledged = metrics.event_ack_seconds.labels(platform).observe

    # -- accepting ----------------------------------------------------------------------------

    @property
    def busy(self) -> int:
        """Events accepted and not finished yet."""
        return self._unfinished

    @property
    def accepting(self) -> bool:
        """False once `stop()` (or `close()`) was called."""
        return self._accepting

    def submit(
        self,
        member: MemberKey,
        work: Work,
        *,
        name: str = "event",
        deadline: Deadline | None = None,
    ) -> bool:
        """Accept one event of `member` and run `work` in its turn; False (nothing accepted)
        when the queue is full or the bridge is stopping: the adapter answers that itself."""
        if not self._accepting or self._unfinished >= self.capacity:
            log.warning(
                "%s: turning away %s from %s (%d events in flight, stopping=%s)",
                self.platform,
                name,
                member,
                self._unfinished,
                not self._accepting,
            )
            return False
        self._unfinished += 1
        self._idle.clear()
        arrived = asyncio.get_running_loop().time()
        if arrived - self._last_arrival >= BURST_GAP:
            self._burst_began = arrived
        self._last_arrival = arrived
        if deadline is not None:
            deadline.arm(self._acknowledged)
        queued = self._members.get(member)
        if queued is None:
            queued = self._members[member] = deque()
            self._ready.put_nowait(member)
        queued.append(_Event(work, name, deadline))
        self._start_workers()
        return True

    def _start_workers(self) -> None:
        if self._workers:
            return
        loop = asyncio.get_running_loop()
        self._workers = [
            loop.create_task(self._worker(), name=f"{self.platform}-worker-{n}")
            for n in range(self._worker_count)
        ]

    async def _burst_over(self) -> None:
        """Return once no event arrived for BURST_GAP seconds, or the burst is BURST_HOLD
        seconds old."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            quiet_at = self._last_arrival + BURST_GAP
            hold_ends = self._burst_began + BURST_HOLD
            if now >= quiet_at or now >= hold_ends:
                return
            await asyncio.sleep(min(quiet_at, hold_ends) - now)

    async def _worker(self) -> None:
        while True:
            member = await self._ready.get()
            await self._burst_over()
            queued = self._members[member]
            event = queued.popleft()
            try:
                await event.work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: %s of %s failed", self.platform, event.name, member)
            finally:
                if event.deadline is not None:
                    event.deadline.cancel()  # a failed event must not defer afterwards
                if queued:
                    self._ready.put_nowait(member)  # the member's next event, behind others
                else:
                    del self._members[member]
                self._unfinished -= 1
                if self._unfinished == 0:
                    self._idle.set()

    # -- the engine ---------------------------------------------------------------------------

    async def ask(self, incoming: Incoming) -> list[Reply]:
        """The engine's answer to `incoming` (within the engine bound); the apology if it fails."""
        try:
            async with self._engine_slots:
                return await self.engine.handle(incoming)
        except Exception:
            log.exception(
                "the engine failed on %s from %s/%s/%s",
                incoming.kind,
                incoming.address.platform,
                incoming.address.team_id,
                incoming.address.user_id,
            )
            return [APOLOGY]

    # -- draining -----------------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait until every accepted event has finished (tests, shutdown)."""
        await self._idle.wait()

    def close(self) -> None:
        """Accept no more events (those accepted still run)."""
        self._accepting = False

    async def stop(self, timeout: float = STOP_SECONDS) -> bool:  # noqa: ASYNC109
        """Refuse new events, wait up to `timeout` for the accepted ones, then end the workers.

        True when every accepted event finished; False when some were cancelled at the timeout
        (they are logged).
        """
        self.close()
        finished = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            finished = False
            log.warning(
                "%s: %d event(s) still running after %.1f s at shutdown; cancelling them",
                self.platform,
                self._unfinished,
                timeout,
            )
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        return finished
