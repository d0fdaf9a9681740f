"""The check-in family: `checkin`, `log`, the greeting, the Check in / Day off / Edit buttons,
the form, the check-in conversation and the check-in typed as a plain message."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from bot.checkin import flow as conversation
from bot.checkin import parsing
from bot.checkin.dayoff import REASONS, DayOffFlow, keep_checkin, mark_day_off, record_day_off
from bot.checkin.flow import answer_choice, start_checkin, submit_values
from bot.checkin.numbers import MAX_CONVERSATIONS, MAX_MINUTES
from bot.checkin.questions import EXAMPLES, LABELS, question, steps_for
from bot.checkin.summary import against
from bot.coaching.nudges import first_name
from bot.context import Context
from bot.messages import Action, Form, FormField, FormId, Reply, ReplyKind
from bot.profile import describe_date
from bot.router import Router
from bot.storage.checkins import CheckinRecord, get_checkin, record_of, save_checkin
from bot.storage.conversations import load_state
from bot.storage.models import Checkin
from bot.words import number_word

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A day named in `log`: `yesterday`, `today`, a weekday name or an ISO date, maybe after `on`.
LOG_DAY_RE = re.compile(
    r"(?:\bon\s+)?\b(yesterday|today|" + "|".join(WEEKDAYS) + r"|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
GREETINGS = frozenset({"hi", "hello", "hey", "hola", "yo", "good morning", "good evening"})


def register(router: Router) -> None:
    """Add the check-in commands, buttons, form, conversation and plain-message check-in."""
    router.add_command(
        "checkin",
        checkin_command,
        usage="checkin [yesterday]",
        summary="start or edit today's check-in (yesterday's until noon)",
        aliases=("check-in", "check in"),
    )
    router.add_command(
        "start", greet, usage="start", summary="say hello", hidden=True, aliases=("hello",)
    )
    router.add_command(
        "log",
        log_command,
        usage="log 3 calls 40m",
        summary="add conversations and minutes to today (`yesterday` until noon)",
        aliases=("add",),
    )
    router.add_action(Action.CHECKIN_START, start_button)
    router.add_action(Action.CHECKIN_EDIT, start_button)
    router.add_action(Action.CHECKIN_DAY_OFF, day_off_button)
    router.add_action(Action.CHECKIN_CONFIRM, confirm_button)
    router.add_action(Action.DAY_OFF_CONFIRM, day_off_confirmed)
    router.add_action(Action.DAY_OFF_KEEP, day_off_declined)
    router.add_form(FormId.CHECKIN, submitted)
    conversation.register(router)
    router.add_flow(DayOffFlow())
    router.add_message_handler(on_plain_message)


def day_from(ctx: Context, args: str) -> date | str:
    """The day a `checkin` is for: today, or an earlier day inside the team's backfill window
    (yesterday until noon by default); else a refusal text."""
    word = args.strip().lower()
    if word in ("", "today"):
        return ctx.today
    if word == "yesterday":
        day = ctx.today - timedelta(days=1)
        if ctx.profile.late_answer_open(day, ctx.now):
            return day
        return "Yesterday's check-in closed at noon. Today's is open: type `checkin`."
    try:
        day = date.fromisoformat(word)
    except ValueError:
        return "Use `checkin`, `checkin yesterday` (until noon) or `checkin 2026-11-24`."
    if ctx.profile.late_answer_open(day, ctx.now):
        return day
    if ctx.profile.backfill_days <= 1:
        window = "a day can be filled in or corrected until noon the next day"
    else:
        window = (
            f"a day can be filled in or corrected up to {ctx.profile.backfill_days} days back, "
            "the oldest until noon"
        )
    return f"The check-in for {describe_date(day, ctx.today)} is closed — {window}."


async def checkin_command(ctx: Context, args: str) -> list[Reply]:
    """Start, resume or redo a check-in; a form where the platform has one."""
    day = day_from(ctx, args)
    if isinstance(day, str):
        return [Reply(day, kind=ReplyKind.REFUSAL)]
    if ctx.incoming.can_open_forms:
        return [await checkin_form(ctx, day)]
    return await start_checkin(ctx, day)


async def checkin_form(ctx: Context, day: date, errors: dict[str, str] | None = None) -> Reply:
    """The check-in form, filled in with the day's current answers."""
    existing = await get_checkin(ctx.session, ctx.member.id, day)
    fields = tuple(
        FormField(
            id=step,
            label=LABELS[step],
            placeholder=EXAMPLES[step].replace("`", ""),
            initial=initial_answer(existing, step),
            multiline=step in ("activities", "wins"),
            optional=step == "wins",
        )
        for step in steps_for(ctx.team)
    )
    title = "Check-in" if day == ctx.today else f"Check-in: {describe_date(day)}"
    return Reply(
        question(ctx.team, "conversations"),
        kind=ReplyKind.FORM,
        form=Form(
            id=f"{FormId.CHECKIN}:{day.isoformat()}",
            title=title,
            fields=fields,
            errors=errors or {},
            reopen=Action.CHECKIN_START,
        ),
    )


