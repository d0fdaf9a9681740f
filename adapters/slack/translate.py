"""Pure functions from Slack payloads (events, slash commands, buttons, modals) to `Incoming`.

Nothing here does I/O: each function takes the JSON Slack sent (and the `Person` the adapter
looked up) and returns the neutral `Incoming`, or None when Needle should ignore the payload.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.messages import Address, Incoming, IncomingKind, Person

PLATFORM = "slack"

# `<@U123>` or `<@U123|ana>`; W-prefixed ids belong to Enterprise Grid users.
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# `<#C123|sales>` channel links and `<https://x|label>` links, shown as their label.
_CHANNEL_LINK = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_URL_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")

# Message subtypes that are still a person typing to Needle; every other subtype (edits,
# deletions, joins, bot posts) is ignored.
_TYPED_SUBTYPES = {None, "", "file_share", "thread_broadcast"}

# A button's action id may carry a `~n` suffix so that two buttons with the same action can sit
# in one block (Slack wants action ids unique per block); see render.button_action_id.
ACTION_SUFFIX = "~"


def clean_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Slack's message markup as plain text, and the user ids mentioned, in order.

    `<@U123>` becomes `@U123` and `<#C123|sales>` becomes `#C123` (ids, as on Discord: an
    admin naming the recap channel names it by id); URL links become their labels, and the
    three escaped characters (`&amp;`, `&lt;`, `&gt;`) are restored.
    """
    mentions: list[str] = []

    def mention(match: re.Match[str]) -> str:
        mentions.append(match.group(1))
        return "@" + match.group(1)

    text = _USER_MENTION.sub(mention, text or "")
    text = _CHANNEL_LINK.sub(lambda m: "#" + m.group(1), text)
    text = _URL_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip(), tuple(mentions)


def person_from_user(user: dict[str, Any], *, installer: bool = False) -> Person:
    """A `Person` from a `users.info` user object (or a `user_change` event's user)."""
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or ""
    )
    is_admin = bool(
        installer or user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
    )
    tz = user.get("tz") or None
    return Person(display_name=name, timezone=tz, is_admin=is_admin, locale=user.get("locale"))


def is_direct_channel(channel_id: str, channel_name: str = "") -> bool:
    """Whether a channel is a direct message (ids starting with D, or Slack's DM name)."""
    return channel_id.startswith("D") or channel_name == "directmessage"


def message_sender(body: dict[str, Any]) -> tuple[str, str] | None:
    """(team id, user id) of a DM message event Needle should answer, else None."""
    event = body.get("event") or {}
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    if event.get("subtype") not in _TYPED_SUBTYPES or event.get("bot_id"):
        return None
    user = event.get("user")
    if not user:
        return None
    return team_of(body), str(user)


def incoming_from_message(body: dict[str, Any], person: Person | None = None) -> Incoming | None:
    """A typed DM (`message.im` event callback) as `Incoming(MESSAGE)`; None to ignore it."""
    sender = message_sender(body)
    if sender is None:
        return None
    team_id, user_id = sender
    event = body["event"]
    text, mentions = clean_text(str(event.get("text") or ""))
    return Incoming(
        address=Address(PLATFORM, team_id, user_id, str(event.get("channel", ""))),
        kind=IncomingKind.MESSAGE,
        text=text,
        event_id=body.get("event_id"),
        person=person or Person(),
        mentions=mentions,
        is_direct=True,
    )


def incoming_from_command(
    command: dict[str, Any], person: Person | None = None, *, event_id: str | None = None
) -> Incoming:
    """`/needle stats week` as `Incoming(COMMAND, command="stats", text="week")`.

    A bare `/needle` is `help`.
    """
    text, mentions = clean_text(str(command.get("text") or ""))
    name, _, rest = text.partition(" ")
    channel_id = str(command.get("channel_id", ""))
    return Incoming(
        address=Address(PLATFORM, team_of(command), str(command.get("user_id", "")), channel_id),
        kind=IncomingKind.COMMAND,
        command=name.lower() or "help",
        text=rest.strip(),
        event_id=event_id,
        person=person or Person(),
        mentions=mentions,
        is_direct=is_direct_channel(channel_id, str(command.get("channel_name", ""))),
        can_open_forms=True,
    )


def action_id_to_action(action_id: str) -> str:
    """The engine's action id behind a Slack button's `action_id` (drops the `~n` suffix)."""
    return action_id.split(ACTION_SUFFIX, 1)[0]


def incoming_from_action(body: dict[str, Any], person: Person | None = None) -> Incoming | None:
    """A button press (`block_actions`) as `Incoming(ACTION)`; None when there is no action."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    return Incoming(
        address=Address(PLATFORM, team_of(body), user_of(body), str(channel_id or "")),
        kind=IncomingKind.ACTION,
        action=action_id_to_action(str(action.get("action_id", ""))),
        value=str(action.get("value") or ""),
        event_id=None,
        person=person or Person(),
        is_direct=not channel_id or is_direct_channel(str(channel_id)),
        can_open_forms=True,
    )


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """Field id -> submitted text of a modal's `state.values` (empty inputs give "")."""
    values: dict[str, str] = {}
    for block_id, inputs in ((view.get("state") or {}).get("values") or {}).items():
        for element in inputs.values():
            value = element.get("value")
            if value is None and element.get("selected_option"):
                value = element["selected_option"].get("value")
            values[block_id] = str(value or "")
    return values


def view_metadata(view: dict[str, Any]) -> dict[str, str]:
    """The address details Needle stored in a modal's `private_metadata`."""
    raw = view.get("private_metadata") or ""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def incoming_from_submission(body: dict[str, Any], person: Person | None = None) -> Incoming:
    """A submitted modal (`view_submission`) as `Incoming(FORM)` with field id -> text."""
    view = body.get("view") or {}
    metadata = view_metadata(view)
    return Incoming(
        address=Address(PLATFORM, team_of(body), user_of(body), metadata.get("channel", "")),
        kind=IncomingKind.FORM,
        action=str(view.get("callback_id", "")),
        values=form_values(view),
        event_id=None,
        person=person or Person(),
        is_direct=True,
        can_open_forms=True,
    )


def team_of(body: dict[str, Any]) -> str:
    """The workspace id of any Slack payload (event, command, interaction)."""
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    if not team:
        team = (body.get("user") or {}).get("team_id")
    return str(team or "")


def user_of(body: dict[str, Any]) -> str:
    """The acting user's id of an interaction payload."""
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    return str(user or body.get("user_id") or "")
