"""`stats [period] [@member]` and `leaderboard [metric] [period]`.

Both read their period with one parser (bot/stats/periods.py): `week`, `last month`,
`quarter`, `2026-10`, `oct 2026` and the rest; a word that can only be a period is never
looked up as a member.

A member sees their own stats; a team admin or the team's manager may name another member of
the same team (`@<platform user id>` or their display name). Members are looked up only
among the asker's team, so another team's members can't be named at all.
"""

from __future__ import annotations

from dataclasses import replace

from bot.commands.targets import target_board
from bot.context import Context
from bot.messages import Reply, ReplyKind
from bot.outcomes.targets import profile_as_seen
from bot.router import Router
from bot.stats.leaderboard import METRICS, OUTCOME_BOARDS, board_reply, build_board
from bot.stats.periods import PERIOD_USAGE, PeriodError, parse_period
from bot.stats.report import member_stats, stats_chart, stats_reply
from bot.storage.models import Member
from bot.storage.people import find_membership, team_members_named

STATS_USAGE = (
    "Try `stats`, `stats month`, `stats last week`, `stats 2026-10` or (admins) `stats week @ana`."
)
LEADERBOARD_USAGE = (
    "Try `leaderboard`, `leaderboard minutes month`, `leaderboard calls last week`, "
    "`leaderboard streak`, `leaderboard goal today` or `leaderboard deals month`."
)


def register(router: Router) -> None:
    """Add `stats` and `leaderboard`."""
    router.add_command(
        "stats",
        stats_command,
        usage="stats [today|week|last week|month|last month|quarter|2026-10|all] [@member]",
        summary="your numbers, streaks and focus, with a chart",
        aliases=("stat", "statistics", "me"),
    )
    router.add_command(
        "leaderboard",
        leaderboard_command,
        usage=(
            "leaderboard [calls|minutes|streak|goal|meetings|deals|revenue|target] "
            "[today|week|month|last week|quarter|…]"
        ),
        summary="your team's ranking",
        aliases=("leaders", "ranking-board", "lb", "board"),
    )


def may_read_others(ctx: Context) -> bool:
    """Admins and the team's manager may read another member's stats; the manager only where
    the platform vouches they still belong to the team (not from a Discord DM)."""
    return ctx.is_admin or (ctx.team.manager_member_id == ctx.member.id and ctx.membership_vouched)


def ambiguous_name(name: str) -> str:
    """Why a typed name picks no one: several members of the team go by it."""
    return (
        f"More than one member of this team is called “{name[:60]}”, so I won't guess: "
        "use their @mention."
    )


async def named_member(ctx: Context, words: list[str]) -> Member | str | None:
    """The team member named in a command (mention first, then name), None for oneself.

    Returns a refusal text when the name matches nobody in the asker's team, or more than one
    member (display names are not unique: an @mention says who).
    """
    spec = " ".join(words).strip()
    if not spec and not ctx.incoming.mentions:
        return None
    candidates = [m for m in ctx.incoming.mentions if m] + ([spec] if spec else [])
    for candidate in candidates:
        found = await team_members_named(ctx.session, ctx.team.id, candidate)
        if len(found) > 1:
            return ambiguous_name(candidate)
        if found:
            return found[0]
    shown = (spec or candidates[0])[:60]
    return f"I can't find “{shown}” in this team. Use their @mention or display name."


async def stats_command(ctx: Context, args: str) -> list[Reply]:
    """Stats for oneself, or (admins and the manager) for a member of the team."""
    try:
        named, rest = parse_period(args.split(), ctx.today)
    except PeriodError as err:
        return [Reply(f"{err} {PERIOD_USAGE}", kind=ReplyKind.REASK)]
    period = named or "week"
    target = await named_member(ctx, rest)
    if isinstance(target, str):
        return [Reply(target + " " + STATS_USAGE, kind=ReplyKind.REFUSAL)]
    about_self = target is None or target.id == ctx.member.id
    if not about_self and not may_read_others(ctx):
        return [
            Reply(
                ctx.admin_refusal(
                    "stats",
                    "Only team admins and the team's manager can see another member's stats. "
                    "Type `stats` for your own.",
                ),
                kind=ReplyKind.REFUSAL,
            )
        ]
    member = ctx.member if target is None else target
    profile = (
        ctx.profile
        if about_self
        else await profile_as_seen(
            ctx.session, member, ctx.team, ctx.services.settings.default_timezone, ctx.now
        )
    )
    today = profile.local_date(ctx.now)
    # The team sees another member's check-ins from the day they joined it; oneself, all.
    membership = None if about_self else await find_membership(ctx.session, ctx.team.id, member.id)
    stats = await member_stats(
        ctx.session,
        member,
        profile,
        period,
        today,
        track_wins=ctx.team.track_wins,
        history_from=membership.history_from if membership is not None else None,
    )
    reply = stats_reply(stats, track_wins=ctx.team.track_wins, about_self=about_self)
    draw = await stats_chart(ctx.session, stats)
    return [replace(reply, draw=draw)]


async def leaderboard_command(ctx: Context, args: str) -> list[Reply]:
    """The team's leaderboard, shareable in the channel."""
    if args.lower().split()[:1] in (["target"], ["targets"]):
        return await target_board(ctx)
    metric = "calls"
    try:
        named, rest = parse_period(args.lower().split(), ctx.today)
    except PeriodError as err:
        return [Reply(f"{err} {PERIOD_USAGE}", kind=ReplyKind.REASK)]
    period = named or "week"
    for word in rest:
        if word not in METRICS:
            return [
                Reply(f"I don't know “{word[:40]}” here. {LEADERBOARD_USAGE}", kind=ReplyKind.REASK)
            ]
        metric = METRICS[word]
    if period == "all":
        return [Reply(f"I don't know “all” here. {LEADERBOARD_USAGE}", kind=ReplyKind.REASK)]
    if not ctx.membership_vouched:
        return [Reply(ctx.team_view_refusal("leaderboard"), kind=ReplyKind.REFUSAL)]
    if metric in OUTCOME_BOARDS and metric not in (ctx.team.outcomes or ()):
        return [
            Reply(
                f"Your team doesn't track {metric}. An admin can turn it on with "
                f"`admin outcomes {metric}` (with meetings, deals or revenue).",
                kind=ReplyKind.INFO,
            )
        ]
    board = await build_board(
        ctx.session, ctx.team, metric, period, ctx.today, asker_id=ctx.member.id
    )
    return [
        board_reply(
            board,
            asker_id=ctx.member.id,
            asker_hidden=not ctx.membership.public_ranking,
        )
    ]
