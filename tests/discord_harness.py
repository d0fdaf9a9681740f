"""Fixtures shared by the Discord tests: the loopback Discord fake and Needle started on it.

`needle` uses the test module's `engine` (the real one from conftest, or a scripted one) and
its `people` (the users and servers the module sets up on the fake; by default Ana and Ben in
the server Acme Sales, Ben managing it). `needle_on` starts Needle with other options.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


def acme_sales(fake: FakeDiscord, ana_name: str = "Ana Lopez") -> dict[str, Any]:
    """Ana, a member, and Ben, who owns and manages the "Acme Sales" server, on the fake."""
    ana = fake.add_user(ana_name)
    ben = fake.add_user("Ben")
    acme = fake.add_guild("Acme Sales", owner=ben)
    fake.add_member(acme, ana)
    fake.add_member(acme, ben, manage_guild=True)
    return {"ana": ana, "ben": ben, "acme": acme}


@pytest.fixture
async def needle(fake: FakeDiscord, engine: Any, people: dict[str, Any]) -> AsyncIterator[Any]:
    """Needle's Discord adapter connected to the fake, after `people` are set up."""
    adapter = await start_needle_on(fake, engine)
    yield adapter
    await adapter.stop()


@pytest.fixture
def people(fake: FakeDiscord) -> dict[str, Any]:
    """Ana and Ben in the server Acme Sales; Ben may manage it."""
    return acme_sales(fake, ana_name="Ana")


@asynccontextmanager
async def needle_on(fake: FakeDiscord, engine: Any, **options: Any) -> AsyncIterator[Any]:
    """Needle's Discord adapter started on `fake` with `options`, stopped on the way out."""
    adapter = await start_needle_on(fake, engine, **options)
    try:
        yield adapter
    finally:
        await adapter.stop()


def content(call: Any) -> str:
    """The text content of a message or interaction answer the bot sent."""
    return str((call.json.get("data") or call.json).get("content") or "")
