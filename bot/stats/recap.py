"""The weekly recap posted to a team's channel: leaderboard, totals, shout-outs and a chart.

The scheduler decides when (the team's recap day and time) and where (its recap channel);
this module builds the message for the week Monday..`week_ending`.

- Team totals count every active member (also those who opted out of ranking), measured
  against the team's minimums over each member's workdays so far (`bot.stats.sofar`), and
  only check-ins the team sees (from the day each member joined it).
- The leaderboard and the shout-outs show only members who rank publicly.
- Biggest improvement compares conversations with the same days of the week before; it is
  only given for a real improvement (more than zero).
- For a team that tracks outcomes, one or two lines on what came before them over the last
  90 days (`bot.outcomes.returns_report.recap_lines`), only when the counts allow it.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Fact, Reply, ReplyKind, Visibility
from bot.outcomes.returns_report import recap_lines as returns_recap_lines
from bot.profile import parse_workday_digits, zone
from bot.stats.leaderboard import board_lines, build_board, goal_days
from bot.stats.periods import Period
from bot.stats.report import span_text
from bot.stats.sofar import workdays_between
from bot.stats.team_state import TeamState
from bot.storage.activities import recurring_low_value, team_activity_counts
from bot.storage.models import Team
from bot.storage.streaks import team_current_streaks
from bot.storage.totals import team_totals
from bot.words import plural


async def weekly_recap(
    session: AsyncSession, team: Team, week_ending: date, now: datetime
) -> Reply:
    """The recap of the week that ends on `week_ending` (a team-local date)."""
    from bot.stats.charts import Bar, leaderboard_chart

    board = await build_board(session, team, "calls", "week", week_ending)
    period = board.period
    # `now` decides whether the week's last day still counts only for those checked in.
    today = now.astimezone(zone(team.timezone)).date()
    facts = await team_minimum_facts(session, team, period, today)

    ranked = await team_totals(session, team.id, period.start, period.end, public_only=True)
    public = {row.member_id: row for row in ranked}
    shout_outs = []
    streaks = await team_current_streaks(
        session,
        team.id,
        week_ending,
        {m: (row.workdays, row.paused_until) for m, row in public.items()},
    )
    longest = max(streaks.values(), default=0)
    if longest > 0:
        names = sorted(public[m].display_name for m in streaks if streaks[m] == longest)
        shout_outs.append(
            f"🔥 Longest streak: {join_names(names)} — {plural(longest, 'workday')} at minimum."
        )
    back = timedelta(days=7)
    before = {
        row.member_id: row
        for row in await team_totals(
            session, team.id, period.start - back, period.end - back, public_only=True
        )
    }
    gains = {  # conversations against the week before, for those who checked in then
        m: row.conversations - before[m].conversations
        for m, row in public.items()
        if m in before and before[m].days_logged
    }
    best_gain = max(gains.values(), default=0)
    if best_gain > 0:
        names = sorted(public[m].display_name for m in gains if gains[m] == best_gain)
        shout_outs.append(
            f"📈 Biggest improvement: {join_names(names)} — "
            f"{plural(best_gain, 'more conversation')} than the week before."
        )
    lines = ["Leaderboard (conversations):", *board_lines(board, shown=10)]
    if not board.standings or not any(s.value for s in board.standings):
        lines = ["No check-ins this week yet — next week is a fresh start."]
    if shout_outs:
        lines += ["", *shout_outs]
    delegate = await recurring_low_value(
        session, period.start, period.end, team_id=team.id, at_least=3
    )
    if delegate:
        lines.append(
            f"🧹 “{delegate[0]}” showed up {plural(delegate[1], 'time')} in top activities this "
            "week — "
            "worth delegating so more time goes to buyers."
        )
    if team.outcomes:
        lines += await returns_recap_lines(session, team, week_ending)
    workdays = workdays_between(period.start, period.end, parse_workday_digits(team.workdays))
    minimum = team.min_conversations * workdays
    title = f"Weekly recap — {team.name or team.external_id}, {span_text(period)}"
    # Drawn by whoever sends it, after the transaction and off the loop (`draw_charts`).
    draw = functools.partial(
        leaderboard_chart,
        title=f"Conversations this week ({span_text(period)})",
        bars=[Bar(s.name, s.value or 0) for s in board.standings],
        minimum=float(minimum) if minimum else None,
        xlabel="Conversations this week",
        filename=f"needle-recap-{week_ending.isoformat()}.png",
        minimum_label=f"team minimum ({team.min_conversations} × {plural(workdays, 'workday')})",
    )
    return Reply(
        "\n".join(lines),
        kind=ReplyKind.RECAP,
        title=title,
        facts=tuple(facts),
        visibility=Visibility.CHANNEL,
        draw=draw,
    )


async def team_minimum_facts(
    session: AsyncSession,
    team: Team,
    period: Period,
    today: date,
    *,
    state: TeamState | None = None,
) -> list[Fact]:
    """The team's totals over `period` against its minimums (the recap's, the dashboard's).

    Every active member counts, also those hidden from rankings, over the workdays each could
    have checked in by `today`. `state`, when given, reads through the dashboard's memo.
    """
    everyone = (
        await state.totals(period.start, period.end, public_only=False)
        if state is not None
        else await team_totals(session, team.id, period.start, period.end, public_only=False)
    )
    if state is not None:
        member_days = sum((await state.goal_days(period, today)).values())
    else:
        member_days = sum(goal_days(row, period, today) for row in everyone)
    conversations = sum(row.conversations for row in everyone)
    minutes = sum(row.minutes for row in everyone)
    days_met = sum(row.days_met for row in everyone)
    facts = [
        Fact(
            "Team conversations",
            f"{conversations} (minimum {team.min_conversations * member_days} over "
            f"{plural(member_days, 'member-workday')})",
        ),
        Fact("Team minutes", f"{minutes} (minimum {team.min_minutes * member_days})"),
        Fact(
            "Days at minimum",
            f"{days_met} of {member_days}"
            + (f" ({round(100 * days_met / member_days)}%)" if member_days else ""),
        ),
    ]
    high, total = (
        await state.activity_counts(period.start, period.end)
        if state is not None
        else await team_activity_counts(session, team.id, period.start, period.end)
    )
    if total:
        facts.append(Fact("High-value activities", f"{round(100 * high / total)}% of {total}"))
    return facts


def join_names(names: list[str]) -> str:
    """`Ana`, `Ana and Ben`, `Ana, Ben and Chloé` (three at most, then `and N more`)."""
    if len(names) > 3:
        names = [*names[:3], f"{len(names) - 3} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
