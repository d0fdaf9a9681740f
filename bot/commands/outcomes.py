"""The outcomes family: recording outcomes told at any time, the `outcomes` list with its
corrections, and the yes/no before a reading that needs confirming is recorded.

- A direct message that opens with an outcome (`won Acme 12k`, `booked 2 meetings`, `lost
  Globex`, `2 meetings …`) is recorded for today, for a team that tracks outcomes. It is tried
  before the other plain-message handlers but after every command and open conversation, so a
  check-in answer or a command is never taken for one. Teams that track none are unchanged.
- A reading that needs a yes waits in a short `outcome_confirm` conversation: `yes` records
  it, `no` drops it, a fresh outcome replaces it; nothing is recorded until then.
- `outcomes` lists this month's live outcomes, numbered; `outcomes fix 2 won Acme 15k`
  replaces one (the old row is voided, kept for audit), `outcomes remove 2` voids one.
"""

from __future__ import annotations

from datetime import date

from bot.context import Context
from bot.conversation import EndReason, end_conversation, open_conversation
from bot.messages import Action, Choice, Reply, ReplyKind
from bot.outcomes.parsing import (
    EXAMPLE,
    OutcomeEntry,
    OutcomeError,
    OutcomeUnsure,
    describe_all,
    entries_from_json,
    entries_to_json,
    read_outcomes,
    starts_like_outcome,
)
from bot.outcomes.recording import (
    check_tracked,
    entry_of,
    month_line,
    record_entries,
    tracked,
)
from bot.profile import describe_date
from bot.router import Command, Router
from bot.storage.conversations import load_state
from bot.storage.models import ConversationState, Member, Outcome
from bot.storage.outcomes import live_outcomes, void_outcome

FLOW = "outcome_confirm"
YES = frozenset({"yes", "y", "yep", "yeah", "yup", "correct", "right", "sure", "ok", "okay"})
NO = frozenset({"no", "n", "nope", "nah", "wrong", "cancel"})
USAGE = "outcomes | outcomes fix 2 won Acme 15k | outcomes remove 2"
NOT_TRACKED = (
    "Your team doesn't track outcomes yet. An admin can turn them on with "
    "`admin outcomes meetings deals revenue` (any of them)."
)


def register(router: Router) -> None:
    """Add `outcomes`, its confirmation conversation and button, and free-text recording."""
    router.add_command(
        "outcomes",
        outcomes_command,
        usage=USAGE,
        summary="this month's meetings and deals, numbered; fix or remove one",
        aliases=("outcome",),
    )
    router.add_action(Action.OUTCOME_CONFIRM, confirm_button)
    router.add_flow(OutcomeConfirmFlow())
    router.add_message_handler(on_outcome_message)


def couldnt_read(reason: str) -> str:
    """A friendly refusal with the example."""
    return f"{reason} Nothing recorded. Try {EXAMPLE}."


async def on_outcome_message(ctx: Context, text: str) -> list[Reply] | None:
    """A message that opens with an outcome, for a team that tracks outcomes; None for
    anything else (it is offered to the other handlers)."""
    if not tracked(ctx.team) or not starts_like_outcome(text):
        return None
    return await record_said(ctx, text)


async def record_said(ctx: Context, text: str) -> list[Reply]:
    """Read `text` as outcomes for today: record, ask first, or refuse with an example."""
    try:
        entries = read_outcomes(text)
        check_tracked(ctx.team, entries)
    except OutcomeUnsure as unsure:
        try:
            check_tracked(ctx.team, unsure.entries)
        except OutcomeError as err:
            return [Reply(str(err), kind=ReplyKind.REASK)]
        return await ask_first(ctx, str(unsure), unsure.entries)
    except OutcomeError as err:
        return [Reply(couldnt_read(str(err)), kind=ReplyKind.REASK)]
    if not entries:
        return [Reply("Okay — nothing to record.", kind=ReplyKind.INFO)]
    return await record_now(ctx, entries)


