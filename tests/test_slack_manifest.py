"""manifest.yml asks Slack for what the code uses: scopes, events, the slash command."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack.app import BOT_SCOPES
from adapters.slack.listeners.commands import COMMAND

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def listed_under(text: str, key: str) -> list[str]:
    """The `- item` lines of the YAML list right under `key:` (comments skipped)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    items: list[str] = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(line) - len(line.lstrip()) <= indent and not stripped.startswith("-"):
            break
        if stripped.startswith("- "):
            items.append(stripped[2:].strip())
    return items


def test_scopes_match_what_the_oauth_flow_asks_for() -> None:
    assert sorted(listed_under(MANIFEST.read_text(), "bot")) == sorted(BOT_SCOPES)


def test_events_cover_every_listener() -> None:
    events = set(listed_under(MANIFEST.read_text(), "bot_events"))
    assert events == {
        "app_home_opened",
        "app_uninstalled",
        "message.im",
        "tokens_revoked",
        "user_change",
    }


def test_the_slash_command_is_the_one_listened_to() -> None:
    (command,) = re.findall(r"- command: (\S+)", MANIFEST.read_text())
    assert COMMAND.match(command)
    assert "should_escape: true" in MANIFEST.read_text()  # mentions arrive as <@U…> ids
