"""The `/needle` slash-command group: every subcommand of SPEC §5, usable in servers and DMs.

Each subcommand only gathers its options and hands them to the Router as the words the engine
reads on every platform (`/needle stats period:week member:@ana` -> `stats week @<id>`); the
engine does the rest, including refusing `admin` to members without Manage Server.
Metrics and periods are choices; the time zone is autocompleted from the IANA database.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, Literal, Protocol
from zoneinfo import available_timezones

import discord
from discord import app_commands

AUTOCOMPLETE_MAX = 25  # Discord shows at most 25 suggestions

Period = Literal["today", "week", "month", "all"]
BoardPeriod = Literal["today", "week", "month"]
BoardMetric = Literal["calls", "minutes", "streak", "goal"]
GoalMetric = Literal["calls", "minutes"]
Day = Literal["today", "yesterday"]

# A guild-installed bot's commands, offered in servers and in the DM with the bot.
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False)
INSTALLS = app_commands.AppInstallationType(guild=True, user=False)


class CommandRouter(Protocol):
    """Where a subcommand goes (the adapter's Router)."""

    async def on_command(
        self, interaction: discord.Interaction[Any], command: str, args: Sequence[object]
    ) -> None:
        """Carry one subcommand to the engine and answer it."""


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def matching_time_zones(typed: str, limit: int = AUTOCOMPLETE_MAX) -> list[str]:
    """IANA zones for what a member typed so far: prefix matches first, then any part.

    `berl` -> Europe/Berlin; `new york` -> America/New_York; nothing typed -> common zones.
    """
    wanted = typed.strip().replace(" ", "_").casefold()
    if not wanted:
        common = (
            "UTC",
            "Europe/London",
            "Europe/Berlin",
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "Asia/Kolkata",
            "Australia/Sydney",
        )
        return list(common[:limit])
    starts: list[str] = []
    contains: list[str] = []
    for zone in _zones():
        folded = zone.casefold()
        city = folded.rsplit("/", 1)[-1]
        if folded.startswith(wanted) or city.startswith(wanted):
            starts.append(zone)
        elif wanted in folded:
            contains.append(zone)
    return (starts + contains)[:limit]


def minutes_word(minutes: str | None) -> str | None:
    """`40` -> `40m`; anything else (`1h30`, `45 min`) as typed."""
    if minutes is None:
        return None
    minutes = minutes.strip()
    return f"{minutes}m" if minutes.isdigit() else minutes


class AdminCommands(app_commands.Group):
    """`/needle admin …`: team settings, for members with Manage Server."""

    def __init__(self, router: CommandRouter) -> None:
        super().__init__(name="admin", description="Team settings (server admins only)")
        self.router = router

    async def _admin(self, interaction: discord.Interaction[Any], *args: object) -> None:
        await self.router.on_command(interaction, "admin", args)

    @app_commands.command(name="show", description="Show this server's Needle settings")
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        """`admin` with no arguments."""
        await self._admin(interaction)

    @app_commands.command(name="minimums", description="Daily minimums for the whole team")
    @app_commands.describe(calls="Sales conversations per workday", minutes="Minutes per workday")
    async def minimums(
        self,
        interaction: discord.Interaction[Any],
        calls: app_commands.Range[int, 0, 500] | None = None,
        minutes: app_commands.Range[int, 0, 1440] | None = None,
    ) -> None:
        """`admin minimums calls 5 minutes 60`."""
        words: list[object] = ["minimums"]
        if calls is not None:
            words += ["calls", calls]
        if minutes is not None:
            words += ["minutes", minutes]
        await self._admin(interaction, *words)

    @app_commands.command(name="checkin-time", description="The team's check-in time")
    @app_commands.describe(time="Like 17:00 or 4:30pm")
    async def checkin_time(self, interaction: discord.Interaction[Any], time: str) -> None:
        """`admin checkin-time 17:00`."""
        await self._admin(interaction, "checkin-time", time)

    @app_commands.command(
        name="nudge-time", description="When to remind members who have not checked in"
    )
    @app_commands.describe(time="Like 19:00, or a delay after the prompt such as 2h")
    async def nudge_time(self, interaction: discord.Interaction[Any], time: str) -> None:
        """`admin nudge-time 19:00`."""
        await self._admin(interaction, "nudge-time", time)

    @app_commands.command(name="workdays", description="The team's workdays")
    @app_commands.describe(days="Like mon-fri or sun-thu")
    async def workdays(self, interaction: discord.Interaction[Any], days: str) -> None:
        """`admin workdays mon-fri`."""
        await self._admin(interaction, "workdays", days)

    @app_commands.command(name="recap-channel", description="Where the weekly recap goes")
    @app_commands.describe(channel="A text channel Needle can post in")
    async def recap_channel(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel
    ) -> None:
        """`admin recap-channel #<id>`."""
        await self._admin(interaction, "recap-channel", channel)

    @app_commands.command(name="manager", description="Who hears when someone stays below minimum")
    @app_commands.describe(member="The team's manager or accountability partner")
    async def manager(self, interaction: discord.Interaction[Any], member: discord.User) -> None:
        """`admin manager @<id>`."""
        await self._admin(interaction, "manager", member)

    @app_commands.command(name="keywords", description="The high- and low-value activity keywords")
    @app_commands.describe(
        kind="Which list", change="Add or remove", words="Comma-separated, like demo, pitch"
    )
    async def keywords(
        self,
        interaction: discord.Interaction[Any],
        kind: Literal["high", "low"],
        change: Literal["add", "remove"] | None = None,
        words: str | None = None,
    ) -> None:
        """`admin keywords high add demo, pitch` (no change: show the list)."""
        await self._admin(interaction, "keywords", kind, change, words)


class NeedleCommands(app_commands.Group):
    """`/needle <subcommand>`: the coach's commands."""

    def __init__(self, router: CommandRouter) -> None:
        super().__init__(
            name="needle",
            description="Needle, your sales accountability coach",
            allowed_contexts=CONTEXTS,
            allowed_installs=INSTALLS,
        )
        self.router = router
        self.add_command(AdminCommands(router))

    async def _run(
        self, interaction: discord.Interaction[Any], command: str, *args: object
    ) -> None:
        await self.router.on_command(interaction, command, args)

    @app_commands.command(name="checkin", description="Start or edit today's check-in")
    @app_commands.describe(day="Yesterday's check-in stays open until noon")
    async def checkin(self, interaction: discord.Interaction[Any], day: Day | None = None) -> None:
        """`checkin [yesterday]`: opens the check-in form."""
        await self._run(interaction, "checkin", None if day == "today" else day)

    @app_commands.command(name="log", description="Add conversations and minutes to today")
    @app_commands.describe(calls="Sales conversations to add", minutes="Like 40, 40m or 1h30")
    async def log(
        self,
        interaction: discord.Interaction[Any],
        calls: app_commands.Range[int, 0, 500] | None = None,
        minutes: str | None = None,
    ) -> None:
        """`log 3 calls 40m`."""
        await self._run(
            interaction,
            "log",
            f"{calls} calls" if calls is not None else None,
            minutes_word(minutes),
        )

    @app_commands.command(name="stats", description="Your stats, with a chart")
    @app_commands.describe(period="Which period", member="Another member (admins only)")
    async def stats(
        self,
        interaction: discord.Interaction[Any],
        period: Period | None = None,
        member: discord.User | None = None,
    ) -> None:
        """`stats [today|week|month|all] [@member]`."""
        await self._run(interaction, "stats", period, member)

    @app_commands.command(name="leaderboard", description="The team ranking")
    @app_commands.describe(metric="Rank by", period="Which period")
    async def leaderboard(
        self,
        interaction: discord.Interaction[Any],
        metric: BoardMetric | None = None,
        period: BoardPeriod | None = None,
    ) -> None:
        """`leaderboard [calls|minutes|streak|goal] [today|week|month]`."""
        await self._run(interaction, "leaderboard", metric, period)

    @app_commands.command(name="goal", description="Your personal daily minimum")
    @app_commands.describe(metric="Conversations or minutes", value="Per workday")
    async def goal(
        self,
        interaction: discord.Interaction[Any],
        metric: GoalMetric,
        value: app_commands.Range[int, 0, 1440],
    ) -> None:
        """`goal calls 8` / `goal minutes 90`."""
        await self._run(interaction, "goal", metric, value)

    @app_commands.command(name="timezone", description="Your own time zone")
    @app_commands.describe(zone="Like Europe/Berlin; start typing a city")
    async def timezone(
        self, interaction: discord.Interaction[Any], zone: str | None = None
    ) -> None:
        """`timezone Europe/Berlin` (no zone: show it)."""
        await self._run(interaction, "timezone", zone)

    @timezone.autocomplete("zone")
    async def _zone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in matching_time_zones(current)]

    @app_commands.command(name="schedule", description="Your own check-in time and workdays")
    @app_commands.describe(time="Like 16:30 or 9am", days="Like mon-fri")
    async def schedule(
        self,
        interaction: discord.Interaction[Any],
        time: str | None = None,
        days: str | None = None,
    ) -> None:
        """`schedule 16:30 mon-fri` (nothing: show it)."""
        await self._run(interaction, "schedule", time, days)

    @app_commands.command(name="pause", description="No prompts or nudges while you're away")
    @app_commands.describe(duration="Like 5d, 2w or until 2026-12-01")
    async def pause(self, interaction: discord.Interaction[Any], duration: str) -> None:
        """`pause 5d` / `pause until 2026-12-01`."""
        await self._run(interaction, "pause", duration)

    @app_commands.command(name="resume", description="End a pause")
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        """`resume`."""
        await self._run(interaction, "resume")

    @app_commands.command(name="export", description="Your own data as a CSV file")
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        """`export`."""
        await self._run(interaction, "export")

    @app_commands.command(name="forget-me", description="Delete your data (asks first)")
    async def forget_me(self, interaction: discord.Interaction[Any]) -> None:
        """`forget-me`."""
        await self._run(interaction, "forget-me")

    @app_commands.command(name="help", description="The commands, briefly")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """`help`."""
        await self._run(interaction, "help")


def build_needle_group(router: CommandRouter) -> NeedleCommands:
    """The `/needle` group wired to `router`."""
    return NeedleCommands(router)
