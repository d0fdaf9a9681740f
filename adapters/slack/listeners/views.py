"""Modal submissions (`view_submission`): validated by the engine before the ack.

Slack shows inline errors only when they come back in the ack itself
(`response_action: errors`), so the engine is asked first, within a budget well inside the
3 s limit (a `Deadline` counted from the moment the submission is accepted). If it has not
answered in time the bridge calls the deferral, which closes the modal, and the answer follows
in the DM. When Needle has no room, the modal shows `BUSY_TEXT` as an error and stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.bridge import BUSY_TEXT, Deadline
from adapters.slack import render
from adapters.slack.relay import HOME_REFRESH_KINDS, Origin, Relay, retry_later
from adapters.slack.translate import incoming_from_submission, team_of, user_of, view_metadata
from bot.messages import Reply

ANY_VIEW = re.compile(r".+")

# How long the ack waits for the engine's verdict (Slack gives up after 3 s).
VERDICT_BUDGET_SECONDS = 2.0

# The listener never holds Slack's request longer than this, whatever happens to the work.
ACK_LIMIT_SECONDS = 2.8


def register(app: AsyncApp, relay: Relay) -> None:
    """Register the modal submission listener on `app`."""

    @app.view(ANY_VIEW)
    async def submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> BoltResponse | None:
        """Ack with inline errors, an updated modal, or a close; then deliver the replies."""
        team_id, user_id = team_of(body), user_of(body)
        origin = Origin(client, team_id, user_id)
        acked = asyncio.Event()

        async def close_modal() -> None:
            await ack()
            acked.set()

        deadline = Deadline(VERDICT_BUDGET_SECONDS, close_modal)

        async def answer() -> None:
            try:
                await _answer(relay, body, origin, ack, deadline)
            finally:
                acked.set()

        if not relay.accept(team_id, user_id, answer, name="slack-form", deadline=deadline):
            busy = _busy_errors(body)
            if not busy:
                return retry_later()  # no field to show it on: Slack shows its own error
            await ack(response_action="errors", errors=busy)
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(acked.wait(), ACK_LIMIT_SECONDS)
        return None


async def _answer(
    relay: Relay, body: dict[str, Any], origin: Origin, ack: AsyncAck, deadline: Deadline
) -> None:
    """Ask the engine; answer in the ack when in time, else deliver everything afterwards."""
    person = await relay.person(origin.client, origin.team_id, origin.user_id)
    replies = await relay.ask(incoming_from_submission(body, person))
    if await deadline.settle():
        replies = await _ack_with(ack, body, origin.team_id, replies)
    await relay.answer(origin, replies)
    if any(r.kind in HOME_REFRESH_KINDS for r in replies):
        await relay.refresh_home(origin, person)


async def _ack_with(
    ack: AsyncAck, body: dict[str, Any], team_id: str, replies: list[Reply]
) -> list[Reply]:
    """Ack with the engine's verdict; the replies still to deliver."""
    invalid = next((r for r in replies if r.form is not None), None)
    if invalid is not None and invalid.form is not None and invalid.form.errors:
        await ack(response_action="errors", errors=render.form_errors(invalid.form))
        return []
    if invalid is not None and invalid.form is not None:
        channel = view_metadata(body.get("view") or {}).get("channel", "")
        view = render.modal(invalid.form, channel=channel, team=team_id)
        await ack(response_action="update", view=view)
        return [r for r in replies if r is not invalid]
    await ack()
    return replies


def _busy_errors(body: dict[str, Any]) -> dict[str, str]:
    """`BUSY_TEXT` under the modal's first input, so the member can submit again."""
    blocks = (body.get("view") or {}).get("blocks") or []
    first = next((b.get("block_id") for b in blocks if b.get("type") == "input"), None)
    return {str(first): BUSY_TEXT} if first else {}
