"""Discord payloads -> `bot.messages.Incoming`: pure functions, no I/O.

A Discord server (guild) is a Needle team and a Discord user a member, named by their Discord
ids. In a DM there is no guild: the team id is empty and the engine counts the check-in for
every team the user belongs to. Admins are members with Manage Server (or Administrator).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.messages import Address, Incoming, IncomingKind, Person

PLATFORM = "discord"
CUSTOM_ID_PREFIX = "needle:"  # buttons: needle:<action>[:<value>]
FORM_ID_PREFIX = "needle-form:"  # modals: needle-form:<form id>
CUSTOM_ID_MAX = 100  # Discord's limit on a component's custom_id

_MENTION = re.compile(r"<@!?(\d+)>")
# A Needle button's custom_id, the one pattern for encoding (`custom_id_for`), decoding
# (`parse_custom_id`) and discord.py's persistent-button template (`ChoiceButton`).
CUSTOM_ID_PATTERN = re.compile(
    re.escape(CUSTOM_ID_PREFIX) + r"(?P<action>[A-Za-z0-9_.\-]+)(?::(?P<value>.*))?", re.DOTALL
)


_CHANNEL_TYPES = (
    discord.abc.GuildChannel,
    discord.Thread,
    discord.app_commands.AppCommandChannel,
    discord.app_commands.AppCommandThread,
)


@dataclass(frozen=True)
class Origin:
    """Who did something in Discord and where: the parts of a payload Needle uses."""

    user_id: str
    display_name: str
    guild_id: str | None  # None in a DM
    channel_id: str
    is_admin: bool | None  # None when Discord does not say (a DM)
    locale: str | None = None

    @property
    def is_direct(self) -> bool:
        """True in the user's DM with Needle."""
        return self.guild_id is None


def is_admin(permissions: discord.Permissions) -> bool:
    """Manage Server or Administrator: the Discord members who may change team settings."""
    return bool(permissions.manage_guild or permissions.administrator)


def origin_of_interaction(interaction: discord.Interaction[Any]) -> Origin:
    """The Origin of an interaction (slash command, button, modal submit)."""
    guild_id = str(interaction.guild_id) if interaction.guild_id else None
    return Origin(
        user_id=str(interaction.user.id),
        display_name=interaction.user.display_name,
        guild_id=guild_id,
        channel_id=str(interaction.channel_id or ""),
        # The member's permissions in this channel, as Discord computed them.
        is_admin=is_admin(interaction.permissions) if guild_id else None,
        locale=str(interaction.locale) if interaction.locale else None,
    )


def origin_of_message(message: discord.Message) -> Origin:
    """The Origin of a message typed in a DM (or a server channel)."""
    guild_id = str(message.guild.id) if message.guild else None
    admin: bool | None = None
    if guild_id and isinstance(message.author, discord.Member):
        admin = is_admin(message.author.guild_permissions)
    return Origin(
        user_id=str(message.author.id),
        display_name=message.author.display_name,
        guild_id=guild_id,
        channel_id=str(message.channel.id),
        is_admin=admin,
    )


def address_of(origin: Origin) -> Address:
    """Where to answer: the server channel, or (empty channel id) the user's DM."""
    return Address(
        platform=PLATFORM,
        team_id=origin.guild_id or "",
        user_id=origin.user_id,
        channel_id="" if origin.is_direct else origin.channel_id,
    )


def person_of(origin: Origin) -> Person:
    """What Discord tells about the user: name, locale, Manage Server (no time zone)."""
    return Person(display_name=origin.display_name, is_admin=origin.is_admin, locale=origin.locale)


