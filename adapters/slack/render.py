"""Pure functions from Needle's neutral `Reply` to Slack Block Kit: messages, modals, App Home.

Nothing here does I/O. Images and CSV files are not blocks: the delivery code uploads them with
the files v2 API next to the message these functions build.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from adapters.slack.translate import ACTION_SUFFIX
from bot.messages import Choice, Form, Reply

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
FIELDS_PER_SECTION = 10
FIELD_TEXT_LIMIT = 2000
BUTTONS_PER_BLOCK = 25
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
MESSAGE_BLOCK_LIMIT = 50
HOME_BLOCK_LIMIT = 100
MODAL_TITLE_LIMIT = 24
PLACEHOLDER_LIMIT = 150
INPUT_LIMIT = 3000
FALLBACK_TEXT_LIMIT = 3000

_MENTION_TOKEN = re.compile(r"(?<![\w<])@([UW][A-Z0-9]{2,})\b")
_DOUBLE_BOLD = re.compile(r"\*\*(.+?)\*\*")


def mrkdwn(text: str) -> str:
    """Needle's text as Slack mrkdwn: escaped, `**bold**` as `*bold*`, `@U123` as a mention."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _DOUBLE_BOLD.sub(r"*\1*", escaped)
    return _MENTION_TOKEN.sub(r"<@\1>", escaped)


def plain(text: str, limit: int) -> dict[str, Any]:
    """A `plain_text` object cut to `limit` characters."""
    return {"type": "plain_text", "text": _cut(text, limit) or " ", "emoji": True}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, broken at line ends where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        pieces.append(rest)
    return pieces


def button_action_id(action: str, taken: set[str]) -> str:
    """A Slack `action_id` for `action`, unique among `taken` (adds `~n` when needed)."""
    candidate = action
    n = 1
    while candidate in taken:
        candidate = f"{action}{ACTION_SUFFIX}{n}"
        n += 1
    taken.add(candidate)
    return candidate


def button(choice: Choice, taken: set[str]) -> dict[str, Any]:
    """One Block Kit button for a `Choice`."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(choice.label, BUTTON_TEXT_LIMIT),
        "action_id": button_action_id(choice.action, taken),
    }
    if choice.value:
        element["value"] = choice.value[:BUTTON_VALUE_LIMIT]
    if choice.style in ("primary", "danger"):
        element["style"] = choice.style
    return element


def actions_blocks(
    choices: Sequence[Choice], block_prefix: str = "choices"
) -> list[dict[str, Any]]:
    """`actions` blocks holding one button per choice (25 per block)."""
    blocks: list[dict[str, Any]] = []
    for start in range(0, len(choices), BUTTONS_PER_BLOCK):
        taken: set[str] = set()
        chunk = choices[start : start + BUTTONS_PER_BLOCK]
        suffix = "" if start == 0 else f"-{start // BUTTONS_PER_BLOCK}"
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{block_prefix}{suffix}",
                "elements": [button(c, taken) for c in chunk],
            }
        )
    return blocks


def reply_blocks(reply: Reply, *, with_opener: bool = False) -> list[dict[str, Any]]:
    """The Block Kit blocks of one reply (title, text, facts, buttons).

    With `with_opener`, a reply carrying a form also gets a button that opens it (used where
    Slack gives no trigger to open a modal right away).
    """
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": plain(reply.title, HEADER_LIMIT)})
    for piece in split_text(reply.text):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(piece)}})
    facts = [
        {
            "type": "mrkdwn",
            "text": _cut(f"*{mrkdwn(f.label)}*\n{mrkdwn(f.value)}", FIELD_TEXT_LIMIT),
        }
        for f in reply.facts
    ]
    for start in range(0, len(facts), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": facts[start : start + FIELDS_PER_SECTION]})
    choices = list(reply.choices)
    if with_opener and reply.form is not None:
        opener = reply.form.reopen_choice()
        if opener is not None and all(c.action != opener.action for c in choices):
            choices.insert(0, opener)
    if choices:
        blocks.extend(actions_blocks(choices))
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification text of a message (what shows in push notifications and search)."""
    text = reply.text or reply.title or (reply.form.title if reply.form else "")
    return _cut(mrkdwn(text), FALLBACK_TEXT_LIMIT) or " "


def message(reply: Reply, *, with_opener: bool = False) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage, chat.postEphemeral or a response_url."""
    blocks = reply_blocks(reply, with_opener=with_opener)
    if len(blocks) > MESSAGE_BLOCK_LIMIT:
        blocks = [*blocks[: MESSAGE_BLOCK_LIMIT - 1], _more_block()]
    return {"text": fallback_text(reply), "blocks": blocks}


def _more_block() -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": "… (cut short)"}]}


def modal(form: Form, *, channel: str = "", team: str = "") -> dict[str, Any]:
    """A modal view for `form`; the submission comes back as a `view_submission`.

    `private_metadata` keeps the channel the form was asked from, so the answer can go there.
    """
    blocks: list[dict[str, Any]] = []
    for item in form.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": item.id,
            "multiline": item.multiline,
            "max_length": INPUT_LIMIT,
        }
        if item.placeholder:
            element["placeholder"] = plain(item.placeholder, PLACEHOLDER_LIMIT)
        if item.initial:
            element["initial_value"] = item.initial[:INPUT_LIMIT]
        blocks.append(
            {
                "type": "input",
                "block_id": item.id,
                "label": plain(item.label, 2000),
                "optional": item.optional,
                "element": element,
            }
        )
    metadata = json.dumps({"channel": channel, "team": team, "form": form.id})
    return {
        "type": "modal",
        "callback_id": form.id,
        "title": plain(form.title or "Needle", MODAL_TITLE_LIMIT),
        "submit": plain(form.submit_label or "Save", MODAL_TITLE_LIMIT),
        "close": plain("Cancel", MODAL_TITLE_LIMIT),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def form_errors(form: Form) -> dict[str, str]:
    """`response_action: errors` body for a form the engine sent back with inline errors."""
    known = {f.id for f in form.fields}
    errors = {k: v for k, v in form.errors.items() if k in known}
    if not errors and form.errors and form.fields:
        # An error not tied to a field is shown on the first one rather than lost.
        errors = {form.fields[0].id: " ".join(form.errors.values())}
    return errors


def home_view(replies: Iterable[Reply]) -> dict[str, Any]:
    """The App Home tab built from the engine's replies, separated by dividers."""
    blocks: list[dict[str, Any]] = []
    for reply in replies:
        if blocks:
            blocks.append({"type": "divider"})
        blocks.extend(reply_blocks(reply, with_opener=True))
    if len(blocks) > HOME_BLOCK_LIMIT:
        blocks = [*blocks[: HOME_BLOCK_LIMIT - 1], _more_block()]
    if not blocks:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Needle is here."}}]
    return {"type": "home", "blocks": blocks}


def respond_body(reply: Reply, *, in_channel: bool) -> dict[str, Any]:
    """A `response_url` body: the message, ephemeral unless `in_channel`."""
    body = message(reply)
    body["response_type"] = "in_channel" if in_channel else "ephemeral"
    body["replace_original"] = False
    return body
