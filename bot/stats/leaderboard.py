"""Team leaderboards: conversations, minutes, streak or goal attainment, ranked with ties.

Decisions (the rules are in docs/behaviour.md#streaks and docs/coaching.md):

- Periods are the asker's, read by bot/stats/periods.py (today, this week from Monday, this
  month, last week, a named month, this or last quarter…; not "all"); each member's
  check-ins are counted by their own local dates inside that range.
- Ties share a rank and the next rank skips (1, 2, 2, 4); tied members are listed by name.
- `streak` ranks the current streak as of the asker's today (a streak has no period).
- `goal` is goal attainment: the share of workdays so far in the period on which the member
  met their personal minimum (`bot.stats.sofar`: days off, paused days and days before their
  first day in the team don't count; today counts once checked in). Members with no workday
  to count yet are listed last.
- Members who turned public ranking off (`ranking off`) are not shown, to anyone. Only the
  asker's team is ranked: rows come from that team's memberships only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Reply, ReplyKind, Visibility
from bot.profile import describe_date, parse_workday_digits, zone
from bot.stats.periods import Period, period_of
from bot.stats.report import span_text
from bot.stats.sofar import workdays_so_far
from bot.storage.models import Team
from bot.storage.rankings import ranked_totals
from bot.storage.streaks import team_current_streaks
from bot.storage.totals import MemberTotals, team_totals
from bot.words import plural

METRICS = {
    "calls": "calls",
    "call": "calls",
    "conversations": "calls",
    "convos": "calls",
    "minutes": "minutes",
    "mins": "minutes",
    "min": "minutes",
    "time": "minutes",
    "streak": "streak",
    "streaks": "streak",
    "goal": "goal",
    "goals": "goal",
    "attainment": "goal",
    "%": "goal",
    "meetings": "meetings",
    "meeting": "meetings",
    "deals": "deals",
    "deal": "deals",
    "won": "deals",
    "revenue": "revenue",
}
# Boards that rank outcomes (docs/behaviour.md, Outcomes): sums of live outcome rows.
OUTCOME_BOARDS = frozenset({"meetings", "deals", "revenue"})
METRIC_TITLES = {
    "calls": "conversations",
    "minutes": "minutes with buyers",
    "streak": "current streak",
    "goal": "goal attainment",
    "meetings": "meetings booked",
    "deals": "deals won",
    "revenue": "revenue won",
}
SHOWN = 10


@dataclass(frozen=True)
class Standing:
    """One member's place on a leaderboard."""

    rank: int
    member_id: int
    name: str
    value: float | None  # None: nothing to measure yet (goal with no workday so far)
    shown: str  # the value as people read it: `42`, `3 workdays`, `80%`


@dataclass(frozen=True)
class Board:
    """A ranked leaderboard: the top standings (and the asker's, when lower down)."""

    metric: str
    period: Period
    standings: list[Standing]
    members: int  # how many members are ranked in all


def shown_value(metric: str, value: int) -> str:
    """A board's value as people read it: revenue with thousands separators (`12,000`)."""
    return f"{value:,}" if metric == "revenue" else str(value)


