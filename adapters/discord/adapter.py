"""The Discord adapter: start, stop and send, over one discord.py client.

`start()` logs in (so a bad token fails at once), then runs the gateway connection in a task
and returns; discord.py reconnects and resumes by itself. `send()` delivers the engine's
unprompted replies (prompts, nudges, the weekly recap): to `address.channel_id` when set, else
to the user's DM, opened with `create_dm`. Every REST call keeps to Discord's global limit (50 a
second per bot) before discord.py's per-route buckets.

With sharding (`shard_count`), the client runs the shards `shard_ids` only; several processes,
each running some of the shards, share one database. Any of them may send what the scheduler
claimed: DMs go over REST from anywhere, and a post to a server's channel whose shard another
process runs is checked against Discord (the channel's server) instead of this process's cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from adapters.base import CoachEngine, DeliveryError, EngineHooks
from adapters.bridge import CAPACITY, ENGINE_CONCURRENCY, STOP_SECONDS
from adapters.contacts import ContactBook
from adapters.discord.client import NeedleClient, ShardedNeedleClient
from adapters.discord.router import Router
from adapters.discord.translate import PLATFORM
from adapters.metrics_http import discord_method, metrics_of, platform_calls_trace
from adapters.pacing import Turns
from bot.messages import Address, Reply

DM_CHANNELS_KEPT = 100_000
# Discord's global limit is 50 requests a second per bot; Needle keeps to it with a burst
# smaller than a whole second's worth, leaving room for requests that arrive bunched up.
GLOBAL_PER_SECOND = 50.0
GLOBAL_BURST = 25
# How often discord.py may look for idle rate-limit buckets to drop (they idle after 300 s).
SWEEP_SECONDS = 60.0
# A Discord DM channel belongs to the user, not to a server: kept under this workspace id.
DM_SCOPE = ""

log = logging.getLogger(__name__)

# Discord error codes that no retry can fix.
_PERMANENT_CODES = {
    10003,  # unknown channel
    10007,  # unknown member
    10013,  # unknown user
    50001,  # missing access
    50007,  # cannot send messages to this user (DMs closed, no shared server, blocked)
    50013,  # missing permissions
}


def is_permanent(error: discord.HTTPException) -> bool:
    """True when retrying a failed send cannot help (DMs closed, user or channel gone)."""
    if isinstance(error, discord.Forbidden | discord.NotFound):
        return True
    return error.code in _PERMANENT_CODES


def pace_requests(http: discord.http.HTTPClient, turns: Turns) -> None:
    """Make every REST call of `http` wait its turn within Discord's global limit, on top of
    discord.py's own per-route buckets. Answers to interactions (their callbacks and
    follow-ups) are not bound by the global limit and go at once."""
    request = http.request

    async def paced(route: discord.http.Route, **kwargs: Any) -> Any:
        if not route.path.startswith(("/interactions/", "/webhooks/")):
            await turns.wait()
        return await request(route, **kwargs)

    http.request = paced  # type: ignore[method-assign]


def sweep_buckets_less_often(
    http: discord.http.HTTPClient,
    every_seconds: float = SWEEP_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Let discord.py drop its idle rate-limit buckets at most once every `every_seconds`.

    discord.py keeps a bucket per route and channel and, once it holds 256, looks through all
    of them for idle ones each time it adds one: a fan-out to 5,000 DM channels would look
    12 million times, on the event loop. A bucket counts as idle only after 300 seconds, so
    sweeping once a minute frees as much. Without that method (another discord.py), nothing
    changes.
    """
    sweep = getattr(http, "_try_clear_expired_ratelimits", None)
    if sweep is None:
        return
    last: float | None = None

    def sweep_now_and_then() -> None:
        nonlocal last
        now = clock()
        if last is None or now - last >= every_seconds:
            last = now
            sweep()

    http._try_clear_expired_ratelimits = sweep_now_and_then  # type: ignore[method-assign]


