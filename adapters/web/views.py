"""What the dashboard's pages show, gathered from the same code chat answers with.

Nothing here counts or ranks: the leaderboards come from `bot.stats.leaderboard.build_board`,
the team's totals from `bot.stats.recap.team_minimum_facts`, a member's stats from
`bot.stats.report.member_stats`/`stats_reply`, the lead's roll call from
`bot.stats.team_today`, the returns panels from `bot.outcomes.returns_report`, and periods
from `bot.stats.periods` — what `leaderboard`, `stats`, `team today` and `returns` say in
chat is what the page says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Fact, Image, Reply
from bot.outcomes.returns_report import member_returns, returns_reply, team_returns
from bot.profile import Profile, describe_date
from bot.stats.leaderboard import METRIC_TITLES, Board, build_board
from bot.stats.periods import PERIOD_USAGE, PeriodError, parse_period
from bot.stats.recap import team_minimum_facts
from bot.stats.report import member_stats, span_text, stats_chart, stats_reply
from bot.stats.team_today import team_today
from bot.storage.models import Member, Team
from bot.storage.totals import team_totals

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
) -> TeamPage:
    """Everything the team page shows for `member`, whose local date is `today`."""
    boards = [
        (
            METRIC_TITLES[metric],
            await build_board(session, team, metric, period_name, today, asker_id=member.id),
        )
        for metric in ("calls", "minutes")
    ]
    span = boards[0][1].period
    # The goal and streak boards rank the same visible members' totals: read them once.
    visible = await team_totals(session, team.id, span.start, span.end, public_only=True)
    for metric in ("goal", "streak"):
        board = await build_board(
            session, team, metric, period_name, today, asker_id=member.id, totals=visible
        )
        boards.append((METRIC_TITLES[metric], board))
    streaks = boards[-1][1]
    period = boards[0][1].period
    leaders = Board(
        metric="streak",
        period=streaks.period,
        standings=[s for s in streaks.standings if s.rank <= STREAK_LEADERS and s.value],
        members=streaks.members,
    )
    return TeamPage(
        team_name=team_name(team),
        period_label=period.label,
        period_span=span_text(period),
        boards=boards,
        totals=await team_minimum_facts(session, team, period, today),
        streak_leaders=leaders,
        team_today=(await team_today(session, team, now, default_timezone) if lead else None),
        returns=(returns_reply(await team_returns(session, team, today)) if lead else None),
    )


@dataclass(frozen=True)
class MemberPage:
    """A member's stats page: the `stats` reply itself and how to draw its chart."""

    name: str
    stats: Reply
    as_of: str
    chart: Callable[[], Image]
    returns: Reply | None = None  # what `returns` says about the member


async def member_page(
    session: AsyncSession,
    team: Team,
    member: Member,
    profile: Profile,
    *,
    period_name: str,
    today: date,
    about_self: bool,
) -> MemberPage:
    """A member's stats for the period, as `stats` gives them, with the chart as SVG."""
    stats = await member_stats(
        session, member, profile, period_name, today, track_wins=team.track_wins
    )
    return MemberPage(
        name=member.display_name or member.external_id,
        stats=stats_reply(stats, track_wins=team.track_wins, about_self=about_self),
        as_of=describe_date(today),
        chart=await stats_chart(session, stats, fmt="svg"),
        returns=returns_reply(
            await member_returns(session, team, member, today, about_self=about_self)
        ),
    )
