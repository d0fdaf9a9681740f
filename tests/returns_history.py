"""A small scripted history for the returns tests, with the counts worked out by hand.

Today is Wed 25 Nov 2026 (the clock's START); the window runs from Fri 28 Aug and counts the
check-in days up to Mon 23 Nov (their three days of follow-up are over). Ana's check-ins:

    Thu 29 Oct  demo calls; admin 2h           not followed (an outcome on 1 Nov is day 4)
    Fri 30 Oct  demo calls; inbox 30 min       followed: meeting Sun 1 Nov (across the month)
    Mon  2 Nov  demo calls                     followed: won Wed 4 Nov
    Tue  3 Nov  admin 2h                       followed: won Wed 4 Nov
    Wed  4 Nov  demo calls; admin 1h30         followed: won Wed 4 Nov (the same day)
    Thu  5 Nov  inbox 30 min                   not followed
    Fri  6 Nov  pipeline review                not followed
    Mon  9 Nov  demo calls; inbox              not followed (Tue 10 Nov's meeting was removed)
    Tue 10 Nov  admin                          not followed (idem)
    Wed 11 Nov  prospecting                    followed: meeting Fri 13 Nov
    Thu 12 Nov  prospecting; inbox 30 min      followed: meeting Fri 13 Nov
    Mon 16 Nov  demo calls                     not followed (Wed 18 Nov is a loss)
    Tue 17 Nov  admin 45 min                   not followed
    Fri 20 Nov  pipeline review                not followed
    Mon 23 Nov  demo calls                     followed: meeting Wed 25 Nov (today)
    Tue 24 Nov  demo calls                     not counted: its three days are not over

Baseline: 7 of 15 days. "demo calls": 7 days, 4 followed; the 8 other days, 3 followed.
"admin": 5 days, 2 followed; 10 others, 5. "inbox" 4 days, "prospecting" and "pipeline
review" 2 each: too few. High-value days (demo calls, prospecting): 9, 6 followed; the 6
others, 1. Low-value days (admin, inbox): 9, 4 followed; the 6 others, 3. Neutral (pipeline
review): 2 days, none followed. Low-value time: 9 mentions, 7 with a time: admin 2h + 2h +
1h30 + 45 min = 6h 15m, inbox 3 × 30 min = 1h 30m, 7h 45m in all. Only "inbox 30 min" is
named three times the same way: the one candidate to delegate.
"""

from __future__ import annotations

from datetime import date

from adapters.memory import MemoryAdapter
from bot.storage.db import Database
from bot.storage.outcomes import OutcomeKind, record_outcome, void_outcome
from bot.storage.people import find_member, find_team
from tests.conftest import START
from tests.stats_helpers import join, seed

ANA_DAYS: dict[date, tuple[str, ...]] = {
    date(2026, 10, 29): ("demo calls", "admin 2h"),
    date(2026, 10, 30): ("demo calls", "inbox 30 min"),
    date(2026, 11, 2): ("demo calls",),
    date(2026, 11, 3): ("admin 2h",),
    date(2026, 11, 4): ("demo calls", "admin 1h30"),
    date(2026, 11, 5): ("inbox 30 min",),
    date(2026, 11, 6): ("pipeline review",),
    date(2026, 11, 9): ("demo calls", "inbox"),
    date(2026, 11, 10): ("admin",),
    date(2026, 11, 11): ("prospecting",),
    date(2026, 11, 12): ("prospecting", "inbox 30 min"),
    date(2026, 11, 16): ("demo calls",),
    date(2026, 11, 17): ("admin 45 min",),
    date(2026, 11, 20): ("pipeline review",),
    date(2026, 11, 23): ("demo calls",),
    date(2026, 11, 24): ("demo calls",),
}
# Ben checks in without any outcome: four days of cold emails.
BEN_DAYS: dict[date, tuple[str, ...]] = {
    date(2026, 11, d): ("cold emails",) for d in (2, 9, 16, 23)
}


async def track_outcomes(database: Database, team_id: str, tracked: list[str]) -> None:
    """Choose what the team tracks (what `admin outcomes …` sets)."""
    async with database.transaction() as session:
        team = await find_team(session, "memory", team_id)
        assert team is not None
        team.outcomes = tracked


async def seed_history(database: Database, team_id: str = "team-1") -> None:
    """Ana's and Ben's check-ins, Ana's outcomes (one removed, one a loss)."""
    await seed(database, "ana", {day: (6, 70, acts) for day, acts in ANA_DAYS.items()})
    await seed(database, "ben", {day: (5, 60, acts) for day, acts in BEN_DAYS.items()})
    await track_outcomes(database, team_id, ["meetings", "deals"])
    async with database.transaction() as session:
        ana = await find_member(session, "memory", "ana")
        assert ana is not None

        live: list[tuple[date, OutcomeKind, int | None, str | None]] = [
            (date(2026, 11, 1), OutcomeKind.MEETING, None, None),
            (date(2026, 11, 4), OutcomeKind.WON, 12_000, "Acme"),
            (date(2026, 11, 13), OutcomeKind.MEETING, None, None),
            (date(2026, 11, 18), OutcomeKind.LOST, None, "Globex"),
            (date(2026, 11, 25), OutcomeKind.MEETING, None, None),
        ]
        for day, kind, amount, account in live:
            await record_outcome(
                session,
                member_id=ana.id,
                local_date=day,
                kind=kind,
                now=START,
                amount=amount,
                account=account,
            )
        removed = await record_outcome(
            session,
            member_id=ana.id,
            local_date=date(2026, 11, 10),
            kind=OutcomeKind.MEETING,
            now=START,
            quantity=2,
        )
        await void_outcome(session, removed, now=START, by_member_id=ana.id)


async def ana_and_ben(bot: MemoryAdapter, database: Database, *, lead: bool = False) -> None:
    """Ana and Ben (and an admin, `lead`, when asked) known to Needle, with the history."""
    if lead:
        await join(bot, "lead", admin=True)
    await join(bot, "ana")
    await join(bot, "ben")
    await seed_history(database)
