"""The check-in conversation as a persisted state machine: one question at a time.

State lives in `conversation_states` (flow "checkin", step = the question being asked), so a
restart resumes at the same question. Each answer either fills the step and moves on, fills
several steps at once (an all-in-one message), marks the day off, or earns a friendly re-ask;
after three failed tries Needle saves what it has and says how to finish.

`CheckinFlow` is how the engine reaches it: answers, what may interrupt a question, the
late-answer window's close, and the reminder of the open question after a command — given
only where the member may have lost the question: after a long answer (a chart, a file, or
more than a screenful of lines) or once the question is ten minutes old. After a short answer
the question is still just above it, and repeating it after every command is noise.

However it ends — finished, `cancel`, its window closed, a new day's prompt, another
conversation taking its place — it ends through `bot.conversation.end_conversation`, and
`CheckinFlow.close` keeps what was answered as a partial check-in first.

When unsure, Needle asks and records nothing until the member confirms: a reading that needs
a yes ("Did you mean 10 conversations?", or "0 conversations but 150 minutes with buyers — is
that right?", asked once per check-in) waits in the draft's `pending` with Yes/No buttons and
typed yes/no; `no` asks the question again, and any other answer is taken as a fresh answer.

A number question's answer that carries more ("6, 60 minutes, demo with Acme") is read as an
all-in-one message: every part that can be placed is placed, the rest is kept in the check-in's
note and shown back, and only what is missing is asked.

Lists typed one line per message: when the answer to the activities question is a single
bulleted or numbered line ("- cold calls") the question stays open ("Got it — add more, or
`done`"); each following message adds its items until there are three or the member says
`done` (or `no`, `that's it`), and then the check-in moves on as usual.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.checkin import parsing
from bot.checkin.dayoff import mark_day_off
from bot.checkin.draft import Draft
from bot.checkin.questions import EXAMPLES, LABELS, question_for, steps_for
from bot.checkin.summary import confirmation
from bot.coaching.classify import DEFAULT_HIGH_VALUE, DEFAULT_LOW_VALUE, classify_activity
from bot.context import Context
from bot.conversation import EndReason, end_conversation, open_conversation
from bot.messages import Action, Choice, Reply, ReplyKind
from bot.outcomes.parsing import (
    OutcomeError,
    OutcomeUnsure,
    describe_all,
    entries_from_json,
    entries_to_json,
    opens_with_outcome_verb,
    read_outcomes,
)
from bot.outcomes.recording import (
    check_tracked,
    entry_of,
    replace_checkin_outcomes,
)
from bot.profile import describe_date
from bot.router import Command, Router
from bot.storage.checkins import CheckinRecord, get_checkin, record_of, save_checkin
from bot.storage.conversations import load_state
from bot.storage.models import ConversationState
from bot.storage.outcome_records import checkin_outcomes
from bot.storage.prompts import prompt_sent_after, settle_prompt

MAX_TRIES = 3
FLOW = "checkin"
KEEP_WORDS = frozenset({"same", "keep", "unchanged", "no change"})
YES_WORDS = frozenset({"yes", "y", "yep", "yeah", "yup", "correct", "right", "sure", "ok", "okay"})
NO_WORDS = frozenset({"no", "n", "nope", "nah", "wrong", "not right"})
DONE_WORDS = frozenset(
    {"done", "no", "nope", "that's it", "thats it", "that is it", "nothing else", "no more"}
    | {"finished", "end", "ok", "okay", "that's all", "thats all"}
)
CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "never mind", "nevermind"})
# After a command mid-check-in, the open question is asked again only when the answer was
# longer than this many lines, or the question was asked this long ago (see
# `question_out_of_sight`).
LONG_ANSWER_LINES = 6
REASK_AFTER = timedelta(minutes=10)
# The commands that (re)open the check-in and ask its question themselves.
ASKING_COMMANDS = frozenset({"checkin", "start"})


def classify_all(ctx: Context, activities: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each activity with its classification under the team's keyword lists."""
    high = ctx.team.high_value_keywords or list(DEFAULT_HIGH_VALUE)
    low = ctx.team.low_value_keywords or list(DEFAULT_LOW_VALUE)
    return tuple((text, classify_activity(text, high, low)) for text in activities)


