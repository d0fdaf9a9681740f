"""`SlackAdapter`: the Slack side of Needle behind the Adapter protocol (start, stop, send).

It runs the Bolt app in Socket Mode (SLACK_APP_TOKEN) or HTTP mode (POST /slack/events, mounted
on Needle's web server, whose `/healthz` reports Slack's readiness), and delivers the replies
the scheduler hands it through the Outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Literal

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.base import DeliveryError
from adapters.bridge import STOP_SECONDS
from adapters.slack.delivery import delivery_error
from adapters.slack.relay import Relay
from adapters.slack.server import mount_slack_routes
from adapters.slack.translate import is_direct_channel
from adapters.slack.workspaces import Clients, SingleWorkspace, Workspaces, channel_check
from adapters.web.server import WebServer
from bot.config import SettingsError
from bot.messages import Address, Reply
from bot.storage.db import Database

log = logging.getLogger(__name__)

Mode = Literal["socket", "http"]


class SlackStartError(SettingsError):
    """Slack refused Needle's credentials at start (the message says which)."""


class SlackAdapter:
    """Needle in Slack: a Bolt AsyncApp plus the Web API clients, on Needle's event loop."""

    platform = "slack"

    def __init__(
        self,
        *,
        bolt: AsyncApp,
        relay: Relay,
        workspaces: Workspaces,
        clients: Clients,
        mode: Mode,
        host: str,
        port: int,
        app_token: str = "",
        owned_database: Database | None = None,
        web: WebServer | None = None,
    ) -> None:
        self.bolt = bolt
        self.relay = relay
        self.workspaces = workspaces
        self.clients = clients
        self.mode: Mode = mode
        self.app_token = app_token
        self.ready = False
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._ready_event = asyncio.Event()
        self._owned_database = owned_database
        self._channel_in_team = channel_check(workspaces)
        # The process's shared web server when given (its owner starts it), else one of its own.
        self._owns_server = web is None
        self.server = web if web is not None else WebServer(host, port)
        self.server.add_health(self.platform, self._health)
        if mode == "http":
            mount_slack_routes(self.server.router, bolt)

    @property
    def port(self) -> int:
        """The port the HTTP server listens on (the real one when PORT was 0)."""
        return self.server.port

    @property
    def multi_workspace(self) -> bool:
        """True when workspaces are installed through OAuth."""
        return not isinstance(self.workspaces, SingleWorkspace)

    def _health(self) -> tuple[bool, dict[str, Any]]:
        details = {
            "platform": self.platform,
            "mode": self.mode,
            "workspaces": "oauth" if self.multi_workspace else "single",
            "in_flight": self.relay.busy,
        }
        return self.ready, details

    async def start(self) -> None:
        """Check the token, then listen: the HTTP server, and the Socket Mode connection."""
        await self.clients.open()
        if isinstance(self.workspaces, SingleWorkspace):
            await self._check_token(self.workspaces)
        if self._owns_server:
            await self.server.start()
        if self.mode == "socket":
            # Connecting retries until Slack answers; start() must not wait for that, or
            # `needle run` could not even be stopped while Slack is unreachable.
            self._socket = AsyncSocketModeHandler(
                self.bolt, app_token=self.app_token, web_client=self.clients.base
            )
            self._connecting = asyncio.create_task(self._connect(self._socket))
        else:
            self._now_ready()

    async def _connect(self, socket: AsyncSocketModeHandler) -> None:
        await socket.connect_async()
        if not socket.client.closed:
            self._now_ready()

    def _now_ready(self) -> None:
        self.ready = True
        self._ready_event.set()
        log.info(
            "Slack adapter ready (%s mode, %s), health on port %d",
            self.mode,
            "OAuth workspaces" if self.multi_workspace else "one workspace",
            self.port,
        )

    async def wait_ready(self) -> None:
        """Wait until Needle takes events (in Socket Mode: until the connection is up)."""
        await self._ready_event.wait()

    async def _check_token(self, single: SingleWorkspace) -> None:
        try:
            auth = await single.check()
        except SlackApiError as err:
            code = err.response.get("error") if err.response is not None else err
            raise SlackStartError(f"SLACK_BOT_TOKEN was refused by Slack: {code}") from err
        except Exception as err:  # Slack unreachable: serve anyway, Bolt retries per request
            log.warning("could not reach Slack to check the bot token: %s", err)
            return
        log.info("Slack bot token belongs to %s (%s)", auth.get("team"), auth.get("team_id"))

    async def stop(self, drain_seconds: float = STOP_SECONDS) -> None:
        """Stop taking events, finish the accepted ones (up to `drain_seconds`), close connections.

        From the first moment of `stop()` new events are answered "send it again later", so
        another instance (or this one, restarted) takes them; the accepted ones are answered
        before the clients (and the database Needle owns) close.
        """
        self.relay.bridge.close()
        self.ready = False
        self._ready_event.clear()
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
            self._connecting = None
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._owns_server:
            await self.server.stop()
        await self.relay.bridge.stop(drain_seconds)
        await self.clients.close()
        if self._owned_database is not None:
            await self._owned_database.dispose()

    async def drain(self) -> None:
        """Wait for every answer in flight to be delivered."""
        await self.relay.drain()

    async def _check_channel(self, team_id: str, channel: str) -> None:
        """Refuse to post in a channel that is not the workspace's own (a recap channel set
        to somewhere else); DeliveryError, logged."""
        try:
            belongs = await self._channel_in_team(team_id, channel)
        except (SlackApiError, SlackClientError, OSError) as err:
            raise delivery_error(err, f"conversations.info {channel}") from err
        if not belongs:
            log.warning("not posting to channel %s: it is not a channel of %s", channel, team_id)
            raise DeliveryError(f"channel {channel} is not in workspace {team_id}", permanent=True)

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver an unprompted reply (prompt, nudge, recap); DeliveryError when it cannot."""
        client = await self.workspaces.client_for(address.team_id)
        delivery = self.relay.delivery
        channel = address.channel_id
        if channel and not is_direct_channel(channel):
            await self._check_channel(address.team_id, channel)
        if not channel:
            if not address.user_id:
                raise DeliveryError("no channel and no user to send to", permanent=True)
            channel = await delivery.dm_channel(client, address.team_id, address.user_id)
        await delivery.post(client, address.team_id, channel, reply, user_id=address.user_id)
