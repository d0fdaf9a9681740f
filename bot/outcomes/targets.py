"""A monthly target turned into daily conversations, and the minimum it may set.

The rules (docs/coaching.md, Targets and the funnel):

- The month is the member's current local month; `done` is their live outcomes of the target's
  metric from its first day through today; `remaining` = target − done.
- **Workdays left** are the member's workdays from today to the month's end, without the days
  off and the paused days known so far (`paused_until`). Today is left while it has no
  check-in: once it has one it is a day "so far" (`bot.stats.sofar`), so every workday of the
  month is either so far or left, never both.
- **Needed** conversations = ⌈remaining × conversations per outcome⌉ from the funnel's rate
  (exact counts, `bot.outcomes.funnel.Rate`); **daily** = ⌈needed ÷ workdays left⌉. Both round
  up: a daily number that cannot reach the target is no minimum.
- Without a rate (below the funnel's minimum sample) Needle says what is missing and derives
  nothing; when remaining ≤ 0 it congratulates and derives nothing.
- **The day's minimum** (`Member.minimum_from_target`): the daily number, never below the
  personal minimum, is fixed for the day the first time Needle needs it (`DailyMinimum`), with
  today counted as left: every later surface that day reads the same number, and later days
  never rewrite an earlier day's.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.outcomes.funnel import Funnel, Rate, member_funnel, metric_amount, rate_text
from bot.profile import MAX_BACKFILL_DAYS, Profile
from bot.storage.funnel import (
    fix_target_minimum,
    recorded_dates,
    target_minimum,
    target_minimums,
)
from bot.storage.models import Member, Team
from bot.storage.outcomes import MonthlyTarget, outcome_totals, target_for_month
from bot.words import plural


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def ceil_div(numerator: int, denominator: int) -> int:
    """⌈numerator ÷ denominator⌉ in integers (denominator > 0)."""
    return -(-numerator // denominator)


def needed_conversations(remaining: int, rate: Rate) -> int:
    """⌈remaining × conversations per outcome⌉."""
    return ceil_div(remaining * rate.conversations, rate.outcomes)


def daily_conversations(needed: int, workdays_left: int) -> int:
    """⌈needed ÷ workdays left⌉: a daily number that reaches `needed` (workdays_left > 0)."""
    return ceil_div(needed, workdays_left)


def workdays_left(
    today: date,
    profile: Profile,
    recorded: dict[date, bool],
    *,
    today_counts: bool,
) -> int:
    """The member's workdays from today (when `today_counts`, else tomorrow) to the month's
    end, without known days off (`recorded`: date → day off) and paused days."""
    day = today if today_counts else today + timedelta(days=1)
    last = month_end(today)
    count = 0
    while day <= last:
        if profile.is_workday(day) and not recorded.get(day, False) and not profile.is_paused(day):
            count += 1
        day += timedelta(days=1)
    return count


# A pace above this many times the member's usual day is out of reach (see TargetPlan).
REACH_FACTOR = 2


@dataclass(frozen=True)
class TargetPlan:
    """Where a member stands against this month's target, and what it asks of each day."""

    target: MonthlyTarget
    today: date
    done: int
    funnel: Funnel
    workdays_left: int

    @property
    def remaining(self) -> int:
        """What is still to do (≤ 0 once the target is reached)."""
        return self.target.amount - self.done

    @property
    def rate(self) -> Rate | None:
        """The funnel's rate for the target's metric (None below the minimum sample)."""
        return self.funnel.rate(self.target.metric)

    @property
    def needed(self) -> int | None:
        """Conversations the remaining outcomes need at the member's rate."""
        rate = self.rate
        if rate is None or self.remaining <= 0:
            return None
        return needed_conversations(self.remaining, rate)

    @property
    def daily(self) -> int | None:
        """Conversations a workday needs to reach the target (None: nothing to derive)."""
        needed = self.needed
        if needed is None or self.workdays_left <= 0:
            return None
        return daily_conversations(needed, self.workdays_left)

    @property
    def usual(self) -> int:
        """The member's usual day: conversations per check-in day over the funnel's window,
        rounded up (0 without check-in days)."""
        days = self.funnel.days
        return -(-self.funnel.conversations // days) if days else 0

    @property
    def out_of_reach(self) -> bool:
        """True when the daily pace is more than `REACH_FACTOR` times the member's usual day:
        said plainly, and never made a minimum (a minimum nobody can hold coaches nothing)."""
        daily = self.daily
        return daily is not None and daily > REACH_FACTOR * max(self.usual, 1)


async def target_plan(
    session: AsyncSession,
    member_id: int,
    profile: Profile,
    today: date,
    *,
    today_counts: bool | None = None,
) -> TargetPlan | None:
    """The member's plan for today's month, or None without a target. `today_counts`: whether
    today is a workday left (default: while it has no check-in)."""
    first = today.replace(day=1)
    target = await target_for_month(session, member_id, first)
    if target is None:
        return None
    totals = await outcome_totals(session, [member_id], first, today)
    done = totals[member_id].of(target.metric) if member_id in totals else 0
    recorded = await recorded_dates(session, member_id, today, month_end(today))
    counts = today not in recorded if today_counts is None else today_counts
    left = workdays_left(today, profile, recorded, today_counts=counts)
    funnel = await member_funnel(session, member_id, today)
    return TargetPlan(target, today, done, funnel, left)


def derived_minimum(plan: TargetPlan, team_minimum: int) -> int | None:
    """The conversations minimum a plan sets: its daily number, never below the team's; none
    while the pace is out of reach (the standing minimum holds, and the pace check says so)."""
    daily = plan.daily
    return None if daily is None or plan.out_of_reach else max(daily, team_minimum)


def reach_text(plan: TargetPlan) -> str:
    """Why an out-of-reach pace is not offered as a minimum."""
    times = plan.daily / max(plan.usual, 1) if plan.daily else 0
    return (
        f"That is about {times:.0f} times your usual {plural(plan.usual, 'conversation')} a day, "
        "so at your rate this month's target is out of reach, and I won't make it your minimum. "
        "`returns` shows what has come before your outcomes; raising that rate, or a word with "
        "your lead about the target, will do more than an impossible number."
    )


async def day_minimum(
    session: AsyncSession, member: Member, profile: Profile, today: date, *, now: datetime
) -> int | None:
    """The conversations minimum the member's target sets for `today`, fixed the first time it
    is asked for (None: they don't follow a target, or it derives nothing today)."""
    if not member.minimum_from_target:
        return None
    fixed = await target_minimum(session, member.id, today)
    if fixed is not None:
        return fixed
    plan = await target_plan(session, member.id, profile, today, today_counts=True)
    minimum = derived_minimum(plan, profile.min_conversations) if plan else None
    if minimum is None:
        return None
    return await fix_target_minimum(session, member.id, today, minimum, now=now)


async def known_minimums(
    session: AsyncSession, member: Member, profile: Profile, today: date, *, now: datetime
) -> dict[date, int]:
    """The target minimums of the member's last `MAX_BACKFILL_DAYS` days and today (today's
    fixed now if they follow their target): what a reply about a recent day judges it by."""
    fixed = await target_minimums(
        session, member.id, today - timedelta(days=MAX_BACKFILL_DAYS), today
    )
    if today not in fixed:
        minimum = await day_minimum(session, member, profile, today, now=now)
        if minimum is not None:
            fixed[today] = minimum
    return fixed


async def profile_as_seen(
    session: AsyncSession, member: Member, team: Team, default_timezone: str, now: datetime
) -> Profile:
    """A member's profile as any view judges their days (their own replies, a lead's `stats
    @member`, the dashboard): with the minimums their target fixed for recent days and today."""
    profile = Profile.of(member, team, default_timezone)
    fixed = await known_minimums(session, member, profile, profile.local_date(now), now=now)
    return profile.with_target_minimums(fixed)


def to_go_text(plan: TargetPlan) -> str | None:
    """The pace check's and nudges' words: `2 deals to go; at your rate that is 46
    conversations, 4 a day for the 12 workdays left.` (None when there is nothing to say)."""
    metric = plan.target.metric
    if plan.remaining <= 0:
        return f"Target reached: {metric_amount(metric, plan.done)} this month."
    to_go = f"{metric_amount(metric, plan.remaining)} to go"
    needed, daily = plan.needed, plan.daily
    if needed is None:
        return None
    if daily is None:
        return f"{to_go}; at your rate that is {plural(needed, 'conversation')}."
    if plan.out_of_reach:
        return (
            f"{to_go}; at your rate that is {plural(needed, 'conversation')}, {daily} a day for "
            f"the {plural(plan.workdays_left, 'workday')} left — out of reach at your usual "
            f"{plan.usual} a day, so it's worth talking the target through with your lead."
        )
    return (
        f"{to_go}; at your rate that is {plural(needed, 'conversation')}, "
        f"{daily} a day for the {plural(plan.workdays_left, 'workday')} left."
    )


def plan_text(plan: TargetPlan) -> str:
    """The `target` reply: where the month stands and what it asks of each day."""
    metric, amount = plan.target.metric, plan.target.amount
    if plan.remaining <= 0:
        return (
            f"Target reached: {metric_amount(metric, plan.done)} this month against "
            f"{metric_amount(metric, amount)}. Well done — anything more is a bonus."
        )
    rate = plan.rate
    if rate is None:
        return (
            f"Your target: {metric_amount(metric, amount)} this month "
            f"({plan.done} so far). I can't turn it into daily conversations yet: not enough "
            f"data — {plan.funnel.missing(metric)} to see your rate. Until then I won't guess."
        )
    needed = plan.needed or 0
    head = (
        f"At your rate ({rate_text(metric, rate)}), "
        + (
            f"{metric_amount(metric, amount)} this month needs "
            if plan.done == 0
            else f"the {metric_amount(metric, plan.remaining)} still to go this month need "
        )
        + plural(needed, "conversation")
    )
    if plan.daily is None:
        return f"{head}, and there are no workdays left this month."
    done = f"You have {plan.done} of {amount}. " if plan.done else ""
    return f"{done}{head}: {plan.daily} a day for the {plural(plan.workdays_left, 'workday')} left."
