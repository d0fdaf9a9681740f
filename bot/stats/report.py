"""A member's stats over a period (bot/stats/periods.py), as text and as a chart.

Decisions (the rules are in docs/behaviour.md#minimums and docs/coaching.md):

- Periods are in the member's own local dates: the week runs Monday to today, the month from
  the 1st to today, "all" from their first check-in; the period module says the rest and what
  each is compared with.
- "Days at minimum" counts the member's workdays in the period that met their personal minimum,
  out of the workdays so far (`bot.stats.sofar`: days off and paused days excluded, today only
  once it has a check-in, nothing before their first day with Needle).
- The personal minimum of today is the bar for every past day: goals are not versioned.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from bot.stats.charts import ChartFormat

from bot.messages import Fact, Image, Reply, ReplyKind
from bot.profile import Profile, describe_date
from bot.stats.charts import ChartDay
from bot.stats.days import member_days
from bot.stats.periods import Period, period_of
from bot.stats.sofar import workdays_so_far
from bot.stats.streaks import params_of
from bot.storage.activities import member_highlights
from bot.storage.checkins import corrections_between, days_off_by_reason
from bot.storage.days import daily_points
from bot.storage.models import Member
from bot.storage.sql import EPOCH
from bot.storage.streaks import Streaks, finish
from bot.storage.totals import MemberSummary, PeriodTotals, member_summary
from bot.words import plural

DELEGATE_WINDOW_DAYS = 28


@dataclass(frozen=True)
class MemberStats:
    """Everything `stats` shows about one member over one period."""

    member: Member
    profile: Profile
    period: Period
    totals: PeriodTotals
    previous: PeriodTotals | None
    streaks: Streaks
    workdays_so_far: int
    before_wins: list[tuple[str, int]]
    delegate: tuple[str, int] | None
    today: date
    corrections: list[tuple[date, str | None]]  # days an admin fixed, and who
    days_off: dict[str, int] = field(default_factory=dict)  # by reason (sick, vacation, …)
    history_from: date | None = None  # a team's view of another member: their first day seen


async def member_stats(
    session: AsyncSession,
    member: Member,
    profile: Profile,
    period_name: str,
    today: date,
    *,
    track_wins: bool,
    history_from: date | None = None,
) -> MemberStats:
    """Gather a member's stats for a period (a handful of SQL aggregates).

    `history_from` is for a team's view of another member: nothing of theirs before that day
    (the day they joined the team) is read.
    """
    # "All time" starts at the first check-in; the query over everything finds it.
    period = period_of(period_name, today, profile.workdays, EPOCH)
    spans = [(period.start, period.end), (today, today)]
    if period.previous:
        spans.append(period.previous)
    if history_from is not None:
        spans = [(max(start, history_from), end) for start, end in spans]
    params = replace(params_of(member.id, profile), history_from=history_from)
    summary = await member_summary(session, params, spans, today=today)
    totals = summary.periods[0]
    previous = summary.periods[2] if period.previous else None
    started = max(summary.first or today, history_from or EPOCH)
    if period.previous and started > period.previous[1]:
        previous = None  # nothing before their first day to compare with: no "▲ 28"
    if period.name == "all":
        period = replace(period, start=summary.first or today)
    so_far = so_far_of(summary, member, profile, period.start, period.end, today, history_from)
    seen_from = max(period.start, history_from) if history_from else period.start
    streaks = finish(summary.runs, today, params.workdays, params.paused_until)
    highlights = await member_highlights(
        session,
        member.id,
        wins_between=(seen_from, period.end) if track_wins and totals.wins else None,
        delegate_between=delegate_window(today, seen_from),
    )
    days_off = (
        await days_off_by_reason(session, member.id, seen_from, period.end)
        if totals.days_off
        else {}
    )
    return MemberStats(
        member=member,
        profile=profile,
        period=period,
        totals=totals,
        previous=previous,
        streaks=streaks,
        workdays_so_far=so_far,
        before_wins=highlights.before_wins,
        delegate=highlights.delegate,
        today=today,
        corrections=await corrections_between(session, member.id, seen_from, period.end),
        days_off=days_off,
        history_from=history_from,
    )


def delegate_window(today: date, since: date) -> tuple[date, date]:
    """The days whose top activities say what to delegate: the last four weeks through
    `today`, from `since` at the earliest."""
    return max(since, today - timedelta(days=DELEGATE_WINDOW_DAYS - 1)), today


def so_far_of(
    summary: MemberSummary,
    member: Member,
    profile: Profile,
    start: date,
    end: date,
    today: date,
    history_from: date | None = None,
) -> int:
    """The workdays so far of [start, end] (`summary.periods[0]`; `periods[1]` is today),
    from the member's first day with Needle, or from `history_from` in a team's view."""
    totals, today_totals = summary.periods[0], summary.periods[1]
    joined = profile.local_date(member.created_at) if member.created_at else today
    first_day = min(d for d in (summary.first, joined) if d is not None)
    return workdays_so_far(
        start,
        end,
        today,
        profile.workdays,
        first_day=max(first_day, history_from) if history_from else first_day,
        # A day off today on a non-workday isn't counted, but such a today counts nothing.
        checked_in_today=bool(today_totals.days_logged or today_totals.days_off),
        days_off=totals.days_off,
        paused_until=profile.paused_until,
        last_record=summary.pause_last_record,
    )


async def days_at_minimum(
    session: AsyncSession, member: Member, profile: Profile, start: date, end: date, today: date
) -> tuple[int, int]:
    """Workdays of [start, end] at minimum, and the workdays so far: what `stats` shows."""
    summary = await member_summary(
        session, params_of(member.id, profile), [(start, end), (today, today)], today=today
    )
    return summary.periods[0].days_met, so_far_of(summary, member, profile, start, end, today)


def days_off_text(by_reason: dict[str, int]) -> str:
    """`2 (1 sick, 1 vacation)`; a plain count when every day off gave no reason."""
    total = sum(by_reason.values())
    if set(by_reason) <= {"off"}:
        return str(total)
    parts = ", ".join(f"{count} {reason}" for reason, count in by_reason.items())
    return f"{total} ({parts})"


def change(current: int, previous: int | None, versus: str) -> str:
    """` (▲ 6 vs the same days last week)`, or nothing without a previous period."""
    if previous is None:
        return ""
    diff = current - previous
    if diff == 0:
        return f" (no change vs {versus})"
    arrow = "▲" if diff > 0 else "▼"
    percent = f", {diff / previous:+.0%}" if previous else ""
    return f" ({arrow} {abs(diff)}{percent} vs {versus})"


def span_text(period: Period) -> str:
    """`Mon 23 Nov – Wed 25 Nov`, or one date."""
    if period.start == period.end:
        return describe_date(period.start)
    return f"{describe_date(period.start)} – {describe_date(period.end)}"


def target_minimum_note(profile: Profile, day: date, whose: str = "your") -> str:
    """`; 7 conversations on 26 Nov, your target's pace` when the target raised that day's."""
    minimum = profile.conversations_minimum(day)
    if minimum <= profile.min_conversations:
        return ""
    return f"; {plural(minimum, 'conversation')} on {describe_date(day)}, {whose} target's pace"


