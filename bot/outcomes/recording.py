"""Recording outcomes: what a team tracks, saving what a rep said, a check-in's outcomes
voided and replaced on a correction, and the reply that confirms them.

A team tracks any of meetings, deals and revenue (`admin outcomes`); deals and revenue both
read deals won and lost (revenue is the value of the won ones). An outcome of a kind the team
does not track is refused with how an admin can add it, never recorded silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.context import Context
from bot.outcomes.parsing import OutcomeEntry, OutcomeError, describe_all, money
from bot.storage.models import Outcome, Team
from bot.storage.outcome_records import CHECKIN_SOURCE, checkin_outcomes
from bot.storage.outcomes import (
    Metric,
    OutcomeKind,
    live_outcomes,
    outcome_totals,
    record_outcome,
    void_outcome,
)
from bot.words import plural


def tracked(team: Team) -> tuple[Metric, ...]:
    """What the team tracks, in Needle's order (empty: outcomes are off)."""
    chosen = set(team.outcomes or ())
    return tuple(metric for metric in Metric if metric.value in chosen)


def tracks(team: Team, kind: OutcomeKind) -> bool:
    """True when the team tracks outcomes of `kind`."""
    metrics = tracked(team)
    if kind is OutcomeKind.MEETING:
        return Metric.MEETINGS in metrics
    return Metric.DEALS in metrics or Metric.REVENUE in metrics


def check_tracked(team: Team, entries: Sequence[OutcomeEntry]) -> None:
    """Refuse entries of a kind the team does not track (OutcomeError saying how to add it)."""
    for entry in entries:
        if not tracks(team, entry.kind):
            what = "meetings" if entry.kind is OutcomeKind.MEETING else "deals"
            now = " ".join(metric.value for metric in tracked(team))
            raise OutcomeError(
                f"Your team doesn't track {what} — it tracks {now}. An admin can add it: "
                f"`admin outcomes {now} {what}`."
            )


async def record_entries(
    ctx: Context,
    member_id: int,
    day: date,
    entries: Sequence[OutcomeEntry],
    *,
    source: str,
    recorded_by_id: int | None = None,
) -> list[Outcome]:
    """Save each entry as an outcome row of `day`."""
    return [
        await record_outcome(
            ctx.session,
            member_id=member_id,
            local_date=day,
            kind=entry.kind,
            now=ctx.now,
            quantity=entry.quantity,
            amount=entry.amount,
            account=entry.account,
            note=entry.note,
            source=source,
            recorded_by_id=recorded_by_id,
        )
        for entry in entries
    ]


def entry_of(row: Outcome) -> OutcomeEntry:
    """An outcome row as an entry (what it said, not its bookkeeping)."""
    return OutcomeEntry(OutcomeKind(row.kind), row.quantity, row.amount, row.account, row.note)


async def replace_checkin_outcomes(
    ctx: Context, day: date, entries: Sequence[OutcomeEntry]
) -> None:
    """Make `entries` the outcomes the check-in of `day` recorded: what an earlier answer to
    the question recorded is voided and replaced, so a correction never counts twice; the same
    answer again changes nothing."""
    earlier = await checkin_outcomes(ctx.session, ctx.member.id, day)
    if sorted(map(repr, map(entry_of, earlier))) == sorted(map(repr, entries)):
        return
    new = await record_entries(ctx, ctx.member.id, day, entries, source=CHECKIN_SOURCE)
    for row in earlier:
        await void_outcome(
            ctx.session,
            row,
            now=ctx.now,
            by_member_id=ctx.member.id,
            replaced_by=new[0] if new else None,
        )


async def day_outcomes_text(ctx: Context, day: date) -> str:
    """The member's live outcomes of a day in one line (`none` when there are none)."""
    rows = await live_outcomes(ctx.session, ctx.member.id, day, day)
    return describe_all(tuple(entry_of(row) for row in rows))


async def month_line(ctx: Context, member_id: int, today: date) -> str:
    """`This month: 3 meetings booked, 1 deal won (12,000), 1 lost.` for what the team
    tracks."""
    start = today.replace(day=1)
    totals = (await outcome_totals(ctx.session, [member_id], start, today)).get(member_id)
    metrics = tracked(ctx.team)
    parts = []
    if Metric.MEETINGS in metrics:
        parts.append(f"{plural(totals.meetings if totals else 0, 'meeting')} booked")
    if Metric.DEALS in metrics or Metric.REVENUE in metrics:
        won = totals.won if totals else 0
        value = f" ({money(totals.revenue)})" if totals and totals.revenue else ""
        parts.append(f"{plural(won, 'deal')} won{value}")
        if totals and totals.lost:
            parts.append(f"{totals.lost} lost")
    return f"This month: {', '.join(parts)}." if parts else ""
