"""Modal submissions (`view_submission`): validated by the engine before the ack.

Slack shows inline errors only when they come back in the ack itself
(`response_action: errors`), so the engine is asked first, within a budget well inside the
3 s limit. If it has not answered in time the modal is closed and the answer follows in the DM.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.relay import HOME_REFRESH_KINDS, Relay, Where
from adapters.slack.translate import incoming_from_submission, team_of, user_of, view_metadata
from bot.messages import Person, Reply

ANY_VIEW = re.compile(r".+")

# How long the ack waits for the engine's verdict (Slack gives up after 3 s).
VERDICT_BUDGET_SECONDS = 2.0


def register(app: AsyncApp, relay: Relay) -> None:
    """Register the modal submission listener on `app`."""

    @app.view(ANY_VIEW)
    async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Ack with inline errors, an updated modal, or a close; then deliver the replies."""
        team_id, user_id = team_of(body), user_of(body)
        where = Where(client, team_id, user_id)
        # Unbounded: the ack is waiting for this verdict.
        work = relay.spawn(_verdict(relay, body, client), name="slack-form", bounded=False)
        done, _ = await asyncio.wait({work}, timeout=VERDICT_BUDGET_SECONDS)
        if not done:
            await ack()
            relay.spawn(_deliver_later(relay, work, where), name="slack-form-late", bounded=False)
            return
        person, replies = work.result()
        invalid = next((r for r in replies if r.form is not None), None)
        if invalid is not None and invalid.form is not None and invalid.form.errors:
            await ack(response_action="errors", errors=render.form_errors(invalid.form))
            return
        if invalid is not None and invalid.form is not None:
            channel = view_metadata(body.get("view") or {}).get("channel", "")
            view = render.modal(invalid.form, channel=channel, team=team_id)
            await ack(response_action="update", view=view)
            replies = [r for r in replies if r is not invalid]
        else:
            await ack()
        relay.spawn(_deliver(relay, replies, where, person), name="slack-form-answer")


async def _verdict(
    relay: Relay, body: dict[str, Any], client: AsyncWebClient
) -> tuple[Person, list[Reply]]:
    team_id, user_id = team_of(body), user_of(body)
    async with relay.turn(team_id, user_id):
        person = await relay.person(client, team_id, user_id)
        return person, await relay.ask(incoming_from_submission(body, person))


async def _deliver(relay: Relay, replies: list[Reply], where: Where, person: Person) -> None:
    async with relay.turn(where.team_id, where.user_id):
        await relay.answer(where, replies)
        if any(r.kind in HOME_REFRESH_KINDS for r in replies):
            await relay.refresh_home(where, person)


async def _deliver_later(
    relay: Relay, work: asyncio.Task[tuple[Person, list[Reply]]], where: Where
) -> None:
    person, replies = await work
    await _deliver(relay, replies, where, person)
