"""The workspaces Needle serves and the token for each: one bot token, or OAuth installations.

`SingleWorkspace` answers every request with the configured bot token (checked once with
`auth.test`). `InstalledWorkspaces` reads bot tokens from slack-sdk's SQLAlchemy installation
store in Needle's database, so any instance can serve any installed workspace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import urljoin

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import DeliveryError
from bot.storage.db import Database
from bot.storage.installations import team_installer

log = logging.getLogger(__name__)

# How long a workspace's bot token read from the installation store is used before it is read
# again (an uninstall or revocation seen by this instance drops it at once).
TOKEN_SECONDS = 30.0
# A 429 is retried this many times (after `Retry-After`) before the call gives up.
RATE_LIMIT_RETRIES = 5


def api_base_url(url: str) -> str:
    """SLACK_API_URL with the trailing slash `urljoin` needs."""
    return url if url.endswith("/") else url + "/"


def authorize_url(api_url: str) -> str:
    """The OAuth authorize page next to the Web API (`https://slack.com/oauth/v2/authorize`)."""
    return urljoin(api_base_url(api_url), "../oauth/v2/authorize")


class CountedRateLimits(AsyncRateLimitErrorRetryHandler):
    """Retries a 429 after its `Retry-After` (as slack-sdk does) and counts every 429 Slack
    answered, by method: pacing keeps calls within the limits, so these should stay rare."""

    def __init__(self, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.by_method: Counter[str] = Counter()

    @property
    def total(self) -> int:
        """Every 429 answered so far."""
        return sum(self.by_method.values())

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        """Count a 429, then decide as slack-sdk does."""
        if response is not None and response.status_code == 429:
            self.by_method[request.url.rstrip("/").rsplit("/", 1)[-1]] += 1
        return await super().can_retry_async(
            state=state, request=request, response=response, error=error
        )


class Clients:
    """Builds `AsyncWebClient`s that share one base URL, retry policy and HTTP session."""

    def __init__(self, api_url: str, trace: aiohttp.TraceConfig | None = None) -> None:
        self.base_url = api_base_url(api_url)
        self.trace = trace  # counts the calls made through the shared session
        self.rate_limited = CountedRateLimits(RATE_LIMIT_RETRIES)
        self.retry_handlers: list[AsyncRetryHandler] = [
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            self.rate_limited,
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
            traces = [self.trace] if self.trace is not None else None
            self.session = aiohttp.ClientSession(trace_configs=traces)
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
        """Who first set Needle up in the workspace, when known (an admin of it)."""
        ...

    async def client_now(self, team_id: str) -> AsyncWebClient:
        """Like `client_for`, without reading the database when the token was just seen (a
        check made while the engine holds its transaction)."""
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

    async def client_now(self, team_id: str) -> AsyncWebClient:
        """The one client (no database involved)."""
        return await self.client_for(team_id)

    async def forget(self, team_id: str) -> None:
        """The token was revoked: stop sending."""
        self.revoked = True


class RememberingInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack-sdk's SQLAlchemy store, remembering the bot token it last found per workspace.

    Bolt reads the bot token before every request; the engine, answering it, may need the
    workspace's client again (checking a channel) while it holds its database transaction,
    when a second connection could not read the store (SQLite has one writer).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_bot_tokens: dict[str, str] = {}

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The workspace's bot, remembered."""
        bot = await super().async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if team_id:
            if bot is not None and bot.bot_token:
                self.last_bot_tokens[team_id] = bot.bot_token
            else:
                self.last_bot_tokens.pop(team_id, None)
        return bot


class InstalledWorkspaces:
    """Many workspaces installed through OAuth, tokens in slack-sdk's installation store."""

    def __init__(
        self,
        clients: Clients,
        store: AsyncInstallationStore,
        database: Database,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = clients
        self.store = store
        self.database = database
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}  # team -> (bot token, read at)

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """A client with the team's bot token from the installation store (read again after
        TOKEN_SECONDS: a fan-out of thousands of prompts reads each workspace's token once,
        not once per prompt)."""
        now = self._clock()
        known = self._tokens.get(team_id)
        if known is not None and now - known[1] < TOKEN_SECONDS:
            return self.clients.with_token(known[0])
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            self._tokens.pop(team_id, None)
            raise DeliveryError(f"Needle is not installed in team {team_id}", permanent=True)
        self._tokens[team_id] = (bot.bot_token, now)
        return self.clients.with_token(bot.bot_token)

    async def installer_of(self, team_id: str) -> str | None:
        """The user id that first installed Needle in the team (a re-install, even after an
        uninstall, grants nothing)."""
        async with self.database.transaction() as session:
            return await team_installer(session, team_id)

    async def client_now(self, team_id: str) -> AsyncWebClient:
        """The client of the bot token last read for the team, else from the store."""
        known = getattr(self.store, "last_bot_tokens", {}).get(team_id)
        return self.clients.with_token(known) if known else await self.client_for(team_id)

    async def forget(self, team_id: str) -> None:
        """Drop the cached client; the store rows are deleted by Bolt's revocation listeners."""
        getattr(self.store, "last_bot_tokens", {}).pop(team_id, None)
        self._tokens.pop(team_id, None)
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is not None and bot.bot_token:
            self.clients.forget(bot.bot_token)


# Errors of `conversations.info` that mean "no channel of this workspace".
_NOT_OURS = {"channel_not_found", "invalid_channel", "not_in_channel", "invalid_arguments"}


def channel_check(workspaces: Workspaces) -> Callable[[str, str], Awaitable[bool]]:
    """A check that a channel belongs to a workspace: `conversations.info` with the
    workspace's own token finds it, and it is shared with no other organisation or workspace
    (a recap or leaderboard there would show the team's numbers to outsiders)."""

    async def belongs(team_id: str, channel_id: str) -> bool:
        try:
            client = await workspaces.client_now(team_id)
        except DeliveryError:
            return False
        try:
            response = await client.conversations_info(channel=channel_id)
        except SlackApiError as err:
            if err.response is not None and err.response.get("error") in _NOT_OURS:
                return False
            raise
        channel = response.get("channel") or {}
        if channel.get("is_ext_shared") or channel.get("is_shared") or channel.get("is_org_shared"):
            return False  # Slack Connect, or shared across an Enterprise Grid organisation
        context_team = channel.get("context_team_id")
        return not context_team or context_team == team_id

    return belongs
