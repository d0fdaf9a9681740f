"""`admin …`: team settings (docs/coaching.md, Commands), for team admins only.

`admin` alone shows the settings. Each subcommand changes one thing in the asker's own team
and answers with what it is now; a value Needle can't read gets a re-ask with an example.
Every change applies to this team only: the team is the one the command was given in.

Keyword changes apply to check-ins saved from then on; earlier activities keep the
classification they were saved with.
"""

from __future__ import annotations

import logging
import re
from datetime import time
from functools import partial
from typing import Any

from bot.checkin import parsing
from bot.checkin.questions import DEFAULT_QUESTIONS, STEPS, question
from bot.coaching.classify import DEFAULT_HIGH_VALUE, DEFAULT_LOW_VALUE, normalize_keyword
from bot.commands.corrections import describe_backfill, fix_checkin, set_backfill
from bot.commands.stats import ambiguous_name
from bot.context import Context
from bot.messages import Fact, Reply, ReplyKind
from bot.outcomes.admin import describe_tracked, set_outcomes
from bot.outcomes.recording import tracked
from bot.profile import WEEKDAY_NAMES, describe_workdays, parse_workday_digits, workday_digits
from bot.router import Router
from bot.storage.people import get_member, team_members_named
from bot.timezones import find_timezone
from bot.words import plural

log = logging.getLogger(__name__)

MAX_KEYWORDS = 60
MAX_QUESTION = 300
OFF_WORDS = frozenset({"off", "none", "no", "disable", "disabled", "remove", "clear"})
ON_WORDS = frozenset({"on", "yes", "enable", "enabled"})
_CHANNEL = re.compile(r"#?([\w-]+)")
_RANGE_SPLIT = re.compile(r"\s*(?:–|—|\bto\b|\buntil\b|-(?=\s*\d))\s*")


def register(router: Router) -> None:
    """Add `admin`, whose settings are routed by a router of their own."""
    router.add_command(
        "admin",
        partial(admin_command, settings_router()),
        usage="admin [setting …]",
        summary="team settings: minimums, times, workdays, recap, manager, keywords",
        admin_only=True,
    )


def settings_router() -> Router:
    """The `admin` subcommands, one per team setting, in the order `admin` lists them."""
    settings = Router()
    for names, usage, handler in (
        (("minimums", "minimum", "min"), "minimums 5 60  (conversations, minutes)", set_minimums),
        (("checkin", "check-in", "prompt"), "checkin 17:00", set_checkin_time),
        (("workdays", "days"), "workdays mon-fri", set_workdays),
        (("timezone", "tz"), "timezone Europe/Berlin  (team default and recap time)", set_timezone),
        (("nudge", "reminder"), "nudge 2h  (reminder delay after the prompt)", set_nudge),
        (("quiet", "quiet-hours"), "quiet 21:00-08:00", set_quiet),
        (("escalate", "escalation"), "escalate 3  (workdays below minimum)", set_escalation),
        (("pace", "pace-check"), "pace on 13:00 | pace off", set_pace),
        (("recap",), "recap #sales fri 16:00 | recap off", set_recap),
        (("manager", "partner"), "manager @ben | manager none", set_manager),
        (("keywords", "keyword"), "keywords high add cold call | keywords low reset", set_keywords),
        (("wins",), "wins on | wins off", set_wins),
        (
            ("outcomes", "outcome"),
            "outcomes meetings deals revenue | outcomes off | outcomes @ana fix 2 won Acme 15k",
            set_outcomes,
        ),
        (("backfill", "late"), "backfill 7  (days back a check-in may be filled in)", set_backfill),
        (("fix", "correct"), "fix @ana 2026-11-20 9 75  (a member's day)", fix_checkin),
        (
            ("question", "questions"),
            "question minutes How long did you talk to buyers?",
            set_question,
        ),
    ):
        settings.add_command(names[0], handler, usage=usage, summary="", aliases=names[1:])
    return settings


def hhmm(at: time | None) -> str:
    """`17:00`, or `off`."""
    return at.strftime("%H:%M") if at is not None else "off"


