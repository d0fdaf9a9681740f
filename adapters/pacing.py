"""Token buckets for keeping to a platform's published rate limits.

`Bucket` keeps a limit as the time its next call may go (the generic cell rate algorithm): a
caller reserves the next moment and sleeps until it. `Turns` puts callers of one bucket in a
FIFO queue, each reserving only when the one before has gone, so calls that fell due while the
event loop was held up do not all leave at once past the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Bucket:
    """`per_second` calls a second with bursts of up to `burst`."""

    __slots__ = ("interval", "ready_at", "tolerance")

    def __init__(self, per_second: float, burst: int, now: float) -> None:
        self.interval = 1.0 / per_second
        self.tolerance = max(0, burst - 1) * self.interval
        self.ready_at = now

    def reserve(self, now: float) -> float:
        """Take the next slot; how long to wait for it (0: go now)."""
        start = max(now, self.ready_at - self.tolerance)
        self.ready_at = max(self.ready_at, start) + self.interval
        return start - now


class Turns:
    """One bucket whose callers wait their turn in order."""

    def __init__(
        self,
        per_second: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self.bucket = Bucket(per_second, burst, clock())
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Wait until one more call may go."""
        async with self._lock:
            delay = self.bucket.reserve(self._clock())
            if delay > 0:
                await self._sleep(delay)
