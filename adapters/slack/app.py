"""Building the Slack adapter from settings: Bolt app, clients, workspaces, listeners.

`build_slack_adapter(settings, engine)` is what `needle run` calls when Slack is configured:

- SLACK_APP_TOKEN set: Socket Mode with SLACK_BOT_TOKEN (no public URL needed);
- else HTTP mode on HOST:PORT, `POST /slack/events`, signed with SLACK_SIGNING_SECRET:
  - SLACK_CLIENT_ID + SLACK_CLIENT_SECRET: many workspaces through OAuth
    (`/slack/install`, `/slack/oauth_redirect`), installations in Needle's database;
  - otherwise one workspace with SLACK_BOT_TOKEN.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

from adapters.base import CoachEngine, EngineHooks
from adapters.bridge import engine_concurrency_for
from adapters.contacts import ContactBook
from adapters.metrics_http import metrics_of, platform_calls_trace, slack_method
from adapters.slack.adapter import Mode, SlackAdapter
from adapters.slack.delivery import Delivery, Pacer, Pacing
from adapters.slack.listeners import register_all
from adapters.slack.people import Directory
from adapters.slack.relay import Origin, Relay
from adapters.slack.translate import PLATFORM
from adapters.slack.workspaces import (
    Clients,
    InstalledWorkspaces,
    RememberingInstallationStore,
    SingleWorkspace,
    Workspaces,
    authorize_url,
    channel_check,
)
from adapters.web.server import WebServer
from bot.config import Settings, SettingsError
from bot.messages import Address, Incoming, IncomingKind, ReplyKind
from bot.storage.db import Database

log = logging.getLogger(__name__)

# The bot scopes Needle asks for (manifest.yml lists the same).
# channels:read and groups:read: `conversations.info`, to check that the recap channel is one
# of the workspace's own.
BOT_SCOPES = (
    "chat:write",
    "commands",
    "im:history",
    "im:write",
    "users:read",
    "files:write",
    "channels:read",
    "groups:read",
)
OAUTH_STATE_SECONDS = 600


class SlackSettingsError(SettingsError):
    """Slack is configured incompletely; the message names the missing setting."""


def slack_mode(settings: Settings) -> Mode:
    """Socket Mode when SLACK_APP_TOKEN is set, HTTP mode otherwise."""
    return "socket" if settings.slack_app_token else "http"


def uses_oauth(settings: Settings) -> bool:
    """True when workspaces install Needle through OAuth (client id and secret set)."""
    return bool(settings.slack_client_id and settings.slack_client_secret)


def check_settings(settings: Settings) -> None:
    """Raise SlackSettingsError naming the first missing or conflicting Slack setting."""
    if slack_mode(settings) == "socket":
        if not settings.slack_bot_token:
            raise SlackSettingsError("SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN (Socket Mode)")
        if not settings.slack_app_token.startswith("xapp-"):
            raise SlackSettingsError("SLACK_APP_TOKEN: an app-level token starts with xapp-")
        return
    if not settings.slack_signing_secret:
        raise SlackSettingsError("SLACK_SIGNING_SECRET: required in HTTP mode")
    if bool(settings.slack_client_id) != bool(settings.slack_client_secret):
        missing = "SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID"
        raise SlackSettingsError(f"{missing}: OAuth needs both SLACK_CLIENT_ID and the secret")
    if not uses_oauth(settings) and not settings.slack_bot_token:
        raise SlackSettingsError("SLACK_BOT_TOKEN: required (or SLACK_CLIENT_ID and SECRET)")


def build_slack_adapter(
    settings: Settings,
    engine: CoachEngine,
    *,
    database: Database | None = None,
    pacing: Pacing | None = None,
    web: WebServer | None = None,
) -> SlackAdapter:
    """The Slack adapter for `settings`, answering through `engine`; start it with `start()`.

    `database` holds the OAuth installations and what Slack told Needle about its members
    (default: the engine's own database). `web` is the process's web server to mount HTTP
    mode's routes on (default: a server of its own).
    """
    check_settings(settings)
    metrics = metrics_of(engine)
    trace = None if metrics is None else platform_calls_trace(metrics, PLATFORM, slack_method)
    clients = Clients(settings.slack_api_url, trace)
    mode = slack_mode(settings)
    owned: Database | None = None
    workspaces: Workspaces
    installation_store = None
    if mode == "http" and uses_oauth(settings):
        if database is None:
            database = getattr(engine, "database", None)
        if database is None:
            database = owned = Database(settings.database_url)
        installation_store = RememberingInstallationStore(
            client_id=settings.slack_client_id, engine=database.engine
        )
        workspaces = InstalledWorkspaces(clients, installation_store, database)
    else:
        workspaces = SingleWorkspace(clients, settings.slack_bot_token)

    # DM channels and profiles Slack told Needle, kept in the engine's database.
    known = database if database is not None else getattr(engine, "database", None)
    contacts = ContactBook(known, PLATFORM, getattr(engine, "clock", None))
    pacer = Pacer(pacing)
    relay = Relay(
        engine,
        Directory(installer_of=workspaces.installer_of, contacts=contacts, pacer=pacer),
        Delivery(pacer, contacts),
        engine_concurrency=engine_concurrency_for(settings.database_url),
        capacity=settings.event_queue_max,
    )
    if installation_store is not None:
        state_store = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS, engine=installation_store.engine
        )
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=installation_store,
            installation_store_bot_only=True,
            state_store=state_store,
            authorization_url=authorize_url(settings.slack_api_url),
            callback_options=AsyncCallbackOptions(
                success=_on_installed(relay, workspaces), failure=_on_install_failed
            ),
        )
        bolt = AsyncApp(
            client=clients.base,
            signing_secret=settings.slack_signing_secret,
            oauth_settings=oauth_settings,
            name="needle",
            # Listeners only queue work, so Bolt runs them before answering Slack: that lets a
            # listener answer "no room, send it again" (see adapters/slack/relay.py).
            process_before_response=True,
            logger=logging.getLogger("needle.slack.bolt"),
        )
    else:
        single = workspaces
        assert isinstance(single, SingleWorkspace)

        async def authorize(team_id: str | None) -> object:
            return await single.authorize(team_id=team_id)

        bolt = AsyncApp(
            client=clients.base,
            signing_secret=settings.slack_signing_secret,
            authorize=authorize,  # type: ignore[arg-type]
            request_verification_enabled=mode == "http",
            name="needle",
            # Listeners only queue work, so Bolt runs them before answering Slack: that lets a
            # listener answer "no room, send it again" (see adapters/slack/relay.py).
            process_before_response=True,
            logger=logging.getLogger("needle.slack.bolt"),
        )
    register_all(bolt, relay, workspaces)
    if isinstance(engine, EngineHooks):
        engine.add_channel_check(PLATFORM, channel_check(workspaces))
        engine.add_forget_listener(forget_person(relay))
    return SlackAdapter(
        bolt=bolt,
        relay=relay,
        workspaces=workspaces,
        clients=clients,
        mode=mode,
        host=settings.web_host,
        port=settings.port,
        app_token=settings.slack_app_token,
        owned_database=owned,
        web=web,
    )


def forget_person(relay: Relay) -> Callable[[str, str], None]:
    """A listener that drops what the adapter caches about a forgotten Slack user: their
    profile (`users.info`) and their DM channel."""

    def forget(platform: str, user_id: str) -> None:
        if platform == PLATFORM:
            relay.directory.forget_person(user_id)
            relay.delivery.forget_person(user_id)

    return forget


def _on_installed(
    relay: Relay, workspaces: Workspaces
) -> Callable[[AsyncSuccessArgs], Awaitable[BoltResponse]]:
    """OAuth success: show Slack's default page and greet the installer in a DM."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        team_id, installer = installation.team_id or "", installation.user_id
        log.info("Needle was installed in slack/%s by %s", team_id, installer)

        async def welcome() -> None:
            await _welcome(relay, workspaces, team_id, installer)

        if not relay.accept(team_id, installer, welcome, name="slack-welcome"):
            log.warning(
                "no room to greet %s in slack/%s; they can type `start`", installer, team_id
            )
        return await args.default.success(args)

    return success


async def _on_install_failed(args: AsyncFailureArgs) -> BoltResponse:
    """OAuth failure: log why and show Slack's default page."""
    log.warning("Slack install failed: %s (%s)", args.reason, args.error)
    return await args.default.failure(args)


async def _welcome(relay: Relay, workspaces: Workspaces, team_id: str, installer: str) -> None:
    """Greet whoever installed Needle in their DM."""
    client = await workspaces.client_for(team_id)
    # Admin or not as Slack and the first installation say: a re-install grants nothing.
    person = await relay.person(client, team_id, installer)
    incoming = Incoming(
        address=Address(PLATFORM, team_id, installer, ""),
        kind=IncomingKind.COMMAND,
        command="start",
        person=person,
    )
    replies = [r for r in await relay.ask(incoming) if r.kind is not ReplyKind.UNKNOWN]
    # The team exists now: asking again keeps the first installer on its row, so an uninstall
    # (which deletes the installation rows) doesn't make the next installer the first.
    await workspaces.installer_of(team_id)
    await relay.answer(Origin(client, team_id, installer), replies)