def reask(text: str, example: str) -> list[Reply]:
    """A friendly re-ask with an example."""
    return [Reply(f"{text} Try `{example}`.", kind=ReplyKind.REASK)]


def done(ctx: Context, text: str) -> list[Reply]:
    """Confirm a change (profiles depend on team settings, so refresh)."""
    ctx.refresh_profile()
    return [Reply(f"Done: {text}", kind=ReplyKind.SETTINGS)]


async def settings_facts(ctx: Context) -> tuple[Fact, ...]:
    """The team's settings as facts."""
    team = ctx.team
    manager = (
        await get_member(ctx.session, team.manager_member_id) if team.manager_member_id else None
    )
    pace = f"on at {hhmm(team.pace_check_time)}" if team.pace_check_time else "off"
    recap_day = WEEKDAY_NAMES[team.recap_weekday % 7]
    recap = (
        f"{recap_day} {hhmm(team.recap_time)} in {team.recap_channel_id}"
        if team.recap_channel_id
        else f"off (no channel; would be {recap_day} {hhmm(team.recap_time)})"
    )
    high = len(team.high_value_keywords) if team.high_value_keywords else "defaults"
    low = len(team.low_value_keywords) if team.low_value_keywords else "defaults"
    return (
        Fact(
            "Minimums",
            f"{plural(team.min_conversations, 'conversation')}, "
            f"{plural(team.min_minutes, 'minute')}",
        ),
        Fact(
            "Check-in",
            f"{hhmm(team.checkin_time)}, {describe_workdays(parse_workday_digits(team.workdays))}",
        ),
        Fact("Time zone", team.timezone),
        Fact("Reminder", f"{team.nudge_after_minutes} min after the prompt"),
        Fact("Quiet hours", f"{hhmm(team.quiet_start)}–{hhmm(team.quiet_end)}"),
        Fact("Escalate after", f"{plural(team.escalate_after_days, 'workday')} below minimum"),
        Fact("Pace check", pace),
        Fact("Weekly recap", recap),
        Fact("Manager", manager.display_name if manager else "none"),
        Fact("Keywords", f"high-value: {high}; low-value: {low}"),
        Fact("Wins question", "on" if team.track_wins else "off"),
        Fact("Outcomes", describe_tracked(tracked(team))),
        Fact("Late check-ins", describe_backfill(team.backfill_days)),
        Fact(
            "Reworded questions",
            ", ".join(k for k in STEPS if (team.questions or {}).get(k)) or "none",
        ),
    )


def team_workdays(digits: str) -> str:
    """Stored workdays for people: `Mon–Fri`."""
    return describe_workdays(parse_workday_digits(digits))


async def admin_command(settings: Router, ctx: Context, args: str) -> list[Reply]:
    """Show the team's settings, or change one through the `settings` router."""
    word, _, rest = args.strip().partition(" ")
    setting = settings.find_command(word) if word else None
    if not word or word.lower() in ("show", "settings", "help"):
        lines = ["Change a setting with:"] + [
            f"• `admin {entry.usage}`" for entry in settings.visible_commands()
        ]
        return [
            Reply(
                "\n".join(lines),
                kind=ReplyKind.SETTINGS,
                title=f"Team settings — {ctx.team.name or ctx.team.external_id}",
                facts=await settings_facts(ctx),
            )
        ]
    if setting is None:
        return [
            Reply(
                f"I don't know the setting “{word[:40]}”. Type `admin` to see them all.",
                kind=ReplyKind.REASK,
            )
        ]
    return await setting.handler(ctx, rest.strip())


async def set_minimums(ctx: Context, rest: str) -> list[Reply]:
    """The team's daily minimums: `5 60`, `calls 6`, `minutes 45`."""
    example = "admin minimums 5 60"
    words = rest.lower().split()
    try:
        if len(words) >= 2 and words[0] in ("calls", "conversations", "call"):
            ctx.team.min_conversations = parsing.parse_conversations(" ".join(words[1:]))
        elif len(words) >= 2 and words[0] in ("minutes", "mins", "min", "time"):
            ctx.team.min_minutes = parsing.parse_minutes(" ".join(words[1:]))
        elif len(words) == 2:
            conversations = parsing.parse_conversations(words[0])
            minutes = parsing.parse_minutes(words[1])
            ctx.team.min_conversations, ctx.team.min_minutes = conversations, minutes
        else:
            return reask("Give the conversations and the minutes.", example)
    except parsing.AnswerError as err:
        return reask(str(err), example)
    return done(
        ctx,
        f"the team's minimums are {plural(ctx.team.min_conversations, 'conversation')} and "
        f"{plural(ctx.team.min_minutes, 'minute')} a workday. Personal goals below them now "
        "count at "
        "the team's minimum.",
    )


