"""Helpers for stats tests: seed check-ins straight into the database behind the engine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time

from adapters.memory import MemoryAdapter
from bot.profile import Profile
from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.people import find_member, find_team

Day = tuple[int, int] | tuple[int, int, tuple[str, ...]] | str


async def join(
    bot: MemoryAdapter,
    user: str,
    *,
    team_id: str | None = None,
    admin: bool = False,
    timezone: str | None = None,
) -> None:
    """Make `user` known to Needle in the adapter's team (as the engine would on contact)."""
    await bot.say("help", user=user, team_id=team_id, is_admin=admin, timezone=timezone)


async def seed(
    database: Database,
    user: str,
    days: Mapping[date, Day],
    *,
    platform: str = "memory",
    classification: str = "neutral",
) -> None:
    """Write check-ins for a known user: (conversations, minutes[, activities]) or "off"."""
    async with database.transaction() as session:
        member = await find_member(session, platform, user)
        assert member is not None, f"{user} must talk to Needle first"
        for day, value in days.items():
            if value == "off":
                record = CheckinRecord(status="day_off")
            else:
                assert not isinstance(value, str)
                activities = tuple(
                    (text, classify(text)) for text in (value[2] if len(value) > 2 else ())
                )
                record = CheckinRecord(
                    status="complete",
                    conversations=value[0],
                    minutes=value[1],
                    activities=activities,
                    wins=0,
                )
            at = datetime.combine(day, time(18, 0)).astimezone()
            await save_checkin(session, member.id, day, record, now=at)


def classify(text: str) -> str:
    """The default classification of an activity."""
    from bot.coaching.classify import classify_activity

    return classify_activity(text)


async def profile_of(database: Database, user: str, team_id: str = "team-1") -> tuple[int, Profile]:
    """A member's id and resolved profile in a team."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        team = await find_team(session, "memory", team_id)
        assert member is not None and team is not None
        return member.id, Profile.of(member, team)
