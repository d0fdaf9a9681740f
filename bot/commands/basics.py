"""Everyday commands: `help`, `timezone`, `schedule`, `pause` and `resume`."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from bot.checkin import parsing
from bot.context import Context
from bot.messages import Action, Reply, ReplyKind
from bot.profile import describe_date, describe_workdays, workday_digits
from bot.router import Router
from bot.timezones import find_timezone, unknown_timezone


def register(router: Router) -> None:
    """Add `help` (listing this router's commands), `timezone`, `schedule`, `pause`, `resume`
    and the profile-change news."""
    router.add_command(
        "help",
        partial(help_command, router),
        usage="help",
        summary="the commands, briefly",
        aliases=("?", "commands"),
    )
    router.add_command(
        "timezone",
        timezone_command,
        usage="timezone Europe/Berlin",
        summary="set your own time zone",
        aliases=("tz", "time-zone"),
    )
    router.add_command(
        "schedule",
        schedule_command,
        usage="schedule 16:30 mon-fri | schedule off | schedule on",
        summary="your own check-in time and workdays; `off` stops prompts, stats go on",
    )
    router.add_command(
        "pause",
        pause_command,
        usage="pause 5d | pause until 2026-12-01",
        summary="no prompts or nudges while you're away",
        aliases=("vacation-mode",),
    )
    router.add_command(
        "resume", resume_command, usage="resume", summary="end a pause", aliases=("unpause",)
    )
    router.add_action(Action.MEMBER_PROFILE, profile_changed, members_only=True)


async def help_command(router: Router, ctx: Context, _args: str) -> list[Reply]:
    """List the commands of `router` a member can use."""
    lines = ["Here's what I can do (in a DM you can type these without `/needle`):"]
    for entry in sorted(router.visible_commands(), key=lambda e: e.name == "help"):
        if entry.admin_only and not ctx.is_admin:
            continue
        lines.append(f"• `{entry.usage}` — {entry.summary}")
    lines.append(
        "Or just tell me your day in one message: `12 calls, 95 min; demo with Acme; "
        "proposal for Beta`. Type `off` for a day off."
    )
    return [Reply("\n".join(lines), kind=ReplyKind.HELP, title="Needle commands")]


async def timezone_command(ctx: Context, args: str) -> list[Reply]:
    """Show or set the member's own time zone."""
    if not args.strip():
        current = ctx.profile.timezone.key
        local = ctx.profile.local(ctx.now).strftime("%H:%M")
        return [
            Reply(
                f"Your time zone is {current} (it's {local} there). "
                "Change it with `timezone Europe/Berlin`.",
                kind=ReplyKind.SETTINGS,
            )
        ]
    zone = find_timezone(args)
    if zone is None:
        return [Reply(unknown_timezone(args), kind=ReplyKind.REASK)]
    zone_name = zone.key
    ctx.member.timezone = zone_name
    ctx.member.timezone_chosen = True
    ctx.refresh_profile()
    local = ctx.profile.local(ctx.now).strftime("%H:%M")
    return [
        Reply(
            f"Time zone set to {zone_name} — it's {local} there. Your check-in comes at "
            f"{ctx.profile.checkin_time.strftime('%H:%M')} your time.",
            kind=ReplyKind.SETTINGS,
        )
    ]


async def schedule_command(ctx: Context, args: str) -> list[Reply]:
    """Show or set the member's check-in time and workdays, or turn prompts off and on."""
    profile = ctx.profile
    word = args.strip().lower()
    if word in ("off", "on"):
        return prompts_switched(ctx, on=word == "on")
    if not word:
        if profile.prompts_off:
            return [
                Reply(
                    "Prompts are off: I don't message you, but your check-ins, stats and "
                    "streak count as usual. `schedule on` brings the prompts back.",
                    kind=ReplyKind.SETTINGS,
                )
            ]
        return [
            Reply(
                f"I check in with you at {profile.checkin_time.strftime('%H:%M')} "
                f"({profile.timezone.key}), {describe_workdays(profile.workdays)}. "
                "Change it with `schedule 16:30 mon-fri`; `schedule off` stops the prompts.",
                kind=ReplyKind.SETTINGS,
            )
        ]
    try:
        at, days = parsing.parse_schedule(args)
    except parsing.AnswerError as err:
        return [
            Reply(
                f"{err} Try `schedule 16:30 mon-fri`, `schedule 9am` or `schedule 17:00 sun-thu`.",
                kind=ReplyKind.REASK,
            )
        ]
    ctx.member.checkin_time = at
    if days is not None:
        ctx.member.workdays = workday_digits(days)
    ctx.refresh_profile()
    return [
        Reply(
            f"Done: your check-in comes at {at.strftime('%H:%M')} ({ctx.profile.timezone.key}), "
            f"{describe_workdays(ctx.profile.workdays)}.",
            kind=ReplyKind.SETTINGS,
        )
    ]


def prompts_switched(ctx: Context, *, on: bool) -> list[Reply]:
    """`schedule off`: no prompts, reminders or nudges, while stats and streaks go on (unlike
    a pause, missed workdays still count); `schedule on` brings them back."""
    ctx.member.prompts_off = not on
    ctx.refresh_profile()
    if on:
        text = (
            f"Prompts are back: I'll check in at {ctx.profile.checkin_time.strftime('%H:%M')} "
            f"({ctx.profile.timezone.key}), {describe_workdays(ctx.profile.workdays)}."
        )
    else:
        text = (
            "Prompts off: no check-in prompts, reminders or nudges from me. Your stats and "
            "streak go on as usual, so check in yourself with `checkin` (use `pause` when "
            "you're away). `schedule on` brings the prompts back."
        )
    return [Reply(text, kind=ReplyKind.SETTINGS)]


async def pause_command(ctx: Context, args: str) -> list[Reply]:
    """Pause prompts and nudges through a date."""
    if not args.strip():
        return [Reply("For how long? Try `pause 5d`, `pause 2w` or `pause until 2026-12-01`.")]
    try:
        until = parsing.parse_pause(args, ctx.today)
    except parsing.AnswerError as err:
        return [
            Reply(
                f"{err} Try `pause 5d`, `pause 2w` or `pause until 2026-12-01`.",
                kind=ReplyKind.REASK,
            )
        ]
    ctx.member.paused_until = until
    ctx.refresh_profile()
    return [
        Reply(
            f"Paused through {describe_date(until)}: no prompts or nudges until then, and your "
            "streak is safe. Type `resume` to come back early.",
            kind=ReplyKind.SETTINGS,
        )
    ]


async def resume_command(ctx: Context, _args: str) -> list[Reply]:
    """End a pause."""
    if ctx.member.paused_until is None or ctx.member.paused_until < ctx.today:
        return [Reply("You're not paused — I'll check in as usual.", kind=ReplyKind.SETTINGS)]
    # The pause ends yesterday rather than vanishing, so the workdays it covered stay
    # protected in streaks.
    ctx.member.paused_until = ctx.today - timedelta(days=1)
    ctx.refresh_profile()
    return [
        Reply(
            f"Welcome back! I'll check in at {ctx.profile.checkin_time.strftime('%H:%M')} "
            "on your workdays.",
            kind=ReplyKind.SETTINGS,
        )
    ]


async def profile_changed(ctx: Context, _value: str) -> list[Reply]:
    """The platform says a member's profile changed (Slack `user_change`).

    Finding the member already applied what matters (time zone unless they chose their own,
    display name, admin role); there is nothing to say to them.
    """
    return []
