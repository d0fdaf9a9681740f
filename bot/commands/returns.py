"""`returns`, `returns @member` and `returns team`: which activities are followed by outcomes.

A member sees their own; a team admin or the team's manager may name a member of the same
team or ask for the whole team, with the rights `stats @member` checks (from the platform, with
this message). The analysis and its words are in `bot.outcomes`.
"""

from __future__ import annotations

from bot.commands.stats import may_read_others, named_member
from bot.context import Context
from bot.messages import Reply, ReplyKind
from bot.outcomes.returns_report import member_returns, returns_reply, team_returns
from bot.profile import Profile
from bot.router import Router
from bot.storage.people import find_membership

RETURNS_USAGE = "Try `returns`, or (admins and the manager) `returns @ana` or `returns team`."
TEAM_WORDS = frozenset({"team", "everyone", "all"})


def register(router: Router) -> None:
    """Add `returns`."""
    router.add_command(
        "returns",
        returns_command,
        usage="returns [@member|team]",
        summary="which of your activities are followed by meetings and won deals",
        aliases=("return", "what-works"),
    )


def _refusal(ctx: Context, what: str) -> Reply:
    return Reply(
        ctx.admin_refusal(
            what,
            "Only team admins and the team's manager can see another member's or the team's "
            "returns. Type `returns` for your own.",
        ),
        kind=ReplyKind.REFUSAL,
    )


async def returns_command(ctx: Context, args: str) -> list[Reply]:
    """What generates returns for oneself, a named member or (admins, manager) the team."""
    words = args.split()
    if words and {w.lower() for w in words} <= TEAM_WORDS:
        if not may_read_others(ctx):
            return [_refusal(ctx, "returns team")]
        view = await team_returns(ctx.session, ctx.team, ctx.today)
        return [returns_reply(view)]
    target = await named_member(ctx, words)
    if isinstance(target, str):
        return [Reply(f"{target} {RETURNS_USAGE}", kind=ReplyKind.REFUSAL)]
    about_self = target is None or target.id == ctx.member.id
    if not about_self and not may_read_others(ctx):
        return [_refusal(ctx, "returns")]
    member = ctx.member if target is None else target
    profile = (
        ctx.profile
        if about_self
        else Profile.of(member, ctx.team, ctx.services.settings.default_timezone)
    )
    membership = None if about_self else await find_membership(ctx.session, ctx.team.id, member.id)
    view = await member_returns(
        ctx.session,
        ctx.team,
        member,
        profile.local_date(ctx.now),
        about_self=about_self,
        history_from=membership.history_from if membership is not None else None,
    )
    return [returns_reply(view)]
