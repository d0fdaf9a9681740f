"""Injected time: the system clock for production and a settable clock for tests and demos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to (tests, the demo)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current fake instant in UTC."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to `instant` (aware)."""
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by `delta` or by keyword parts (`minutes=5`) and return the new now."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class ShiftedClock:
    """The real clock's pace from another starting instant: `needle chat --at` lets a person
    try a week of check-ins (Monday's prompt, Friday's streak) without waiting for it."""

    def __init__(self, start: datetime, real: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._real = real or SystemClock()
        self._offset = start.astimezone(UTC) - self._real.now()

    def now(self) -> datetime:
        """The shifted instant in UTC: the start plus the real time elapsed since."""
        return self._real.now() + self._offset