def record_from(ctx: Context, draft: Draft, *, source: str) -> CheckinRecord:
    """The check-in record a draft amounts to: complete when every question is answered."""
    complete = all(draft.has(step) for step in steps_for(ctx.team))
    return CheckinRecord(
        status="complete" if complete else "partial",
        conversations=draft.conversations,
        minutes=draft.minutes,
        activities=classify_all(ctx, draft.activities or ()),
        wins=draft.wins,
        wins_note=draft.wins_note,
        note="\n".join(draft.notes) or None,
        source=source,
    )


async def start_checkin(
    ctx: Context, day: date, *, initial_text: str = "", intro: str = ""
) -> list[Reply]:
    """Begin (or resume, or redo) the check-in for `day` and ask the first missing question."""
    existing = await get_checkin(ctx.session, ctx.member.id, day)
    draft = Draft()
    replies: list[Reply] = []
    state = await load_state(ctx.session, ctx.member.id)
    if state is not None and state.flow == FLOW and state.local_date == day:
        draft = Draft.from_json(state.data)  # a check-in in progress: pick it up
    elif existing is not None and existing.status == "partial":
        draft = Draft.resuming(existing)
    elif existing is not None:
        draft = await with_previous_outcomes(ctx, day, Draft.editing_of(existing))
        when = describe_date(day, ctx.today)
        replies.append(
            Reply(
                f"You already checked in for {when}. Let's redo it: your answers replace that "
                "record (the earlier version is kept). Type `same` to keep an answer, "
                "`cancel` to leave it as it was.",
                kind=ReplyKind.INFO,
            )
        )
    if intro:
        replies.insert(0, Reply(intro, kind=ReplyKind.INFO))
    kept: tuple[str, ...] = ()
    if initial_text:
        if parsing.is_day_off(initial_text):
            return await mark_day_off(ctx, day, initial_text)
        reading = parsing.parse_checkin_message(initial_text)
        draft, kept = draft.merged(reading), reading.unplaced
    return replies + await advance(ctx, day, draft, source="chat", kept=kept)


def zero_check(draft: Draft) -> Draft:
    """Hold "0 conversations but N minutes" for a yes, once per check-in."""
    if draft.zero_checked or draft.conversations != 0 or not draft.minutes:
        return draft
    question_text = f"0 conversations but {draft.minutes} minutes with buyers — is that right?"
    values = {"conversations": 0, "minutes": draft.minutes}
    return replace(
        draft,
        conversations=None,
        minutes=None,
        pending={"question": question_text, "values": values, "zero": True},
    )


def open_step(ctx: Context, draft: Draft) -> str | None:
    """The question to keep open or ask next, or None when every question is answered."""
    if draft.collecting:
        return "activities"
    return next((step for step in steps_for(ctx.team) if not draft.has(step)), None)


async def advance(
    ctx: Context, day: date, draft: Draft, *, source: str, kept: tuple[str, ...] = ()
) -> list[Reply]:
    """Ask the next unanswered question (or a pending yes/no), or save and confirm."""
    draft = zero_check(draft)
    shown = [kept_reply(kept)] if kept else []
    step = open_step(ctx, draft)
    if step is not None:
        await open_conversation(ctx, flow=FLOW, step=step, local_date=day, data=draft.to_json())
        return [*shown, ask(ctx, step, day, draft)]
    await end_conversation(ctx, EndReason.COMPLETED, flow=FLOW, local_date=day)
    checkin = await save_checkin(
        ctx.session, ctx.member.id, day, record_from(ctx, draft, source=source), now=ctx.now
    )
    await save_outcomes(ctx, day, draft)
    return shown + await confirmation(ctx, checkin)


