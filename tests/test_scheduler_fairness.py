"""Teams take turns in a fan-out, and a big team's platform pace is kept fed meanwhile.

Through the real scheduler (claims in the database, the fake clock) and a fake platform that
paces one big team: its sends wait for the platform's next slot, handed out by the test one
step at a time, while every small team's send takes one step. A slot that comes while small
teams' prompts are in flight and no send of the big team waits for it is a slot lost for good:
the big team then finishes that much past what its pace allows.
"""

from __future__ import annotations

import asyncio

import pytest

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import Address, Reply
from bot.storage.db import Database
from tests.scheduler_support import THU, at, join, make_scheduler, outbox_for

pytestmark = pytest.mark.both_databases

BIG = "team-big"
BIG_SIZE = 30


class PacedPlatform(MemoryAdapter):
    """The big team's sends wait for a slot of its pace; the others take one step each."""

    def __init__(self, bot: MemoryAdapter) -> None:
        super().__init__(bot.engine)
        self.changed = asyncio.Condition()
        self.step = 0
        self.slots = 0  # slots handed out and not taken yet (never more than one)
        self.big_waiting = 0
        self.small_in_flight = 0
        self.order: list[tuple[str, int]] = []  # (team, step) of every delivered send

    async def send(self, address: Address, reply: Reply) -> None:
        async with self.changed:
            if address.team_id == BIG:
                self.big_waiting += 1
                self.changed.notify_all()
                await self.changed.wait_for(lambda: self.slots > 0)
                self.slots -= 1
                self.big_waiting -= 1
            else:
                self.small_in_flight += 1
                began = self.step
                await self.changed.wait_for(lambda: self.step > began)
                self.small_in_flight -= 1
            self.order.append((address.team_id, self.step))
        await super().send(address, reply)

    async def next_step(self) -> bool:
        """One step of time: the big team's pace hands out one slot, each small send in
        flight ends. False when the slot found small prompts in flight but no big send."""
        async with self.changed:
            fed = self.big_waiting > 0
            big_sent = sum(1 for team, _ in self.order if team == BIG)
            lost = not fed and self.small_in_flight > 0 and 0 < big_sent < BIG_SIZE
            if fed:
                self.slots = 1
            self.step += 1
            self.changed.notify_all()
        return not lost


async def test_a_paced_big_team_is_fed_while_small_teams_take_turns(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    for n in range(BIG_SIZE):
        await join(bot, clock, f"big-{n}", team_id=BIG)
    for team in range(20):
        for n in range(3):
            await join(bot, clock, f"small-{team}-{n}", team_id=f"team-{team}")
    platform = PacedPlatform(bot)
    scheduler = make_scheduler(database, outbox_for(platform), clock, concurrency=5)
    tick = asyncio.create_task(scheduler.tick(at(THU, 17, 0, 30)))
    lost_slots = 0
    stepped = 0
    while not tick.done() and stepped < 500:
        await asyncio.sleep(0.02)  # the claims and outcome writes take real time
        lost_slots += not await platform.next_step()
        stepped += 1
    report = await tick

    assert report.delivery.sent == 90
    small_steps = [s for t, s in platform.order if t != BIG]
    big_steps = [s for t, s in platform.order if t == BIG]
    assert len(small_steps) == 60 and len(big_steps) == BIG_SIZE
    # Every slot of the big team's pace was taken while small teams were served...
    assert lost_slots == 0
    # ...and the small teams did not wait for the big team: done before it.
    assert max(small_steps) < max(big_steps)
    # Teams took turns: every small team had its first prompt before any had its third.
    by_team: dict[str, list[int]] = {}
    for name, step in platform.order:
        if name != BIG:
            by_team.setdefault(name, []).append(step)
    assert max(seen[0] for seen in by_team.values()) <= min(seen[2] for seen in by_team.values())
