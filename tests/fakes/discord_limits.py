"""Discord's rate limits as the loopback fake enforces them when given (`FakeDiscord(limits=…)`).

Two kinds, `speed` times as fast as Discord's:

- the global limit: 50 requests a second per bot, across every route except interaction
  answers (a token bucket with a second's worth of burst); past it, a 429 with
  `"global": true`;
- per-route buckets: a route's limit per major parameter (messages: 5 per 5 seconds in each
  channel), announced on every answer in `X-RateLimit-Limit`, `-Remaining`, `-Reset-After`
  and `-Bucket` as Discord does, so discord.py can keep to them; past one, a 429.

A 429 carries `Retry-After`, the JSON `retry_after` and `global` discord.py reads, and `Via`
(without it discord.py takes the 429 for a Cloudflare ban and gives up).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

GLOBAL_PER_SECOND = 50.0
# Paths the global limit does not cover: answers to interactions and their follow-ups.
NOT_GLOBAL = ("/interactions/", "/webhooks/")


@dataclass(frozen=True)
class RouteLimit:
    """`count` requests per `window` seconds on one route, per major parameter."""

    name: str
    method: str
    path: re.Pattern[str]  # its first group is the major parameter (a channel id)
    count: int
    window: float


MESSAGES = RouteLimit("messages", "POST", re.compile(r"^/channels/(\d+)/messages$"), 5, 5.0)


@dataclass
class Verdict:
    """What the limits say of one request: go (`retry_after` 0) or a 429; headers either way."""

    retry_after: float = 0.0
    is_global: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        """True when the request is answered 429."""
        return self.retry_after > 0

    def body(self) -> dict[str, object]:
        """The JSON body of the 429."""
        return {
            "message": "You are being rate limited.",
            "retry_after": round(self.retry_after, 3),
            "global": self.is_global,
        }


@dataclass
class _Window:
    started: float
    used: int = 0


@dataclass
class DiscordLimits:
    """The global limit and the per-route buckets, `speed` times as fast as Discord's."""

    speed: float = 1.0
    per_second: float = GLOBAL_PER_SECOND
    routes: tuple[RouteLimit, ...] = (MESSAGES,)
    clock: Callable[[], float] = time.monotonic
    rejected: int = 0
    rejected_global: int = 0
    _global_ready: float | None = None
    _windows: dict[tuple[str, str], _Window] = field(default_factory=dict)

    def check(self, method: str, path: str) -> Verdict:
        """Count a request within the limits, or say how long it must wait."""
        now = self.clock()
        route = self._route(method, path)
        verdict = Verdict()
        window: _Window | None = None
        length = 0.0
        if route is not None:
            limit, major = route
            length = limit.window / self.speed
            key = (limit.name, major)
            window = self._windows.get(key)
            if window is None or now >= window.started + length:
                window = self._windows[key] = _Window(now)
            reset_after = window.started + length - now
            verdict.headers = {
                "X-RateLimit-Limit": str(limit.count),
                "X-RateLimit-Remaining": str(max(0, limit.count - window.used - 1)),
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": limit.name,
            }
            if window.used >= limit.count:
                verdict.retry_after = reset_after
                verdict.headers["X-RateLimit-Remaining"] = "0"
                verdict.headers["X-RateLimit-Scope"] = "user"
        if not verdict.refused and not path.startswith(NOT_GLOBAL):
            wait = self._global_wait(now)
            if wait > 0:
                verdict.retry_after, verdict.is_global = wait, True
                verdict.headers["X-RateLimit-Global"] = "true"
                verdict.headers["X-RateLimit-Scope"] = "global"
        if verdict.refused:
            self.rejected += 1
            self.rejected_global += verdict.is_global
            verdict.headers["Retry-After"] = f"{verdict.retry_after:.3f}"
            verdict.headers["Via"] = "1.1 google"
            return verdict
        if window is not None:
            window.used += 1
        if not path.startswith(NOT_GLOBAL):
            self._take_global(now)
        return verdict

    def _route(self, method: str, path: str) -> tuple[RouteLimit, str] | None:
        for limit in self.routes:
            match = limit.path.match(path) if limit.method == method else None
            if match:
                return limit, match.group(1)
        return None

    def _global_wait(self, now: float) -> float:
        interval = 1.0 / (self.per_second * self.speed)
        ready = now if self._global_ready is None else self._global_ready
        burst = self.per_second  # a second's worth
        return ready - (burst - 1) * interval - now

    def _take_global(self, now: float) -> None:
        interval = 1.0 / (self.per_second * self.speed)
        ready = now if self._global_ready is None else self._global_ready
        self._global_ready = max(ready, now) + interval

    @property
    def global_burst(self) -> int:
        """How many requests may go at once before the global rate applies."""
        return int(self.per_second)