async def set_checkin_time(ctx: Context, rest: str) -> list[Reply]:
    """The team's default check-in time (members may set their own with `schedule`)."""
    try:
        at, days = parsing.parse_schedule(rest)
    except parsing.AnswerError as err:
        return reask(str(err), "admin checkin 17:00")
    ctx.team.checkin_time = at
    if days is not None:
        ctx.team.workdays = workday_digits(days)
    return done(
        ctx,
        f"the check-in prompt comes at {hhmm(at)} ({team_workdays(ctx.team.workdays)})"
        ", each member's own time zone.",
    )


async def set_workdays(ctx: Context, rest: str) -> list[Reply]:
    """The team's default workdays."""
    try:
        days = parsing.parse_workdays(rest)
    except parsing.AnswerError as err:
        return reask(str(err), "admin workdays mon-fri")
    ctx.team.workdays = workday_digits(days)
    return done(ctx, f"the team works {describe_workdays(days)}.")


async def set_timezone(ctx: Context, rest: str) -> list[Reply]:
    """The team's time zone: the default for members and the zone of the recap time."""
    zone = find_timezone(rest) if rest else None
    if zone is None:
        return reask("I don't know that time zone.", "admin timezone Europe/Berlin")
    ctx.team.timezone = zone.key
    return done(ctx, f"the team's time zone is {zone.key}.")


async def set_nudge(ctx: Context, rest: str) -> list[Reply]:
    """How long after the prompt the one reminder comes."""
    try:
        minutes = parsing.parse_minutes(rest)
    except parsing.AnswerError as err:
        return reask(str(err), "admin nudge 2h")
    if not 15 <= minutes <= 720:
        return reask(
            "The reminder delay must be between 15 minutes and 12 hours.", "admin nudge 2h"
        )
    ctx.team.nudge_after_minutes = minutes
    return done(ctx, f"the reminder comes {minutes} minutes after the prompt.")


def parse_range(text: str) -> tuple[time, time]:
    """`21:00-08:00`, `9pm to 8am`."""
    parts = [p for p in _RANGE_SPLIT.split(text.strip()) if p]
    if len(parts) != 2:
        raise parsing.AnswerError("Give a start and an end.")
    return parsing.parse_time_of_day(parts[0]), parsing.parse_time_of_day(parts[1])


async def set_quiet(ctx: Context, rest: str) -> list[Reply]:
    """Quiet hours: no reminders or nudges inside them (each member's local time)."""
    try:
        start, end = parse_range(rest)
    except parsing.AnswerError as err:
        return reask(str(err), "admin quiet 21:00-08:00")
    if start == end:
        return reask("Quiet hours need a start and a different end.", "admin quiet 21:00-08:00")
    ctx.team.quiet_start, ctx.team.quiet_end = start, end
    return done(ctx, f"quiet hours are {hhmm(start)}–{hhmm(end)}, each member's local time.")


async def set_escalation(ctx: Context, rest: str) -> list[Reply]:
    """After how many workdays below minimum the stronger nudge (and manager note) goes."""
    try:
        days = parsing.parse_conversations(rest)
    except parsing.AnswerError:
        return reask("Give a number of workdays.", "admin escalate 3")
    if not 1 <= days <= 30:
        return reask("Pick between 1 and 30 workdays.", "admin escalate 3")
    ctx.team.escalate_after_days = days
    return done(
        ctx, f"a stronger nudge goes after {plural(days, 'workday')} in a row below minimum."
    )