def kept_reply(kept: tuple[str, ...]) -> Reply:
    """Show back the parts of an answer that could not be placed."""
    parts = "; ".join(f"“{part[:80]}”" for part in kept[:5])
    text = f"I couldn't place {parts}, so I kept it in today's note."
    if any(opens_with_outcome_verb(part) for part in kept):
        text += " Outcomes are recorded on their own: send one by itself, like `booked 2 meetings`."
    return Reply(text, kind=ReplyKind.INFO)


def ask(ctx: Context, step: str, day: date, draft: Draft) -> Reply:
    """The question for a step, with the old answer when redoing a check-in.

    A reading waiting for a yes is asked instead, and an activities list kept open says so.
    """
    if draft.pending is not None:
        return Reply(
            f"{draft.pending['question']} (yes / no)",
            kind=ReplyKind.CONFIRM,
            title=LABELS[step],
            choices=(
                Choice("Yes", Action.CHECKIN_CONFIRM, "yes", "primary"),
                Choice("No", Action.CHECKIN_CONFIRM, "no"),
            ),
        )
    if draft.collecting:
        count = len(draft.activities or ())
        return Reply(
            f"Got it ({count} of 3) — add more, one per message, or `done`.",
            kind=ReplyKind.QUESTION,
            title=LABELS[step],
        )
    text = question_for(ctx.team, step, day, ctx.today)
    if draft.editing and step in draft.previous:
        old = draft.previous[step]
        if isinstance(old, list):
            old = "; ".join(old) or "none"
        text += f" (was {old}; `same` keeps it)"
    return Reply(text, kind=ReplyKind.QUESTION, title=LABELS[step])


async def on_answer(ctx: Context, state: ConversationState, text: str) -> list[Reply]:
    """Take one answer to the question in `state`."""
    day = state.local_date
    draft = Draft.from_json(state.data)
    step = state.step
    answer = text.strip()
    lowered = answer.lower().rstrip(".!")
    if lowered in CANCEL_WORDS:
        return await cancel(ctx, day, draft)
    if draft.pending is not None:
        if lowered in YES_WORDS or lowered in NO_WORDS:
            return await settle(ctx, day, draft, confirmed=lowered in YES_WORDS)
        draft = replace(draft, pending=None)  # a fresh answer instead of yes or no
        step = open_step(ctx, draft) or step
    if draft.collecting:
        if lowered in DONE_WORDS:
            return await advance(ctx, day, replace(draft, collecting=False), source="chat")
        if not parsing.is_day_off(answer):
            return await collect(ctx, state, draft, answer)
    if draft.editing and lowered in KEEP_WORDS:
        return await advance(ctx, day, keep_previous(draft, step), source="chat")
    if parsing.is_day_off(answer):
        return await mark_day_off(ctx, day, answer)
    if step in ("conversations", "minutes", "activities") and opens_with_outcome_verb(answer):
        return await outcome_said_early(ctx, state, draft, answer)
    if step in ("conversations", "minutes"):
        reading = parsing.read_checkin(answer, first=step)
        if reading.placed() > 1 or (reading.placed() and reading.unplaced):
            merged = draft.merged(reading)
            return await advance(ctx, day, merged, source="chat", kept=reading.unplaced)
    elif step != "outcomes" and parsing.looks_like_checkin(answer):
        reading = parsing.parse_checkin_message(answer)
        merged = draft.merged(reading)
        if merged != draft:
            return await advance(ctx, day, merged, source="chat", kept=reading.unplaced)
    try:
        draft = fill(draft, step, answer, ctx)
    except OutcomeUnsure as unsure:
        pending = {"question": str(unsure), "values": {"outcomes": entries_to_json(unsure.entries)}}
        return await advance(ctx, day, replace(draft, pending=pending), source="chat")
    except OutcomeError as err:
        return await retry(ctx, state, draft.with_note(answer), str(err))
    except parsing.Unsure as unsure:
        values: dict[str, object] = {step: unsure.value}
        if step == "wins":
            values["wins_note"] = " ".join(answer.split())[:500] or None
        pending = {"question": str(unsure), "values": values}
        return await advance(ctx, day, replace(draft, pending=pending), source="chat")
    except parsing.AnswerError as err:
        return await retry(ctx, state, draft.with_note(answer), str(err))
    if step == "activities" and parsing.is_list_line(answer):
        draft = replace(draft, collecting=len(draft.activities or ()) < parsing.MAX_ACTIVITIES)
    return await advance(ctx, day, draft, source="chat")


