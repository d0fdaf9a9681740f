"""The clocks Needle is given: the shifted clock keeps the real pace from another start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock, ShiftedClock


def test_a_shifted_clock_starts_where_asked_and_moves_with_real_time() -> None:
    real = FakeClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    start = datetime(2026, 11, 23, 16, 55, tzinfo=ZoneInfo("America/Chicago"))
    clock = ShiftedClock(start, real=real)
    assert clock.now() == start
    assert clock.now().tzinfo is not None
    real.advance(minutes=7)
    assert clock.now() == start + timedelta(minutes=7)


def test_a_shifted_clock_needs_an_aware_start() -> None:
    with pytest.raises(ValueError):
        ShiftedClock(datetime(2026, 11, 23, 16, 55))