async def set_pace(ctx: Context, rest: str) -> list[Reply]:
    """The mid-day pace check: off, or on at a time."""
    words = rest.lower().split()
    if words and words[0] in OFF_WORDS:
        ctx.team.pace_check_time = None
        return done(ctx, "the pace check is off.")
    if words and words[0] in ON_WORDS:
        words = words[1:]
    try:
        at = parsing.parse_time_of_day(" ".join(words)) if words else time(13, 0)
    except parsing.AnswerError as err:
        return reask(str(err), "admin pace on 13:00")
    ctx.team.pace_check_time = at
    return done(
        ctx,
        f"at {hhmm(at)} (each member's time) anyone under half of their minimum gets a short "
        "note with where they stand.",
    )


def channel_id(ctx: Context, text: str) -> str | None:
    """A channel id from `#C123` (what the adapters make of a channel link), `C123` or `here`."""
    text = text.strip()
    if text.lower() == "here":
        return ctx.address.channel_id or None
    m = _CHANNEL.fullmatch(text)
    if not m:
        return None
    return m.group(1)


async def foreign_channel(ctx: Context, channel: str) -> str | None:
    """Why the recap may not go to `channel` (it is not one of this team's own channels, or
    the platform could not say), or None when it may."""
    try:
        belongs = await ctx.services.channel_in_team(
            ctx.address.platform, ctx.team.external_id, channel
        )
    except Exception:
        log.exception("could not check channel %s of %s", channel, ctx.team.external_id)
        return "I couldn't check that channel just now, so the recap is unchanged. Try again."
    if belongs is False:
        return (
            f"{channel} isn't a channel of this team's workspace or server, so the recap "
            "can't go there: name one of the team's own channels (and invite me to it)."
        )
    return None


async def set_recap(ctx: Context, rest: str) -> list[Reply]:
    """Where and when the weekly recap is posted: channel, weekday, time (team time zone)."""
    example = "admin recap #sales fri 16:00"
    words = rest.split()
    if not words:
        return reask("Name the channel, and optionally a day and time.", example)
    if words[0].lower() in OFF_WORDS:
        ctx.team.recap_channel_id = None
        return done(ctx, "the weekly recap is off.")
    channel = channel_id(ctx, words[0])
    if channel is None:
        return reask("Name the channel with #, or say `here`.", example)
    refusal = await foreign_channel(ctx, channel)
    if refusal is not None:
        return [Reply(refusal, kind=ReplyKind.REASK)]
    rest_text = " ".join(words[1:])
    if rest_text:
        try:
            at, days = parsing.parse_schedule(rest_text)
        except parsing.AnswerError:
            try:
                at, days = ctx.team.recap_time, parsing.parse_workdays(rest_text)
            except parsing.AnswerError as err:
                return reask(str(err), example)
        if days is not None:
            if len(days) != 1:
                return reask("The recap goes out on one day a week.", example)
            ctx.team.recap_weekday = next(iter(days))
        ctx.team.recap_time = at
    ctx.team.recap_channel_id = channel
    day = WEEKDAY_NAMES[ctx.team.recap_weekday % 7]
    return done(
        ctx,
        f"the weekly recap goes to {channel} on {day} at {hhmm(ctx.team.recap_time)} "
        f"({ctx.team.timezone}).",
    )


async def set_manager(ctx: Context, rest: str) -> list[Reply]:
    """The accountability partner or manager who gets escalation notes."""
    if rest.lower() in OFF_WORDS:
        ctx.team.manager_member_id = None
        return done(ctx, "no manager is named; escalations go to the member only.")
    candidates = [*ctx.incoming.mentions, rest] if rest else list(ctx.incoming.mentions)
    for candidate in candidates:
        named = await team_members_named(ctx.session, ctx.team.id, candidate)
        if len(named) > 1:
            return [Reply(ambiguous_name(candidate), kind=ReplyKind.REFUSAL)]
        if named:
            found = named[0]
            ctx.team.manager_member_id = found.id
            return done(
                ctx,
                f"{found.display_name} is the team's manager: they get a short note when "
                "someone is below minimum several workdays running, and may see members' stats.",
            )
    return reask(
        "I can't find that person in this team (they need to have talked to me once).",
        "admin manager @ben",
    )


