"""Button presses (`block_actions`) in messages and in App Home."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.relay import Origin, Relay, retry_later
from adapters.slack.translate import incoming_from_action, team_of, user_of

ANY_ACTION = re.compile(r".+")


def register(app: AsyncApp, relay: Relay) -> None:
    """Register the button listener on `app`."""

    @app.action(ANY_ACTION)
    async def pressed(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> BoltResponse | None:
        """Ack at once; the engine's answer follows (a modal, a DM, a fresh App Home)."""

        async def answer() -> None:
            await _answer(relay, body, client)

        if not relay.accept(team_of(body), user_of(body), answer, name="slack-action"):
            # A button press cannot carry text back; a failed press shows Slack's warning
            # on the button, so the member sees it did not go through and can press again.
            return retry_later()
        await ack()
        return None


async def _answer(relay: Relay, body: dict[str, Any], client: AsyncWebClient) -> None:
    team_id, user_id = team_of(body), user_of(body)
    person = await relay.person(client, team_id, user_id)
    incoming = incoming_from_action(body, person)
    if incoming is None:
        return
    origin = Origin(
        client,
        team_id,
        user_id,
        channel_id=incoming.address.channel_id,
        trigger_id=str(body.get("trigger_id", "")),
    )
    await relay.converse(incoming, origin)
