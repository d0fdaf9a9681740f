"""`funnel`, `target deals 4` (meetings, revenue; `off`; alone: where the month stands) and
`leaderboard target`.

A target is per month, from the month it is set in onwards. Setting it shows what it asks of
each workday at the member's own rate and offers that as their minimum (Yes / No buttons, or
`target yes` / `target no`); the rules are in `bot.outcomes.targets`.
"""

from __future__ import annotations

import re
from datetime import date

from bot.context import Context
from bot.messages import Action, Choice, Reply, ReplyKind, Visibility
from bot.outcomes.funnel import funnel_text, member_funnel, metric_amount
from bot.outcomes.targets import TargetPlan, plan_text, reach_text, target_plan
from bot.router import Router
from bot.stats.leaderboard import competition_ranks
from bot.storage.funnel import unfix_target_minimum
from bot.storage.outcomes import (
    METRIC_ORDER,
    Metric,
    OutcomeTotals,
    outcome_totals,
    set_target,
    targets_for_month,
)
from bot.storage.totals import team_totals
from bot.words import plural

USAGE = "Try `target deals 4`, `target meetings 10`, `target revenue 50k` or `target off`."
METRIC_WORDS = {
    "deal": Metric.DEALS,
    "deals": Metric.DEALS,
    "won": Metric.DEALS,
    "meeting": Metric.MEETINGS,
    "meetings": Metric.MEETINGS,
    "revenue": Metric.REVENUE,
    "sales": Metric.REVENUE,
}
OFF_WORDS = frozenset({"off", "clear", "none", "reset", "remove", "stop"})
YES_WORDS = frozenset({"yes", "y", "on"})
NO_WORDS = frozenset({"no", "n"})
MAX_COUNT = 1000  # deals or meetings a month
MAX_REVENUE = 1_000_000_000
AMOUNT = re.compile(r"^[$€£]?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?([km])?$")


class AmountError(ValueError):
    """A target amount Needle will not read (the message says why)."""


def register(router: Router) -> None:
    """Add `funnel`, `target` and the button that takes a target's pace as the minimum."""
    router.add_command(
        "funnel",
        funnel_command,
        usage="funnel",
        summary="your last 90 days: conversations → meetings → deals, with your rates",
    )
    router.add_command(
        "target",
        target_command,
        usage="target deals 4 | target meetings 10 | target revenue 50k | target off",
        summary="a monthly target turned into daily conversations, offered as your minimum",
        aliases=("targets",),
    )
    router.add_action(Action.TARGET_MINIMUM, minimum_button)


def parse_amount(text: str, metric: Metric) -> int:
    """A target amount: `4`, `50k`, `$50,000`, `1.5m` (k and m for revenue only)."""
    match = AMOUNT.match(text.strip().lower())
    if match is None:
        raise AmountError(f"I couldn't read “{text[:40]}” as an amount.")
    whole, fraction, suffix = match.groups()
    scale = {"k": 1_000, "m": 1_000_000}.get(suffix or "", 1)
    if metric is not Metric.REVENUE and (suffix or fraction):
        raise AmountError(f"A target of {metric.value} is a whole number, like `4`.")
    value = int(whole.replace(",", "")) * scale
    if fraction:
        value += int(fraction) * scale // 10 ** len(fraction)
        if int(fraction) * scale % 10 ** len(fraction):
            raise AmountError("Give revenue in whole units, like `50k` or `50,000`.")
    limit = MAX_REVENUE if metric is Metric.REVENUE else MAX_COUNT
    if value > limit:
        raise AmountError(f"That's more than a month can hold (up to {limit:,}).")
    if value <= 0:
        raise AmountError("A target is more than zero (`target off` clears it).")
    return value


def split_target(args: str) -> tuple[Metric | None, str]:
    """(the metric, the amount text) from `deals 4`, `4 deals`, `revenue $50k`."""
    words = args.lower().split()
    for i, word in enumerate(words):
        if word in METRIC_WORDS:
            return METRIC_WORDS[word], " ".join(words[:i] + words[i + 1 :])
    return None, args


def tracked(ctx: Context) -> list[Metric]:
    """The metrics the member's team tracks, in Needle's order."""
    chosen = set(ctx.team.outcomes or [])
    return [m for m in METRIC_ORDER if m.value in chosen]


async def current_plan(ctx: Context) -> TargetPlan | None:
    """The member's plan for this month."""
    return await target_plan(ctx.session, ctx.member.id, ctx.profile, ctx.today)


