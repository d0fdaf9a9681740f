"""Every way a check-in conversation ends keeps what was answered as a partial check-in.

Driven through the engine (a real database, a fake clock), and the scheduler where a prompt
is part of the story. The last test enumerates, in the source, every place that may remove a
conversation or write one, so a new end path can't quietly drop answers.
"""

from __future__ import annotations

import ast
from datetime import time, timedelta
from pathlib import Path

import pytest

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import ReplyKind
from bot.storage.conversations import (
    ConversationStillOpen,
    is_mid_conversation,
    load_state,
    save_state,
)
from bot.storage.db import Database
from bot.storage.models import ConversationState
from bot.storage.people import find_member
from tests.scheduler_support import (
    THU,
    WED,
    at,
    join,
    make_scheduler,
    outbox_for,
    update_team,
)
from tests.support import stored

ROOT = Path(__file__).resolve().parent.parent


async def open_state(database: Database, user: str) -> ConversationState | None:
    """The user's open conversation, if any."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        return await load_state(session, member.id)


async def test_answers_stay_when_the_late_answer_window_closes(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await bot.command("admin", "wins on", user="priya", is_admin=True)
    for answer in ("checkin", "nine", "45 minutes", "discovery call with Globex"):
        await bot.say(answer, user="priya")
    refused = await bot.say("lots", user="priya")
    assert refused[0].kind == ReplyKind.REASK
    clock.set(at(THU, 13))  # past noon: Wednesday's questions can't be answered any more
    replies = await bot.say("hello", user="priya")
    assert replies[-1].kind == ReplyKind.QUESTION  # Thursday's check-in, not Wednesday's
    kept = await stored(database, "priya", WED)
    assert kept is not None and kept.status == "partial"
    assert (kept.conversations, kept.minutes, kept.wins) == (9, 45, None)
    assert [a.text for a in kept.activities] == ["discovery call with Globex"]
    assert kept.note is not None and "lots" in kept.note  # the refused answer too


async def test_a_new_days_prompt_ends_the_old_questions_with_their_answers_kept(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await join(bot, clock, "tomas", when=at(WED, 9))
    await update_team(database, checkin_time=time(8, 30))
    clock.set(at(WED, 19))
    for answer in ("checkin", "7"):
        await bot.say(answer, user="tomas")
    scheduler = make_scheduler(database, outbox_for(bot), clock)
    await scheduler.tick(at(THU, 8, 31))  # Thursday's prompt, before Wednesday's noon close
    assert len(bot.sent_to("tomas", ReplyKind.PROMPT)) == 1
    clock.set(at(THU, 8, 40))
    await bot.say("65", user="tomas")
    kept = await stored(database, "tomas", WED)
    assert kept is not None and (kept.status, kept.conversations, kept.minutes) == (
        "partial",
        7,
        None,
    )  # 65 was not taken as Wednesday's minutes
    state = await open_state(database, "tomas")
    assert state is None or state.local_date == THU


async def test_starting_another_days_checkin_keeps_the_open_ones_answers(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    clock.set(at(THU, 9, 15))
    await bot.say("checkin yesterday", user="lena")
    await bot.say("11", user="lena")
    replies = await bot.say("checkin", user="lena")
    assert replies[-1].kind == ReplyKind.QUESTION
    kept = await stored(database, "lena", WED)
    assert kept is not None and (kept.status, kept.conversations) == ("partial", 11)
    state = await open_state(database, "lena")
    assert state is not None and state.local_date == THU


async def test_coming_back_after_the_window_keeps_the_answers(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    for answer in ("checkin", "3", "20 min"):
        await bot.say(answer, user="omar")
    clock.set(at(THU, 15))
    replies = await bot.command("start", user="omar")  # the console greets on every start
    assert replies[-1].kind == ReplyKind.QUESTION
    kept = await stored(database, "omar", WED)
    assert kept is not None and (kept.status, kept.conversations, kept.minutes) == (
        "partial",
        3,
        20,
    )


async def test_forget_me_keeps_the_checkin_in_progress_and_no_resumes_it(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    for answer in ("checkin", "8"):
        await bot.say(answer, user="yuki")
    await bot.say("forget-me", user="yuki")
    kept = await stored(database, "yuki", WED)
    assert kept is not None and (kept.status, kept.conversations) == ("partial", 8)
    clock.advance(minutes=15)
    replies = await bot.say("yes", user="yuki")  # too late: the question expired
    assert "expired" in replies[0].text
    still = await stored(database, "yuki", WED)
    assert still is not None and still.conversations == 8

    for answer in ("checkin", "5", "forget-me"):
        await bot.say(answer, user="ines")
    replies = await bot.say("no", user="ines")
    assert replies[-1].kind == ReplyKind.QUESTION and "minutes" in replies[-1].text
    for answer in ("30 min", "renewal call with Initech"):
        await bot.say(answer, user="ines")
    done = await stored(database, "ines", WED)
    assert done is not None and (done.status, done.conversations, done.minutes) == (
        "complete",
        5,
        30,
    )


async def test_cancel_keeps_the_answers_and_settles_the_days_prompt(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await join(bot, clock, "raúl", when=at(WED, 9))
    await join(bot, clock, "keiko", when=at(WED, 9))
    clock.set(at(WED, 16, 50))
    await bot.say("checkin", user="raúl")
    await bot.say("4", user="raúl")
    async with database.transaction() as session:
        member = await find_member(session, "memory", "raúl")
        assert member is not None
        assert await is_mid_conversation(session, member.id, now=clock.now())
    replies = await bot.say("cancel", user="raúl")
    assert "kept what you answered" in replies[0].text
    async with database.transaction() as session:
        assert not await is_mid_conversation(session, member.id, now=clock.now())
    scheduler = make_scheduler(database, outbox_for(bot), clock)
    await scheduler.tick(at(WED, 17, 0, 30))
    assert bot.sent_to("raúl", ReplyKind.PROMPT) == []  # no "how did today go?" right after
    assert len(bot.sent_to("keiko", ReplyKind.PROMPT)) == 1
    kept = await stored(database, "raúl", WED)
    assert kept is not None and (kept.status, kept.conversations) == ("partial", 4)


async def test_a_stale_conversation_is_not_mid_conversation(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await bot.say("checkin", user="zoe")
    async with database.transaction() as session:
        member = await find_member(session, "memory", "zoe")
        assert member is not None
        assert await is_mid_conversation(session, member.id, now=clock.now())
        later = clock.now() + timedelta(hours=2)
        assert not await is_mid_conversation(session, member.id, now=later)


async def test_a_conversation_is_never_written_over(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await bot.say("checkin", user="noor")
    async with database.transaction() as session:
        member = await find_member(session, "memory", "noor")
        assert member is not None
        with pytest.raises(ConversationStillOpen):
            await save_state(
                session,
                member.id,
                team_id=None,
                flow="forget_me",
                step="confirm",
                local_date=WED,
                data={},
                attempts=0,
                now=clock.now(),
            )


# Where a conversation row may be written or removed: the one place conversations start, move
# on and end; and forgetting a member, which deletes everything of theirs on purpose.
ALLOWED = {
    "delete_state": {"bot/conversation.py"},
    "save_state": {"bot/conversation.py"},
    "ConversationState": {
        "bot/storage/conversations.py",
        "bot/storage/data.py",
        "bot/storage/models.py",
    },
}


def test_every_end_of_a_conversation_goes_through_end_conversation() -> None:
    found: dict[str, set[str]] = {name: set() for name in ALLOWED}
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "adapters").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("delete_state", "save_state"):
                    found[name].add(rel)
                # A delete or update written against the table itself.
                if name in ("delete", "update") and any(
                    isinstance(arg, ast.Name) and arg.id == "ConversationState" for arg in node.args
                ):
                    found["ConversationState"].add(rel)
            if isinstance(node, ast.ImportFrom) and node.module == "bot.storage.conversations":
                for alias in node.names:
                    if alias.name in ("delete_state", "save_state"):
                        found[alias.name].add(rel)
    found["ConversationState"] |= {"bot/storage/conversations.py", "bot/storage/models.py"}
    found["delete_state"].discard("bot/storage/conversations.py")
    found["save_state"].discard("bot/storage/conversations.py")
    assert found == ALLOWED
