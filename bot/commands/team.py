"""`team today`: the lead's roll call of the team's day, for admins and the team's manager."""

from __future__ import annotations

from bot.commands.stats import may_read_others
from bot.context import Context
from bot.messages import Reply, ReplyKind
from bot.router import Router
from bot.stats.team_today import team_today


def register(router: Router) -> None:
    """Add `team today`."""
    router.add_command(
        "team",
        team_command,
        usage="team today",
        summary="(admins, the manager) who has checked in today, who hasn't, who is off",
    )


async def team_command(ctx: Context, args: str) -> list[Reply]:
    """Who has checked in today, who hasn't yet, who is off or paused."""
    if args.strip().lower() not in ("", "today", "now"):
        return [Reply("Try `team today`.", kind=ReplyKind.REASK)]
    if not may_read_others(ctx):
        return [
            Reply(
                ctx.admin_refusal(
                    "team today",
                    "Only team admins and the team's manager can see the team's day. "
                    "Type `stats today` for your own.",
                ),
                kind=ReplyKind.REFUSAL,
            )
        ]
    return [
        await team_today(ctx.session, ctx.team, ctx.now, ctx.services.settings.default_timezone)
    ]