def minimum_line(ctx: Context, plan: TargetPlan) -> str:
    """How the plan stands to the member's minimum, and the offer when there is one to make."""
    daily = plan.daily
    standing = ctx.profile.min_conversations
    if ctx.member.minimum_from_target:
        if daily is None:
            return f"Your minimum stays {plural(standing, 'conversation')} until there is a pace."
        if plan.out_of_reach:
            return (
                f"At about {daily / max(plan.usual, 1):.0f} times your usual day this pace is out "
                f"of reach, so your minimum stays {plural(standing, 'conversation')} for now."
            )
        return (
            f"Your minimum follows this pace: today {ctx.profile.conversations_minimum(ctx.today)}"
            f" (never below {standing}). `target no` goes back to {standing}."
        )
    if daily is None:
        return ""
    if plan.out_of_reach:
        return reach_text(plan)
    if daily <= standing:
        return f"That's within your minimum of {plural(standing, 'conversation')}, which stays."
    return f"Make {daily} a day your minimum? It's recomputed each day as the month goes."


def offer_choices(ctx: Context, plan: TargetPlan) -> tuple[Choice, ...]:
    """Yes / No buttons when the plan's pace is above the member's minimum."""
    daily = plan.daily
    if ctx.member.minimum_from_target or daily is None or daily <= ctx.profile.min_conversations:
        return ()
    if plan.out_of_reach:
        return ()
    return (
        Choice("Yes, make it my minimum", Action.TARGET_MINIMUM, "yes", "primary"),
        Choice("No, keep mine", Action.TARGET_MINIMUM, "no"),
    )


async def show_plan(ctx: Context, lead: str = "") -> list[Reply]:
    """Where the month stands against the target, with the offer."""
    plan = await current_plan(ctx)
    if plan is None:
        return [Reply(f"{lead}No target this month. {USAGE}".strip(), kind=ReplyKind.SETTINGS)]
    text = " ".join(part for part in (lead, plan_text(plan), minimum_line(ctx, plan)) if part)
    return [Reply(text, kind=ReplyKind.SETTINGS, choices=offer_choices(ctx, plan))]


async def set_minimum(ctx: Context, follow: bool) -> list[Reply]:
    """Take (or drop) the target's pace as the member's minimum."""
    if not follow:
        was = ctx.member.minimum_from_target
        ctx.member.minimum_from_target = False
        await forget_today_minimum(ctx)
        minimum = plural(ctx.profile.min_conversations, "conversation")
        return [
            Reply(
                f"{'Done — your' if was else 'Fine — your'} minimum stays {minimum} a workday. "
                "The target's pace is still in `target` whenever you want it.",
                kind=ReplyKind.SETTINGS,
            )
        ]
    plan = await current_plan(ctx)
    if plan is not None and plan.out_of_reach:
        return [Reply(reach_text(plan), kind=ReplyKind.SETTINGS)]
    if plan is None or plan.daily is None:
        why = "no target this month" if plan is None else "no pace to follow yet"
        return [
            Reply(
                f"There's {why}, so your minimum stays as it is. {USAGE}", kind=ReplyKind.SETTINGS
            )
        ]
    ctx.member.minimum_from_target = True
    await ctx.load_target_minimums()
    today = ctx.profile.conversations_minimum(ctx.today)
    return [
        Reply(
            f"Done: your minimum follows your target, {plural(today, 'conversation')} today "
            f"(never below {ctx.profile.min_conversations}). It's worked out again each day "
            "from your rate and the workdays left; days already past keep the minimum they had.",
            kind=ReplyKind.SETTINGS,
        )
    ]


async def forget_today_minimum(ctx: Context) -> None:
    """Today is judged again by the minimum that holds now (the target changed or was left)."""
    await unfix_target_minimum(ctx.session, ctx.member.id, ctx.today)
    await ctx.load_target_minimums()


async def minimum_button(ctx: Context, value: str) -> list[Reply]:
    """The Yes / No buttons under a target."""
    return await set_minimum(ctx, value == "yes")


