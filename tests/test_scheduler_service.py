"""The scheduler as `needle run` and `needle chat` start it: APScheduler on the running loop,
the first tick at once, a clean stop, and the console coach receiving its prompt once."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from adapters.console import ConsoleAdapter
from adapters.memory import MemoryAdapter
from bot.cli import running
from bot.clock import FakeClock
from bot.config import Settings
from bot.engine import Engine
from bot.messages import IncomingKind, ReplyKind
from bot.storage.db import Database
from scheduler.service import build_scheduler
from tests.scheduler_support import THU, WED, at, join, kinds_sent, outbox_for

pytestmark = pytest.mark.both_databases


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait (generously) until `condition` holds; the test fails if it never does."""

    for _ in range(2000):  # up to about 20 s
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_start_ticks_at_once_on_the_running_loop_and_stop_is_clean(
    bot: MemoryAdapter, clock: FakeClock, database: Database, settings: Settings, engine: Engine
) -> None:
    await join(bot, clock, "ana")
    clock.set(at(THU, 17, 0, 30))
    scheduler = build_scheduler(settings, database, engine, outbox_for(bot))
    await scheduler.start()
    try:
        await eventually(lambda: len(bot.sent) == 1)
        job = scheduler._aps.get_job("needle-tick") if scheduler._aps else None
        assert job is not None and job.trigger.interval == timedelta(seconds=settings.tick_seconds)
    finally:
        await scheduler.stop()
    assert scheduler._aps is None
    await scheduler.tick()  # a direct tick after stop still works and sends nothing new
    assert kinds_sent(bot, "ana") == ["prompt"]


async def test_needle_runs_the_scheduler_next_to_its_adapters(
    bot: MemoryAdapter, clock: FakeClock, database: Database, settings: Settings, engine: Engine
) -> None:
    await join(bot, clock, "ana")
    clock.set(at(THU, 17, 1))
    async with running(settings, database, engine, [bot]):
        await eventually(lambda: bool(bot.sent_to("ana", ReplyKind.PROMPT)))
    assert kinds_sent(bot, "ana") == ["prompt"]


async def test_console_coach_gets_its_prompt_at_its_checkin_time_once(
    clock: FakeClock, database: Database, settings: Settings, engine: Engine
) -> None:
    output = io.StringIO()
    closed = threading.Event()

    def read_line() -> str:
        closed.wait()  # the member types nothing; the console stays open
        return ""

    console = ConsoleAdapter(engine, name="Ana", output=output, read_line=read_line)
    scheduler = build_scheduler(settings, database, engine, outbox_for(console))
    try:
        await console.start()
        # Two minutes ahead of "now" (Wednesday 18:00 UTC).
        replies = await engine.handle(console.incoming("schedule 18:02", IncomingKind.COMMAND))
        assert "18:02" in " ".join(reply.text for reply in replies)
        for minute in (1, 2, 2, 3, 30):
            await scheduler.tick(at(WED, 18, minute))
    finally:
        closed.set()
        await console.stop()
    printed = output.getvalue()
    assert printed.count("== Daily check-in ==") == 1
