"""Small helpers shared by the engine tests: what replies say, and what a check-in stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.messages import Reply, ReplyKind
from bot.storage.checkins import get_checkin
from bot.storage.db import Database
from bot.storage.models import Checkin
from bot.storage.people import find_member

TODAY = date(2026, 11, 25)  # conftest's clock: Wednesday 25 November 2026, 18:00 UTC


def kinds(replies: Iterable[Reply]) -> list[ReplyKind]:
    """The kind of each reply, in order."""
    return [reply.kind for reply in replies]


def facts(replies: Iterable[Reply]) -> dict[str, str]:
    """Every fact shown in the replies, label -> value."""
    return {fact.label: fact.value for reply in replies for fact in reply.facts}


async def stored(
    database: Database, user: str = "ana", day: date = TODAY, *, platform: str = "memory"
) -> Checkin | None:
    """A known member's check-in for `day` as stored, or None."""
    async with database.transaction() as session:
        member = await find_member(session, platform, user)
        assert member is not None, f"{user} must talk to Needle first"
        return await get_checkin(session, member.id, day)
