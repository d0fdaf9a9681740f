"""The discord.py client Needle runs: intents, the `/needle` tree, DMs and modal submissions.

Intents (the fewest that work; none privileged):

- `guilds`: the servers Needle is in and their channels, so interactions in a server carry a
  cached guild and channel, and Needle learns when it is added to or removed from a server.
- `dm_messages`: MESSAGE_CREATE for direct messages, so members can type their check-in and
  commands in the DM. Message content of a DM reaches a bot without the privileged
  `message_content` intent (discord.py: content is withheld only from messages that are not in
  DMs, not the bot's own and do not mention it), so Needle does not ask for it.

Slash commands, buttons and modals arrive as INTERACTION_CREATE, which needs no intent.

`ShardedNeedleClient` is the same client over several gateway connections (discord.py's
`AutoShardedClient`), for bots past Discord's 2,500 servers a connection: each shard gets the
events of the servers whose `(server id >> 22) % shard count` is its id, and shard 0 gets
every DM besides.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
from discord import app_commands

from adapters.discord.commands import build_needle_group
from adapters.discord.components import CheckinPromptView
from adapters.discord.router import Router
from adapters.discord.translate import form_id_of, form_values

log = logging.getLogger(__name__)


def needle_intents() -> discord.Intents:
    """The gateway intents Needle asks for: guilds and DM messages, nothing privileged."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.dm_messages = True
    return intents


class NeedleClient(discord.Client):
    """discord.py client with the `/needle` tree and Needle's event handlers."""

    def __init__(
        self,
        router: Router,
        *,
        guild_id: str = "",
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
        on_team_removed: Callable[[str], Awaitable[None]] | None = None,
        on_dm_channel: Callable[[str, int], Awaitable[None]] | None = None,
        http_trace: aiohttp.TraceConfig | None = None,
        **client_options: Any,
    ) -> None:
        # Needle has no voice features: skip discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        traced: dict[str, Any] = {} if http_trace is None else {"http_trace": http_trace}
        super().__init__(
            intents=needle_intents(),
            guild_ready_timeout=guild_ready_timeout,
            # Needle never pings anyone by accident: mentions render but notify nobody.
            allowed_mentions=discord.AllowedMentions.none(),
            # A trace counts Needle's calls to Discord's API (adapters/metrics_http.py).
            **traced,
            **client_options,
        )
        self.needle_router = router
        self.guild_id = guild_id
        self.sync_commands = sync_commands
        self.on_team_removed = on_team_removed
        self.on_dm_channel = on_dm_channel
        self.tree: app_commands.CommandTree[NeedleClient] = app_commands.CommandTree(self)
        self.tree.add_command(build_needle_group(router))
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        """After login, before the gateway: re-add the persistent view, sync the commands."""
        # Registers the ChoiceButton template too, so buttons on messages sent before this
        # start-up still work.
        self.add_view(CheckinPromptView())
        if self.sync_commands:
            await self.sync_app_commands()

    async def sync_app_commands(self) -> None:
        """Push `/needle` to Discord: to one server at once with DISCORD_GUILD_ID, else globally."""
        if self.guild_id:
            guild = discord.Object(id=int(self.guild_id))
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d command(s) to server %s", len(synced), self.guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global command(s)", len(synced))

    async def on_ready(self) -> None:
        """Log who Needle is and where."""
        log.info("Discord: connected as %s in %d server(s)", self.user, len(self.guilds))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Needle was removed from a server (kicked, or the server deleted): its team ends."""
        log.info("Discord: removed from server %s", guild.id)
        if self.on_team_removed is not None:
            try:
                await self.on_team_removed(str(guild.id))
            except Exception:
                log.exception("could not end the memberships of server %s", guild.id)

    async def on_message(self, message: discord.Message) -> None:
        """A DM typed to Needle (own and other bots' messages are ignored)."""
        if message.author.bot or message.guild is not None:
            return
        if self.user is not None and message.author.id == self.user.id:
            return
        if self.on_dm_channel is not None:
            await self.on_dm_channel(str(message.author.id), message.channel.id)
        await self.needle_router.on_message(message)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Submitted Needle modals; commands and buttons go through the tree and the views."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        form_id = form_id_of(str(data.get("custom_id", "")))
        if form_id is None:
            return
        values = form_values(data.get("components") or [])
        await self.needle_router.on_form(interaction, form_id, values)

    async def _on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        log.error("a /needle command failed", exc_info=error)
        if not interaction.response.is_done():
            try:
                await interaction.response.send_message(
                    "Sorry, something went wrong on my side. Please try again in a minute.",
                    ephemeral=True,
                )
            except discord.HTTPException:
                log.warning("could not apologise for a failed command")


class ShardedNeedleClient(NeedleClient, discord.AutoShardedClient):
    """NeedleClient running the shards `shard_ids` of `shard_count`, one connection each.

    discord.py identifies the shards one after another, `identify_seconds` apart (Discord
    allows one IDENTIFY per 5 seconds to most bots; tests shorten it).
    """

    def __init__(
        self,
        router: Router,
        *,
        shard_count: int,
        shard_ids: tuple[int, ...],
        identify_seconds: float = 5.0,
        **options: Any,
    ) -> None:
        self.identify_seconds = identify_seconds
        super().__init__(router, shard_count=shard_count, shard_ids=list(shard_ids), **options)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Space this process's IDENTIFYs `identify_seconds` apart (the first goes at once)."""
        if not initial:
            await asyncio.sleep(self.identify_seconds)

    def owns_guild(self, guild_id: int) -> bool:
        """True when the server's events come to one of this process's shards."""
        count = self.shard_count or 1
        return (guild_id >> 22) % count in (self.shard_ids or range(count))
