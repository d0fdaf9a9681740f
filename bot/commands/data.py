"""Data rights: `export` (CSV), `forget-me` (delete, after a confirmation), `ranking off|on`.

- `export` sends the member's own check-ins, including earlier versions kept for audit, as a
  CSV file. Admins may `export team` for the active members of their own team only. Text a
  member typed is written so that a spreadsheet shows it and never runs it as a formula, and
  each file is named after the member and the moment, so two exports never share a name.
- `forget-me` asks first (buttons, or typed yes/no); the question stays open for ten minutes.
  Yes deletes the member's check-ins, activities, earlier versions, settings, memberships and
  scheduled-message records, then says what went. Someone who writes again starts fresh.
- `ranking off` hides the member from this team's leaderboards (their stats stay theirs).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from typing import Any

from bot.checkin.draft import Draft
from bot.checkin.flow import FLOW as CHECKIN_FLOW
from bot.checkin.flow import ask
from bot.context import Context
from bot.conversation import EndReason, end_conversation, open_conversation
from bot.messages import Action, Choice, Reply, ReplyKind
from bot.outcomes.export import outcomes_csv
from bot.router import Command, Router
from bot.storage.conversations import load_state
from bot.storage.data import ExportRow, export_rows, forget_member, team_member_ids
from bot.storage.models import ConversationState
from bot.storage.outcome_records import forget_outcomes, outcome_export_rows
from bot.words import plural

FORGET_FLOW = "forget_me"
CONFIRM_WINDOW = timedelta(minutes=10)
YES = frozenset({"yes", "y", "yes delete", "yes, delete", "delete", "confirm", "yes please"})
NO = frozenset({"no", "n", "cancel", "keep", "stop", "no thanks", "nope"})
CSV_COLUMNS = (
    "member_id",
    "member_name",
    "date",
    "record",
    "version",
    "status",
    "day_off_reason",
    "conversations",
    "minutes",
    "activity_1",
    "class_1",
    "activity_2",
    "class_2",
    "activity_3",
    "class_3",
    "more_activities",
    "wins",
    "wins_note",
    "note",
    "source",
    "recorded_at_utc",
)


def register(router: Router) -> None:
    """Add `export`, `forget-me` (its question, buttons and typed answers) and `ranking`."""
    router.add_command(
        "export",
        export_command,
        usage="export [team]",
        summary="your data as a CSV file (admins: the team's)",
    )
    router.add_command(
        "forget-me",
        forget_me_command,
        usage="forget-me",
        summary="delete your data, after a confirmation",
        aliases=("forgetme", "forget", "delete-me", "delete-my-data"),
    )
    router.add_flow(ForgetMeFlow())
    router.add_action(Action.FORGET_CONFIRM, confirm_button)
    router.add_action(Action.FORGET_CANCEL, cancel_button)
    router.add_command(
        "ranking",
        ranking_command,
        usage="ranking off | ranking on",
        summary="hide or show yourself on this team's leaderboard",
        aliases=("public-ranking",),
    )


# A cell starting with one of these is read as a formula by spreadsheet apps (OWASP, "CSV
# injection"); the full-width forms too, since some apps fold them to the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def spreadsheet_safe(cell: object) -> object:
    """A text cell that could start a formula, prefixed with `'` so it stays text.

    Leading whitespace doesn't save a cell (apps and importers trim it), so the first
    non-blank character counts too. Numbers pass unchanged: the count columns hold integers
    Needle validated (never negative, never typed text), and quoting them would turn them into
    text a spreadsheet cannot add up. A note reading `-3`, being text, is quoted.
    """
    if not isinstance(cell, str) or not cell:
        return cell
    if cell[0] in FORMULA_STARTS or cell.lstrip()[:1] in FORMULA_STARTS:
        return "'" + cell
    return cell


def export_filename(prefix: str, member_external_id: str, at: datetime) -> str:
    """`<prefix>-<member>-<local date and time>.csv`: two members or two moments never clash."""
    member = re.sub(r"[^A-Za-z0-9]+", "-", member_external_id).strip("-") or "member"
    return f"{prefix}-{member}-{at.strftime('%Y-%m-%d-%H%M%S')}.csv"


def export_csv(rows: list[ExportRow]) -> bytes:
    """Check-ins as CSV (UTF-8 with a BOM so spreadsheet apps read accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        activities: list[str] = []
        for text, classification in row.activities[:3]:
            activities += [text, classification]
        activities += [""] * (6 - len(activities))
        more = " | ".join(text for text, _ in row.activities[3:])
        cells = [
            row.member_external_id,
            row.member_name,
            row.local_date.isoformat(),
            row.record,
            row.version,
            row.status,
            row.day_off_reason or "",
            "" if row.conversations is None else row.conversations,
            "" if row.minutes is None else row.minutes,
            *activities,
            more,
            "" if row.wins is None else row.wins,
            row.wins_note or "",
            row.note or "",
            row.source,
            row.recorded_at.isoformat(timespec="seconds"),
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def export_command(ctx: Context, args: str) -> list[Reply]:
    """The member's own check-ins as CSV; `export team` for admins."""
    scope = args.strip().lower()
    if scope in ("team", "all", "everyone"):
        if not ctx.is_admin:
            return [
                Reply(
                    ctx.admin_refusal(
                        "export team",
                        "Only team admins can export the team's data. Type `export` for your own.",
                    ),
                    kind=ReplyKind.REFUSAL,
                )
            ]
        member_ids = await team_member_ids(ctx.session, ctx.team.id)
        rows = await export_rows(ctx.session, member_ids, team_id=ctx.team.id)
        outcomes = await outcome_export_rows(ctx.session, member_ids, team_id=ctx.team.id)
        name = export_filename(
            "needle-team-export", ctx.member.external_id, ctx.profile.local(ctx.now)
        )
        counts = f"{plural(len(member_ids), 'member')}, {plural(len(rows), 'row')}"
        what = f"the team's check-ins ({counts})"
    elif scope in ("", "me", "mine", "my"):
        rows = await export_rows(ctx.session, [ctx.member.id])
        outcomes = await outcome_export_rows(ctx.session, [ctx.member.id])
        name = export_filename("needle-export", ctx.member.external_id, ctx.profile.local(ctx.now))
        what = f"your check-ins ({plural(len(rows), 'row')}, earlier versions included)"
    else:
        return [
            Reply("Use `export` for your data, or (admins) `export team`.", kind=ReplyKind.REASK)
        ]
    replies = [
        Reply(
            f"Here are {what} as CSV.",
            kind=ReplyKind.EXPORT,
            file=export_csv(rows),
            filename=name,
        )
    ]
    if outcomes:
        replies.append(
            Reply(
                f"And the outcomes ({plural(len(outcomes), 'row')}, corrected and removed "
                "ones included).",
                kind=ReplyKind.EXPORT,
                file=outcomes_csv(outcomes, spreadsheet_safe),
                filename=name.replace("export", "outcomes", 1),
            )
        )
    return replies


def confirm_choices() -> tuple[Choice, ...]:
    """The buttons of the forget-me question."""
    return (
        Choice("Yes, delete my data", Action.FORGET_CONFIRM, "yes", "danger"),
        Choice("No, keep it", Action.FORGET_CANCEL, "no"),
    )


async def forget_me_command(ctx: Context, _args: str) -> list[Reply]:
    """Ask for confirmation before deleting everything Needle keeps about the member."""
    state = await load_state(ctx.session, ctx.member.id)
    paused: dict[str, Any] = {}
    if state is not None and state.flow == CHECKIN_FLOW:
        # The check-in in progress ends here with its answers kept (as partial); its place is
        # remembered, to resume it if the answer is no.
        paused = {
            "flow": state.flow,
            "step": state.step,
            "local_date": state.local_date.isoformat(),
            "data": state.data,
            "attempts": state.attempts,
        }
    if state is not None and state.flow == FORGET_FLOW:
        await end_conversation(ctx, EndReason.REPLACED)  # asked again: the clock restarts
    await open_conversation(
        ctx,
        flow=FORGET_FLOW,
        step="confirm",
        local_date=ctx.today,
        data={"paused": paused} if paused else {},
    )
    return [
        Reply(
            "This deletes everything I keep about you: every check-in and its activities, "
            "earlier versions, your goals and settings, and your place in each team. It can't "
            "be undone — you may want to `export` first. Delete it all? (yes / no)",
            kind=ReplyKind.CONFIRM,
            title="Forget me?",
            choices=confirm_choices(),
        )
    ]


def pending(state: ConversationState | None, ctx: Context) -> bool:
    """True when a forget-me question was asked in the last ten minutes."""
    return (
        state is not None
        and state.flow == FORGET_FLOW
        and ctx.now - state.updated_at <= CONFIRM_WINDOW
    )


async def forget(ctx: Context) -> list[Reply]:
    """Delete the member's data and say what was deleted."""
    platform, user_id = ctx.member.platform, ctx.member.external_id
    outcomes = await forget_outcomes(ctx.session, ctx.member.id)
    gone = await forget_member(ctx.session, ctx.member)
    # Once committed, adapters drop what they cache about the person (profile, DM channel).
    ctx.after_commit.append(lambda: ctx.services.person_forgotten(platform, user_id))
    parts = [
        f"{gone.checkins} check-in{'s' if gone.checkins != 1 else ''}",
        f"{gone.activities} top activit{'ies' if gone.activities != 1 else 'y'}",
        f"{gone.versions} earlier version{'s' if gone.versions != 1 else ''}",
        f"{outcomes} outcome{'s' if outcomes != 1 else ''} and your targets",
        f"your membership in {gone.memberships} team{'s' if gone.memberships != 1 else ''}",
        "your name, time zone, schedule, goals and pause",
    ]
    if gone.scheduled:
        parts.append(f"{gone.scheduled} scheduled-message records")
    if gone.manager_of:
        parts.append("your role as a team's manager")
    return [
        Reply(
            "Done — deleted " + ", ".join(parts) + ". Nothing of yours is left. If you write "
            "to me again, I'll start fresh.",
            kind=ReplyKind.FORGOTTEN,
        )
    ]


async def cancelled(ctx: Context, state: ConversationState) -> list[Reply]:
    """Close the forget-me question without deleting anything; resume a paused check-in."""
    replies = [Reply("Okay, nothing deleted. Your data stays as it is.", kind=ReplyKind.INFO)]
    paused = (state.data or {}).get("paused")
    await end_conversation(ctx, EndReason.ANSWERED, flow=FORGET_FLOW)
    if not paused:
        return replies
    day = date.fromisoformat(paused["local_date"])
    await open_conversation(
        ctx,
        flow=paused["flow"],
        step=paused["step"],
        local_date=day,
        data=paused["data"],
        attempts=int(paused.get("attempts", 0)),
    )
    return [*replies, ask(ctx, paused["step"], day, Draft.from_json(paused["data"]))]


class ForgetMeFlow:
    """The forget-me question as a conversation: typed yes or no."""

    name = FORGET_FLOW

    async def close_if_expired(self, ctx: Context, state: ConversationState) -> bool:
        """Never closed unanswered: an answer after ten minutes is told the question expired."""
        return False

    def may_interrupt(self, command: Command, state: ConversationState) -> bool:
        """Any command runs instead of answering (the question stays open)."""
        return True

    async def answer(self, ctx: Context, state: ConversationState, text: str) -> list[Reply]:
        """A typed answer to the forget-me question."""
        return await on_forget_answer(ctx, state, text)

    async def reask(
        self, ctx: Context, state: ConversationState, after: Command, shown: list[Reply]
    ) -> list[Reply]:
        """Nothing: the question stays open, unrepeated, until answered or expired."""
        return []

    async def close(self, ctx: Context, state: ConversationState, reason: EndReason) -> None:
        """Nothing to keep: a paused check-in's answers were saved when the question was
        asked."""


async def on_forget_answer(ctx: Context, state: ConversationState, text: str) -> list[Reply]:
    """A typed answer to the forget-me question."""
    answer = text.strip().lower().rstrip(".!")
    if not pending(state, ctx):
        await end_conversation(ctx, EndReason.EXPIRED)
        return [
            Reply(
                "That question expired, so nothing was deleted. Type `forget-me` to ask again.",
                kind=ReplyKind.INFO,
            )
        ]
    if answer in YES:
        return await forget(ctx)
    if answer in NO:
        return await cancelled(ctx, state)
    return [
        Reply(
            "Please answer `yes` to delete all your data, or `no` to keep it.",
            kind=ReplyKind.REASK,
            choices=confirm_choices(),
        )
    ]


async def confirm_button(ctx: Context, _value: str) -> list[Reply]:
    """The Yes button: deletes only while the question is still open."""
    if not pending(await load_state(ctx.session, ctx.member.id), ctx):
        return [
            Reply(
                "That question expired, so nothing was deleted. Type `forget-me` to ask again.",
                kind=ReplyKind.INFO,
            )
        ]
    return await forget(ctx)


async def cancel_button(ctx: Context, _value: str) -> list[Reply]:
    """The No button."""
    state = await load_state(ctx.session, ctx.member.id)
    if state is not None and state.flow == FORGET_FLOW:
        return await cancelled(ctx, state)
    return [Reply("Nothing deleted.", kind=ReplyKind.INFO)]


async def ranking_command(ctx: Context, args: str) -> list[Reply]:
    """Opt out of (or back into) public ranking in this team."""
    word = args.strip().lower()
    if word in ("off", "hide", "no", "out", "opt-out"):
        ctx.membership.public_ranking = False
        return [
            Reply(
                "Done: you're hidden from this team's leaderboards. Your own stats stay "
                "available to you. `ranking on` brings you back.",
                kind=ReplyKind.SETTINGS,
            )
        ]
    if word in ("on", "show", "yes", "in", "opt-in"):
        ctx.membership.public_ranking = True
        return [Reply("Done: you're on this team's leaderboards again.", kind=ReplyKind.SETTINGS)]
    shown = "shown on" if ctx.membership.public_ranking else "hidden from"
    return [
        Reply(
            f"You're {shown} this team's leaderboards. Use `ranking off` or `ranking on`.",
            kind=ReplyKind.SETTINGS,
        )
    ]
