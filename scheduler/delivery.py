"""Claim → send → mark: the fan-out of due work through the Outbox, exactly once.

Due work is claimed in sorted chunks (one transaction each, with the check-ins the messages
depend on) ahead of the senders, never so far ahead that a claim's lease could run out before
it is sent. A fixed number of workers send; outcomes are written back by one flusher in
batches (group commit), so the database sees a few writes per chunk, not two per message.
The scheduler's writes are plain functions over a Connection (the end of this module) run by
`Database.run_sync`: on SQLite a whole transaction is one hand-off to the writer thread.

Failures: an error the adapter calls permanent (account deactivated, DMs closed) settles the
delivery as failed and marks the member undeliverable, logged once; anything else is retried
with a growing backoff by leaving the claim to expire at the retry time, so the next tick of
any instance takes it over — until `max_attempts`, after which it is failed. A member whose
last few deliveries all failed that way is marked undeliverable too.

Waiting for a conversation: a message to a member who is mid-conversation (asked or answered
within the last 30 minutes, `bot.storage.conversations`) is not claimed; it stays due and the
next tick asks again, so it arrives once the conversation is over — or not at all when the
check-in it asks for was done meanwhile. Whether each member of a chunk is mid-conversation is
one query in the chunk's claim transaction. A delivery that would still be waiting when its
catch-up window closes is claimed and settled as skipped, with the reason, on the last tick
that could send it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.base import DeliveryError, Outbox
from bot.storage import conversations
from bot.storage import deliveries as store
from bot.storage.db import Database, is_connection_error
from bot.storage.deliveries import Claim, DeliveryKey
from scheduler.compose import (
    Composed,
    Job,
    Later,
    Message,
    Skip,
    compose,
    compose_prompt,
)
from scheduler.due import DueWork, Kind, Work, member_target
from scheduler.lanes import TeamQueues

log = logging.getLogger(__name__)
T = TypeVar("T")

# The messages that go to the member themselves (the manager's note goes to the manager):
# their failures mark the member unreachable, and each depends on the member's check-in.
MEMBER_MESSAGE_KINDS = (Kind.PROMPT, Kind.REMINDER, Kind.ESCALATION, Kind.PACE)
# Said when a delivery waited for a conversation until its catch-up window closed.
LAPSED_WAITING = "still mid-conversation when its catch-up window closed"
FAILURES_BEFORE_UNDELIVERABLE = 3
# Outcomes are written when this many have piled up, or after this pause at the latest.
ACK_BATCH = 500
ACK_WAIT_SECONDS = 0.05
# The producer claims the next chunk when this few claimed jobs are left for the senders.
LOW_WATER = 1000
# A team has this share of the senders at once while other teams wait (`scheduler/lanes.py`),
# and a team being served is topped up to this many claimed jobs when it runs low.
LANES_SHARE = 5
TEAM_AHEAD = 50
# A claim is sent only while this share of its lease is still ahead.
LEASE_MARGIN = 0.2
# A write that fails on a lost connection is tried again after a pause growing from the
# first to the longest, until the claims' leases run out; other database errors get a few tries.
RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 2.0
WRITE_TRIES = 6


@dataclass
class DeliveryReport:
    """What one fan-out did."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    abandoned: int = 0
    deferred: int = 0  # not claimed: the member is mid-conversation; due again next tick
    due_by_kind: Counter[str] = field(default_factory=Counter)
    sent_by_kind: Counter[str] = field(default_factory=Counter)
    failed_by_kind: Counter[str] = field(default_factory=Counter)
    deferred_by_kind: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """One line for the log."""
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.sent_by_kind.items()))
        return (
            f"due {self.due}, claimed {self.claimed}, sent {self.sent}"
            f"{f' ({kinds})' if kinds else ''}, skipped {self.skipped}, "
            f"retrying {self.retrying}, failed {self.failed}, "
            f"waiting for a conversation {self.deferred}"
        )