def keyword_list(values: list[str] | None, defaults: tuple[str, ...]) -> list[str]:
    """A team's effective keyword list (empty = the defaults)."""
    return list(values) if values else list(defaults)


def split_keywords(text: str) -> list[str]:
    """Keywords separated by commas or semicolons; each normalised, empty ones dropped."""
    found = [normalize_keyword(part) for part in re.split(r"[,;\n]", text)]
    return [k for k in found if k]


async def set_keywords(ctx: Context, rest: str) -> list[Reply]:
    """Show or change the high-value and low-value keyword lists."""
    team = ctx.team
    words = rest.split(None, 2)
    high = keyword_list(team.high_value_keywords, DEFAULT_HIGH_VALUE)
    low = keyword_list(team.low_value_keywords, DEFAULT_LOW_VALUE)
    if not words:
        return [
            Reply(
                f"High-value: {', '.join(high)}\nLow-value: {', '.join(low)}\n"
                "Change with `admin keywords high add cold call` or `admin keywords low remove "
                "inbox`; `admin keywords high reset` restores the defaults.",
                kind=ReplyKind.SETTINGS,
                title="Activity keywords",
            )
        ]
    which = words[0].lower()
    if which not in ("high", "low"):
        return reask("Say `high` or `low` first.", "admin keywords high add cold call")
    attribute = "high_value_keywords" if which == "high" else "low_value_keywords"
    current = high if which == "high" else low
    verb = words[1].lower() if len(words) > 1 else ""
    given = split_keywords(words[2]) if len(words) > 2 else []
    if verb == "reset":
        setattr(team, attribute, [])
        return done(ctx, f"the {which}-value keywords are the defaults again.")
    if verb not in ("add", "remove", "delete", "rm") or not given:
        return reask(
            "Say add, remove or reset, then the keywords.", f"admin keywords {which} add demo"
        )
    if verb == "add":
        updated = current + [k for k in given if k not in current]
    else:
        missing = [k for k in given if k not in current]
        if missing:
            return reask(f"“{missing[0]}” isn't in the list.", f"admin keywords {which}")
        updated = [k for k in current if k not in given]
    if not updated:
        return reask(
            "A list can't be empty (an empty list means the defaults).",
            f"admin keywords {which} reset",
        )
    if len(updated) > MAX_KEYWORDS:
        return reask(f"Keep it to {MAX_KEYWORDS} keywords.", f"admin keywords {which} remove …")
    setattr(team, attribute, updated)
    return done(
        ctx,
        f"{which}-value keywords: {', '.join(updated)}. New check-ins are classified with them.",
    )


async def set_wins(ctx: Context, rest: str) -> list[Reply]:
    """Whether the check-in asks about wins."""
    word = rest.lower().strip()
    if word not in ON_WORDS | OFF_WORDS:
        return reask("Say on or off.", "admin wins on")
    ctx.team.track_wins = word in ON_WORDS
    state = (
        "asks about wins (deals closed, meetings booked)"
        if ctx.team.track_wins
        else ("no longer asks about wins")
    )
    return done(ctx, f"the check-in {state}.")


async def set_question(ctx: Context, rest: str) -> list[Reply]:
    """Reword a check-in question (or `reset` it)."""
    step, _, text = rest.partition(" ")
    step = step.lower()
    aliases = {"calls": "conversations", "time": "minutes", "top": "activities", "win": "wins"}
    step = aliases.get(step, step)
    if step not in STEPS:
        return reask(
            f"Name the question: {', '.join(STEPS)}.",
            "admin question minutes How long did you talk to buyers?",
        )
    text = text.strip()
    questions: dict[str, Any] = dict(ctx.team.questions or {})
    if not text or text.lower() in ("reset", "default"):
        questions.pop(step, None)
        ctx.team.questions = questions
        return done(ctx, f"the {step} question is back to “{DEFAULT_QUESTIONS[step]}”")
    questions[step] = text[:MAX_QUESTION]
    ctx.team.questions = questions
    return done(ctx, f"the {step} question now reads “{question(ctx.team, step)}”")