def clean_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Discord message markup as plain text, and the user ids mentioned, in order.

    `<@123>` and `<@!123>` become `@123`, as the engine expects from every platform.
    """
    mentions: list[str] = []

    def mention(match: re.Match[str]) -> str:
        mentions.append(match.group(1))
        return "@" + match.group(1)

    return _MENTION.sub(mention, text or "").strip(), tuple(mentions)


def command_text(args: Iterable[object]) -> tuple[str, tuple[str, ...]]:
    """The arguments of a slash subcommand as the engine's text, plus mentioned user ids.

    Empty options are skipped; a user or member option becomes `@<id>` and is listed in the
    mentions, so `/needle stats period:week member:@ana` reads like `stats week @ana`; a
    channel option becomes `#<id>`.
    """
    words: list[str] = []
    mentions: list[str] = []
    for arg in args:
        if arg is None or arg == "":
            continue
        if isinstance(arg, discord.abc.User):
            mentions.append(str(arg.id))
            words.append(f"@{arg.id}")
        elif isinstance(arg, _CHANNEL_TYPES):
            words.append(f"#{arg.id}")
        else:
            words.append(str(arg).strip())
    return " ".join(w for w in words if w), tuple(mentions)


def incoming_from_command(
    origin: Origin, command: str, args: Sequence[object], event_id: str
) -> Incoming:
    """`/needle <command> <args…>` as an Incoming COMMAND."""
    text, mentions = command_text(args)
    return Incoming(
        address=address_of(origin),
        kind=IncomingKind.COMMAND,
        command=command,
        text=text,
        event_id=event_id,
        person=person_of(origin),
        mentions=mentions,
        is_direct=origin.is_direct,
        can_open_forms=True,
    )


def incoming_from_message(origin: Origin, content: str, event_id: str) -> Incoming:
    """Text typed in the DM as an Incoming MESSAGE (the engine spots commands and check-ins)."""
    text, mentions = clean_text(content)
    return Incoming(
        address=address_of(origin),
        kind=IncomingKind.MESSAGE,
        text=text,
        event_id=event_id,
        person=person_of(origin),
        mentions=mentions,
        is_direct=origin.is_direct,
        can_open_forms=False,  # a typed message cannot be answered with a modal
    )


def incoming_from_action(origin: Origin, action: str, value: str, event_id: str) -> Incoming:
    """A button press as an Incoming ACTION."""
    return Incoming(
        address=address_of(origin),
        kind=IncomingKind.ACTION,
        action=action,
        value=value,
        event_id=event_id,
        person=person_of(origin),
        is_direct=origin.is_direct,
        can_open_forms=True,
    )


def incoming_from_form(
    origin: Origin, form_id: str, values: Mapping[str, str], event_id: str
) -> Incoming:
    """A submitted modal as an Incoming FORM."""
    return Incoming(
        address=address_of(origin),
        kind=IncomingKind.FORM,
        action=form_id,
        values=dict(values),
        event_id=event_id,
        person=person_of(origin),
        is_direct=origin.is_direct,
        can_open_forms=False,  # Discord cannot answer a modal submit with another modal
    )


def custom_id_for(action: str, value: str = "") -> str:
    """The stable custom_id of a button: `needle:<action>` or `needle:<action>:<value>`."""
    custom_id = CUSTOM_ID_PREFIX + action + (f":{value}" if value else "")
    if len(custom_id) > CUSTOM_ID_MAX:
        raise ValueError(f"button id longer than {CUSTOM_ID_MAX} characters: {custom_id!r}")
    return custom_id


def parse_custom_id(custom_id: str) -> tuple[str, str] | None:
    """`needle:<action>[:<value>]` -> (action, value); None for anybody else's component."""
    match = CUSTOM_ID_PATTERN.fullmatch(custom_id)
    if match is None:
        return None
    return match.group("action"), match.group("value") or ""


def form_custom_id(form_id: str) -> str:
    """The custom_id of the modal showing form `form_id`."""
    return FORM_ID_PREFIX + form_id


def form_id_of(custom_id: str) -> str | None:
    """The form id of a Needle modal's custom_id; None for anybody else's modal."""
    if not custom_id.startswith(FORM_ID_PREFIX):
        return None
    return custom_id[len(FORM_ID_PREFIX) :] or None


def form_values(components: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The text inputs of a modal submission: custom_id -> value.

    Walks action rows (type 1) and labels (type 18), the two ways a modal lays out inputs.
    """
    values: dict[str, str] = {}
    for component in components:
        kind = component.get("type")
        if kind == 1:
            values.update(form_values(component.get("components") or []))
        elif kind == 18 and component.get("component"):
            values.update(form_values([component["component"]]))
        elif component.get("custom_id") is not None:
            values[str(component["custom_id"])] = str(component.get("value") or "")
    return values
