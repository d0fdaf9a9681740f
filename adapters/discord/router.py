"""Carries Discord interactions and DMs to the engine, and the engine's replies back.

Every interaction and DM is handed to the adapter's `Bridge` (`adapters/bridge.py`): a user's
events are handled one at a time in arrival order, engine calls are bounded, and when the queue
is full the user gets `BUSY_TEXT` at once (privately) instead of silence.

Discord wants an answer to an interaction within 3 seconds. Each interaction gets a `Deadline`
of `ack_seconds` (2 s by default), counted from when it was accepted: a reply that comes in time
is sent as the answer itself (so a form can open as a modal); when the time runs out first, the
bridge defers ("Needle is thinking…") and the reply is sent as a follow-up. An engine failure
becomes the bridge's apology.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import discord

from adapters.base import CoachEngine, DeliveryError
from adapters.bridge import (
    BUSY_TEXT,
    CAPACITY,
    ENGINE_CONCURRENCY,
    Bridge,
    Deadline,
    MemberKey,
)
from adapters.discord import translate
from adapters.discord.components import (
    FORM_OPEN_ACTION,
    FormShelf,
    parse_reopen_value,
)
from adapters.discord.render import (
    DiscordMessage,
    render_form_note,
    render_modal,
    render_reply,
)
from bot.messages import Address, Form, Incoming, IncomingKind, Reply

log = logging.getLogger(__name__)


DirectSender = Callable[[Address, Reply], Awaitable[None]]
SHARED_BELOW = "Shared with the channel below."


def member_key(incoming: Incoming) -> MemberKey:
    """Whose turn an event waits for: the Discord user, in every server and the DM alike (one
    member, one check-in a day)."""
    return ("", incoming.address.user_id)


def with_answers(form: Form, values: dict[str, str]) -> Form:
    """`form` with the answers a user submitted as its fields' initial values."""
    fields = tuple(replace(f, initial=values[f.id]) if values.get(f.id) else f for f in form.fields)
    return replace(form, fields=fields)


