"""Helpers for the scheduler tests: members and teams set up in the database, instants, rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from adapters.base import Outbox
from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import ReplyKind
from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.models import Delivery, Member, Team, TeamMembership
from bot.storage.people import find_member, find_team
from scheduler.service import Scheduler

MON = date(2026, 11, 23)
TUE = date(2026, 11, 24)
WED = date(2026, 11, 25)
THU = date(2026, 11, 26)
FRI = date(2026, 11, 27)
SAT = date(2026, 11, 28)


def at(day: date, hour: int, minute: int = 0, second: int = 0, tz: str = "UTC") -> datetime:
    """The UTC instant of a local wall time."""
    local = datetime.combine(day, time(hour, minute, second), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def make_scheduler(
    database: Database,
    outbox: Outbox,
    clock: FakeClock,
    owner: str = "needle-a",
    **options: Any,
) -> Scheduler:
    """A scheduler over the test's database with test-friendly defaults."""
    options.setdefault("tick_seconds", 30)
    options.setdefault("grace", timedelta(hours=3))
    options.setdefault("lease", timedelta(minutes=5))
    options.setdefault("concurrency", 5)
    return Scheduler(database, outbox, clock, owner=owner, **options)


def outbox_for(*adapters: Any) -> Outbox:
    """An Outbox routing to the given adapters."""
    outbox = Outbox()
    for adapter in adapters:
        outbox.register(adapter)
    return outbox


async def join(
    bot: MemoryAdapter,
    clock: FakeClock,
    user: str,
    *,
    when: datetime | None = None,
    team_id: str | None = None,
) -> None:
    """A user says hello (so Needle knows them and their team) at `when`."""
    if when is not None:
        clock.set(when)
    await bot.command("help", user=user, team_id=team_id)


async def update_team(
    database: Database, external_id: str = "team-1", platform: str = "memory", **values: Any
) -> Team:
    """Change a team's settings."""
    async with database.transaction() as session:
        team = await find_team(session, platform, external_id)
        assert team is not None, external_id
        for name, value in values.items():
            setattr(team, name, value)
    return team


async def update_member(
    database: Database, external_id: str, platform: str = "memory", **values: Any
) -> Member:
    """Change a member's settings."""
    async with database.transaction() as session:
        member = await find_member(session, platform, external_id)
        assert member is not None, external_id
        for name, value in values.items():
            setattr(member, name, value)
    return member


async def member_id(database: Database, external_id: str, platform: str = "memory") -> int:
    """A member's Needle id."""
    async with database.transaction() as session:
        member = await find_member(session, platform, external_id)
        assert member is not None, external_id
        return member.id


async def leave(database: Database, external_id: str, team: str = "team-1") -> None:
    """The member leaves the team (membership inactive)."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", external_id)
        found = await find_team(session, "memory", team)
        assert member is not None and found is not None
        membership = await session.get(TeamMembership, (found.id, member.id))
        assert membership is not None
        membership.active = False


async def record_checkin(
    database: Database,
    external_id: str,
    day: date,
    *,
    status: str = "complete",
    conversations: int | None = 10,
    minutes: int | None = 90,
    now: datetime | None = None,
) -> None:
    """Store a member's check-in for a day."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", external_id)
        assert member is not None
        await save_checkin(
            session,
            member.id,
            day,
            CheckinRecord(status=status, conversations=conversations, minutes=minutes),
            now=now or at(day, 12),
        )


async def delivery_rows(database: Database) -> list[Delivery]:
    """Every delivery row, in key order."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(Delivery).order_by(Delivery.kind, Delivery.target, Delivery.local_date)
        )
        return list(rows.all())


def kinds_sent(bot: MemoryAdapter, user: str) -> list[ReplyKind]:
    """The kinds of unprompted message a user received, in order."""
    return [reply.kind for reply in bot.sent_to(user)]
