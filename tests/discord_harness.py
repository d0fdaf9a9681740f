"""Fixtures shared by the Discord tests: the loopback Discord fake and Needle started on it.

`needle` uses the test module's `engine` (the real one from conftest, or a scripted one) and
its `people` (the users and servers the module sets up on the fake).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.discord import FakeDiscord, start_needle_on


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A Discord REST and gateway fake on 127.0.0.1."""
    server = FakeDiscord(heartbeat_ms=1000)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def needle(fake: FakeDiscord, engine: Any, people: dict[str, Any]) -> AsyncIterator[Any]:
    """Needle's Discord adapter connected to the fake, after `people` are set up."""
    adapter = await start_needle_on(fake, engine)
    yield adapter
    await adapter.stop()