def competition_ranks(values: list[float | None]) -> list[int]:
    """Ranks for values already sorted best first: ties share a rank, the next one skips."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        if i and value == values[i - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(i + 1)
    return ranks


def goal_days(row: MemberTotals, period: Period, today: date) -> int:
    """Workdays of the period that count so far for the member (`bot.stats.sofar`), from their
    first day with Needle but never before they joined this team, in their own local dates."""
    started = local_day(row.started, zone(row.timezone))
    starts = [d for d in (row.first_checkin, started) if d is not None]
    first_day = min(starts) if starts else None
    if first_day is not None and row.history_from is not None:
        first_day = max(first_day, row.history_from)
    return workdays_so_far(
        period.start,
        period.end,
        today,
        parse_workday_digits(row.workdays),
        first_day=first_day,
        checked_in_today=row.logged_on_end,
        days_off=row.days_off_workdays,
        paused_until=row.paused_until,
        last_record=row.pause_last_record,
    )


def local_day(instant: datetime | None, tz: ZoneInfo) -> date | None:
    """The local date of an instant in a zone (None stays None)."""
    return instant.astimezone(tz).date() if instant is not None else None


async def build_board(
    session: AsyncSession,
    team: Team,
    metric: str,
    period_name: str,
    today: date,
    *,
    asker_id: int | None = None,
    top: int = SHOWN,
    totals: list[MemberTotals] | None = None,
    streaks: dict[int, int] | None = None,
    days_so_far: dict[int, int] | None = None,
) -> Board:
    """Rank the team's visible members by `metric` over the period ending `today`.

    The standings hold the top `top` places and the asker's own place. `totals`, when given,
    are the visible members' `team_totals` over the period already read, `streaks` their
    current streaks and `days_so_far` their `goal_days` (a page showing every board reads
    them once, `bot.stats.team_state`).
    """
    period = period_of(period_name, today, parse_workday_digits(team.workdays), None)
    if (totals is None and metric in ("calls", "minutes")) or metric in OUTCOME_BOARDS:
        # Sums and ranks are the database's work; only the rows shown come back.
        column = {"calls": "conversations"}.get(metric, metric)
        ranked = await ranked_totals(
            session,
            team.id,
            period.start,
            period.end,
            metric=column,
            top=top,
            asker_id=asker_id if asker_id is not None else -1,
        )
        unit = " min" if metric == "minutes" else ""
        return Board(
            metric=metric,
            period=period,
            standings=[
                Standing(
                    r.rank,
                    r.member_id,
                    r.display_name,
                    float(r.value),
                    shown_value(metric, r.value) + unit,
                )
                for r in ranked
            ],
            members=ranked[0].members if ranked else 0,
        )
    rows = (
        totals
        if totals is not None
        else await team_totals(session, team.id, period.start, period.end, public_only=True)
    )
    # Every member is scored and ranked; only the rows shown are worded.
    scored: list[tuple[MemberTotals, float | None]] = []
    if metric in ("calls", "minutes"):
        # The same sums the database ranks in chat, ranked by the same rule below.
        for row in rows:
            scored.append((row, float(row.conversations if metric == "calls" else row.minutes)))
    elif metric == "streak":
        if streaks is None:
            streaks = await team_current_streaks(
                session,
                team.id,
                today,
                {row.member_id: (row.workdays, row.paused_until) for row in rows},
            )
        for row in rows:
            scored.append((row, float(streaks[row.member_id])))
    else:
        if days_so_far is None:
            days_so_far = {row.member_id: goal_days(row, period, today) for row in rows}
        for row in rows:
            days = days_so_far[row.member_id]
            scored.append((row, float(round(100 * row.days_met / days)) if days else None))
    scored.sort(
        key=lambda s: (
            s[1] is None,
            -(s[1] or 0),
            s[0].display_name.casefold(),
            s[0].member_id,
        )
    )
    ranks = competition_ranks([value for _, value in scored])

    def worded(row: MemberTotals, value: float | None) -> str:
        if metric == "streak":
            return plural(int(value or 0), "workday")
        if metric == "goal":
            if value is None or days_so_far is None:  # no workday to count yet
                return "–"
            days = plural(days_so_far[row.member_id], "day")
            return f"{int(value)}% ({row.days_met}/{days})"
        amount = int(value or 0)
        return shown_value(metric, amount) + (" min" if metric == "minutes" else "")

    shown = [
        Standing(ranks[i], row.member_id, row.display_name, value, worded(row, value))
        for i, (row, value) in enumerate(scored)
        if i < top or (asker_id is not None and row.member_id == asker_id)
    ]
    return Board(metric=metric, period=period, standings=shown, members=len(scored))


def board_lines(board: Board, *, asker_id: int | None = None, shown: int = SHOWN) -> list[str]:
    """The leaderboard as text lines: the top `shown`, then the asker's place if lower."""
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    lines = []
    for standing in board.standings[:shown]:
        you = " (you)" if standing.member_id == asker_id else ""
        # Medals only for something to show: nobody gets bronze for zero.
        badge = medals.get(standing.rank, "") if standing.value else ""
        badge = badge or f"{standing.rank}."
        lines.append(f"{badge} {standing.name}{you} — {standing.shown}")
    below = [s for s in board.standings[shown:] if s.member_id == asker_id]
    if below:
        lines.append(f"…\n{below[0].rank}. {below[0].name} (you) — {below[0].shown}")
    return lines


def board_reply(board: Board, *, asker_id: int, asker_hidden: bool) -> Reply:
    """The leaderboard as a reply anyone in the channel may see."""
    when = (
        f"as of {describe_date(board.period.end)}"
        if board.metric == "streak"
        else f"{board.period.label} ({span_text(board.period)})"
    )
    title = f"Leaderboard — {METRIC_TITLES[board.metric]}, {when}"
    if any(standing.value for standing in board.standings):
        lines = board_lines(board, asker_id=asker_id)
    elif board.standings:
        lines = [
            f"Nothing logged {board.period.label}."
            if board.period.finished
            else f"Nothing logged {board.period.label} yet — the first check-in takes the lead."
        ]
    else:
        lines = ["Nobody to rank yet — check-ins will show up here."]
    if asker_hidden:
        lines.append("You're hidden from the leaderboard; `ranking on` shows you again.")
    if board.members > SHOWN:
        lines.append(f"({plural(board.members, 'member')} ranked; top {SHOWN} shown.)")
    return Reply(
        "\n".join(lines), kind=ReplyKind.LEADERBOARD, title=title, visibility=Visibility.CHANNEL
    )
