"""`bot.messages.Reply` -> Discord content, embed, buttons, files and modals.

Plain replies become message content (a title as a bold first line). A reply with facts or an
image (stats, leaderboards, the recap) becomes an embed with the facts as fields and the chart
attached (`attachment://chart.png`). Choices become `ChoiceButton`s; a form becomes a
`FormModal`, or, where Discord cannot open one (answering a modal, a deferred answer, an
unprompted message), a note with a button that opens it. Private replies to an interaction in
a server are ephemeral.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.components import (
    FORM_OPEN_ACTION,
    ChoicesView,
    FormModal,
    reopen_value,
)
from bot.messages import Choice, Form, Reply, Visibility

CONTENT_MAX = 2000
DESCRIPTION_MAX = 4096
EMBED_TITLE_MAX = 256
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
EMBED_COLOUR = discord.Colour(0x2E7D5B)

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass
class DiscordMessage:
    """A rendered reply: what `send`, `send_message` and `followup.send` take."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    ephemeral: bool = False

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `Messageable.send` (no `ephemeral`: not every target has it)."""
        kwargs: dict[str, Any] = {}
        if self.content:
            kwargs["content"] = self.content
        if self.embed is not None:
            kwargs["embed"] = self.embed
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_filename(name: str, default: str) -> str:
    """A filename Discord keeps as is (so `attachment://` links to it)."""
    cleaned = _UNSAFE_FILENAME.sub("_", name.strip())
    return cleaned or default


def needs_embed(reply: Reply) -> bool:
    """True when the reply shows best as an embed: facts, an image, or text too long for chat.

    A title alone (a question, the prompt) stays chat-like: a bold first line.
    """
    return bool(reply.facts or reply.image or len(titled_text(reply)) > CONTENT_MAX)


def titled_text(reply: Reply) -> str:
    """The reply's text, under its title in bold when it has one."""
    if reply.title and reply.text:
        return f"**{reply.title}**\n{reply.text}"
    return reply.title or reply.text


def render_embed(reply: Reply) -> discord.Embed:
    """The embed of a stats-like reply: title, text, facts as inline fields, the chart."""
    embed = discord.Embed(
        title=_cut(reply.title, EMBED_TITLE_MAX) or None,
        description=_cut(reply.text, DESCRIPTION_MAX) or None,
        colour=EMBED_COLOUR,
    )
    for fact in reply.facts[:FIELDS_MAX]:
        embed.add_field(
            name=_cut(fact.label, FIELD_NAME_MAX) or "\u200b",
            value=_cut(fact.value, FIELD_VALUE_MAX) or "\u200b",
            inline=True,
        )
    if reply.image is not None:
        embed.set_image(url=f"attachment://{safe_filename(reply.image.filename, 'chart.png')}")
    return embed


def render_files(reply: Reply) -> list[discord.File]:
    """The chart and the CSV of a reply as fresh discord.File objects (each is sent once)."""
    files: list[discord.File] = []
    if reply.image is not None:
        name = safe_filename(reply.image.filename, "chart.png")
        files.append(discord.File(io.BytesIO(reply.image.data), filename=name))
    if reply.file is not None:
        name = safe_filename(reply.filename, "needle.csv")
        files.append(discord.File(io.BytesIO(reply.file), filename=name))
    return files


def is_ephemeral(reply: Reply, *, in_guild: bool) -> bool:
    """Private answers to an interaction in a server are ephemeral; a DM is private already."""
    return in_guild and reply.visibility is Visibility.PRIVATE


def render_reply(
    reply: Reply, *, in_guild: bool, extra_choices: tuple[Choice, ...] = ()
) -> DiscordMessage:
    """A reply as content or an embed, with its buttons and attachments.

    A form in the reply is not shown here (see `render_form_note`).
    """
    message = DiscordMessage(
        files=render_files(reply), ephemeral=is_ephemeral(reply, in_guild=in_guild)
    )
    if needs_embed(reply):
        message.embed = render_embed(reply)
    else:
        message.content = titled_text(reply) or None
    choices = tuple(reply.choices) + extra_choices
    if choices:
        message.view = ChoicesView(choices)
    if not (message.content or message.embed or message.files):
        message.content = "\u200b"  # Discord refuses an empty message
    return message


def render_modal(form: Form) -> FormModal:
    """The modal that shows `form` (errors appear under each field's label)."""
    return FormModal(form)


def render_form_note(reply: Reply, form: Form, key: str, *, in_guild: bool) -> DiscordMessage:
    """A form that cannot open right now: its errors and a button that opens it.

    Discord cannot answer a submitted modal with another one (nor open one unprompted), so
    the reply is a message listing what to fix, with a button; pressing it reopens the form
    with the answers kept. `key` finds the form on the adapter's FormShelf.
    """
    lines = [reply.text] if reply.text else []
    labels = {f.id: f.label for f in form.fields}
    for field_id, error in form.errors.items():
        lines.append(f"• **{labels.get(field_id, field_id)}**: {error}")
    label = "Fix my answers" if form.errors else (form.title or "Open")
    note = Reply(
        text="\n".join(lines) or form.title,
        kind=reply.kind,
        title=reply.title,
        facts=reply.facts,
        choices=reply.choices,
        visibility=reply.visibility,
    )
    open_button = Choice(label, FORM_OPEN_ACTION, reopen_value(form, key), style="primary")
    return render_reply(note, in_guild=in_guild, extra_choices=(open_button,))