def high_value_percent(totals: PeriodTotals) -> int | None:
    """The share of top activities classified high-value, in whole percent (None: none)."""
    share = totals.high_value_share
    return None if share is None else round(share * 100)


def stats_reply(stats: MemberStats, *, track_wins: bool, about_self: bool) -> Reply:
    """The stats as a one-screen text reply (the chart is attached separately)."""
    totals, previous, period = stats.totals, stats.previous, stats.period
    profile = stats.profile
    versus = period.versus
    facts = [
        Fact(
            "Conversations",
            f"{totals.conversations}"
            + change(totals.conversations, previous.conversations if previous else None, versus),
        ),
        Fact(
            "Minutes with buyers",
            f"{totals.minutes}"
            + change(totals.minutes, previous.minutes if previous else None, versus),
        ),
        Fact(
            "Days at minimum",
            (
                f"{totals.days_met} of {plural(stats.workdays_so_far, 'workday')}"
                if stats.workdays_so_far
                else "no workday to count yet"
            )
            + (f" ({plural(totals.days_off, 'day')} off)" if totals.days_off else ""),
        ),
        *([Fact("Days off", days_off_text(stats.days_off))] if stats.days_off else []),
        Fact("Current streak", plural(stats.streaks.current, "workday")),
        Fact("Best streak", plural(stats.streaks.best, "workday")),
    ]
    percent = high_value_percent(totals)
    if percent is not None:
        facts.append(
            Fact(
                "High-value activities",
                f"{percent}% ({totals.high_value} of {totals.activities})",
            )
        )
    if track_wins:
        facts.append(Fact("Wins", str(totals.wins)))
    facts.append(
        Fact(
            "Minimum",
            f"{plural(profile.min_conversations, 'conversation')}, {profile.min_minutes} min"
            + target_minimum_note(profile, period.end, "your" if about_self else "their"),
        )
    )
    lines = []
    if totals.days_logged == 0 and totals.days_off == 0:
        lines.append(
            "No check-ins in this period yet."
            + (" Type `checkin` or `log 3 calls 40m` to start." if about_self else "")
        )
    if stats.before_wins:
        items = ", ".join(f"{text} ({count}×)" for text, count in stats.before_wins)
        lines.append(f"Before the wins: {items} — that's what generates returns.")
    if stats.delegate:
        text, count = stats.delegate
        lines.append(
            f"“{text}” came up {plural(count, 'time')} in the last four weeks — a candidate to "
            "delegate."
        )
    if stats.corrections:
        fixed = ", ".join(
            describe_date(day) + (f" (by {who})" if who else "") for day, who in stats.corrections
        )
        lines.append(f"Corrected by an admin: {fixed}.")
    name = stats.member.display_name or stats.member.external_id
    title = f"{'Your' if about_self else name + '’s'} stats — {period.label} ({span_text(period)})"
    return Reply("\n".join(lines), kind=ReplyKind.STATS, title=title, facts=tuple(facts))


