"""Outcomes and targets: what members' activities produced (meetings booked, deals won or
lost) and the monthly targets they set.

Outcome rows are never edited. A correction voids a row and records its replacement in the
same transaction (`correct_outcome`); removing one voids it with no replacement. Every count
reads live rows only (`voided_at IS NULL`); the voided ones are the audit trail. Sums are SQL
aggregations; dates are the member's local dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Outcome, Target


class OutcomeKind(StrEnum):
    """What an outcome row records."""

    MEETING = "meeting"  # meetings booked (quantity)
    WON = "won"  # a deal won (quantity 1, amount its value when given)
    LOST = "lost"  # a deal lost (quantity 1)


class Metric(StrEnum):
    """What a team tracks and a member may target, in the order Needle shows them."""

    MEETINGS = "meetings"
    DEALS = "deals"
    REVENUE = "revenue"


METRIC_ORDER: tuple[Metric, ...] = (Metric.MEETINGS, Metric.DEALS, Metric.REVENUE)


@dataclass(frozen=True)
class OutcomeTotals:
    """A member's live outcomes over a span of dates."""

    meetings: int = 0
    won: int = 0
    lost: int = 0
    revenue: int = 0
    days: int = 0  # distinct dates with at least one live outcome

    def of(self, metric: Metric) -> int:
        """The total a metric (a target, a leaderboard) reads: meetings, deals won, revenue."""
        if metric is Metric.MEETINGS:
            return self.meetings
        if metric is Metric.DEALS:
            return self.won
        return self.revenue


