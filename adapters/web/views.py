"""What the dashboard's pages show, gathered from the same code chat answers with.

Nothing here counts or ranks: the leaderboards come from `bot.stats.leaderboard.build_board`,
the team's totals from `bot.stats.recap.team_minimum_facts`, a member's stats from
`bot.stats.report.member_stats`/`stats_reply` (the high-value share included), what to
delegate from `bot.storage.activities.recurring_low_values` over chat's window, the lead's
roll call from `bot.stats.team_today`, each day's kind from `bot.stats.days` (as chat's chart
draws it), the returns panels from `bot.outcomes.returns_report`, the settings form's fields
from `bot.commands.home`, and periods from `bot.stats.periods` — what `leaderboard`, `stats`,
`team today` and `returns` say in chat is what the page says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.home import settings_fields
from bot.messages import Fact, FormField, Image, Reply
from bot.outcomes.returns_report import member_returns, returns_reply, team_returns
from bot.profile import Profile, describe_date, parse_workday_digits
from bot.stats.days import DAY_KINDS, MemberDay, member_days
from bot.stats.leaderboard import METRIC_TITLES, Board, build_board
from bot.stats.memo import TeamMemo
from bot.stats.periods import PERIOD_USAGE, PeriodError, parse_period, period_of
from bot.stats.recap import team_minimum_facts
from bot.stats.report import (
    delegate_window,
    high_value_percent,
    member_stats,
    span_text,
    stats_chart,
    stats_reply,
)
from bot.stats.team_state import TeamState
from bot.stats.team_today import team_today
from bot.storage.activities import recurring_low_values
from bot.storage.models import Member, Team
from bot.storage.sql import EPOCH

# The periods offered in the page's picker, as chat names them; any period chat reads works.
PERIOD_CHOICES = (
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("week", "This week"),
    ("last week", "Last week"),
    ("month", "This month"),
    ("last month", "Last month"),
    ("quarter", "This quarter"),
    ("last quarter", "Last quarter"),
    ("year", "This year"),
    ("last year", "Last year"),
)
STREAK_LEADERS = 3
CALENDAR_WEEKS = 6
DELEGATE_LIST = 5  # recurring low-value activities listed (chat's `stats` names the first)


class PeriodRefused(ValueError):
    """The period asked for is not one chat would read; the text says why."""


def read_period(text: str, today: date, *, allow_all: bool) -> str:
    """The period key for the picker's (or a typed) value, with chat's grammar."""
    try:
        named, rest = parse_period(text.split(), today)
    except PeriodError as err:
        raise PeriodRefused(f"{err} {PERIOD_USAGE}") from err
    if rest or (named == "all" and not allow_all):
        raise PeriodRefused(f"“{text[:40]}” is no period I know. {PERIOD_USAGE}")
    return named or "week"


@dataclass(frozen=True)
class TeamPage:
    """The team page: a board per metric, totals against minimums, streak leaders."""

    team_name: str
    period_label: str
    period_span: str
    boards: list[tuple[str, Board]]  # (title, board): calls, minutes, goal, streak
    totals: list[Fact]
    streak_leaders: Board
    team_today: Reply | None
    returns: Reply | None = None  # `returns team`, for the team's admins and manager


def team_name(team: Team) -> str:
    """How the team is named on its pages."""
    return team.name or team.external_id


async def team_page(
    session: AsyncSession,
    team: Team,
    member: Member,
    *,
    period_name: str,
    today: date,
    now: datetime,
    lead: bool,
    default_timezone: str,
    memo: TeamMemo,
) -> TeamPage:
    """Everything the team page shows for `member`, whose local date is `today`.

    Every board ranks the same visible members' totals, and the team's totals add up every
    member's: both are read through `memo`, which keeps each member's numbers until their rows
    change (`bot.stats.team_state`)."""
    state = await TeamState.read(session, team.id, memo)
    # What is kept is stamped with the revisions just read: the team's and the viewer's rows,
    # loaded before them, are read again so nothing older than its stamp is kept (PostgreSQL
    # reads each statement's latest commit).
    await session.refresh(team)
    await session.refresh(member)
    period = period_of(period_name, today, parse_workday_digits(team.workdays), None)
    visible = await state.totals(period.start, period.end, public_only=True)
    streaks = await state.current_streaks(today, visible)
    days_so_far = await state.goal_days(period, today)
    boards = []
    for metric in ("calls", "minutes", "goal", "streak"):
        board = await build_board(
            session,
            team,
            metric,
            period_name,
            today,
            asker_id=member.id,
            totals=visible,
            streaks=streaks,
            days_so_far=days_so_far,
        )
        boards.append((METRIC_TITLES[metric], board))
    streak_board = boards[-1][1]
    leaders = Board(
        metric="streak",
        period=streak_board.period,
        standings=[s for s in streak_board.standings if s.rank <= STREAK_LEADERS and s.value],
        members=streak_board.members,
    )
    return TeamPage(
        team_name=team_name(team),
        period_label=period.label,
        period_span=span_text(period),
        boards=boards,
        totals=await team_minimum_facts(session, team, period, today, state=state),
        streak_leaders=leaders,
        team_today=(
            await team_today(
                session,
                team,
                now,
                default_timezone,
                inputs=await state.roll_call(team, now, default_timezone),
            )
            if lead
            else None
        ),
        returns=(
            returns_reply(
                await team_returns(session, team, today, memo=memo, revisions=state.revisions)
            )
            if lead
            else None
        ),
    )


@dataclass(frozen=True)
class MemberPage:
    """A member's page: the `stats` reply itself, how to draw its chart, the calendar of
    their days, their high-value share and what to delegate, and (on their own page) their
    settings."""

    name: str
    stats: Reply
    today: date
    as_of: str
    chart: Callable[[], Image]
    period_label: str
    calendar: list[list[MemberDay]]  # weeks, Monday first
    legend: list[tuple[str, str, int]]  # (kind, label, days of that kind in the calendar)
    high_value: tuple[int, int, int] | None  # (percent, high-value, all) top activities
    delegates: list[tuple[str, int]]  # recurring low-value activities, the last four weeks
    settings: MemberSettings | None  # only on one's own page
    returns: Reply | None = None  # what `returns` says about the member


@dataclass(frozen=True)
class MemberSettings:
    """What the settings form shows: chat's settings form's fields, and the switches."""

    fields: tuple[FormField, ...]
    prompts_off: bool
    paused_until: str | None  # the pause's last day, while it runs through today or later
    public_ranking: bool


def calendar_span(today: date) -> tuple[date, date]:
    """The calendar's days: CALENDAR_WEEKS whole weeks, Monday to Sunday, the last this one."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=CALENDAR_WEEKS - 1), monday + timedelta(days=6)