async def record_now(ctx: Context, entries: tuple[OutcomeEntry, ...]) -> list[Reply]:
    """Record the entries for today and confirm them with this month's totals."""
    await record_entries(ctx, ctx.member.id, ctx.today, entries, source="chat")
    line = await month_line(ctx, ctx.member.id, ctx.today)
    return [
        Reply(
            f"Recorded for today: {describe_all(entries)}.\n{line} "
            "`outcomes` lists them to fix or remove one.",
            kind=ReplyKind.OUTCOME,
        )
    ]


async def ask_first(ctx: Context, question: str, entries: tuple[OutcomeEntry, ...]) -> list[Reply]:
    """Hold a reading for the rep's yes; nothing is recorded until then."""
    await open_conversation(
        ctx,
        flow=FLOW,
        step="confirm",
        local_date=ctx.today,
        data={"question": question, "entries": entries_to_json(entries)},
    )
    return [confirm_reply(question)]


def confirm_reply(question: str) -> Reply:
    """The yes/no question with its buttons."""
    return Reply(
        f"{question} (yes / no) — nothing is recorded until you say yes.",
        kind=ReplyKind.CONFIRM,
        title="Record this outcome?",
        choices=(
            Choice("Yes", Action.OUTCOME_CONFIRM, "yes", "primary"),
            Choice("No", Action.OUTCOME_CONFIRM, "no"),
        ),
    )


async def confirm_button(ctx: Context, value: str) -> list[Reply]:
    """A Yes/No button under an outcome waiting for confirmation."""
    state = await load_state(ctx.session, ctx.member.id)
    if state is None or state.flow != FLOW:
        return [Reply("That question has expired — nothing was recorded.", kind=ReplyKind.INFO)]
    return await answer(ctx, state, "yes" if value == "yes" else "no")


async def answer(ctx: Context, state: ConversationState, text: str) -> list[Reply]:
    """`yes` records the held reading, `no` drops it, a fresh outcome replaces it."""
    said = text.strip().lower().rstrip(".!")
    data = state.data or {}
    if said in YES:
        await end_conversation(ctx, EndReason.ANSWERED, flow=FLOW)
        entries = entries_from_json(data.get("entries"))
        return await record_now(ctx, entries)
    if said in NO:
        await end_conversation(ctx, EndReason.ANSWERED, flow=FLOW)
        return [
            Reply(f"Okay, nothing recorded. Tell me again, e.g. {EXAMPLE}.", kind=ReplyKind.INFO)
        ]
    if starts_like_outcome(text):
        await end_conversation(ctx, EndReason.REPLACED, flow=FLOW)
        return await record_said(ctx, text)
    return [
        Reply("Please answer `yes` to record it or `no` to drop it.", kind=ReplyKind.REASK),
        confirm_reply(str(data.get("question") or "Record it?")),
    ]


class OutcomeConfirmFlow:
    """The yes/no before an outcome Needle was unsure of is recorded."""

    name = FLOW

    async def close_if_expired(self, ctx: Context, state: ConversationState) -> bool:
        """Closed once its day is over (it was about that day), nothing recorded."""
        if state.local_date == ctx.today:
            return False
        await end_conversation(ctx, EndReason.EXPIRED)
        return True

    async def close(self, ctx: Context, state: ConversationState, reason: EndReason) -> None:
        """Nothing to keep: an unconfirmed reading is not recorded."""

    def may_interrupt(self, command: Command, state: ConversationState) -> bool:
        """Any command runs instead of answering."""
        return True

    async def answer(self, ctx: Context, state: ConversationState, text: str) -> list[Reply]:
        """Take the yes or no."""
        return await answer(ctx, state, text)

    async def reask(
        self, ctx: Context, state: ConversationState, after: Command, shown: list[Reply]
    ) -> list[Reply]:
        """Nothing: the question stays open, unrepeated, until answered."""
        return []