async def outcome_said_early(
    ctx: Context, state: ConversationState, draft: Draft, answer: str
) -> list[Reply]:
    """`booked 2 meetings` or `won Acme 12k` typed while Needle asks for a number: never read
    as conversations or minutes. Where the team tracks outcomes it becomes the answer to the
    outcomes question (added to what was said so far; asked to confirm where unsure), and the
    open question is asked again;
    elsewhere the member is told why it wasn't counted, and the text is kept in the note."""
    day = state.local_date
    if "outcomes" not in steps_for(ctx.team):
        return await retry(
            ctx,
            state,
            draft.with_note(answer),
            "That reads like an outcome (booked, won or lost), not a count — I kept it in "
            "today's note.",
        )
    try:
        entries = read_outcomes(answer)
        check_tracked(ctx.team, entries)
    except OutcomeUnsure as unsure:
        values = {"outcomes": [*(draft.outcomes or []), *entries_to_json(unsure.entries)]}
        pending = {"question": str(unsure), "values": values}
        return await advance(ctx, day, replace(draft, pending=pending), source="chat")
    except OutcomeError as err:
        return await retry(ctx, state, draft.with_note(answer), str(err))
    outcomes = [*(draft.outcomes or []), *entries_to_json(entries)]
    noted = Reply(f"Noted for today's outcomes: {describe_all(entries)}.", kind=ReplyKind.INFO)
    return [
        noted,
        *await advance(ctx, day, replace(draft, outcomes=outcomes), source="chat"),
    ]


async def settle(ctx: Context, day: date, draft: Draft, *, confirmed: bool) -> list[Reply]:
    """A yes or no to a pending reading: yes records it, no asks the question again."""
    pending = draft.pending or {}
    draft = replace(draft, pending=None)
    if confirmed:
        values = dict(pending.get("values") or {})
        draft = replace(draft, **values, zero_checked=draft.zero_checked or "zero" in pending)
        return await advance(ctx, day, draft, source="chat")
    replies = await advance(ctx, day, draft, source="chat")
    return [Reply("Okay, let's try that again.", kind=ReplyKind.INFO), *replies]


async def answer_choice(ctx: Context, value: str) -> list[Reply]:
    """A Yes/No button under a pending reading of the check-in."""
    state = await load_state(ctx.session, ctx.member.id)
    if state is None or state.flow != FLOW or Draft.from_json(state.data).pending is None:
        return [
            Reply("That question has expired. Type `checkin` to continue.", kind=ReplyKind.INFO)
        ]
    return await on_answer(ctx, state, "yes" if value == "yes" else "no")


async def collect(ctx: Context, state: ConversationState, draft: Draft, answer: str) -> list[Reply]:
    """One more message of an activities list typed line by line."""
    items = parsing.activity_items(answer)
    if not items:
        return await retry(ctx, state, draft.with_note(answer), "I didn't catch any activities.")
    have = list(draft.activities or ())
    room = parsing.MAX_ACTIVITIES - len(have)
    added = [item[: parsing.MAX_ACTIVITY_CHARS].rstrip() for item in items[:room]]
    if len(items) > room or any(len(item) > parsing.MAX_ACTIVITY_CHARS for item in items):
        draft = draft.with_note(answer)
    activities = tuple(have + added)
    draft = replace(
        draft, activities=activities, collecting=len(activities) < parsing.MAX_ACTIVITIES
    )
    return await advance(ctx, state.local_date, draft, source="chat")