def safe_name(text: str) -> str:
    """A string fit for a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "member"


async def stats_chart(
    session: AsyncSession, stats: MemberStats, fmt: ChartFormat = "png"
) -> Callable[[], Image]:
    """How to draw the member's conversations and minutes per day against their minimums, as
    a PNG (chat) or an SVG (the dashboard).

    The data is read now; the drawing (about 0.1 s of matplotlib) is returned to be done after
    the transaction (see `Reply.draw`).
    """
    from bot.stats.charts import member_chart

    period = stats.period
    start = period.start
    one_day = period.start == period.end
    if one_day:
        start = period.end - timedelta(days=13)
    if stats.history_from is not None:
        start = min(max(start, stats.history_from), period.end)
    weekly = (period.end - start).days > 62
    profile = stats.profile
    if weekly:
        points = await daily_points(session, stats.member.id, start, period.end, weekly=True)
        days = [
            week_of(p.day, p.conversations / p.days, p.minutes / p.days, profile) for p in points
        ]
    else:
        days = await chart_days(
            session, stats.member.id, profile, start, period.end, today=stats.today
        )
    name = stats.member.display_name or stats.member.external_id
    label = "the last two weeks" if one_day else period.label
    return partial(
        member_chart,
        title=f"{name}: conversations and minutes, {label}",
        days=days,
        min_conversations=profile.min_conversations,
        min_minutes=profile.min_minutes,
        filename=f"needle-stats-{safe_name(stats.member.external_id)}-{period.name}-"
        f"{period.end.isoformat()}.{fmt}",
        weekly=weekly,
        fmt=fmt,
    )


def week_of(monday: date, conversations: float, minutes: float, profile: Profile) -> ChartDay:
    """A week's bar: the averages per check-in day, `met` when both reach the minimums."""
    met = conversations >= profile.min_conversations and minutes >= profile.min_minutes
    return ChartDay(monday, "met" if met else "below", round(conversations, 1), round(minutes, 1))


# How each kind of day (bot.stats.days) is drawn on the chart; days of other kinds are left out.
CHARTED = {
    "met": "met",
    "below": "below",
    "partial": "below",
    "off": "off",
    "paused": "paused",
    "missed": "missed",
}


async def chart_days(
    session: AsyncSession,
    member_id: int,
    profile: Profile,
    start: date,
    end: date,
    *,
    today: date,
) -> list[ChartDay]:
    """The days of a member's chart in [start, end], classified by `bot.stats.days`: every
    recorded day (numbers, or a day off), and each missed or paused workday since their first
    check-in. Today counts only once it has a record."""
    days = await member_days(session, member_id, profile, start, end, today=today)
    return [
        ChartDay(d.day, CHARTED[d.kind], float(d.conversations), float(d.minutes))
        for d in days
        if d.kind in CHARTED
    ]
