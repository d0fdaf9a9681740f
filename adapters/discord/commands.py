"""The `/needle` slash-command group, usable in servers and DMs (docs/behaviour.md#commands).

Each subcommand only gathers its options and hands them to the Router as the words the engine
reads on every platform (`/needle stats period:week member:@ana` -> `stats week @<id>`); the
engine does the rest, including refusing `admin` to members without Manage Server.
Metrics and periods are choices; the time zone is autocompleted from the IANA database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

import discord
from discord import app_commands

from bot.timezones import matching_timezones

AUTOCOMPLETE_MAX = 25  # Discord shows at most 25 suggestions

Period = Literal["today", "week", "month", "all"]
BoardPeriod = Literal["today", "week", "month"]
BoardMetric = Literal["calls", "minutes", "streak", "goal"]
GoalMetric = Literal["calls", "minutes"]
Day = Literal["today", "yesterday"]
OnOff = Literal["on", "off"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# A guild-installed bot's commands, offered in servers and in the DM with the bot.
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False)
INSTALLS = app_commands.AppInstallationType(guild=True, user=False)


class CommandRouter(Protocol):
    """Where a subcommand goes (the adapter's Router)."""

    async def on_command(
        self, interaction: discord.Interaction[Any], command: str, args: Sequence[object]
    ) -> None:
        """Carry one subcommand to the engine and answer it."""


class ChannelOption(app_commands.Transformer):
    """A text-channel option taken as Discord sends it (id and name), without the cache."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """A channel option."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Text and announcement channels only."""
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> Any:
        """The resolved channel as is; only its id is used."""
        return value


def time_zone_choices(typed: str) -> list[app_commands.Choice[str]]:
    """Autocomplete suggestions for a time-zone option."""
    return [
        app_commands.Choice(name=z, value=z) for z in matching_timezones(typed, AUTOCOMPLETE_MAX)
    ]


def minutes_word(minutes: str | None) -> str | None:
    """`40` -> `40m`; anything else (`1h30`, `45 min`) as typed."""
    if minutes is None:
        return None
    minutes = minutes.strip()
    return f"{minutes}m" if minutes.isdigit() else minutes


class AdminCommands(app_commands.Group):
    """`/needle admin …`: team settings, for members with Manage Server.

    Each subcommand becomes the engine's `admin <setting> <value>` words, the same a Slack or
    console admin types (`admin minimums 5 60`, `admin recap #<channel id> fri 16:00`).
    """

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
        """`admin minimums 5 60`, `admin minimums calls 5`, `admin minimums minutes 60`."""
        if calls is not None and minutes is not None:
            await self._admin(interaction, "minimums", calls, minutes)
        elif calls is not None:
            await self._admin(interaction, "minimums", "calls", calls)
        elif minutes is not None:
            await self._admin(interaction, "minimums", "minutes", minutes)
        else:
            await self._admin(interaction, "minimums")

    @app_commands.command(name="checkin", description="The team's check-in time and workdays")
    @app_commands.describe(time="Like 17:00 or 4:30pm", days="Like mon-fri")
    async def checkin(
        self, interaction: discord.Interaction[Any], time: str, days: str | None = None
    ) -> None:
        """`admin checkin 17:00 mon-fri`."""
        await self._admin(interaction, "checkin", time, days)

    @app_commands.command(name="workdays", description="The team's workdays")
    @app_commands.describe(days="Like mon-fri or sun-thu")
    async def workdays(self, interaction: discord.Interaction[Any], days: str) -> None:
        """`admin workdays mon-fri`."""
        await self._admin(interaction, "workdays", days)

    @app_commands.command(name="timezone", description="The team's time zone (and the recap's)")
    @app_commands.describe(zone="Like Europe/Berlin; start typing a city")
    async def timezone(self, interaction: discord.Interaction[Any], zone: str) -> None:
        """`admin timezone Europe/Berlin`."""
        await self._admin(interaction, "timezone", zone)

    @timezone.autocomplete("zone")
    async def _zone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return time_zone_choices(current)

    @app_commands.command(name="nudge", description="How long after the prompt the reminder comes")
    @app_commands.describe(delay="Like 2h or 90m")
    async def nudge(self, interaction: discord.Interaction[Any], delay: str) -> None:
        """`admin nudge 2h`."""
        await self._admin(interaction, "nudge", minutes_word(delay))

    @app_commands.command(name="quiet", description="Quiet hours: no reminders inside them")
    @app_commands.describe(hours="Like 21:00-08:00")
    async def quiet(self, interaction: discord.Interaction[Any], hours: str) -> None:
        """`admin quiet 21:00-08:00`."""
        await self._admin(interaction, "quiet", hours)

    @app_commands.command(
        name="escalate", description="Workdays below minimum before a stronger nudge"
    )
    async def escalate(
        self, interaction: discord.Interaction[Any], workdays: app_commands.Range[int, 1, 30]
    ) -> None:
        """`admin escalate 3`."""
        await self._admin(interaction, "escalate", workdays)

    @app_commands.command(
        name="pace", description="A mid-day note for members behind their minimum"
    )
    @app_commands.describe(state="On or off", time="Like 13:00")
    async def pace(
        self,
        interaction: discord.Interaction[Any],
        state: OnOff,
        time: str | None = None,
    ) -> None:
        """`admin pace on 13:00` / `admin pace off`."""
        await self._admin(interaction, "pace", state, time if state == "on" else None)

    @app_commands.command(name="recap", description="Where and when the weekly recap is posted")
    @app_commands.describe(
        channel="Where (default: this channel)",
        day="Which day",
        time="Like 16:00 (team time zone)",
        off="Turn the weekly recap off",
    )
    async def recap(
        self,
        interaction: discord.Interaction[Any],
        channel: app_commands.Transform[discord.abc.Snowflake, ChannelOption] | None = None,
        day: Weekday | None = None,
        time: str | None = None,
        off: bool = False,
    ) -> None:
        """`admin recap #<id> fri 16:00` / `admin recap here` / `admin recap off`."""
        if off:
            await self._admin(interaction, "recap", "off")
        else:
            await self._admin(interaction, "recap", channel or "here", day, time)

    @app_commands.command(name="manager", description="Who hears when someone stays below minimum")
    @app_commands.describe(member="The manager or accountability partner (empty: nobody)")
    async def manager(
        self, interaction: discord.Interaction[Any], member: discord.User | None = None
    ) -> None:
        """`admin manager @<id>` / `admin manager none`."""
        await self._admin(interaction, "manager", member or "none")

    @app_commands.command(name="keywords", description="The high- and low-value activity keywords")
    @app_commands.describe(
        kind="Which list", change="Add, remove or reset", words="Comma-separated, like demo, pitch"
    )
    async def keywords(
        self,
        interaction: discord.Interaction[Any],
        kind: Literal["high", "low"] | None = None,
        change: Literal["add", "remove", "reset"] | None = None,
        words: str | None = None,
    ) -> None:
        """`admin keywords high add demo, pitch` (nothing: show both lists)."""
        await self._admin(interaction, "keywords", kind, change, words)

    @app_commands.command(name="wins", description="Whether the check-in asks about wins")
    async def wins(self, interaction: discord.Interaction[Any], state: OnOff) -> None:
        """`admin wins on`."""
        await self._admin(interaction, "wins", state)

    @app_commands.command(name="question", description="Reword a check-in question")
    @app_commands.describe(step="Which question", text="The new wording (empty: the default)")
    async def question(
        self,
        interaction: discord.Interaction[Any],
        step: Literal["conversations", "minutes", "activities", "wins"],
        text: str | None = None,
    ) -> None:
        """`admin question minutes How long did you talk to buyers?`."""
        await self._admin(interaction, "question", step, text or "reset")


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

    @app_commands.command(name="returns", description="What your meetings and wins follow")
    @app_commands.describe(
        member="Another member (admins only)", team="The whole team (admins only)"
    )
    async def returns(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User | None = None,
        team: bool = False,
    ) -> None:
        """`returns [@member|team]`."""
        await self._run(interaction, "returns", "team" if team else None, member)

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
        return time_zone_choices(current)

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
    @app_commands.describe(team="The whole team's check-ins (admins only)")
    async def export(self, interaction: discord.Interaction[Any], team: bool = False) -> None:
        """`export` / `export team`."""
        await self._run(interaction, "export", "team" if team else None)

    @app_commands.command(name="ranking", description="Show or hide yourself on the leaderboard")
    async def ranking(self, interaction: discord.Interaction[Any], state: OnOff) -> None:
        """`ranking on` / `ranking off`."""
        await self._run(interaction, "ranking", state)

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