def fill(draft: Draft, step: str, answer: str, ctx: Context) -> Draft:
    """The draft with `answer` parsed into `step`; AnswerError (OutcomeError for the
    outcomes question) when it can't be used."""
    if step == "conversations":
        return replace(draft, conversations=parsing.parse_conversations(answer))
    if step == "minutes":
        return replace(draft, minutes=parsing.parse_minutes(answer))
    if step == "activities":
        activities = tuple(parsing.parse_activities(answer))
        items = parsing.activity_items(answer)
        if len(items) > len(activities) or any(a not in activities for a in items):
            draft = draft.with_note(answer)  # a fourth item or a long one: nothing typed is lost
        return replace(draft, activities=activities)
    if step == "wins":
        wins, note = parsing.parse_wins(answer)
        return replace(draft, wins=wins, wins_note=note or None)
    if step == "outcomes":
        entries = read_outcomes(answer)
        check_tracked(ctx.team, entries)
        return replace(draft, outcomes=entries_to_json(entries))
    raise parsing.AnswerError("I lost track of the question.")


def keep_previous(draft: Draft, step: str) -> Draft:
    """The draft with the replaced check-in's answer kept for `step`."""
    old = draft.previous.get(step)
    if step == "activities":
        return replace(draft, activities=tuple(old or ()))
    if step == "wins":
        return replace(draft, wins=old or 0, wins_note=draft.previous.get("wins_note"))
    if step == "outcomes":
        return replace(draft, outcomes=list(draft.previous.get("outcome_entries") or []))
    value = old if isinstance(old, int) else 0
    if step == "minutes":
        return replace(draft, minutes=value)
    return replace(draft, conversations=value)


async def retry(ctx: Context, state: ConversationState, draft: Draft, reason: str) -> list[Reply]:
    """Re-ask after an unusable answer; after the third, save what there is and stop."""
    attempts = state.attempts + 1
    step = state.step
    await open_conversation(
        ctx,
        flow=FLOW,
        step=step,
        local_date=state.local_date,
        data=draft.to_json(),
        attempts=attempts,
    )
    if attempts >= MAX_TRIES:
        return await give_up(ctx, state.local_date, draft)
    return [
        Reply(
            f"{reason} Try something like {EXAMPLES[step]}.\n"
            f"{question_for(ctx.team, step, state.local_date, ctx.today)}",
            kind=ReplyKind.REASK,
            title=LABELS[step],
        )
    ]


async def give_up(ctx: Context, day: date, draft: Draft) -> list[Reply]:
    """Save a partial check-in after three unusable answers and say how to finish."""
    await end_conversation(ctx, EndReason.GAVE_UP, flow=FLOW, local_date=day)
    if draft.editing:
        text = (
            "Let's leave it there — your earlier check-in stays as it was. "
            "Type `checkin` to try again whenever you like."
        )
    else:
        text = (
            "Let's not get stuck — I've saved what we have so far, including what you typed. "
            "Type `checkin` when you're ready to finish"
            + (" (until noon tomorrow)" if day == ctx.today else "")
            + ", or add numbers any time with `log 3 calls 40m`."
        )
    return [
        Reply(
            text,
            kind=ReplyKind.SAVED_PARTIAL,
            choices=(Choice("Finish check-in", Action.CHECKIN_START),),
        )
    ]


