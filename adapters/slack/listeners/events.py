"""Events API listeners: DMs, App Home opened, profile changes, uninstalls and revoked tokens.

Bolt acknowledges events itself before these run; the work is handed to the relay.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.relay import Relay, Where
from adapters.slack.translate import (
    PLATFORM,
    incoming_from_message,
    message_sender,
    team_of,
)
from adapters.slack.workspaces import Workspaces
from bot.messages import Action, Address, Incoming, IncomingKind, Person

log = logging.getLogger(__name__)


def register(app: AsyncApp, relay: Relay, workspaces: Workspaces) -> None:
    """Register the event listeners on `app`."""

    @app.event("message")
    async def direct_message(body: dict[str, Any], client: AsyncWebClient) -> None:
        """A member typed in their DM with Needle."""
        sender = message_sender(body)
        if sender is None:
            return
        relay.spawn(_converse(relay, body, client, *sender), name="slack-dm")

    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Publish the App Home tab whenever a member opens it."""
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        where = Where(client, team_of(body), str(event["user"]))
        relay.spawn(_home(relay, where), name="slack-home")

    @app.event("user_change")
    async def user_changed(event: dict[str, Any], body: dict[str, Any]) -> None:
        """A member's profile changed: take the new time zone and admin flag."""
        user = event.get("user") or {}
        team_id = team_of(body) or str(user.get("team_id", ""))
        if not user.get("id") or user.get("is_bot"):
            return
        relay.spawn(
            _profile_changed(relay, team_id, user, body.get("event_id")), name="slack-profile"
        )

    @app.event("app_uninstalled")
    async def uninstalled(body: dict[str, Any], context: AsyncBoltContext) -> None:
        """Needle was removed from a workspace: forget its tokens and cached members."""
        team_id = team_of(body)
        log.info("Needle was uninstalled from slack/%s", team_id)
        await _forget(relay, workspaces, team_id)
        if app.installation_store is not None:
            await app.default_app_uninstalled_event_listener()(context=context)

    @app.event("tokens_revoked")
    async def revoked(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Tokens were revoked: when the bot's is among them, stop using it."""
        team_id = team_of(body)
        if (event.get("tokens") or {}).get("bot"):
            log.info("Needle's bot token was revoked in slack/%s", team_id)
            await _forget(relay, workspaces, team_id)
        if app.installation_store is not None:
            await app.default_tokens_revoked_event_listener()(event=event, context=context)

    # Events Needle receives but has nothing to do with (kept quiet instead of logged).
    for name in ("app_mention", "member_joined_channel", "app_home_closed", "im_created"):
        app.event(name)(_ignore)


async def _ignore() -> None:
    """An event Needle needs no action for."""


async def _converse(
    relay: Relay, body: dict[str, Any], client: AsyncWebClient, team_id: str, user_id: str
) -> None:
    async with relay.turn(team_id, user_id):
        person = await relay.person(client, team_id, user_id)
        incoming = incoming_from_message(body, person)
        if incoming is None:
            return
        where = Where(client, team_id, user_id, incoming.address.channel_id)
        await relay.converse(incoming, where)


async def _home(relay: Relay, where: Where) -> None:
    async with relay.turn(where.team_id, where.user_id):
        await relay.refresh_home(where)


async def _profile_changed(
    relay: Relay, team_id: str, user: dict[str, Any], event_id: str | None
) -> None:
    """Refresh the cached Person and tell the engine, which applies it to a member of the team
    and drops it for anyone else (`member.profile` is for members only)."""
    person = await relay.directory.refresh(team_id, user)
    async with relay.turn(team_id, str(user["id"])):
        await relay.ask(_profile_incoming(team_id, user, person, event_id))


def _profile_incoming(
    team_id: str, user: dict[str, Any], person: Person, event_id: str | None
) -> Incoming:
    return Incoming(
        address=Address(PLATFORM, team_id, str(user["id"]), ""),
        kind=IncomingKind.ACTION,
        action=Action.MEMBER_PROFILE,
        event_id=event_id,
        person=person,
    )


async def _forget(relay: Relay, workspaces: Workspaces, team_id: str) -> None:
    await workspaces.forget(team_id)
    relay.directory.forget_team(team_id)
    relay.delivery.forget_team(team_id)
