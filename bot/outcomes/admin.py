"""`admin outcomes …`: what the team tracks, and an admin's corrections of a member's outcomes.

- `admin outcomes` shows what the team tracks; `admin outcomes meetings deals revenue` (any
  of them, any order) sets it; `admin outcomes off` tracks none. Tracking outcomes replaces
  the check-in's wins question with the outcomes question; `off` brings the wins question
  back where the team has it on.
- `admin outcomes @ana` lists a member's outcomes this month; `admin outcomes @ana fix 2 won
  Acme 15k` and `admin outcomes @ana remove 2` correct them. The replaced row is kept, voided
  by the admin, and the new one records who wrote it (source `admin`). As with `admin fix`, a
  member whose outcomes also count in another team is refused.
"""

from __future__ import annotations

from bot.commands.outcomes import manage
from bot.commands.stats import named_member
from bot.context import Context
from bot.messages import Reply, ReplyKind
from bot.outcomes.recording import tracked
from bot.outcomes.targets import profile_as_seen
from bot.storage.outcomes import Metric
from bot.storage.people import teams_of

EXAMPLE = "admin outcomes meetings deals revenue"
OFF_WORDS = frozenset({"off", "none", "no", "disable", "clear"})
ALIASES = {
    "meeting": Metric.MEETINGS,
    "meetings": Metric.MEETINGS,
    "deal": Metric.DEALS,
    "deals": Metric.DEALS,
    "wins": Metric.DEALS,
    "revenue": Metric.REVENUE,
    "value": Metric.REVENUE,
    "amounts": Metric.REVENUE,
}


def describe_tracked(metrics: tuple[Metric, ...]) -> str:
    """`meetings, deals, revenue`, or `none`."""
    return ", ".join(metric.value for metric in metrics) or "none"


async def set_outcomes(ctx: Context, rest: str) -> list[Reply]:
    """Show or set what the team tracks, or correct a member's outcomes (`@ana …`)."""
    text = rest.strip()
    if text.startswith("@") or ctx.incoming.mentions:
        return await member_outcomes(ctx, text)
    words = text.lower().replace(",", " ").split()
    if not words:
        return [
            Reply(
                f"Outcomes tracked: {describe_tracked(tracked(ctx.team))}. Change with "
                f"`{EXAMPLE}` (any of them) or `admin outcomes off`.",
                kind=ReplyKind.SETTINGS,
            )
        ]
    if len(words) == 1 and words[0] in OFF_WORDS:
        ctx.team.outcomes = []
        ctx.refresh_profile()
        wins = " The check-in asks about wins again." if ctx.team.track_wins else ""
        return [
            Reply(
                f"Done: the team tracks no outcomes; the check-in no longer asks about them.{wins}",
                kind=ReplyKind.SETTINGS,
            )
        ]
    unknown = [word for word in words if word not in ALIASES]
    if unknown:
        return [
            Reply(
                f"I don't know “{unknown[0][:30]}” as an outcome: choose from meetings, deals "
                f"and revenue. Try `{EXAMPLE}`.",
                kind=ReplyKind.REASK,
            )
        ]
    chosen = {ALIASES[word] for word in words}
    metrics = tuple(metric for metric in Metric if metric in chosen)
    ctx.team.outcomes = [metric.value for metric in metrics]
    ctx.refresh_profile()
    return [
        Reply(
            f"Done: the team tracks {describe_tracked(metrics)}. The check-in's outcomes "
            "question replaces the wins question, and members can tell me any time "
            "(`booked 2 meetings`, `won Acme 12k`, `lost Globex`).",
            kind=ReplyKind.SETTINGS,
        )
    ]


async def member_outcomes(ctx: Context, text: str) -> list[Reply]:
    """An admin lists or corrects a member's outcomes this month."""
    if not tracked(ctx.team):
        return [
            Reply(f"The team tracks no outcomes. Turn them on: `{EXAMPLE}`.", kind=ReplyKind.REASK)
        ]
    mention, _, args = text.partition(" ")
    target = await named_member(ctx, [mention])
    if target is None or isinstance(target, str):
        refusal = target or "Name the member with their @mention."
        return [Reply(refusal, kind=ReplyKind.REFUSAL)]
    name = target.display_name or target.external_id
    if target.id != ctx.member.id and any(
        team.id != ctx.team.id for team in await teams_of(ctx.session, target.id)
    ):
        return [
            Reply(
                f"{name}’s outcomes also count in another team, so an admin of one team can't "
                f"change them. {name} can fix them with `outcomes`.",
                kind=ReplyKind.REFUSAL,
            )
        ]
    profile = await profile_as_seen(
        ctx.session, target, ctx.team, ctx.services.settings.default_timezone, ctx.now
    )
    today = profile.local_date(ctx.now)
    return await manage(ctx, target, today, args, prefix=f"admin outcomes {mention}")
