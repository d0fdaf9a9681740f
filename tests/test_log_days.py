"""`log` with a day: to that day while it is open (yesterday until noon), refused with the
reason otherwise; never silently to today."""

from __future__ import annotations

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import ReplyKind
from bot.storage.db import Database
from tests.scheduler_support import MON, THU, WED, at
from tests.support import stored


async def test_log_yesterday_before_noon_goes_to_yesterday(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    clock.set(at(THU, 10, 30))
    replies = await bot.say("log 4 calls 25m yesterday", user="hana")
    assert replies[0].kind == ReplyKind.LOGGED and "Yesterday so far" in replies[0].text
    logged = await stored(database, "hana", WED)
    assert logged is not None and (logged.conversations, logged.minutes) == (4, 25)
    assert await stored(database, "hana", THU) is None

    await bot.say("log 1 call on wednesday", user="hana")
    await bot.say(f"log 10m {WED.isoformat()}", user="hana")
    logged = await stored(database, "hana", WED)
    assert logged is not None and (logged.conversations, logged.minutes) == (5, 35)

    await bot.say("log 2 calls thursday", user="hana")  # today's weekday: today
    await bot.say("log 20m today", user="hana")
    today = await stored(database, "hana", THU)
    assert today is not None and (today.conversations, today.minutes) == (2, 20)


async def test_a_closed_day_is_refused_with_the_reason(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    clock.set(at(THU, 14))
    late = await bot.say("log 2 calls 15m yesterday", user="ravi")
    assert late[0].kind == ReplyKind.REFUSAL and "noon" in late[0].text
    old = await bot.say("log 3 calls on monday", user="ravi")
    assert old[0].kind == ReplyKind.REFUSAL and "Mon 23 Nov" in old[0].text
    ahead = await bot.say("log 1 call 2026-11-30", user="ravi")
    assert ahead[0].kind == ReplyKind.REFUSAL and "hasn't happened" in ahead[0].text
    for day in (MON, WED, THU):
        assert await stored(database, "ravi", day) is None
