"""Outcome rows and targets in storage: live counts skip voided rows, a correction keeps the
old row for the audit trail, and a month's target is the latest one set on or before it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.memory import MemoryAdapter
from bot.storage.db import Database
from bot.storage.outcomes import (
    Metric,
    MonthlyTarget,
    OutcomeKind,
    OutcomeTotals,
    correct_outcome,
    daily_outcomes,
    live_outcomes,
    outcome_history,
    outcome_totals,
    record_outcome,
    set_target,
    target_for_month,
    targets_for_month,
    void_outcome,
)
from bot.storage.people import find_member

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


async def member_ids(bot: MemoryAdapter, database: Database, *names: str) -> list[int]:
    """Members who said hello, by id."""
    ids = []
    for name in names:
        await bot.say("hello", user=name)
        async with database.transaction() as session:
            member = await find_member(session, "memory", name)
            assert member is not None
            ids.append(member.id)
    return ids


@pytest.mark.both_databases
async def test_totals_count_live_outcomes_only(bot: MemoryAdapter, database: Database) -> None:
    ana, raj = await member_ids(bot, database, "ana", "raj")
    async with database.transaction() as session:
        await record_outcome(
            session,
            member_id=ana,
            local_date=date(2026, 11, 2),
            kind=OutcomeKind.MEETING,
            quantity=2,
            now=NOW,
        )
        won = await record_outcome(
            session,
            member_id=ana,
            local_date=date(2026, 11, 3),
            kind=OutcomeKind.WON,
            amount=12_000,
            account="Acme",
            now=NOW,
        )
        await record_outcome(
            session,
            member_id=ana,
            local_date=date(2026, 11, 3),
            kind=OutcomeKind.LOST,
            account="Globex",
            now=NOW,
        )
        dropped = await record_outcome(
            session,
            member_id=ana,
            local_date=date(2026, 11, 4),
            kind=OutcomeKind.MEETING,
            quantity=5,
            now=NOW,
        )
        await void_outcome(session, dropped, now=NOW, by_member_id=ana)
        await record_outcome(
            session,
            member_id=raj,
            local_date=date(2026, 12, 1),
            kind=OutcomeKind.WON,
            amount=900,
            now=NOW,
        )
        fixed = await correct_outcome(session, won, now=NOW, by_member_id=ana, amount=15_000)

    async with database.transaction() as session:
        november = await outcome_totals(session, [ana, raj], date(2026, 11, 1), date(2026, 11, 30))
        assert november == {ana: OutcomeTotals(meetings=2, won=1, lost=1, revenue=15_000, days=2)}
        assert november[ana].of(Metric.DEALS) == 1
        assert november[ana].of(Metric.REVENUE) == 15_000
        by_day = await daily_outcomes(session, [ana], date(2026, 11, 1), date(2026, 11, 30))
        assert sorted(by_day) == [(ana, date(2026, 11, 2)), (ana, date(2026, 11, 3))]
        assert by_day[(ana, date(2026, 11, 3))].won == 1
        live = await live_outcomes(session, ana, date(2026, 11, 1), date(2026, 11, 30))
        assert [row.id for row in live] == sorted(row.id for row in live)
        assert fixed.id in {row.id for row in live} and won.id not in {row.id for row in live}
        history = await outcome_history(session, ana)
        assert len(history) == 5  # both voided rows kept
        old = next(row for row in history if row.id == won.id)
        assert old.voided_at is not None and old.replaced_by_id == fixed.id
        assert fixed.account == "Acme" and fixed.amount == 15_000


@pytest.mark.both_databases
async def test_a_months_target_is_the_latest_set_on_or_before_it(
    bot: MemoryAdapter, database: Database
) -> None:
    ana, raj, lee = await member_ids(bot, database, "ana", "raj", "lee")
    async with database.transaction() as session:
        await set_target(
            session,
            member_id=ana,
            metric=Metric.DEALS,
            amount=4,
            month_start=date(2026, 10, 1),
            now=NOW,
        )
        await set_target(
            session,
            member_id=ana,
            metric=Metric.MEETINGS,
            amount=10,
            month_start=date(2026, 11, 15),
            now=NOW,
        )
        await set_target(
            session,
            member_id=raj,
            metric=Metric.REVENUE,
            amount=50_000,
            month_start=date(2026, 11, 1),
            now=NOW,
        )
        await set_target(
            session,
            member_id=raj,
            metric=Metric.REVENUE,
            amount=0,
            month_start=date(2026, 12, 1),
            now=NOW,
        )
    async with database.transaction() as session:
        assert await target_for_month(session, ana, date(2026, 9, 1)) is None
        assert await target_for_month(session, ana, date(2026, 10, 1)) == MonthlyTarget(
            Metric.DEALS, 4
        )
        assert await targets_for_month(session, [ana, raj, lee], date(2026, 11, 1)) == {
            ana: MonthlyTarget(Metric.MEETINGS, 10),
            raj: MonthlyTarget(Metric.REVENUE, 50_000),
        }
        assert await targets_for_month(session, [ana, raj, lee], date(2027, 1, 1)) == {
            ana: MonthlyTarget(Metric.MEETINGS, 10)
        }
