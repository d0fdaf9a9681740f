"""The workspaces Needle serves and the token for each: one bot token, or OAuth installations.

`SingleWorkspace` answers every request with the configured bot token (checked once with
`auth.test`). `InstalledWorkspaces` reads bot tokens from slack-sdk's SQLAlchemy installation
store in Needle's database, so any instance can serve any installed workspace.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol
from urllib.parse import urljoin

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import DeliveryError

log = logging.getLogger(__name__)

# A 429 is retried this many times (after `Retry-After`) before the call gives up.
RATE_LIMIT_RETRIES = 5


def api_base_url(url: str) -> str:
    """SLACK_API_URL with the trailing slash `urljoin` needs."""
    return url if url.endswith("/") else url + "/"


def authorize_url(api_url: str) -> str:
    """The OAuth authorize page next to the Web API (`https://slack.com/oauth/v2/authorize`)."""
    return urljoin(api_base_url(api_url), "../oauth/v2/authorize")


class Clients:
    """Builds `AsyncWebClient`s that share one base URL, retry policy and HTTP session."""

    def __init__(self, api_url: str) -> None:
        self.base_url = api_base_url(api_url)
        self.retry_handlers = [
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ]
        self.base = AsyncWebClient(base_url=self.base_url, retry_handlers=self.retry_handlers)
        self._by_token: dict[str, AsyncWebClient] = {}
        self.session: aiohttp.ClientSession | None = None

    def with_token(self, token: str) -> AsyncWebClient:
        """A client that calls the Web API with `token` (one per token, reused)."""
        client = self._by_token.get(token)
        if client is None:
            client = AsyncWebClient(
                token=token,
                base_url=self.base_url,
                retry_handlers=self.retry_handlers,
                session=self.session,
            )
            self._by_token[token] = client
        return client

    async def open(self) -> None:
        """Start the shared HTTP session (inside the running loop)."""
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession()
        self.base.session = self.session
        for client in self._by_token.values():
            client.session = self.session

    async def close(self) -> None:
        """Close the shared HTTP session."""
        if self.session is not None:
            await self.session.close()
        self.session = None
        self.base.session = None
        for client in self._by_token.values():
            client.session = None

    def forget(self, token: str) -> None:
        """Drop the client of a revoked token."""
        self._by_token.pop(token, None)


class Workspaces(Protocol):
    """Where Needle finds each workspace's bot token."""

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """A client with the workspace's bot token; DeliveryError(permanent) if none."""
        ...

    async def installer_of(self, team_id: str) -> str | None:
        """Who installed Needle in the workspace, when known."""
        ...

    async def forget(self, team_id: str) -> None:
        """Needle was uninstalled from the workspace (or its tokens revoked)."""
        ...


class SingleWorkspace:
    """One workspace, one bot token (SLACK_BOT_TOKEN)."""

    def __init__(self, clients: Clients, bot_token: str) -> None:
        self.client = clients.with_token(bot_token)
        self.bot_token = bot_token
        self.auth: dict[str, Any] | None = None
        self._auth_lock = asyncio.Lock()
        self.revoked = False

    async def check(self) -> dict[str, Any]:
        """`auth.test` once: the workspace and bot user the token belongs to."""
        async with self._auth_lock:
            if self.auth is None:
                response = await self.client.auth_test()
                self.auth = dict(response.data) if isinstance(response.data, dict) else {}
            return self.auth

    async def authorize(self, **_: Any) -> AuthorizeResult:
        """Bolt's `authorize`: the one bot token, with `auth.test` called once, not per request."""
        auth = await self.check()
        return AuthorizeResult(
            enterprise_id=auth.get("enterprise_id"),
            team_id=auth.get("team_id"),
            bot_token=self.bot_token,
            bot_id=auth.get("bot_id"),
            bot_user_id=auth.get("user_id"),
        )

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """The one client; a team other than the token's cannot be reached."""
        if self.revoked:
            raise DeliveryError("Needle was uninstalled from this workspace", permanent=True)
        if self.auth is not None and team_id and team_id != self.auth.get("team_id"):
            raise DeliveryError(f"bot token does not belong to team {team_id}", permanent=True)
        return self.client

    async def installer_of(self, team_id: str) -> str | None:
        """Not known with a plain bot token."""
        return None

    async def forget(self, team_id: str) -> None:
        """The token was revoked: stop sending."""
        self.revoked = True


class InstalledWorkspaces:
    """Many workspaces installed through OAuth, tokens in slack-sdk's installation store."""

    def __init__(self, clients: Clients, store: AsyncInstallationStore) -> None:
        self.clients = clients
        self.store = store

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """A client with the team's bot token from the installation store."""
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise DeliveryError(f"Needle is not installed in team {team_id}", permanent=True)
        return self.clients.with_token(bot.bot_token)

    async def installer_of(self, team_id: str) -> str | None:
        """The user id that installed Needle in the team."""
        installation = await self.store.async_find_installation(enterprise_id=None, team_id=team_id)
        return installation.user_id if installation is not None else None

    async def forget(self, team_id: str) -> None:
        """Drop the cached client; the store rows are deleted by Bolt's revocation listeners."""
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is not None and bot.bot_token:
            self.clients.forget(bot.bot_token)
