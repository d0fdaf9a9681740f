"""Exactly once: claims, leases after a crash, several instances, retries, failures, fan-out.

Every test runs on SQLite and on PostgreSQL, with the fake clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from adapters.base import DeliveryError
from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import Address, Reply, ReplyKind
from bot.storage import deliveries as store
from bot.storage.db import Database
from bot.storage.models import Member
from tests.scheduler_support import (
    THU,
    at,
    delivery_rows,
    join,
    kinds_sent,
    make_scheduler,
    member_id,
    outbox_for,
)

pytestmark = pytest.mark.both_databases


async def test_claim_is_won_once_and_taken_over_only_after_its_lease(database: Database) -> None:
    key = ("prompt", "member:1", THU)
    now = at(THU, 17)
    lease = timedelta(minutes=5)
    first = await database.run_sync(
        lambda c: store.claim(c, [key], owner="a", now=now, lease=lease)
    )
    second = await database.run_sync(
        lambda c: store.claim(c, [key], owner="b", now=now, lease=lease)
    )
    early = await database.run_sync(
        lambda c: store.claim(c, [key], owner="b", now=now + lease / 2, lease=lease)
    )
    late = await database.run_sync(
        lambda c: store.claim(c, [key], owner="b", now=now + lease, lease=lease)
    )
    assert [c.attempts for c in first] == [1]
    assert second == [] and early == []
    assert [(c.id, c.attempts) for c in late] == [(first[0].id, 2)]
    mark_first = await database.run_sync(
        lambda c: store.mark_sent(c, [first[0].id], owner="a", now=now)
    )
    mark_late = await database.run_sync(
        lambda c: store.mark_sent(c, [late[0].id], owner="b", now=now)
    )
    assert (mark_first, mark_late) == (0, 1)
    again = await database.run_sync(
        lambda c: store.claim(c, [key], owner="c", now=now + lease * 10, lease=lease)
    )
    assert again == []  # a sent delivery is never claimed again


async def test_two_instances_ticking_together_send_each_prompt_once(
    bot: MemoryAdapter, clock: FakeClock, database: Database, database_url: str
) -> None:
    for n in range(40):
        await join(bot, clock, f"member-{n}")
    other_database = Database(database_url)
    try:
        a = make_scheduler(database, outbox_for(bot), clock, owner="a", concurrency=3)
        b = make_scheduler(other_database, outbox_for(bot), clock, owner="b", concurrency=3)
        now = at(THU, 17, 0, 10)
        reports = await asyncio.gather(a.tick(now), b.tick(now), a.tick(now), b.tick(now))
    finally:
        await other_database.dispose()
    prompts = [out.address.user_id for out in bot.sent if out.reply.kind == ReplyKind.PROMPT]
    assert sorted(prompts) == sorted(f"member-{n}" for n in range(40))
    assert sum(r.delivery.sent for r in reports) == 40
    rows = [row for row in await delivery_rows(database) if row.kind == "prompt"]
    assert len(rows) == 40 and {row.status for row in rows} == {"sent"}


async def test_a_crashed_claim_is_retried_after_its_lease_by_another_instance(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await join(bot, clock, "ana")
    ana = await member_id(database, "ana")
    crashed_at = at(THU, 17, 0, 5)
    # Instance "crashed" claimed Ana's prompt and died before sending it.
    await database.run_sync(
        lambda c: store.claim(
            c,
            [("prompt", f"member:{ana}", THU)],
            owner="crashed",
            now=crashed_at,
            lease=timedelta(minutes=5),
        )
    )
    survivor = make_scheduler(database, outbox_for(bot), clock, owner="survivor")
    await survivor.tick(at(THU, 17, 1))
    await survivor.tick(at(THU, 17, 5, 4))
    assert bot.sent_to("ana", ReplyKind.PROMPT) == []  # the lease still holds
    await survivor.tick(at(THU, 17, 5, 5))
    await survivor.tick(at(THU, 17, 6))
    assert len(bot.sent_to("ana", ReplyKind.PROMPT)) == 1
    prompt = next(row for row in await delivery_rows(database) if row.kind == "prompt")
    assert (prompt.status, prompt.claimed_by, prompt.attempts) == ("sent", "survivor", 2)


async def test_restart_does_not_send_again(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await join(bot, clock, "ana")
    first = make_scheduler(database, outbox_for(bot), clock, owner="before-restart")
    await first.tick(at(THU, 17, 0, 30))
    restarted = make_scheduler(database, outbox_for(bot), clock, owner="after-restart")
    await restarted.tick(at(THU, 17, 1))
    await restarted.tick(at(THU, 19, 30))
    assert kinds_sent(bot, "ana").count(ReplyKind.PROMPT) == 1


async def test_transient_failure_is_retried_with_backoff(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await join(bot, clock, "ana")
    scheduler = make_scheduler(database, outbox_for(bot), clock, retry_base=timedelta(minutes=1))
    bot.failures["ana"] = DeliveryError("timeout talking to the platform")
    first = await scheduler.tick(at(THU, 17, 0))
    assert first.delivery.retrying == 1 and bot.sent == []
    await scheduler.tick(at(THU, 17, 0, 30))  # backoff: not before 17:01
    second = await scheduler.tick(at(THU, 17, 1))
    assert second.delivery.retrying == 1  # second attempt failed too; next not before 17:03
    del bot.failures["ana"]
    await scheduler.tick(at(THU, 17, 2, 30))
    assert bot.sent == []
    await scheduler.tick(at(THU, 17, 3))
    assert kinds_sent(bot, "ana") == ["prompt"]
    prompt = next(row for row in await delivery_rows(database) if row.kind == "prompt")
    assert (prompt.status, prompt.attempts) == ("sent", 3)


async def test_a_send_that_keeps_failing_is_given_up(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await join(bot, clock, "ana")
    scheduler = make_scheduler(
        database, outbox_for(bot), clock, max_attempts=3, retry_base=timedelta(minutes=1)
    )
    bot.failures["ana"] = ConnectionResetError("connection reset")
    for minute in range(0, 30):
        await scheduler.tick(at(THU, 17, minute))
    prompt = next(row for row in await delivery_rows(database) if row.kind == "prompt")
    assert (prompt.status, prompt.attempts) == ("failed", 3)
    assert "connection reset" in (prompt.error or "")


async def test_permanent_failure_marks_the_member_and_is_logged_once(
    bot: MemoryAdapter, clock: FakeClock, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await join(bot, clock, "ana")
    await join(bot, clock, "bo")
    scheduler = make_scheduler(database, outbox_for(bot), clock)
    bot.failures["ana"] = DeliveryError("account_inactive", permanent=True)
    with caplog.at_level(logging.WARNING, logger="scheduler"):
        for minute in (0, 1, 10):
            await scheduler.tick(at(THU, 17, minute))
        await scheduler.tick(at(THU, 19, 0))
        await scheduler.tick(at(THU + timedelta(days=1), 17, 0))
    unreachable = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert len(unreachable) == 1
    async with database.transaction() as session:
        ana = await session.get(Member, await member_id(database, "ana"))
        assert ana is not None and ana.undeliverable_since is not None
        assert abs(ana.undeliverable_since - at(THU, 17, 0)) < timedelta(minutes=1)
    rows = [row for row in await delivery_rows(database) if row.target == f"member:{ana.id}"]
    assert [(row.kind, row.status, row.attempts) for row in rows if row.kind == "prompt"] == [
        ("prompt", "failed", 1)
    ]
    assert kinds_sent(bot, "bo") == ["prompt", "reminder", "prompt"]


async def test_a_member_whose_deliveries_keep_failing_is_marked(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await join(bot, clock, "ana")
    scheduler = make_scheduler(
        database, outbox_for(bot), clock, max_attempts=1, retry_base=timedelta(minutes=1)
    )
    bot.failures["ana"] = DeliveryError("gateway timeout")
    for day in range(3):
        await scheduler.tick(at(THU + timedelta(days=day * 7), 17, 0))
    async with database.transaction() as session:
        ana = await session.get(Member, await member_id(database, "ana"))
        assert ana is not None and ana.undeliverable_since is not None


class GatedAdapter(MemoryAdapter):
    """Holds every send until released, and counts how many are in flight at once."""

    def __init__(self, bot: MemoryAdapter) -> None:
        super().__init__(bot.engine)
        self.in_flight = 0
        self.peak = 0
        self.gate = asyncio.Event()
        self.waiting = asyncio.Condition()

    async def send(self, address: Address, reply: Reply) -> None:
        async with self.waiting:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.waiting.notify_all()
        await self.gate.wait()
        self.in_flight -= 1
        await super().send(address, reply)


async def test_fan_out_is_bounded_by_the_concurrency_setting(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    for n in range(30):
        await join(bot, clock, f"member-{n}")
    gated = GatedAdapter(bot)
    scheduler = make_scheduler(database, outbox_for(gated), clock, concurrency=4)
    tick = asyncio.create_task(scheduler.tick(at(THU, 17, 0, 30)))
    async with gated.waiting:
        await gated.waiting.wait_for(lambda: gated.in_flight == 4)
    for _ in range(20):
        await asyncio.sleep(0)
    assert gated.in_flight == 4  # the fifth waits for a free sender
    gated.gate.set()
    report = await tick
    assert report.delivery.sent == 30 and gated.peak == 4
    assert len({out.address.user_id for out in gated.sent}) == 30


async def test_stopping_mid_fan_out_gives_back_unsent_claims(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    for n in range(12):
        await join(bot, clock, f"member-{n}")
    gated = GatedAdapter(bot)
    scheduler = make_scheduler(database, outbox_for(gated), clock, concurrency=2)
    tick = asyncio.create_task(scheduler.tick(at(THU, 17, 0, 30)))
    async with gated.waiting:
        await gated.waiting.wait_for(lambda: gated.in_flight == 2)
    tick.cancel()
    with pytest.raises(asyncio.CancelledError):
        await tick
    # Another instance may take the claims that were never sent right away, not after a lease.
    other = make_scheduler(database, outbox_for(bot), clock, owner="other")
    await other.tick(at(THU, 17, 0, 31))
    delivered = {out.address.user_id for out in bot.sent}
    assert len(delivered) == 10  # all but the two cut off mid-send (their lease decides)


async def test_a_claim_that_fails_for_good_lets_sends_in_flight_finish_and_count(
    bot: MemoryAdapter, clock: FakeClock, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(12):
        await join(bot, clock, f"member-{n}")
    gated = GatedAdapter(bot)
    scheduler = make_scheduler(database, outbox_for(gated), clock, concurrency=2)
    write, claims, gave_up = scheduler.deliverer.write, 0, asyncio.Event()

    async def second_claim_fails(fn: Callable[..., Any], *args: Any) -> Any:
        nonlocal claims
        if fn.__name__ == "_claim_chunk":
            claims += 1
            gave_up.set() if claims == 4 else None
            if claims > 1:
                raise OperationalError("INSERT INTO deliveries", {}, Exception("disk I/O error"))
        return await write(fn, *args)

    monkeypatch.setattr(scheduler.deliverer, "write", second_claim_fails)
    tick = asyncio.create_task(scheduler.tick(at(THU, 17, 0, 30)))
    # The first chunk (4) claimed, then the next one failed three times.
    await asyncio.wait_for(gave_up.wait(), 30)
    assert gated.in_flight == 2
    gated.gate.set()
    with pytest.raises(OperationalError):
        await tick
    # The first chunk's four messages went out, and each one is recorded as sent.
    assert len(gated.sent) == 4
    assert sorted(row.status for row in await delivery_rows(database)) == ["sent"] * 4


async def test_an_unreachable_member_who_writes_again_gets_prompts_again(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await join(bot, clock, "ana")
    scheduler = make_scheduler(database, outbox_for(bot), clock)
    bot.failures["ana"] = DeliveryError("cannot_dm_user", permanent=True)
    await scheduler.tick(at(THU, 17, 0))
    del bot.failures["ana"]
    await scheduler.tick(at(THU + timedelta(days=1), 17, 0))
    assert bot.sent_to("ana") == []  # marked: skipped, not retried
    await join(bot, clock, "ana", when=at(THU + timedelta(days=1), 20, 0))
    await scheduler.tick(at(THU + timedelta(days=4), 17, 0))  # Monday
    assert kinds_sent(bot, "ana")[0] == "prompt"


async def test_outcomes_wait_in_memory_while_the_database_is_out_of_reach(  # type: ignore[no-untyped-def]
    bot, clock, database
) -> None:
    users = [f"member-{n}" for n in range(6)]
    for user in users:
        await join(bot, clock, user)
    scheduler = make_scheduler(database, outbox_for(bot), clock, concurrency=2)
    write, refused = scheduler.deliverer.write, 0

    async def outcomes_refused_at_first(fn, *args):  # type: ignore[no-untyped-def]
        nonlocal refused
        if fn.__name__ == "_write_outcomes" and refused < 3:
            refused += 1
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        return await write(fn, *args)

    scheduler.deliverer.write = outcomes_refused_at_first  # type: ignore[method-assign]
    report = await scheduler.tick(at(THU, 17, 0, 30))
    assert refused == 3
    assert report.delivery.sent_by_kind["prompt"] == len(users)
    rows = await delivery_rows(database)
    assert [row.status for row in rows if row.kind == "prompt"] == ["sent"] * len(users)
    await scheduler.tick(at(THU, 17, 10))  # past the leases: nothing is sent again
    assert all(kinds_sent(bot, user) == ["prompt"] for user in users)