async def cancel(ctx: Context, day: date, draft: Draft) -> list[Reply]:
    """Stop the check-in; answers given so far are kept as a partial check-in. The day's
    prompt is settled too: the member just left today's questions, so it would only ask
    them again."""
    await end_conversation(ctx, EndReason.CANCELLED, flow=FLOW, local_date=day)
    if day == ctx.today:
        await settle_prompt(
            ctx.session, ctx.member.id, day, reason="the member cancelled the check-in", now=ctx.now
        )
    if not holds_answers(draft):
        return [Reply("Okay, stopped. Nothing changed.", kind=ReplyKind.INFO)]
    return [
        Reply(
            "Okay, stopped. I kept what you answered; type `checkin` to finish later.",
            kind=ReplyKind.INFO,
        )
    ]


async def submit_values(
    ctx: Context, day: date, values: dict[str, str]
) -> list[Reply] | dict[str, str]:
    """Validate a submitted check-in form; errors by field id, or the confirmation replies."""
    errors: dict[str, str] = {}
    draft = Draft()
    for step in steps_for(ctx.team):
        raw = (values.get(step) or "").strip()
        if not raw:
            if step == "wins":
                draft = replace(draft, wins=0)
                continue
            if step == "outcomes":
                draft = replace(draft, outcomes=[])
                continue
            errors[step] = f"Please answer this one, e.g. {EXAMPLES[step]}."
            continue
        try:
            draft = fill(draft, step, raw, ctx)
        except OutcomeUnsure as unsure:
            errors[step] = f"{unsure} If so, write it plainly, e.g. {EXAMPLES[step]}."
        except OutcomeError as err:
            errors[step] = f"{err} e.g. {EXAMPLES[step]}"
        except parsing.Unsure as unsure:
            errors[step] = f"{unsure} If so, type {unsure.value}."
        except parsing.AnswerError as err:
            errors[step] = f"{err} e.g. {EXAMPLES[step]}"
    if errors:
        return errors
    await end_conversation(ctx, EndReason.COMPLETED, flow=FLOW, local_date=day)
    checkin = await save_checkin(
        ctx.session, ctx.member.id, day, record_from(ctx, draft, source="form"), now=ctx.now
    )
    await save_outcomes(ctx, day, draft)
    return await confirmation(ctx, checkin)


class CheckinFlow:
    """The check-in conversation as the engine routes a member's messages through it."""

    name = FLOW

    async def close_if_expired(self, ctx: Context, state: ConversationState) -> bool:
        """Close the conversation once its day's late-answer window (noon the next day)
        has passed, or a later day's prompt was sent since its last question (an answer now
        is about that day); True when it was closed, its answers kept."""
        if ctx.profile.late_answer_open(state.local_date, ctx.now) and not (
            await prompt_sent_after(
                ctx.session, ctx.member.id, later_than=state.local_date, since=state.updated_at
            )
        ):
            return False
        await end_conversation(ctx, EndReason.EXPIRED)
        return True

    async def close(self, ctx: Context, state: ConversationState, reason: EndReason) -> None:
        """Keep what was answered as a partial check-in, unless the conversation ended with
        its day saved (finished, or marked off)."""
        if reason in (EndReason.COMPLETED, EndReason.DAY_OFF):
            return
        await keep_answers(ctx, state.local_date, Draft.from_json(state.data))

    def may_interrupt(self, command: Command, state: ConversationState) -> bool:
        """Any command interrupts a question, except while the top activities are asked
        for: `admin` or `stats review` may well be an activity, so only `help` interrupts
        then (`cancel` is an answer the conversation itself understands)."""
        return command.name == "help" or state.step != "activities"

    async def answer(self, ctx: Context, state: ConversationState, text: str) -> list[Reply]:
        """Take one answer to the question in `state`."""
        return await on_answer(ctx, state, text)

    async def reask(
        self, ctx: Context, state: ConversationState, after: Command, shown: list[Reply]
    ) -> list[Reply]:
        """The open question again, only where the member may have lost it (see
        `question_out_of_sight`); never after a command that asked it itself."""
        if after.name in ASKING_COMMANDS or not question_out_of_sight(ctx, state, shown):
            return []
        return [ask(ctx, state.step, state.local_date, Draft.from_json(state.data))]


