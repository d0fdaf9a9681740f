"""`goal calls 8` / `goal minutes 90`: a personal minimum at or above the team's.

A goal below the team's minimum is refused with the reason: the team minimum is the floor
everyone holds. `goal reset` goes back to the team's minimums. A goal is the member's own and
applies in each of their teams (never below any team's minimum, which `Profile` enforces).
"""

from __future__ import annotations

from bot.checkin import parsing
from bot.context import Context
from bot.messages import Reply, ReplyKind
from bot.router import Router
from bot.words import plural

CALL_WORDS = frozenset({"calls", "call", "conversations", "conversation", "convos", "c"})
MINUTE_WORDS = frozenset({"minutes", "minute", "mins", "min", "time", "m"})
RESET_WORDS = frozenset({"reset", "off", "clear", "none", "default", "team"})
USAGE = "Try `goal calls 8`, `goal minutes 90` or `goal reset`."


def register(router: Router) -> None:
    """Add `goal`."""
    router.add_command(
        "goal",
        goal_command,
        usage="goal calls 8 | goal minutes 90",
        summary="your personal daily minimum (at or above the team's)",
        aliases=("goals", "minimum"),
    )


def describe_goals(ctx: Context) -> str:
    """The member's minimums and where they come from."""
    profile = ctx.profile
    calls = plural(profile.min_conversations, "conversation") + (
        " (your goal)"
        if (ctx.member.goal_conversations or 0) > ctx.team.min_conversations
        else " (team minimum)"
    )
    minutes = plural(profile.min_minutes, "minute") + (
        " (your goal)"
        if (ctx.member.goal_minutes or 0) > ctx.team.min_minutes
        else " (team minimum)"
    )
    return f"Your daily minimum: {calls} and {minutes} with buyers."


def split_goal(args: str) -> tuple[str | None, str]:
    """(`calls` | `minutes` | `reset` | None, the amount text) from `calls 8`, `8 calls`, `90m`."""
    words = args.lower().split()
    if not words:
        return None, ""
    if words[0] in RESET_WORDS:
        return "reset", " ".join(words[1:])
    for i, word in enumerate(words):
        if word in CALL_WORDS:
            return "calls", " ".join(words[:i] + words[i + 1 :])
        if word in MINUTE_WORDS:
            return "minutes", " ".join(words[:i] + words[i + 1 :])
    return None, args


async def goal_command(ctx: Context, args: str) -> list[Reply]:
    """Show or set the member's personal minimum of conversations or minutes."""
    kind, amount = split_goal(args)
    if not args.strip():
        return [Reply(f"{describe_goals(ctx)} {USAGE}", kind=ReplyKind.SETTINGS)]
    if kind == "reset":
        ctx.member.goal_conversations = None
        ctx.member.goal_minutes = None
        ctx.refresh_profile()
        return [
            Reply(f"Back to the team's minimums. {describe_goals(ctx)}", kind=ReplyKind.SETTINGS)
        ]
    if kind is None:
        return [Reply(f"Which goal — calls or minutes? {USAGE}", kind=ReplyKind.REASK)]
    try:
        value = (
            parsing.parse_conversations(amount)
            if kind == "calls"
            else parsing.parse_minutes(amount)
        )
    except parsing.AnswerError as err:
        return [Reply(f"{err} {USAGE}", kind=ReplyKind.REASK)]
    team_minimum = ctx.team.min_conversations if kind == "calls" else ctx.team.min_minutes
    unit = "conversation" if kind == "calls" else "minute"
    if value < team_minimum:
        return [
            Reply(
                f"A goal of {plural(value, unit)} is below your team's minimum of "
                f"{plural(team_minimum, unit)} a workday, and the team minimum is the floor "
                "everyone "
                "holds. Pick "
                f"{team_minimum} or more — or ask an admin about the team's minimum.",
                kind=ReplyKind.REFUSAL,
            )
        ]
    if kind == "calls":
        ctx.member.goal_conversations = value
    else:
        ctx.member.goal_minutes = value
    ctx.refresh_profile()
    stretch = " A stretch — nice." if value > team_minimum else ""
    return [Reply(f"Goal set.{stretch} {describe_goals(ctx)}", kind=ReplyKind.SETTINGS)]
