"""`home` and the settings form: a member's week at a glance, for a platform's home screen.

Slack's App Home tab shows what the hidden `home` command returns: this week's numbers, where
today's check-in stands, the member's minimums and schedule, and buttons to check in, take the
day off, or change settings. It draws no chart, so it is cheap enough to refresh after every
check-in. The settings form changes goals, check-in time and time zone through the very
commands members type (`goal`, `schedule`, `timezone`), so their rules live in one place.
"""

from __future__ import annotations

from dataclasses import replace

from bot.commands.basics import schedule_command, timezone_command
from bot.commands.coaching import goal_command
from bot.context import Context
from bot.messages import Action, Choice, Fact, Form, FormField, FormId, Reply, ReplyKind
from bot.profile import Profile, describe_date, describe_workdays
from bot.router import CommandHandler, Router
from bot.stats.report import member_stats, stats_reply
from bot.storage.checkins import get_checkin
from bot.words import plural

SETTINGS_HINT = (
    "Change your settings with `goal calls 8`, `goal minutes 90`, `schedule 16:30 mon-fri` "
    "and `timezone Europe/Berlin`."
)
# Form field -> (command that applies it, how the field's text becomes the command's args).
SETTINGS_COMMANDS: dict[str, tuple[CommandHandler, str]] = {
    "goal_calls": (goal_command, "calls {}"),
    "goal_minutes": (goal_command, "minutes {}"),
    "schedule": (schedule_command, "{}"),
    "timezone": (timezone_command, "{}"),
}


def register(router: Router) -> None:
    """Add the hidden `home` command, the Change settings button and the settings form."""
    router.add_command(
        "home", home_command, usage="home", summary="your week at a glance", hidden=True
    )
    router.add_action(Action.SETTINGS_OPEN, settings_open)
    router.add_form(FormId.SETTINGS, settings_submitted)


async def home_command(ctx: Context, _args: str) -> list[Reply]:
    """This week's stats, today's check-in and the member's settings, with buttons."""
    track = ctx.team.track_wins
    stats = await member_stats(
        ctx.session, ctx.member, ctx.profile, "week", ctx.today, track_wins=track
    )
    week = stats_reply(stats, track_wins=track, about_self=True)
    today, choices = await today_status(ctx)
    return [
        Reply(
            today,
            kind=ReplyKind.HOME,
            title=week.title or "This week",
            facts=week.facts,
            choices=choices,
        ),
        Reply(
            "",
            kind=ReplyKind.HOME,
            title="Your settings",
            facts=settings_facts(ctx),
            choices=(Choice("Change settings", Action.SETTINGS_OPEN),),
        ),
    ]


async def today_status(ctx: Context) -> tuple[str, tuple[Choice, ...]]:
    """Where today's check-in stands, and the buttons that fit."""
    checkin = await get_checkin(ctx.session, ctx.member.id, ctx.today)
    check_in = Choice("Check in", Action.CHECKIN_START, style="primary")
    if checkin is None:
        return "Today: not checked in yet.", (check_in, Choice("Day off", Action.CHECKIN_DAY_OFF))
    if checkin.status == "day_off":
        return "Today: a day off.", (Choice("Check in after all", Action.CHECKIN_START),)
    if checkin.status == "partial":
        return "Today: your check-in is unfinished.", (
            Choice("Finish check-in", Action.CHECKIN_START),
        )
    done = (
        f"Today: checked in — {plural(checkin.conversations or 0, 'conversation')}, "
        f"{plural(checkin.minutes or 0, 'minute')} with buyers."
    )
    return done, (Choice("Edit", Action.CHECKIN_EDIT, ctx.today.isoformat()),)


def settings_facts(ctx: Context) -> tuple[Fact, ...]:
    """The member's schedule, minimums and pause, as facts."""
    profile = ctx.profile
    facts = [
        Fact(
            "Check-in",
            f"{profile.checkin_time.strftime('%H:%M')} {describe_workdays(profile.workdays)} "
            f"({profile.timezone.key})",
        ),
        Fact(
            "Daily minimum",
            f"{plural(profile.conversations_minimum(ctx.today), 'conversation')}"
            + (" today (your target's pace)" if ctx.today in ctx.target_minimums else "")
            + ", "
            f"{plural(profile.min_minutes, 'minute')}",
        ),
    ]
    if profile.paused_until is not None and profile.paused_until >= ctx.today:
        facts.append(Fact("Paused", f"until {describe_date(profile.paused_until, ctx.today)}"))
    return tuple(facts)


def current_settings(ctx: Context) -> dict[str, str]:
    """The settings form's fields as they stand now (in the commands' own syntax)."""
    return settings_values(ctx.profile)


def settings_values(profile: Profile) -> dict[str, str]:
    """A member's settings form's fields from their profile (in the commands' own syntax):
    what chat's form and the dashboard's show filled in."""
    days = describe_workdays(profile.workdays).replace("–", "-")
    return {
        "goal_calls": str(profile.min_conversations),
        "goal_minutes": str(profile.min_minutes),
        "schedule": f"{profile.checkin_time.strftime('%H:%M')} {days}",
        "timezone": profile.timezone.key,
    }


def settings_fields(profile: Profile) -> tuple[FormField, ...]:
    """The settings form's fields, filled in from the member's profile (chat's form and the
    dashboard's are these)."""
    now = settings_values(profile)
    return (
        FormField("goal_calls", "Daily conversations (your minimum)", "8", now["goal_calls"]),
        FormField("goal_minutes", "Daily minutes with buyers", "90", now["goal_minutes"]),
        FormField("schedule", "Check-in time and days", "16:30 mon-fri", now["schedule"]),
        FormField("timezone", "Time zone", "Europe/Berlin", now["timezone"]),
    )


def settings_form(ctx: Context) -> Reply:
    """The settings form, filled in with the member's current settings."""
    fields = settings_fields(ctx.profile)
    return Reply(
        "Your settings",
        kind=ReplyKind.FORM,
        form=Form(
            id=FormId.SETTINGS,
            title="Settings",
            fields=fields,
            submit_label="Save",
            reopen=Action.SETTINGS_OPEN,
        ),
    )


async def settings_open(ctx: Context, _value: str) -> list[Reply]:
    """The Change settings button: the form where the platform has one, else the commands."""
    if not ctx.incoming.can_open_forms:
        return [Reply(SETTINGS_HINT, kind=ReplyKind.SETTINGS)]
    return [settings_form(ctx)]


async def settings_submitted(ctx: Context, values: dict[str, str]) -> list[Reply]:
    """Apply each changed field through its command; a field the command refuses is an error.

    Fields that were accepted stay applied even when another one is refused: the form then
    shows only what is left to fix.
    """
    before = current_settings(ctx)
    errors: dict[str, str] = {}
    said: list[str] = []
    for field, (apply, template) in SETTINGS_COMMANDS.items():
        value = " ".join(values.get(field, "").split())
        if not value or value == before[field]:
            continue
        replies = await apply(ctx, template.format(value))
        refused = [r for r in replies if r.kind in (ReplyKind.REASK, ReplyKind.REFUSAL)]
        if refused:
            errors[field] = refused[0].text
        else:
            said.extend(r.text for r in replies)
    if errors:
        reply = settings_form(ctx)
        assert reply.form is not None
        return [
            Reply(
                reply.text,
                kind=ReplyKind.FORM,
                form=replace(reply.form, errors=errors),
            )
        ]
    if not said:
        return [Reply("Nothing changed.", kind=ReplyKind.SETTINGS)]
    return [Reply("\n".join(said), kind=ReplyKind.SETTINGS, title="Settings saved")]
