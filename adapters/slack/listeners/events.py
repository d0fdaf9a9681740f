"""Events API listeners: DMs, App Home opened, profile changes, uninstalls and revoked tokens.

Each listener hands its work to the relay and returns; Bolt acknowledges the event when it
returns. When the relay has no room the listener returns `retry_later()` instead, and Slack
sends the event again later (see `adapters/slack/relay.py`).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.relay import Origin, Relay, retry_later
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
    async def direct_message(body: dict[str, Any], client: AsyncWebClient) -> BoltResponse | None:
        """A member typed in their DM with Needle."""
        sender = message_sender(body)
        if sender is None:
            return None
        team_id, user_id = sender

        async def converse() -> None:
            await _converse(relay, body, client, team_id, user_id)

        return None if relay.accept(team_id, user_id, converse, name="slack-dm") else retry_later()

    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> BoltResponse | None:
        """Publish the App Home tab whenever a member opens it."""
        if event.get("tab", "home") != "home" or not event.get("user"):
            return None
        origin = Origin(client, team_of(body), str(event["user"]))

        async def refresh() -> None:
            await relay.refresh_home(origin)

        accepted = relay.accept(origin.team_id, origin.user_id, refresh, name="slack-home")
        return None if accepted else retry_later()

    @app.event("user_change")
    async def user_changed(event: dict[str, Any], body: dict[str, Any]) -> BoltResponse | None:
        """A member's profile changed: take the new time zone and admin flag."""
        user = event.get("user") or {}
        team_id = team_of(body) or str(user.get("team_id", ""))
        if not user.get("id") or user.get("is_bot"):
            return None

        async def changed() -> None:
            await _profile_changed(relay, team_id, user, body.get("event_id"))

        accepted = relay.accept(team_id, str(user["id"]), changed, name="slack-profile")
        return None if accepted else retry_later()

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
    channel = str((body.get("event") or {}).get("channel", ""))
    await relay.delivery.learn_dm(team_id, user_id, channel)
    text = str((body.get("event") or {}).get("text") or "")
    person = await relay.person(client, team_id, user_id, text=text)
    incoming = incoming_from_message(body, person)
    if incoming is None:
        return
    await relay.converse(incoming, Origin(client, team_id, user_id, incoming.address.channel_id))


async def _profile_changed(
    relay: Relay, team_id: str, user: dict[str, Any], event_id: str | None
) -> None:
    """Refresh the cached Person and tell the engine, which applies it to a member of the team
    and drops it for anyone else (`member.profile` is for members only)."""
    person = await relay.directory.refresh(team_id, user)
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
    await relay.delivery.forget_team(team_id)