async def record_outcome(
    session: AsyncSession,
    *,
    member_id: int,
    local_date: date,
    kind: OutcomeKind,
    now: datetime,
    quantity: int = 1,
    amount: int | None = None,
    account: str | None = None,
    note: str | None = None,
    source: str = "chat",
    recorded_by_id: int | None = None,
) -> Outcome:
    """Add one outcome (flushed, so its id is known)."""
    row = Outcome(
        member_id=member_id,
        local_date=local_date,
        kind=str(kind),
        quantity=quantity,
        amount=amount,
        account=account,
        note=note,
        source=source,
        recorded_by_id=recorded_by_id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def void_outcome(
    session: AsyncSession,
    outcome: Outcome,
    *,
    now: datetime,
    by_member_id: int | None,
    replaced_by: Outcome | None = None,
) -> None:
    """Take an outcome out of every count, keeping it for the audit trail."""
    outcome.voided_at = now
    outcome.voided_by_id = by_member_id
    outcome.replaced_by_id = replaced_by.id if replaced_by is not None else None
    await session.flush()


async def correct_outcome(
    session: AsyncSession,
    outcome: Outcome,
    *,
    now: datetime,
    by_member_id: int | None,
    quantity: int | None = None,
    amount: int | None = None,
    account: str | None = None,
    local_date: date | None = None,
    source: str = "chat",
) -> Outcome:
    """Replace an outcome with a corrected copy (what is not given is kept) and void the old
    one pointing at it. Returns the new row."""
    replacement = await record_outcome(
        session,
        member_id=outcome.member_id,
        local_date=local_date if local_date is not None else outcome.local_date,
        kind=OutcomeKind(outcome.kind),
        now=now,
        quantity=quantity if quantity is not None else outcome.quantity,
        amount=amount if amount is not None else outcome.amount,
        account=account if account is not None else outcome.account,
        note=outcome.note,
        source=source,
        recorded_by_id=by_member_id if by_member_id != outcome.member_id else None,
    )
    await void_outcome(
        session, outcome, now=now, by_member_id=by_member_id, replaced_by=replacement
    )
    return replacement


async def live_outcomes(
    session: AsyncSession, member_id: int, start: date, end: date
) -> Sequence[Outcome]:
    """A member's live outcomes dated in [start, end], oldest first."""
    rows = await session.scalars(
        select(Outcome)
        .where(
            Outcome.member_id == member_id,
            Outcome.local_date.between(start, end),
            Outcome.voided_at.is_(None),
        )
        .order_by(Outcome.local_date, Outcome.id)
    )
    return rows.all()


async def outcome_history(session: AsyncSession, member_id: int) -> Sequence[Outcome]:
    """Every outcome row of a member, voided ones included (the audit trail; data export)."""
    rows = await session.scalars(
        select(Outcome).where(Outcome.member_id == member_id).order_by(Outcome.id)
    )
    return rows.all()


def _sum_of(kind: OutcomeKind, column: Any) -> Any:
    """SQL: the sum of `column` over live rows of one kind (0 when none)."""
    return func.coalesce(func.sum(case((Outcome.kind == str(kind), column), else_=0)), 0)


async def outcome_totals(
    session: AsyncSession, member_ids: Iterable[int], start: date, end: date
) -> dict[int, OutcomeTotals]:
    """Each member's live outcome totals over [start, end], in one aggregation (members with
    none are absent)."""
    ids = list(member_ids)
    if not ids:
        return {}
    statement = (
        select(
            Outcome.member_id,
            _sum_of(OutcomeKind.MEETING, Outcome.quantity),
            _sum_of(OutcomeKind.WON, Outcome.quantity),
            _sum_of(OutcomeKind.LOST, Outcome.quantity),
            _sum_of(OutcomeKind.WON, func.coalesce(Outcome.amount, 0)),
            func.count(func.distinct(Outcome.local_date)),
        )
        .where(
            Outcome.member_id.in_(ids),
            Outcome.local_date.between(start, end),
            Outcome.voided_at.is_(None),
        )
        .group_by(Outcome.member_id)
    )
    result = await session.execute(statement)
    return {
        member_id: OutcomeTotals(
            meetings=int(meetings),
            won=int(won),
            lost=int(lost),
            revenue=int(revenue),
            days=int(days),
        )
        for member_id, meetings, won, lost, revenue, days in result.all()
    }


async def daily_outcomes(
    session: AsyncSession, member_ids: Iterable[int], start: date, end: date
) -> dict[tuple[int, date], OutcomeTotals]:
    """Live outcome totals per (member, local date) over [start, end] (dates with none are
    absent): what a funnel or a returns analysis lines up against the check-ins."""
    ids = list(member_ids)
    if not ids:
        return {}
    statement = (
        select(
            Outcome.member_id,
            Outcome.local_date,
            _sum_of(OutcomeKind.MEETING, Outcome.quantity),
            _sum_of(OutcomeKind.WON, Outcome.quantity),
            _sum_of(OutcomeKind.LOST, Outcome.quantity),
            _sum_of(OutcomeKind.WON, func.coalesce(Outcome.amount, 0)),
        )
        .where(
            Outcome.member_id.in_(ids),
            Outcome.local_date.between(start, end),
            Outcome.voided_at.is_(None),
        )
        .group_by(Outcome.member_id, Outcome.local_date)
    )
    result = await session.execute(statement)
    return {
        (member_id, day): OutcomeTotals(
            meetings=int(meetings), won=int(won), lost=int(lost), revenue=int(revenue), days=1
        )
        for member_id, day, meetings, won, lost, revenue in result.all()
    }


@dataclass(frozen=True)
class MonthlyTarget:
    """What a member aims at in a month."""

    metric: Metric
    amount: int


async def set_target(
    session: AsyncSession,
    *,
    member_id: int,
    metric: Metric,
    amount: int,
    month_start: date,
    now: datetime,
) -> None:
    """Set (amount > 0) or clear (amount 0) a member's target from `month_start`'s month on."""
    session.add(
        Target(
            member_id=member_id,
            metric=str(metric),
            amount=amount,
            starts_on=month_start.replace(day=1),
            set_at=now,
        )
    )
    await session.flush()


def _latest_target_rank() -> Any:
    """SQL: 1 for a member's latest target row (latest month, then latest set)."""
    return func.row_number().over(
        partition_by=Target.member_id, order_by=(Target.starts_on.desc(), Target.id.desc())
    )


async def targets_for_month(
    session: AsyncSession, member_ids: Iterable[int], month_start: date
) -> dict[int, MonthlyTarget]:
    """Each member's target for the month starting `month_start` (members with none, or whose
    latest row clears it, are absent), in one query."""
    ids = list(member_ids)
    if not ids:
        return {}
    ranked = (
        select(
            Target.member_id,
            Target.metric,
            Target.amount,
            _latest_target_rank().label("rank"),
        )
        .where(Target.member_id.in_(ids), Target.starts_on <= month_start.replace(day=1))
        .subquery()
    )
    rows = await session.execute(
        select(ranked.c.member_id, ranked.c.metric, ranked.c.amount).where(
            and_(ranked.c.rank == 1, ranked.c.amount > 0)
        )
    )
    return {
        member_id: MonthlyTarget(Metric(metric), int(amount))
        for member_id, metric, amount in rows.all()
    }


async def target_for_month(
    session: AsyncSession, member_id: int, month_start: date
) -> MonthlyTarget | None:
    """A member's target for the month starting `month_start`, or None."""
    return (await targets_for_month(session, [member_id], month_start)).get(member_id)
