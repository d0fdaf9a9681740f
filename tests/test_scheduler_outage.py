"""PostgreSQL restarting in the middle of a send round: every prompt still goes out once.

The suite's own server is stopped (`pg_ctl stop -m fast`) from inside an adapter's send after
a few messages, and started again a little later on the same port and data, while the
scheduler goes on sending; the outcomes wait in memory and are written once it is back.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import Address, Outgoing, Reply
from bot.storage.db import Database
from tests.pg import PostgresServer
from tests.scheduler_support import THU, at, delivery_rows, join, make_scheduler, outbox_for

pytestmark = pytest.mark.postgres

MEMBERS = 40


class RestartingAdapter:
    """The memory platform with slow sends; after `after` messages it stops PostgreSQL and
    starts it again `down_for` seconds later, while the sends go on."""

    platform = "memory"

    def __init__(self, server: PostgresServer, *, after: int, down_for: float) -> None:
        self.server = server
        self.after = after
        self.down_for = down_for
        self.sent: list[Outgoing] = []
        self.restart: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver after a pause like a platform API's; the `after`-th one stops the database."""
        await asyncio.sleep(0.02)
        self.sent.append(Outgoing(address, reply))
        if len(self.sent) == self.after:
            await asyncio.to_thread(self.server.halt)
            self.restart = asyncio.create_task(self._start_later())

    async def _start_later(self) -> None:
        await asyncio.sleep(self.down_for)
        await asyncio.to_thread(self.server.resume)


async def test_a_database_restart_mid_send_round_sends_each_prompt_once(
    bot: MemoryAdapter, clock: FakeClock, database: Database, postgres_outage: PostgresServer
) -> None:
    users = [f"member-{n}" for n in range(MEMBERS)]
    for user in users:
        await join(bot, clock, user)
    adapter = RestartingAdapter(postgres_outage, after=10, down_for=3.0)
    scheduler = make_scheduler(database, outbox_for(adapter), clock, concurrency=4)

    report = await scheduler.tick(at(THU, 17, 0, 30))

    assert adapter.restart is not None, "the database was never restarted"
    await adapter.restart
    assert report.delivery.sent_by_kind["prompt"] == MEMBERS
    # Past every lease, another tick finds nothing left to send again.
    again = await scheduler.tick(at(THU, 17, 10))
    assert again.delivery.sent == 0
    prompts = Counter(out.address.user_id for out in adapter.sent if out.reply.kind == "prompt")
    assert prompts == Counter(users)
    rows = await delivery_rows(database)
    assert [row.status for row in rows if row.kind == "prompt"] == ["sent"] * MEMBERS
    # The stronger nudges that could not be composed while it was down were retried: none is
    # left claimed for a lease to send again.
    assert [row for row in rows if row.status == "claimed"] == []
