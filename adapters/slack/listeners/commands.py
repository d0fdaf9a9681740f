"""The `/needle` slash command: acknowledged at once, answered after through the response URL."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.bridge import BUSY_TEXT
from adapters.slack.relay import Origin, Relay
from adapters.slack.translate import incoming_from_command, team_of

# `/needle`, and renamed copies such as `/needle-dev` for a second app in one workspace.
COMMAND = re.compile(r"^/needle[\w-]*$")


def register(app: AsyncApp, relay: Relay) -> None:
    """Register the slash command listener on `app`."""

    @app.command(COMMAND)
    async def needle(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        """Ack within Slack's 3 s with an empty body, then do the work (or say Needle is busy:
        Slack does not send a slash command again)."""
        team_id, user_id = team_of(command), str(command.get("user_id", ""))

        async def answer() -> None:
            await _answer(relay, command, client)

        if relay.accept(team_id, user_id, answer, name="slack-command"):
            await ack()
        else:
            await ack(text=BUSY_TEXT)


async def _answer(relay: Relay, command: dict[str, Any], client: AsyncWebClient) -> None:
    team_id, user_id = team_of(command), str(command.get("user_id", ""))
    person = await relay.person(client, team_id, user_id)
    incoming = incoming_from_command(command, person)
    origin = Origin(
        client,
        team_id,
        user_id,
        channel_id=incoming.address.channel_id,
        trigger_id=str(command.get("trigger_id", "")),
        response_url=str(command.get("response_url", "")),
    )
    await relay.converse(incoming, origin)