def legend_of(days: list[MemberDay]) -> list[tuple[str, str, int]]:
    """Each kind of day in chat's order with how many calendar days are of it."""
    counts = Counter(day.kind for day in days)
    return [(kind, label, counts[kind]) for kind, label in DAY_KINDS.items()]


async def member_page(
    session: AsyncSession,
    team: Team,
    member: Member,
    profile: Profile,
    *,
    period_name: str,
    today: date,
    about_self: bool,
    history_from: date | None = None,
    public_ranking: bool = True,
) -> MemberPage:
    """A member's stats for the period, as `stats` gives them, with the chart as SVG; the
    calendar of their last weeks as chat classifies days; their settings when it is their
    own page. `history_from` is a team's view of another member (as `stats @member`)."""
    stats = await member_stats(
        session,
        member,
        profile,
        period_name,
        today,
        track_wins=team.track_wins,
        history_from=history_from,
    )
    start, end = calendar_span(today)
    days = await member_days(
        session, member.id, profile, start, end, today=today, history_from=history_from
    )
    # What keeps coming back is a matter of the last four weeks, whatever the period shown.
    delegates = await recurring_low_values(
        session,
        *delegate_window(today, history_from or EPOCH),
        member_id=member.id,
        limit=DELEGATE_LIST,
    )
    percent = high_value_percent(stats.totals)
    settings = (
        MemberSettings(
            fields=settings_fields(profile),
            prompts_off=profile.prompts_off,
            paused_until=(
                describe_date(profile.paused_until, today)
                if profile.paused_until is not None and profile.is_paused(today)
                else None
            ),
            public_ranking=public_ranking,
        )
        if about_self
        else None
    )
    return MemberPage(
        name=member.display_name or member.external_id,
        stats=stats_reply(stats, track_wins=team.track_wins, about_self=about_self),
        today=today,
        as_of=describe_date(today),
        chart=await stats_chart(session, stats, fmt="svg"),
        returns=returns_reply(
            await member_returns(session, team, member, today, about_self=about_self)
        ),
        period_label=stats.period.label,
        calendar=[days[i : i + 7] for i in range(0, len(days), 7)],
        legend=legend_of(days),
        high_value=(
            (percent, stats.totals.high_value, stats.totals.activities)
            if percent is not None
            else None
        ),
        delegates=delegates,
        settings=settings,
    )