async def target_command(ctx: Context, args: str) -> list[Reply]:
    """Show, set or clear the member's monthly target, or answer its offer."""
    words = args.lower().split()
    if not words:
        return await show_plan(ctx)
    if words[0] == "minimum" and len(words) > 1:
        words = words[1:]
    if len(words) == 1 and words[0] in YES_WORDS | NO_WORDS:
        return await set_minimum(ctx, words[0] in YES_WORDS)
    if words[0] in OFF_WORDS:
        await set_target(
            ctx.session,
            member_id=ctx.member.id,
            metric=Metric.DEALS,
            amount=0,
            month_start=ctx.today,
            now=ctx.now,
        )
        ctx.member.minimum_from_target = False
        await forget_today_minimum(ctx)
        minimum = plural(ctx.profile.min_conversations, "conversation")
        return [
            Reply(f"Target cleared. Your minimum is {minimum} a workday.", kind=ReplyKind.SETTINGS)
        ]
    metric, amount_text = split_target(args)
    if metric is None:
        return [
            Reply(f"A target of what — deals, meetings or revenue? {USAGE}", kind=ReplyKind.REASK)
        ]
    if metric not in tracked(ctx):
        return [
            Reply(
                f"Your team doesn't track {metric.value} yet, so there's nothing to count a "
                f"target against. An admin can start with `admin outcomes {metric.value}`.",
                kind=ReplyKind.REFUSAL,
            )
        ]
    if not amount_text.strip():
        return [Reply(f"How many {metric.value} a month? {USAGE}", kind=ReplyKind.REASK)]
    try:
        amount = parse_amount(amount_text, metric)
    except AmountError as err:
        return [Reply(f"{err} {USAGE}", kind=ReplyKind.REASK)]
    await set_target(
        ctx.session,
        member_id=ctx.member.id,
        metric=metric,
        amount=amount,
        month_start=ctx.today,
        now=ctx.now,
    )
    await forget_today_minimum(ctx)
    return await show_plan(ctx, f"Target set: {metric_amount(metric, amount)} a month.")


async def funnel_command(ctx: Context, args: str) -> list[Reply]:
    """The member's funnel over the last 90 days."""
    metrics = tracked(ctx)
    if not metrics:
        return [
            Reply(
                "Your team doesn't track outcomes yet, so there is no funnel to show. An admin "
                "can start with `admin outcomes meetings deals`.",
                kind=ReplyKind.SETTINGS,
            )
        ]
    funnel = await member_funnel(ctx.session, ctx.member.id, ctx.today)
    return [Reply(funnel_text(funnel, metrics), kind=ReplyKind.STATS, title="Your funnel")]


async def target_board(ctx: Context) -> list[Reply]:
    """`leaderboard target`: each ranked member's % of their own target this month."""
    if not ctx.membership_vouched:
        return [Reply(ctx.team_view_refusal("leaderboard"), kind=ReplyKind.REFUSAL)]
    first = ctx.today.replace(day=1)
    members = await team_totals(ctx.session, ctx.team.id, first, ctx.today)
    targets = await targets_for_month(ctx.session, [m.member_id for m in members], first)
    starts: dict[int, date] = {
        row.member_id: max(first, row.history_from) if row.history_from else first
        for row in members
        if row.member_id in targets
    }
    totals: dict[int, OutcomeTotals] = {}
    for start in set(starts.values()):  # a team sees a member's days from when they joined it
        ids = [m for m, s in starts.items() if s == start]
        totals |= await outcome_totals(ctx.session, ids, start, ctx.today)
    scored: list[tuple[float, str, int]] = []
    for row in members:
        target = targets.get(row.member_id)
        if target is None:
            continue
        done = totals[row.member_id].of(target.metric) if row.member_id in totals else 0
        share = done / target.amount
        you = " (you)" if row.member_id == ctx.member.id else ""
        shown = f"{round(share * 100)}% ({done} of {metric_amount(target.metric, target.amount)})"
        scored.append((share, f"{row.display_name}{you} — {shown}", row.member_id))
    scored.sort(key=lambda s: -s[0])
    ranks = competition_ranks([s[0] for s in scored])
    lines = [f"{rank}. {line}" for rank, (_, line, _) in zip(ranks, scored, strict=True)]
    untargeted = len(members) - len(scored)
    if not lines:
        lines.append("Nobody has a target this month — `target deals 4` sets yours.")
    if untargeted:
        lines.append(f"Not ranked: {plural(untargeted, 'member')} without a target this month.")
    month = first.strftime("%B %Y")
    return [
        Reply(
            "\n".join(lines),
            kind=ReplyKind.LEADERBOARD,
            title=f"Leaderboard — % of own target, {month}",
            visibility=Visibility.CHANNEL,
        )
    ]