def initial_answer(checkin: Checkin | None, step: str) -> str:
    """A form field's initial value from an existing check-in."""
    if checkin is None or checkin.status == "day_off":
        return ""
    if step == "activities":
        return "\n".join(a.text for a in checkin.activities)
    if step == "wins":
        if checkin.wins is None:
            return ""
        return f"{checkin.wins} - {checkin.wins_note}" if checkin.wins_note else str(checkin.wins)
    value = getattr(checkin, step)
    return "" if value is None else str(value)


def day_of_value(ctx: Context, value: str) -> date | str:
    """The day a button or form names (its value), checked against the late-answer window."""
    return day_from(ctx, value or "today")


async def start_button(ctx: Context, value: str) -> list[Reply]:
    """The Check in button (on a prompt) and the Edit button (under a confirmation): a form
    where the platform has one, else the questions."""
    return await checkin_command(ctx, value)


async def day_off_button(ctx: Context, value: str) -> list[Reply]:
    """The Day off button on a prompt."""
    day = day_of_value(ctx, value)
    if isinstance(day, str):
        return [Reply(day, kind=ReplyKind.REFUSAL)]
    return await mark_day_off(ctx, day)


async def confirm_button(ctx: Context, value: str) -> list[Reply]:
    """The Yes/No buttons under "Did you mean 10 conversations?" in a check-in."""
    return await answer_choice(ctx, value)


async def day_off_confirmed(ctx: Context, value: str) -> list[Reply]:
    """Yes on the day-off question: the day becomes a day off for the reason it named."""
    when, _, reason = value.strip().partition(" ")
    day = day_of_value(ctx, when)
    if isinstance(day, str):
        return [Reply(day, kind=ReplyKind.REFUSAL)]
    return await record_day_off(ctx, day, reason if reason in REASONS else "off")


async def day_off_declined(ctx: Context, value: str) -> list[Reply]:
    """No on the day-off question: the day's check-in stays."""
    day = day_of_value(ctx, value)
    if isinstance(day, str):
        return [Reply(day, kind=ReplyKind.REFUSAL)]
    return await keep_checkin(ctx, day)


async def submitted(ctx: Context, values: dict[str, str]) -> list[Reply]:
    """A submitted check-in form: inline errors, or the saved check-in's confirmation."""
    day = day_of_value(ctx, values.get("_ref", ""))
    if isinstance(day, str):
        return [Reply(day, kind=ReplyKind.REFUSAL)]
    result = await submit_values(ctx, day, values)
    if isinstance(result, dict):
        return [await checkin_form(ctx, day, errors=result)]
    return result


async def greet(ctx: Context, _args: str) -> list[Reply]:
    """The greeting: starts today's check-in unless it is done. Needle introduces itself
    once per member; afterwards `hello` gets a short greeting."""
    name = first_name(ctx.member)
    existing = await get_checkin(ctx.session, ctx.member.id, ctx.today)
    if existing is not None and existing.status in ("complete", "day_off"):
        done = "a day off" if existing.status == "day_off" else "your check-in"
        return [
            Reply(
                f"Hi {name}! You already have {done} for today. Type `stats week` to see your "
                "week, `checkin` to edit, or `help` for everything else.",
                kind=ReplyKind.GREETING,
            )
        ]
    state = await load_state(ctx.session, ctx.member.id)
    resuming = (
        state is not None
        and state.flow == conversation.FLOW
        and ctx.profile.late_answer_open(state.local_date, ctx.now)
    )
    if state is not None and resuming:
        intro = f"Welcome back, {name}. Let's pick up where we left off."
        return await start_checkin(ctx, state.local_date, intro=intro)
    if existing is not None:  # a partial check-in: only what is missing is asked
        plan = "Let's finish today's check-in."
    else:
        count = number_word(len(steps_for(ctx.team))).capitalize()
        plan = f"{count} quick questions about today (`off` if it's a day off)."
    return await start_checkin(ctx, ctx.today, intro=introduction(ctx, name, plan))