async def outcomes_command(ctx: Context, args: str) -> list[Reply]:
    """This month's outcomes numbered, or `fix N …` / `remove N`."""
    if not tracked(ctx.team):
        return [Reply(NOT_TRACKED, kind=ReplyKind.INFO)]
    return await manage(ctx, ctx.member, ctx.today, args, prefix="outcomes")


async def manage(
    ctx: Context, member: Member, today: date, args: str, *, prefix: str
) -> list[Reply]:
    """List a member's outcomes this month (through `today`, their local date), or fix or
    remove one; `prefix` is the command as typed, for the hints. A change by someone else
    (an admin) is marked as theirs in the audit trail."""
    rows = list(await live_outcomes(ctx.session, member.id, today.replace(day=1), today))
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if verb in ("", "list", "month", "show"):
        return [listing(member, rows, today, prefix, you=member.id == ctx.member.id)]
    example = f"`{prefix} fix 2 won Acme 15k` or `{prefix} remove 2`"
    if verb not in ("fix", "correct", "remove", "delete", "undo"):
        return [Reply(f"Use `{prefix}` to list them, {example}.", kind=ReplyKind.REASK)]
    number, _, said = rest.strip().partition(" ")
    if not number.isdigit() or not 1 <= int(number) <= len(rows):
        shown = f"1–{len(rows)}" if rows else "none this month"
        return [
            Reply(
                f"Give the number from the list ({shown}); `{prefix}` shows it.",
                kind=ReplyKind.REASK,
            )
        ]
    row = rows[int(number) - 1]
    was = entry_of(row).describe()
    if verb in ("remove", "delete", "undo"):
        await void_outcome(ctx.session, row, now=ctx.now, by_member_id=ctx.member.id)
        line = await month_line(ctx, member.id, today)
        return [
            Reply(
                f"Removed #{number}: {was} (kept in the audit trail). {line}",
                kind=ReplyKind.OUTCOME,
            )
        ]
    try:
        entries = read_outcomes(said)
        check_tracked(ctx.team, entries)
    except OutcomeUnsure as unsure:
        return [
            Reply(
                f"{unsure} If so, write it plainly: `{prefix} fix {number} won Acme 15k`.",
                kind=ReplyKind.REASK,
            )
        ]
    except OutcomeError as err:
        return [Reply(f"{err} Try `{prefix} fix {number} won Acme 15k`.", kind=ReplyKind.REASK)]
    if len(entries) != 1:
        return [Reply(f"One outcome replaces #{number}: {example}.", kind=ReplyKind.REASK)]
    by_other = member.id != ctx.member.id
    new = await record_entries(
        ctx,
        member.id,
        row.local_date,
        entries,
        source="admin" if by_other else row.source,
        recorded_by_id=ctx.member.id if by_other else None,
    )
    await void_outcome(
        ctx.session, row, now=ctx.now, by_member_id=ctx.member.id, replaced_by=new[0]
    )
    line = await month_line(ctx, member.id, today)
    return [
        Reply(
            f"Fixed #{number}: {was} → {entries[0].describe()} (the earlier one is kept in "
            f"the audit trail). {line}",
            kind=ReplyKind.OUTCOME,
        )
    ]


def listing(member: Member, rows: list[Outcome], today: date, prefix: str, *, you: bool) -> Reply:
    """This month's live outcomes, numbered, oldest first."""
    whose = "Your" if you else f"{member.display_name or member.external_id}’s"
    if not rows:
        text = f"Nothing recorded this month yet. Tell me any time, e.g. {EXAMPLE}."
    else:
        lines = [
            f"{n}. {describe_date(row.local_date, today)} — {entry_of(row).describe()}"
            + (" (check-in)" if row.source == "checkin" else "")
            for n, row in enumerate(rows, start=1)
        ]
        lines.append(
            f"`{prefix} fix 2 won Acme 15k` replaces one, `{prefix} remove 2` takes it out."
        )
        text = "\n".join(lines)
    return Reply(text, kind=ReplyKind.OUTCOME, title=f"{whose} outcomes — {today:%B %Y}")