async def keep_answers(ctx: Context, day: date, draft: Draft) -> None:
    """Save an unfinished check-in's answers as the day's partial check-in.

    A redo keeps the earlier check-in as it was; a finished check-in or day off saved
    meanwhile (a form, the Day off button) stands; a partial one saved meanwhile (`log`)
    keeps what the draft did not answer. A reading still waiting for a yes is kept in the
    note, unconfirmed.
    """
    if draft.pending:
        draft = draft.with_note(f"Unconfirmed: {draft.pending.get('question', '')}")
    if not holds_answers(draft):
        return
    existing = await get_checkin(ctx.session, ctx.member.id, day)
    if existing is not None and existing.status in ("complete", "day_off"):
        return
    record = record_from(ctx, draft, source="chat")
    if existing is not None:
        earlier = record_of(existing)
        record = replace(
            record,
            conversations=pick(record.conversations, earlier.conversations),
            minutes=pick(record.minutes, earlier.minutes),
            activities=record.activities or earlier.activities,
            wins=pick(record.wins, earlier.wins),
            wins_note=record.wins_note or earlier.wins_note,
            note=record.note or earlier.note,
        )
    await save_checkin(ctx.session, ctx.member.id, day, record, now=ctx.now)
    await save_outcomes(ctx, day, draft)


async def save_outcomes(ctx: Context, day: date, draft: Draft) -> None:
    """Record the outcomes question's answer for the check-in's day, replacing what an
    earlier answer for that day recorded (a correction never counts twice); an unanswered
    question leaves the day's outcomes as they are."""
    if draft.outcomes is not None and ctx.team.outcomes:
        await replace_checkin_outcomes(ctx, day, entries_from_json(draft.outcomes))


async def with_previous_outcomes(ctx: Context, day: date, draft: Draft) -> Draft:
    """A redo's draft remembering what the day's check-in recorded as outcomes (shown as
    the old answer, kept by `same`)."""
    if not ctx.team.outcomes:
        return draft
    rows = await checkin_outcomes(ctx.session, ctx.member.id, day)
    entries = tuple(entry_of(row) for row in rows)
    previous = {
        **draft.previous,
        "outcomes": describe_all(entries),
        "outcome_entries": entries_to_json(entries),
    }
    return replace(draft, previous=previous)


def holds_answers(draft: Draft) -> bool:
    """True when an unfinished draft holds something to keep: an answer, or a typed answer
    kept in its note (a redo holds none: the earlier check-in stands)."""
    if draft.editing:
        return False
    return (
        not draft.is_empty()
        or bool(draft.notes)
        or draft.wins is not None
        or draft.outcomes is not None
    )


def pick(answered: int | None, earlier: int | None) -> int | None:
    """The draft's answer, else what the stored check-in already said."""
    return answered if answered is not None else earlier


def question_out_of_sight(ctx: Context, state: ConversationState, shown: list[Reply]) -> bool:
    """Whether the open question may have scrolled away or been forgotten after a command:
    the command's answer was long (a chart, a file, a form, or more than `LONG_ANSWER_LINES`
    lines), or the question was asked `REASK_AFTER` or more ago. A short answer leaves the
    question in plain sight just above it, so it is not repeated."""
    if ctx.now - state.updated_at >= REASK_AFTER:
        return True
    lines = 0
    for reply in shown:
        if reply.draw is not None or reply.image or reply.file or reply.form:
            return True
        lines += len(reply.text.splitlines()) + len(reply.facts) + bool(reply.title)
    return lines > LONG_ANSWER_LINES


def register(router: Router) -> None:
    """Route check-in answers to the check-in conversation."""
    router.add_flow(CheckinFlow())


__all__ = [
    "CheckinFlow",
    "advance",
    "answer_choice",
    "ask",
    "keep_answers",
    "register",
    "start_checkin",
    "submit_values",
]
