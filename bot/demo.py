"""`needle demo`: a team of eight with six weeks of believable check-ins, and what Needle shows.

The members are made to show Needle's range: one strong (whose weeks still hold a sick day, a
vacation day, a slip below the minimum, an unfinished check-in, a missed day and a short
pause, so every kind of day shows on her dashboard calendar), one sliding, one away for a
week, one who never logs minutes, one improving, one steady at the minimum, one erratic, one
new. Some have checked in today and some not yet, so the lead's roll call has both.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from adapters.console import PLATFORM as CONSOLE_PLATFORM
from adapters.console import TEAM_ID as CONSOLE_TEAM
from adapters.console import ConsoleAdapter, user_id_for
from bot.clock import Clock, SystemClock
from bot.coaching.classify import classify_activity
from bot.commands import build_router
from bot.config import Settings
from bot.demo_outcomes import seed_outcomes
from bot.engine import Engine
from bot.storage.checkins import CheckinRecord, save_checkin
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.people import ensure_member, ensure_membership, ensure_team

# The demo team is the console's local team, so `needle chat --as "Ana Lima"` on the demo
# database talks to Needle as Ana.
DEMO_PLATFORM = CONSOLE_PLATFORM
DEMO_TEAM = CONSOLE_TEAM
WEEKS = 6
ADMIN = "Ana Lima"

HIGH = [
    "Discovery call with Acme",
    "Demo for Beta Corp",
    "Proposal for Delta Foods",
    "Prospecting calls",
    "Negotiation with Orion",
    "Referral meeting with Kai",
    "Pitch to Nimbus",
]
LOW = [
    "Inbox 45 min",
    "Email cleanup",
    "Social media 30 min",
    "Admin 1h",
    "Bookkeeping 1h30",
    "Formatting slides",
]
NEUTRAL = ["Team standup", "CRM updates", "Product training", "Pipeline review"]


@dataclass(frozen=True)
class Persona:
    """How a demo member behaves: their numbers on a given day of the six weeks (the status
    `day_off:<reason>` is a day off for that reason), whether they checked in today already,
    the workday (by number) a past pause of theirs ran through, and their habitual chores."""

    user_id: str
    name: str
    timezone: str
    day: Callable[[random.Random, int], tuple[int | None, int | None, str] | None]
    today: bool = False
    pause_through: int | None = None
    chores: tuple[str, ...] = ()  # the few other activities they keep doing, if they have such


def strong(rng: random.Random, n: int) -> tuple[int | None, int | None, str]:
    return rng.randint(8, 13), rng.randint(90, 160), "complete"


# Ana's weeks, by workday number: what breaks her otherwise strong run (PAUSED: no check-in,
# the pause covers it).
ANA_DAYS: dict[int, tuple[int | None, int | None, str] | None] = {
    6: (None, None, "day_off:sick"),
    9: (4, 45, "complete"),
    13: (6, None, "partial"),
    16: None,
    19: None,
    20: None,
    22: (None, None, "day_off:vacation"),
}
ANA_PAUSE_THROUGH = 20


def strong_with_life(rng: random.Random, n: int) -> tuple[int | None, int | None, str] | None:
    if n in ANA_DAYS:
        return ANA_DAYS[n]
    return strong(rng, n)


def sliding(rng: random.Random, n: int) -> tuple[int | None, int | None, str] | None:
    if n > 24 and rng.random() < 0.3:
        return None
    scale = max(0.25, 1 - n / 35)
    return round(rng.randint(7, 10) * scale), round(rng.randint(70, 110) * scale), "complete"


def away(rng: random.Random, n: int) -> tuple[int | None, int | None, str]:
    if 10 <= n < 15:
        return None, None, "day_off:vacation"
    return rng.randint(5, 8), rng.randint(55, 90), "complete"


def no_minutes(rng: random.Random, n: int) -> tuple[int | None, int | None, str]:
    return rng.randint(4, 9), None, "partial"


def improving(rng: random.Random, n: int) -> tuple[int | None, int | None, str]:
    lift = n / 29
    return (
        round(2 + 7 * lift + rng.randint(0, 2)),
        round(25 + 70 * lift + rng.randint(0, 15)),
        "complete",
    )


def steady(rng: random.Random, n: int) -> tuple[int | None, int | None, str]:
    return rng.randint(5, 6), rng.randint(60, 70), "complete"


def erratic(rng: random.Random, n: int) -> tuple[int | None, int | None, str] | None:
    if rng.random() < 0.35:
        return None
    return rng.randint(0, 12), rng.randint(0, 140), "complete"


def newcomer(rng: random.Random, n: int) -> tuple[int | None, int | None, str] | None:
    if n < 20:
        return None
    return rng.randint(3, 7), rng.randint(30, 75), "complete"


PERSONAS = (
    Persona(
        user_id_for("Ana Lima"),
        "Ana Lima",
        "America/Sao_Paulo",
        strong_with_life,
        pause_through=ANA_PAUSE_THROUGH,
        chores=("Inbox", "Email cleanup", "Formatting slides"),
    ),
    Persona(user_id_for("Ben Carter"), "Ben Carter", "America/New_York", sliding),
    Persona(user_id_for("Chloé Martin"), "Chloé Martin", "Europe/Paris", away),
    Persona(user_id_for("Dev Patel"), "Dev Patel", "Asia/Kolkata", no_minutes),
    Persona(user_id_for("Eli Cohen"), "Eli Cohen", "Europe/London", improving, today=True),
    Persona(user_id_for("Fatima Zahra"), "Fatima Zahra", "Africa/Casablanca", steady, today=True),
    Persona(user_id_for("Goro Tanaka"), "Goro Tanaka", "Asia/Tokyo", erratic),
    Persona(user_id_for("Hana Novak"), "Hana Novak", "Europe/Prague", newcomer),
)


def workdays_back(today: date, weeks: int) -> list[date]:
    """The workdays (Mon–Fri) of the last `weeks` weeks, up to yesterday, oldest first."""
    start = today - timedelta(weeks=weeks)
    days = [start + timedelta(days=i) for i in range((today - start).days)]
    return [d for d in days if d.weekday() < 5]


def activities_for(
    rng: random.Random, conversations: int, chores: tuple[str, ...] = ()
) -> list[str]:
    """Three top activities, more high-value ones on busier days; the rest from the member's
    chores when they have some."""
    high_count = min(3, max(0, conversations // 4))
    picks = rng.sample(HIGH, high_count) + rng.sample(chores or LOW + NEUTRAL, 3 - high_count)
    rng.shuffle(picks)
    return picks


async def seed(database: Database, clock: Clock) -> None:
    """Create the demo team, six weeks of check-ins, and the outcomes and targets after them."""
    rng = random.Random(2026)
    now = clock.now()
    async with database.transaction() as session:
        team = await ensure_team(
            session, DEMO_PLATFORM, DEMO_TEAM, now=now, timezone="Europe/London", name="Acme Sales"
        )
        team.track_wins = True
        team.recap_channel_id = "sales"
        for persona in PERSONAS:
            member = await ensure_member(
                session, DEMO_PLATFORM, persona.user_id, now=now, display_name=persona.name
            )
            member.timezone = persona.timezone
            membership = await ensure_membership(session, team, member, now=now)
            if persona.name == ADMIN:
                membership.role = "admin"
                member.goal_conversations = 8
                member.goal_minutes = 90
            today = now.date()
            days = workdays_back(today, WEEKS)
            if persona.pause_through is not None:
                member.paused_until = days[persona.pause_through]
            if persona.today and today.weekday() < 5:
                days.append(today)
            for n, day in enumerate(days):
                result = persona.day(rng, n)
                if result is None:
                    continue
                conversations, minutes, kind = result
                status, _, reason = kind.partition(":")
                activities: tuple[tuple[str, str], ...] = ()
                wins = None
                if status != "day_off":
                    texts = activities_for(rng, conversations or 0, persona.chores)
                    activities = tuple((t, classify_activity(t)) for t in texts)
                    wins = 1 if (conversations or 0) >= 10 and rng.random() < 0.4 else 0
                at = min(now, datetime.combine(day, time(17, 30), tzinfo=now.tzinfo))
                await save_checkin(
                    session,
                    member.id,
                    day,
                    CheckinRecord(
                        status=status,
                        day_off_reason=reason or None,
                        conversations=conversations,
                        minutes=minutes,
                        activities=activities,
                        wins=wins,
                        wins_note="booked a demo" if wins else None,
                        source="demo",
                    ),
                    now=at,
                )
    await seed_outcomes(
        database, clock, DEMO_PLATFORM, DEMO_TEAM, [(p.user_id, p.name) for p in PERSONAS]
    )


def remove_sqlite_files(path: Path) -> None:
    """Delete a SQLite database and its WAL files, so the demo starts fresh."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def run_demo(settings: Settings, database_url: str) -> int:
    """Build the demo database from scratch and print what Needle shows about it."""
    if database_url.startswith("sqlite:///"):
        remove_sqlite_files(Path(database_url.removeprefix("sqlite:///")))
    database = Database(database_url)
    try:
        await upgrade(database)
        clock = SystemClock()
        await seed(database, clock)
        engine = Engine(database, settings, clock, router=build_router())
        console = ConsoleAdapter(engine, name=ADMIN)
        print(
            f"Demo team “Acme Sales”: {len(PERSONAS)} members, {WEEKS} weeks of check-ins "
            f"in {database_url}.\n"
        )
        for line in ("leaderboard calls week", "stats month", "stats week @dev-patel", "returns"):
            print(f"$ needle {line}")
            console.show(await engine.handle(console.incoming(line)))
            print()
        print(
            f"Try it yourself: DATABASE_URL={database_url} needle chat --as '{ADMIN}'"
            " (then `stats week`, `returns team`, `leaderboard minutes month`, `help`)."
        )
        print(
            f"The dashboard: DATABASE_URL={database_url} CONSOLE_USER='{ADMIN}' needle run,"
            " then type `dashboard` for a sign-in link."
        )
    finally:
        await database.dispose()
    return 0