class Router:
    """Routes one Discord user action to the engine and answers it on Discord."""

    def __init__(
        self,
        engine: CoachEngine,
        *,
        send_direct: DirectSender,
        ack_seconds: float = 2.0,
        shelf: FormShelf | None = None,
        engine_concurrency: int = ENGINE_CONCURRENCY,
        capacity: int = CAPACITY,
    ) -> None:
        self.bridge = Bridge(
            engine,
            platform=translate.PLATFORM,
            engine_concurrency=engine_concurrency,
            capacity=capacity,
        )
        self._send_direct = send_direct
        self.ack_seconds = ack_seconds
        self.shelf = shelf or FormShelf()

    # -- entry points --------------------------------------------------------------------------

    async def on_command(
        self, interaction: discord.Interaction[Any], command: str, args: Sequence[object]
    ) -> None:
        """`/needle <command> …` in a server or a DM."""
        origin = translate.origin_of_interaction(interaction)
        incoming = translate.incoming_from_command(origin, command, args, str(interaction.id))
        await self._accept(interaction, incoming)

    async def on_action(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None:
        """A Needle button was pressed."""
        if action == FORM_OPEN_ACTION:
            await self._reopen_form(interaction, value)
            return
        origin = translate.origin_of_interaction(interaction)
        incoming = translate.incoming_from_action(origin, action, value, str(interaction.id))
        await self._accept(interaction, incoming)

    async def on_form(
        self, interaction: discord.Interaction[Any], form_id: str, values: dict[str, str]
    ) -> None:
        """A Needle modal was submitted."""
        origin = translate.origin_of_interaction(interaction)
        incoming = translate.incoming_from_form(origin, form_id, values, str(interaction.id))
        await self._accept(interaction, incoming)

    async def on_message(self, message: discord.Message) -> None:
        """Text typed in the DM: commands, a check-in, or an answer to the current question."""
        origin = translate.origin_of_message(message)
        incoming = translate.incoming_from_message(origin, message.content, str(message.id))

        async def answer() -> None:
            await self._answer_message(message, incoming)

        if not self.bridge.submit(member_key(incoming), answer, name="discord-dm"):
            await self._deliver(message.channel.send(BUSY_TEXT))

    async def _answer_message(self, message: discord.Message, incoming: Incoming) -> None:
        for reply in await self.bridge.ask(incoming):
            rendered = self._render(reply, key=str(message.id), in_guild=False, as_modal=False)
            if isinstance(rendered, DiscordMessage):
                await self._deliver(message.channel.send(**rendered.send_kwargs()))

    # -- interactions --------------------------------------------------------------------------

    async def _accept(self, interaction: discord.Interaction[Any], incoming: Incoming) -> None:
        """Queue the interaction on the bridge, or tell the user at once that Needle is busy."""
        in_guild = interaction.guild_id is not None

        async def think() -> None:
            # Too slow for Discord's 3 s: show "thinking…" and answer with follow-ups.
            await self._deliver(interaction.response.defer(ephemeral=in_guild, thinking=True))

        deadline = Deadline(self.ack_seconds, think)

        async def answer() -> None:
            await self._answer_interaction(interaction, incoming, deadline)

        name = f"discord-{incoming.kind.value}"
        if not self.bridge.submit(member_key(incoming), answer, name=name, deadline=deadline):
            await self._deliver(interaction.response.send_message(BUSY_TEXT, ephemeral=True))

    async def _answer_interaction(
        self, interaction: discord.Interaction[Any], incoming: Incoming, deadline: Deadline
    ) -> None:
        in_guild = interaction.guild_id is not None
        replies = await self.bridge.ask(incoming)
        thinking_privately = in_guild and not await deadline.settle()
        if not replies:
            if not interaction.response.is_done():
                await self._deliver(interaction.response.defer())
            return
        opened_modal = False
        for reply in replies:
            as_modal = not interaction.response.is_done() and incoming.can_open_forms
            if reply.form is not None and incoming.kind is IncomingKind.FORM:
                # Reopened from a button, the form must still hold what the user typed.
                reply = replace(reply, form=with_answers(reply.form, incoming.values))
            rendered = self._render(
                reply, key=str(interaction.id), in_guild=in_guild, as_modal=as_modal
            )
            if isinstance(rendered, discord.ui.Modal):
                opened_modal = await self._deliver(interaction.response.send_modal(rendered))
            elif opened_modal:
                # After a modal Discord takes no follow-up: say the rest in the DM.
                try:
                    await self._send_direct(incoming.address.direct(), reply)
                except DeliveryError as err:
                    log.warning("could not send the rest of an answer by DM: %s", err)
            elif not interaction.response.is_done():
                await self._deliver(
                    interaction.response.send_message(
                        **rendered.send_kwargs(), ephemeral=rendered.ephemeral
                    )
                )
            else:
                if thinking_privately and not rendered.ephemeral:
                    # The first follow-up would replace the private "thinking…" message and stay
                    # private: close that with a note, and share the answer as a new message.
                    await self._deliver(interaction.edit_original_response(content=SHARED_BELOW))
                    thinking_privately = False
                await self._deliver(
                    interaction.followup.send(
                        **rendered.send_kwargs(), ephemeral=rendered.ephemeral
                    )
                )

    def _render(
        self, reply: Reply, *, key: str, in_guild: bool, as_modal: bool
    ) -> DiscordMessage | discord.ui.Modal:
        if reply.form is None:
            return render_reply(reply, in_guild=in_guild)
        if as_modal:
            return render_modal(reply.form)
        self.shelf.put(key, reply.form)
        return render_form_note(reply, reply.form, key, in_guild=in_guild)

    def render_unprompted(self, reply: Reply, *, key: str) -> DiscordMessage:
        """A reply sent without an interaction (prompt, nudge, recap); a form becomes a button."""
        rendered = self._render(reply, key=key, in_guild=False, as_modal=False)
        assert isinstance(rendered, DiscordMessage)
        return rendered

    async def _reopen_form(self, interaction: discord.Interaction[Any], value: str) -> None:
        key, action, ref = parse_reopen_value(value)
        form = self.shelf.get(key)
        if form is not None:
            await self._deliver(interaction.response.send_modal(render_modal(form)))
            return
        # Forgotten (a restart): ask the engine to open the form afresh.
        origin = translate.origin_of_interaction(interaction)
        incoming = translate.incoming_from_action(origin, action, ref, str(interaction.id))
        await self._accept(interaction, incoming)

    @staticmethod
    async def _deliver(call: Awaitable[Any]) -> bool:
        """Await one Discord call; log (never raise) a failure, so one bad send stops nothing."""
        try:
            await call
        except discord.HTTPException as err:
            log.warning("Discord refused an answer: %s %s", err.status, err.text)
            return False
        except (TimeoutError, discord.InteractionResponded, OSError) as err:
            log.warning("could not answer on Discord: %r", err)
            return False
        return True