class DiscordAdapter:
    """Needle on Discord: a discord.py client plus the Router to the engine."""

    platform = PLATFORM

    def __init__(
        self,
        engine: CoachEngine,
        *,
        token: str,
        guild_id: str = "",
        sync_commands: bool = True,
        ack_seconds: float = 2.0,
        guild_ready_timeout: float = 2.0,
        capacity: int = CAPACITY,
        engine_concurrency: int = ENGINE_CONCURRENCY,
        shard_count: int | None = None,
        shard_ids: tuple[int, ...] | None = None,
        identify_seconds: float = 5.0,
        pacing_speed: float = 1.0,
    ) -> None:
        self._token = token
        # DM channels kept in the database too (a DM channel is the user's, whichever server):
        # after a restart a known member costs no `create_dm` call.
        self.contacts = ContactBook(
            getattr(engine, "database", None), PLATFORM, getattr(engine, "clock", None)
        )
        # Each member's DM channel id, once opened: discord.py keeps only 128 DM channels, and a
        # fan-out to more members would open each DM again before every message.
        self._dm_channels: OrderedDict[str, int] = OrderedDict()
        self.router = Router(
            engine,
            send_direct=self.send,
            ack_seconds=ack_seconds,
            capacity=capacity,
            engine_concurrency=engine_concurrency,
        )
        self._hooks = engine if isinstance(engine, EngineHooks) else None
        metrics = metrics_of(engine)
        options: dict[str, Any] = {
            "guild_id": guild_id,
            "sync_commands": sync_commands,
            "guild_ready_timeout": guild_ready_timeout,
            "on_team_removed": self._team_removed,
            "on_dm_channel": self._learn_dm,
            "http_trace": (
                None if metrics is None else platform_calls_trace(metrics, PLATFORM, discord_method)
            ),
        }
        self.client: NeedleClient = (
            NeedleClient(self.router, **options)
            if shard_count is None
            else ShardedNeedleClient(
                self.router,
                shard_count=shard_count,
                shard_ids=shard_ids if shard_ids is not None else tuple(range(shard_count)),
                identify_seconds=identify_seconds,
                **options,
            )
        )
        # `pacing_speed` runs the global limit that many times faster (benchmarks of a fake).
        pace_requests(self.client.http, Turns(GLOBAL_PER_SECOND * pacing_speed, GLOBAL_BURST))
        sweep_buckets_less_often(self.client.http)
        self._connection: asyncio.Task[None] | None = None
        if self._hooks is not None:
            self._hooks.add_channel_check(PLATFORM, self.channel_in_team)
            self._hooks.add_forget_listener(self._forget)

    async def channel_in_team(self, team_id: str, channel_id: str) -> bool:
        """True when the channel (or thread) is one of the server's own, from the server's
        channel list (kept current by the `guilds` intent)."""
        if not (team_id.isdigit() and channel_id.isdigit()):
            return False  # a personal team has no server, a typed name is no channel id
        guild = self.client.get_guild(int(team_id))
        if guild is not None:
            return guild.get_channel_or_thread(int(channel_id)) is not None
        client = self.client
        if isinstance(client, ShardedNeedleClient) and not client.owns_guild(int(team_id)):
            return await self._channel_in_other_shard(team_id, int(channel_id))
        return False

    async def _channel_in_other_shard(self, team_id: str, channel_id: int) -> bool:
        """Ask Discord which server a channel is in: the server's shard runs elsewhere."""
        try:
            channel = await self.client.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden):
            return False
        guild = getattr(channel, "guild", None)
        return guild is not None and str(guild.id) == team_id

    async def _team_removed(self, guild_id: str) -> None:
        if self._hooks is not None:
            await self._hooks.team_removed(PLATFORM, guild_id)

    def _forget(self, platform: str, user_id: str) -> None:
        """A person asked to be forgotten: drop their remembered DM channel."""
        if platform == PLATFORM:
            self._dm_channels.pop(user_id, None)
            self.contacts.forget_user_in_memory(user_id)

    async def _learn_dm(self, user_id: str, channel_id: int) -> None:
        """Keep the DM channel a member's own message arrived in."""
        if self._dm_channels.get(user_id) != channel_id:
            self._keep_dm(user_id, channel_id)
            await self.contacts.remember_dm(DM_SCOPE, user_id, str(channel_id))

    def _keep_dm(self, user_id: str, channel_id: int) -> None:
        self._dm_channels[user_id] = channel_id
        if len(self._dm_channels) > DM_CHANNELS_KEPT:
            self._dm_channels.popitem(last=False)

    async def start(self) -> None:
        """Log in, sync the commands, then connect to the gateway in the background."""
        await self.client.login(self._token)
        self._connection = asyncio.create_task(self._connect(), name="discord-gateway")

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the Discord gateway connection stopped")

    async def wait_until_ready(self, within: float | None = None) -> None:
        """Wait until the gateway said READY (and the servers are known)."""
        await asyncio.wait_for(self.client.wait_until_ready(), within)

    async def stop(self, drain_seconds: float = STOP_SECONDS) -> None:
        """Stop taking events, answer the accepted ones (up to `drain_seconds`), then close the
        gateway and the HTTP session and wait for the connection task to end.

        Events arriving while the accepted ones finish get the busy answer; the accepted ones
        are answered while the database is still open.
        """
        await self.router.bridge.stop(drain_seconds)
        await self.client.close()
        if self._connection is not None:
            self._connection.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connection
            self._connection = None

    async def _channel_for(self, address: Address) -> discord.abc.Messageable:
        if address.channel_id:
            # Only a channel of the addressed server: a recap channel set to another
            # server's channel would carry this team's numbers there.
            if not await self.channel_in_team(address.team_id, address.channel_id):
                log.warning(
                    "not posting to channel %s: it is not a channel of server %s",
                    address.channel_id,
                    address.team_id,
                )
                raise DeliveryError(
                    f"channel {address.channel_id} is not in server {address.team_id}",
                    permanent=True,
                )
            return self.client.get_partial_messageable(int(address.channel_id))
        if not address.user_id:
            raise DeliveryError("an address with neither a channel nor a user", permanent=True)
        known = self._dm_channels.get(address.user_id)
        if known is None:
            kept = await self.contacts.get(DM_SCOPE, address.user_id)
            if kept is not None and kept.dm_channel and kept.dm_channel.isdigit():
                known = int(kept.dm_channel)
                self._keep_dm(address.user_id, known)
        if known is not None:
            return self.client.get_partial_messageable(known, type=discord.ChannelType.private)
        channel = await self.client.create_dm(discord.Object(id=int(address.user_id)))
        self._keep_dm(address.user_id, channel.id)
        await self.contacts.remember_dm(DM_SCOPE, address.user_id, str(channel.id))
        return channel

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one reply; DeliveryError(permanent=…) when Discord will not take it."""
        try:
            channel = await self._channel_for(address)
            rendered = self.router.render_unprompted(reply, key=secrets.token_hex(6))
            await channel.send(**rendered.send_kwargs())
        except DeliveryError:
            raise
        except discord.HTTPException as err:
            raise DeliveryError(
                f"Discord refused a message to {address}: {err.status} {err.text}",
                permanent=is_permanent(err),
            ) from err
        except (TimeoutError, aiohttp.ClientError, OSError) as err:
            raise DeliveryError(f"Discord unreachable: {err!r}", permanent=False) from err
        except ValueError as err:  # a malformed id in the address
            raise DeliveryError(f"bad Discord address {address}: {err}", permanent=True) from err
