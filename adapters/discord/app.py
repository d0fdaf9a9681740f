"""Builds the Discord adapter from the settings; the one place that points discord.py at a server.

discord.py keeps the REST base (`discord.http.Route.BASE`) and the gateway URL
(`DiscordWebSocket.DEFAULT_GATEWAY`) in class attributes: they are process-global, so one
process talks to one Discord-compatible server. `configure_endpoints` sets both from the
settings (and restores Discord's own when a setting is empty).
"""

from __future__ import annotations

import discord
import discord.http
import yarl
from discord.gateway import DiscordWebSocket

from adapters.base import CoachEngine
from adapters.bridge import engine_concurrency_for
from adapters.discord.adapter import DiscordAdapter
from bot.config import Settings

DISCORD_API_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


def configure_endpoints(api_url: str = "", gateway_url: str = "") -> None:
    """Point discord.py (process-wide) at a REST base and a gateway; empty means Discord's."""
    discord.http.Route.BASE = (api_url or DISCORD_API_URL).rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or DISCORD_GATEWAY_URL)


def build_discord_adapter(
    settings: Settings,
    engine: CoachEngine,
    *,
    ack_seconds: float = 2.0,
    guild_ready_timeout: float = 2.0,
    identify_seconds: float = 5.0,
    pacing_speed: float = 1.0,
) -> DiscordAdapter:
    """The Discord adapter `needle run` starts when DISCORD_TOKEN is set.

    Call `await adapter.start()` (logs in, syncs `/needle`, connects in the background and
    returns) and `await adapter.stop()` at shutdown. `ack_seconds` is how long an interaction
    waits for the engine before deferring; `guild_ready_timeout` how long discord.py waits for
    servers at connect (tests shorten both). With DISCORD_SHARD_COUNT the adapter runs the
    shards of DISCORD_SHARD_IDS (all by default), identifying them `identify_seconds` apart;
    only the process running shard 0 syncs `/needle` (the commands are the bot's, not a
    shard's, and shard 0 always runs somewhere: it gets every DM). `pacing_speed` runs
    Needle's keeping to the global limit that many times faster, against a fake that does too.
    """
    if not settings.discord_token:
        raise ValueError("DISCORD_TOKEN is not set")
    configure_endpoints(settings.discord_api_url, settings.discord_gateway_url)
    shards = settings.discord_shards
    return DiscordAdapter(
        engine,
        token=settings.discord_token,
        guild_id=settings.discord_guild_id,
        ack_seconds=ack_seconds,
        guild_ready_timeout=guild_ready_timeout,
        capacity=settings.event_queue_max,
        engine_concurrency=engine_concurrency_for(settings.database_url),
        sync_commands=shards is None or 0 in shards,
        shard_count=settings.discord_shard_count,
        shard_ids=shards,
        identify_seconds=identify_seconds,
        pacing_speed=pacing_speed,
    )