class _Outcome(NamedTuple):
    job: Job
    status: str  # sent | skipped | retry | failed | abandoned
    reason: str = ""
    recipient_id: int | None = None
    permanent: bool = False


class Deliverer:
    """Sends due work through the Outbox with bounded concurrency; the database keeps score."""

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        *,
        owner: str,
        lease: timedelta,
        concurrency: int,
        max_attempts: int = 5,
        retry_base: timedelta = timedelta(minutes=1),
        retry_cap: timedelta = timedelta(minutes=30),
        wait_limit: timedelta = timedelta(hours=3),
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.owner = owner
        self.lease = lease
        self.concurrency = max(1, concurrency)
        self.max_attempts = max(1, max_attempts)
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        # How late after its time a delivery may still wait for a conversation to end: past
        # this, the next tick would find it outside its catch-up window.
        self.wait_limit = wait_limit
        self.claim_batch = max(500, self.concurrency * 10)
        self._stopping = False
        # SQLite has one writer: queue this process's transactions here, where a waiter
        # resumes the moment the last one commits, not in SQLite's sleeping busy handler.
        self._gate: asyncio.Lock | None = asyncio.Lock() if database.is_sqlite else None

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A transaction of the scheduler's own (one at a time on SQLite)."""
        if self._gate is None:
            async with self.database.transaction() as session:
                yield session
            return
        async with self._gate, self.database.transaction() as session:
            yield session

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(connection, *args)` as a transaction of the scheduler's own, in one go
        (`Database.run_sync`; one at a time on SQLite)."""
        if self._gate is None:
            return await self.database.run_sync(fn, *args)
        async with self._gate:
            return await self.database.run_sync(fn, *args)

    def stop_claiming(self) -> None:
        """Claim nothing new; work already claimed is still sent."""
        self._stopping = True

    def resume_claiming(self) -> None:
        """Claim again after `stop_claiming`."""
        self._stopping = False

    def backoff(self, attempts: int) -> timedelta:
        """How long to wait before attempt `attempts + 1`: doubling from `retry_base`, capped."""
        return min(self.retry_base * (2 ** max(0, attempts - 1)), self.retry_cap)

    async def deliver(
        self, work: Sequence[Work], now: datetime, started: float | None = None
    ) -> DeliveryReport:
        """Claim, send and settle `work` as of `now`, read at `started` (time.monotonic();
        default: at once), so the claims' leases and the send deadlines agree."""
        run = _Run(self, now, time.monotonic() if started is None else started)
        run.report.due = len(work)
        run.report.due_by_kind.update(item.due.kind for item in work)
        if work:
            await run.execute(list(work))
        return run.report


KIND_ORDER = {kind: n for n, kind in enumerate(Kind)}


def _claim_order(item: Work) -> tuple[int, str, date]:
    """Prompts first, then reminders, nudges and recaps; by target within a kind."""
    return (KIND_ORDER[item.due.kind], item.due.target, item.due.local_date)


class _Run:
    """One fan-out: the producer claiming chunks, the senders, and the outcome flusher.

    Claimed jobs wait in per-team queues (`scheduler/lanes.py`: teams take turns, and a big
    team's platform pace is kept fed) and outcomes in a list; events wake whoever waits on
    them. A fan-out of thousands passes each message through a few deque operations, not
    through asyncio queues, and a sender only awaits when it has nothing to send.
    """

    def __init__(self, deliverer: Deliverer, now: datetime, started: float) -> None:
        self.d = deliverer
        self.started = started  # time.monotonic() when `now` was read
        self.tick_now = now
        self.report = DeliveryReport()
        self.unsent: set[int] = set()
        # Claimed jobs for the senders, per team; the producer claims more when few are left.
        self.queues: TeamQueues | None = None
        self.claiming = True
        self.jobs_ready = asyncio.Event()  # set when jobs arrive or claiming is over
        self.low_water = max(deliverer.concurrency * 2, LOW_WATER)
        self.running_low = asyncio.Event()
        # Outcomes waiting to be written, and what makes the flusher write them.
        self.outcomes: list[_Outcome] = []
        self.flush_due = asyncio.Event()
        self.flush_timer: asyncio.TimerHandle | None = None
        self.finished = False

    def now(self) -> datetime:
        """The tick's instant plus the time this run has taken."""
        return self.tick_now + timedelta(seconds=time.monotonic() - self.started)

    async def execute(self, work: list[Work]) -> None:
        senders = min(self.d.concurrency, len(work))
        self.queues = TeamQueues(
            work,
            senders=senders,
            lanes=max(1, self.d.concurrency // LANES_SHARE),
            ahead=TEAM_AHEAD,
            order=_claim_order,
        )
        flusher = asyncio.create_task(self._flush_outcomes())
        producer = asyncio.create_task(self._produce(work))
        workers = [asyncio.create_task(self._send_loop()) for _ in range(senders)]
        try:
            # A claim that fails for good ends the producer; the senders still finish what
            # they hold, so every message handed to a platform gets its outcome written.
            ended = await asyncio.gather(producer, *workers, return_exceptions=True)
        finally:
            for task in (producer, *workers):
                task.cancel()
            await asyncio.gather(producer, *workers, return_exceptions=True)
            self.finished = True
            self._arm_flush()
            await asyncio.shield(flusher)
            if self.unsent:  # claimed but never sent (stopping): given back at once
                await asyncio.shield(self._release())
        for result in ended:
            if isinstance(result, BaseException):
                raise result

    async def _produce(self, work: list[Work]) -> None:
        queues = self.queues
        assert queues is not None
        # A small first chunk gets the senders going; later chunks grow to claim_batch.
        size = min(self.d.claim_batch, self.d.concurrency * 2)
        try:
            while queues.has_unclaimed and not self.d._stopping:
                # Claim the next chunk while the senders still have work queued (or a team
                # being served runs low), and not sooner: a claim waiting uses up its lease.
                if not queues.wants_claim(self.low_water):
                    self.running_low.clear()
                    await self.running_low.wait()
                    continue
                # Each chunk is claimed in one global order (prompts first, by target) in every
                # instance: claimers never deadlock.
                chunk = sorted(queues.next_chunk(size, self.low_water), key=_claim_order)
                if not chunk:
                    self.running_low.clear()
                    await self.running_low.wait()
                    continue
                size = min(self.d.claim_batch, size * 2)
                claiming = asyncio.ensure_future(self._claim(chunk))
                try:
                    queues.add(await asyncio.shield(claiming))
                except asyncio.CancelledError:
                    # Stopping mid-claim: the claim may commit all the same. Wait for it, so
                    # its claims are among those given back, not left to run out their lease.
                    with contextlib.suppress(Exception):
                        await claiming
                    raise
                self.jobs_ready.set()
        finally:
            self.claiming = False
            self.jobs_ready.set()

    async def _claim(self, chunk: list[Work]) -> list[Job]:
        by_key: dict[DeliveryKey, Work] = {item.due.key: item for item in chunk}
        claimed_at = time.monotonic()
        now = self.now()
        claimed = await self._persist(
            f"claiming {len(chunk)} deliveries",
            lambda: self.d.write(
                _claim_chunk,
                [item.due for item in by_key.values()],
                [_waits_for(item) for item in by_key.values()],
                self.d.owner,
                now,
                self.d.lease,
                self.d.wait_limit,
            ),
            until=now + self.d.lease,
        )
        claims, statuses = claimed.claims, claimed.statuses
        self.report.claimed += len(claims)
        self.report.deferred += len(claimed.waiting)
        self.report.deferred_by_kind.update(due.kind for due in claimed.waiting)
        for key in claimed.lapsed:
            log.info("%s for %s on %s skipped: %s", *key, LAPSED_WAITING)
        # Every claim of the chunk holds until `now + lease`: send none too close to its end.
        deadline = claimed_at + self.d.lease.total_seconds() * (1 - LEASE_MARGIN)
        jobs: list[Job] = []
        for claim in claims:
            item = by_key[claim.key]
            member_id = item.due.member_id
            status = statuses.get((member_id, claim.local_date)) if member_id else None
            job = Job(item.due, claim, item.team, item.member, item.profile, status, deadline)
            if claim.key in claimed.lapsed:
                job.composed = Skip(LAPSED_WAITING)
            elif claim.kind == Kind.PROMPT:
                # Composed here, a chunk at a time, so a sender only sends: most of a fan-out
                # is prompts, which need nothing from the database.
                job.composed = self._compose_prompt(job)
            jobs.append(job)
        self.unsent.update(claim.id for claim in claims)
        return jobs

    @staticmethod
    def _compose_prompt(job: Job) -> Composed:
        try:
            return compose_prompt(job)
        except Exception as err:
            log.exception("could not compose the prompt for %s", job.work.target)
            return Later(f"compose: {err!r}")

    async def _send_loop(self) -> None:
        queues = self.queues
        assert queues is not None
        while True:
            job = queues.take()
            if job is None:
                if not self.claiming and not queues.waiting:
                    return
                self.jobs_ready.clear()
                await self.jobs_ready.wait()
                continue
            if queues.wants_claim(self.low_water):
                self.running_low.set()
            outcome = await self._send(job)
            queues.done(job)  # the team may take its turn again
            self.jobs_ready.set()
            if queues.wants_claim(self.low_water):
                self.running_low.set()
            self._record(outcome)

    def _record(self, outcome: _Outcome) -> None:
        """Keep an outcome for the flusher."""
        self.outcomes.append(outcome)
        self._arm_flush()

    def _arm_flush(self) -> None:
        """Have the outcomes written when ACK_BATCH have piled up, or ACK_WAIT_SECONDS after
        the first of them, or at once when the run is over."""
        if self.finished or len(self.outcomes) >= ACK_BATCH:
            self.flush_due.set()
        elif self.flush_timer is None and self.outcomes:
            loop = asyncio.get_running_loop()
            self.flush_timer = loop.call_later(ACK_WAIT_SECONDS, self.flush_due.set)

    async def _send(self, job: Job) -> _Outcome:
        try:
            composed = job.composed
            if composed is None:
                composed = await compose(self.d.session, job, self.now)
        except Exception as err:
            log.exception("could not compose %s for %s", job.work.kind, job.work.target)
            self.unsent.discard(job.claim.id)
            return self._retry_or_fail(job, f"compose: {err!r}", None)
        self.unsent.discard(job.claim.id)
        # Never send on a claim whose lease may have run out: another instance may own it.
        if time.monotonic() > job.deadline:
            return _Outcome(job, "abandoned", "lease ran out before sending")
        if not isinstance(composed, Message):
            if isinstance(composed, Skip):
                return _Outcome(job, "skipped", composed.reason)
            return self._retry_or_fail(job, composed.reason, None)
        try:
            await self.d.outbox.send(composed.outgoing)
        except DeliveryError as err:
            if err.permanent:
                return _Outcome(job, "failed", str(err), composed.recipient_id, permanent=True)
            return self._retry_or_fail(job, str(err), composed.recipient_id)
        except Exception as err:
            log.warning(
                "sending %s to %s failed: %r", job.work.kind, job.work.target, err, exc_info=True
            )
            return self._retry_or_fail(job, repr(err), composed.recipient_id)
        return _Outcome(job, "sent", "", composed.recipient_id)

    def _retry_or_fail(self, job: Job, reason: str, recipient_id: int | None) -> _Outcome:
        if job.claim.attempts >= self.d.max_attempts:
            return _Outcome(
                job,
                "failed",
                f"gave up after {job.claim.attempts} attempts: {reason}",
                recipient_id,
            )
        return _Outcome(job, "retry", reason, recipient_id)

    async def _flush_outcomes(self) -> None:
        """Write outcomes in batches (group commit), and the last ones when the run ends."""
        while True:
            await self.flush_due.wait()
            self.flush_due.clear()
            if self.flush_timer is not None:
                self.flush_timer.cancel()
                self.flush_timer = None
            batch, self.outcomes = self.outcomes, []
            if batch:
                await self._settle(batch)
            if self.finished and not self.outcomes:
                return
            self._arm_flush()  # for what piled up meanwhile

    async def _persist(self, what: str, write: Callable[[], Awaitable[T]], until: datetime) -> T:
        """`write()`, tried again after database errors: a lost or refused connection (the
        database restarting) with a growing pause until `until`, any other database error (a
        deadlock, a busy database) up to WRITE_TRIES times. Raises the last error after that."""
        pause = RETRY_FIRST_SECONDS
        for tries in itertools.count(1):
            try:
                result = await write()
            except Exception as err:
                lost = is_connection_error(err)
                if not lost and not isinstance(err, DBAPIError):
                    raise
                if lost:
                    if self.now() + timedelta(seconds=pause) > until:
                        raise
                elif tries >= WRITE_TRIES:
                    raise
                if tries == 1:
                    log.warning("%s failed (%r); trying again", what, err)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX_SECONDS)
                continue
            if tries > 1:
                log.info("%s succeeded after %d tries", what, tries)
            return result
        raise AssertionError("unreachable")

    async def _settle(self, batch: list[_Outcome]) -> None:
        # Kept here, in memory, until written: the database may be restarting. Past the last
        # lease of the batch another instance may have taken its claims over.
        until = max(o.job.claim.lease_until for o in batch)
        try:
            newly_unreachable = await self._persist(
                f"recording {len(batch)} delivery outcomes", lambda: self._write(batch), until
            )
        except Exception as err:
            if not is_connection_error(err) and not isinstance(err, DBAPIError):
                raise
            log.error("could not record %d delivery outcomes: %r", len(batch), err)
            if not self.finished and self.now() < until:  # tried again with the next batch
                self.outcomes[:0] = batch
            return
        for outcome in batch:
            self._count(outcome)
        for member_id, reason in newly_unreachable:
            log.warning(
                "member %d cannot be reached (%s); no more scheduled messages until they "
                "write to Needle again",
                member_id,
                reason,
            )

    async def _write(self, batch: list[_Outcome]) -> list[tuple[int, str]]:
        retry_at = {
            o.job.claim.id: self.tick_now + self.d.backoff(o.job.claim.attempts)
            for o in batch
            if o.status == "retry"
        }
        return await self.d.write(_write_outcomes, batch, retry_at, self.d.owner, self.now())

    def _count(self, outcome: _Outcome) -> None:
        report = self.report
        if outcome.status == "sent":
            report.sent += 1
            report.sent_by_kind[outcome.job.work.kind] += 1
        elif outcome.status == "skipped":
            report.skipped += 1
        elif outcome.status == "retry":
            report.retrying += 1
        elif outcome.status == "failed":
            report.failed += 1
            report.failed_by_kind[outcome.job.work.kind] += 1
            if not outcome.permanent:
                log.warning(
                    "%s to %s failed: %s",
                    outcome.job.work.kind,
                    outcome.job.work.target,
                    outcome.reason,
                )
        else:
            report.abandoned += 1

    async def _release(self) -> None:
        ids = sorted(self.unsent)
        try:
            await self.d.write(_release, ids, self.d.owner, self.now())
        except Exception as err:  # their leases run out instead
            if not is_connection_error(err) and not isinstance(err, DBAPIError):
                raise
            log.warning("could not give back %d claims: %r", len(ids), err)
        self.unsent.clear()


# The scheduler's transactions: plain functions over a sync Connection (`Deliverer.write`).


def _waits_for(item: Work) -> tuple[int, ...]:
    """The members whose conversation a delivery waits for: the member it is about and, for
    the manager's note, the manager it goes to (the recap waits for nobody)."""
    due = item.due
    if due.member_id is None:
        return ()
    if due.kind == Kind.MANAGER_NOTE and item.team.manager_member_id is not None:
        return (due.member_id, item.team.manager_member_id)
    return (due.member_id,)


class _ClaimedChunk(NamedTuple):
    """What a chunk's claim transaction found: the claims won, the members' check-in statuses,
    the work left waiting for a conversation, and the claims to settle as lapsed."""

    claims: list[Claim]
    statuses: dict[tuple[int, date], str]
    waiting: list[DueWork]
    lapsed: set[DeliveryKey]


def _claim_chunk(
    connection: Connection,
    chunk: list[DueWork],
    waits_for: list[tuple[int, ...]],
    owner: str,
    now: datetime,
    lease: timedelta,
    wait_limit: timedelta,
) -> _ClaimedChunk:
    """Claim a chunk but what waits for a conversation, and read in the same transaction the
    check-ins of the members the claimed work is about."""
    busy = conversations.members_mid_conversation(
        connection, {member for members in waits_for for member in members}, now=now
    )
    waiting: list[DueWork] = []
    lapsed: set[DeliveryKey] = set()
    if busy:
        wanted: list[DueWork] = []
        for due, members in zip(chunk, waits_for, strict=True):
            if busy.isdisjoint(members):
                wanted.append(due)
            elif now - due.fire_at > wait_limit:
                lapsed.add(due.key)  # the next tick would not send it: settle it now
                wanted.append(due)
            else:
                waiting.append(due)
        chunk = wanted
    claims = store.claim(connection, [due.key for due in chunk], owner=owner, now=now, lease=lease)
    # Whether each member has checked in decides what their prompt or nudge says.
    asked = [due for due in chunk if due.kind in MEMBER_MESSAGE_KINDS]
    statuses = store.checkin_statuses(
        connection,
        {due.member_id for due in asked if due.member_id is not None},
        {due.local_date for due in asked},
    )
    return _ClaimedChunk(claims, statuses, waiting, lapsed)


def _write_outcomes(
    connection: Connection,
    batch: list[_Outcome],
    retry_at: dict[int, datetime],
    owner: str,
    now: datetime,
) -> list[tuple[int, str]]:
    """Settle a batch of outcomes; returns the members newly marked unreachable, with why."""
    sent = [o.job.claim.id for o in batch if o.status == "sent"]
    store.mark_sent(connection, sent, owner=owner, now=now)
    settled = {
        o.job.claim.id: (store.SKIPPED if o.status == "skipped" else store.FAILED, o.reason)
        for o in batch
        if o.status in ("skipped", "failed")
    }
    store.mark_settled(connection, settled, owner=owner)
    newly_unreachable: list[tuple[int, str]] = []
    for o in batch:
        if o.status == "retry":
            store.retry_later(
                connection,
                o.job.claim.id,
                owner=owner,
                error=o.reason,
                retry_at=retry_at[o.job.claim.id],
            )
        if o.status != "failed" or o.recipient_id is None:
            continue
        unreachable = o.permanent or _keeps_failing(connection, o.recipient_id)
        if unreachable and store.mark_undeliverable(connection, o.recipient_id, now=now):
            newly_unreachable.append((o.recipient_id, o.reason))
    return newly_unreachable


def _keeps_failing(connection: Connection, member_id: int) -> bool:
    statuses = store.recent_statuses(
        connection, member_target(member_id), MEMBER_MESSAGE_KINDS, FAILURES_BEFORE_UNDELIVERABLE
    )
    return len(statuses) == FAILURES_BEFORE_UNDELIVERABLE and all(
        status == store.FAILED for status in statuses
    )


def _release(connection: Connection, ids: list[int], owner: str, now: datetime) -> None:
    store.release(connection, ids, owner=owner, now=now)
