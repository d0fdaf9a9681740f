"""Property tests through the whole engine: whatever a member types, Needle answers kindly."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.messages import ReplyKind
from bot.storage.db import Database
from tests.conftest import START

_counter = itertools.count()

messages = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "checkin",
            "12",
            "1h30",
            "off",
            "same",
            "cancel",
            "help",
            "log 3 calls 40m",
            "-5",
            "pause 5d",
            "resume",
            "schedule 9am",
            "timezone Asia/Tokyo",
            "💪🔥",
            "日本語のテキスト",
            "'; DROP TABLE members; --",
            "<script>alert(1)</script>",
            "checkin yesterday",
        ]
    ),
)


async def converse(template: Path, folder: Path, texts: list[str]) -> list[list[ReplyKind]]:
    path = folder / f"prop-{next(_counter)}.db"
    shutil.copy(template, path)
    database = Database(f"sqlite:///{path}")
    try:
        engine = Engine(
            database,
            Settings(_env_file=None, database_url=f"sqlite:///{path}"),
            FakeClock(START),
            router=build_router(),
        )
        bot = MemoryAdapter(engine)
        kinds: list[list[ReplyKind]] = []
        for text in texts:
            replies = await bot.say(text)
            kinds.append([r.kind for r in replies])
            assert replies, f"no reply to {text!r}"
            assert all(r.text.strip() for r in replies), f"an empty reply to {text!r}"
        return kinds
    finally:
        await database.dispose()
        path.unlink(missing_ok=True)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(messages, min_size=1, max_size=8))
def test_any_conversation_gets_replies_and_never_an_error(
    migrated_sqlite: Path, tmp_path: Path, texts: list[str]
) -> None:
    kinds = asyncio.run(converse(migrated_sqlite, tmp_path, texts))
    assert not any(ReplyKind.ERROR in k for k in kinds), kinds
