"""A rep's funnel: conversations → meetings → deals over a rolling window, with honest rates.

Over the last `WINDOW_DAYS` of the member's local dates (today included), Needle adds up the
conversations of their check-ins (days off excluded: they hold no conversations) and their
live outcomes: meetings booked, deals won and lost, revenue won. From these come the rates:

- "1 meeting per N conversations" and "1 deal per M conversations";
- "win rate X of Y decided deals" (won of won + lost).

**The minimum sample** (docs/coaching.md, Targets and the funnel): a rate is shown only when it
rests on at least `MIN_DAYS` check-in days in the window *and* at least `MIN_OUTCOMES` of its
outcome (meetings; deals won; for the win rate, decided deals; for revenue, won deals with a
value). Below that it reads "not enough data yet" with what is missing ("3 more deals to see a
rate"), never a confident number. The rates keep the exact counts (`Rate`): a target's
arithmetic uses the fraction, only the words round it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.funnel import checkin_span
from bot.storage.outcomes import Metric, OutcomeTotals, outcome_totals
from bot.words import noun, plural

WINDOW_DAYS = 90
MIN_DAYS = 10
MIN_OUTCOMES = 2

UNIT = {Metric.MEETINGS: "meeting", Metric.DEALS: "deal", Metric.REVENUE: "deal with a value"}


def money(amount: int | Fraction) -> str:
    """An amount of revenue as people read it: `12,000`, `950`."""
    return f"{round(amount):,}"


def metric_amount(metric: Metric, amount: int) -> str:
    """`4 deals`, `10 meetings`, `50,000 in revenue`."""
    if metric is Metric.REVENUE:
        return f"{money(amount)} in revenue"
    return plural(amount, "deal" if metric is Metric.DEALS else "meeting")


@dataclass(frozen=True)
class Rate:
    """How many conversations one unit of an outcome took, as exact counts."""

    conversations: int
    outcomes: int  # meetings, deals won, or revenue (currency units)

    @property
    def per_outcome(self) -> Fraction:
        """Conversations per unit of the outcome."""
        return Fraction(self.conversations, self.outcomes)


@dataclass(frozen=True)
class Funnel:
    """A member's funnel over [start, end]: check-in days, conversations and outcomes."""

    start: date
    end: date
    days: int  # check-in days (complete or partial), days off excluded
    conversations: int
    outcomes: OutcomeTotals

    @property
    def decided(self) -> int:
        """Deals won or lost."""
        return self.outcomes.won + self.outcomes.lost

    def sample(self, metric: Metric) -> int:
        """How many outcomes a metric's rate rests on (for revenue: won deals with a value)."""
        if metric is Metric.MEETINGS:
            return self.outcomes.meetings
        if metric is Metric.DEALS:
            return self.outcomes.won
        return self.outcomes.won if self.outcomes.revenue > 0 else 0

    def rate(self, metric: Metric) -> Rate | None:
        """Conversations per outcome of `metric`, or None below the minimum sample."""
        total = self.outcomes.of(metric)
        if self.days < MIN_DAYS or self.sample(metric) < MIN_OUTCOMES or total <= 0:
            return None
        if self.conversations <= 0:
            return None
        return Rate(self.conversations, total)

    def missing(self, metric: Metric) -> str:
        """What the rate of `metric` still needs: `3 more check-in days and 1 more deal`."""
        parts = []
        if self.days < MIN_DAYS:
            parts.append(
                f"{MIN_DAYS - self.days} more check-in {noun(MIN_DAYS - self.days, 'day')}"
            )
        short = MIN_OUTCOMES - self.sample(metric)
        if short > 0:
            parts.append(f"{short} more {noun(short, UNIT[metric])}")
        if not parts and self.conversations <= 0:
            parts.append("some conversations")
        return " and ".join(parts)

    def win_rate(self) -> tuple[int, int] | None:
        """(won, decided) when it rests on the minimum sample, else None."""
        if self.days < MIN_DAYS or self.decided < MIN_OUTCOMES:
            return None
        return self.outcomes.won, self.decided


async def member_funnel(
    session: AsyncSession, member_id: int, today: date, *, days: int = WINDOW_DAYS
) -> Funnel:
    """The member's funnel over the `days` local dates ending `today`."""
    start = today - timedelta(days=days - 1)
    span = await checkin_span(session, member_id, start, today)
    totals = (await outcome_totals(session, [member_id], start, today)).get(
        member_id, OutcomeTotals()
    )
    return Funnel(start, today, span.days, span.conversations, totals)


def rate_text(metric: Metric, rate: Rate) -> str:
    """`1 deal per 23 conversations`, `1 meeting per 4 conversations`, `320 of revenue per
    conversation`."""
    if metric is Metric.REVENUE:
        return f"{money(Fraction(rate.outcomes, rate.conversations))} of revenue per conversation"
    unit = "deal" if metric is Metric.DEALS else "meeting"
    per = rate.per_outcome
    if per >= 1:
        return f"1 {unit} per {plural(max(1, round(per)), 'conversation')}"
    return f"{round(1 / per, 1):g} {noun(2, unit)} per conversation"


def funnel_text(funnel: Funnel, tracked: list[Metric]) -> str:
    """The `funnel` reply: the counts, then each tracked rate or what it still needs."""
    o = funnel.outcomes
    lines = [
        f"Your last {WINDOW_DAYS} days ({plural(funnel.days, 'check-in day')}): "
        f"{plural(funnel.conversations, 'conversation')} → {plural(o.meetings, 'meeting')} "
        f"booked → {plural(o.won, 'deal')} won, {o.lost} lost"
        + (f", {money(o.revenue)} in revenue." if o.revenue else ".")
    ]
    for metric in tracked:
        rate = funnel.rate(metric)
        if rate is None:
            lines.append(
                f"• {metric.value.capitalize()}: not enough data yet — "
                f"{funnel.missing(metric)} to see a rate."
            )
        else:
            lines.append(f"• {metric.value.capitalize()}: {rate_text(metric, rate)}.")
    if Metric.DEALS in tracked:
        wins = funnel.win_rate()
        if wins is None:
            short = max(0, MIN_OUTCOMES - funnel.decided)
            need = [f"{short} more decided {noun(short, 'deal')}"] if short else []
            if funnel.days < MIN_DAYS:
                need.insert(0, f"{plural(MIN_DAYS - funnel.days, 'more check-in day')}")
            lines.append(f"• Win rate: not enough data yet — {' and '.join(need)}.")
        else:
            won, decided = wins
            lines.append(f"• Win rate: {won} of {plural(decided, 'decided deal')}.")
    lines.append(
        f"A rate shows once it rests on {MIN_DAYS} check-in days and {MIN_OUTCOMES} outcomes."
    )
    return "\n".join(lines)