def introduction(ctx: Context, name: str, plan: str) -> str:
    """Who Needle is, the first time a member meets it; a short hello every time after."""
    if ctx.member.introduced_at is not None:
        return f"Hi {name}! {plan}"
    ctx.member.introduced_at = ctx.now
    return f"Hi {name}, I'm Needle, your sales accountability coach. {plan}"


def log_day(ctx: Context, args: str) -> tuple[date | str, str]:
    """The day a `log` names (today when none) and the rest of its words; a refusal text
    instead of the day when it names a day that can't be changed any more (or several)."""
    found = {match.group(1).lower() for match in LOG_DAY_RE.finditer(args)}
    rest = " ".join(LOG_DAY_RE.sub(" ", args).split())
    if not found:
        return ctx.today, rest
    if len(found) > 1:
        return "Log one day at a time, e.g. `log 3 calls 40m yesterday`.", rest
    word = found.pop()
    if word in WEEKDAYS:
        back = (ctx.today.weekday() - WEEKDAYS.index(word)) % 7
        day = ctx.today - timedelta(days=back)
    elif word in ("today", "yesterday"):
        day = ctx.today - timedelta(days=0 if word == "today" else 1)
    else:
        try:
            day = date.fromisoformat(word)
        except ValueError:
            return f"{word} isn't a date I know. Use a date like 2026-11-24.", rest
    if day > ctx.today:
        return f"{describe_date(day, ctx.today).capitalize()} hasn't happened yet.", rest
    checked = day_from(ctx, day.isoformat())
    if isinstance(checked, str):
        return f"{checked} Nothing was logged.", rest
    return checked, rest


async def log_command(ctx: Context, args: str) -> list[Reply]:
    """Add a quick log to a day's check-in (created as partial if there is none yet): today,
    or the day the log names while it is still open (yesterday until noon)."""
    day, args = log_day(ctx, args)
    if isinstance(day, str):
        return [Reply(day, kind=ReplyKind.REFUSAL)]
    try:
        added = parsing.parse_quick_log(args)
    except parsing.AnswerError as err:
        return [
            Reply(f"{err} Try `log 3 calls 40m`, `log 2 calls` or `log 45m`.", kind=ReplyKind.REASK)
        ]
    existing = await get_checkin(ctx.session, ctx.member.id, day)
    if existing is None or existing.status == "day_off":
        record = CheckinRecord(status="partial", conversations=0, minutes=0, source="log")
    else:
        record = record_of(existing)
    conversations = min((record.conversations or 0) + added.conversations, MAX_CONVERSATIONS)
    minutes = min((record.minutes or 0) + added.minutes, MAX_MINUTES)
    status = record.status if record.status != "day_off" else "partial"
    saved = await save_checkin(
        ctx.session,
        ctx.member.id,
        day,
        replace(record, status=status, conversations=conversations, minutes=minutes),
        now=ctx.now,
    )
    when = "Today" if day == ctx.today else describe_date(day, ctx.today).capitalize()
    return [
        Reply(
            f"Logged. {when} so far: "
            f"{against(saved.conversations, ctx.profile.conversations_minimum(day))}"
            f" conversations, {against(saved.minutes, ctx.profile.min_minutes)} minutes.",
            kind=ReplyKind.LOGGED,
        )
    ]


async def on_plain_message(ctx: Context, text: str) -> list[Reply] | None:
    """A message that is no command and answers no open question: a day off, a check-in
    told in one message, or a greeting; None for anything else."""
    if parsing.is_day_off(text):
        return await mark_day_off(ctx, ctx.today, text)
    if parsing.looks_like_checkin(text):
        return await start_checkin(ctx, ctx.today, initial_text=text)
    if text.lower().strip("!. ") in GREETINGS:
        return await greet(ctx, "")
    return None
