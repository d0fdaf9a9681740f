"""The settings form on My page, as chat sees it: a POSTed form becomes the Incoming a chat
platform would send for the same change, and the engine's replies become the page's result.

Saving the main fields submits chat's own settings form (`settings.form`: goals, schedule,
time zone, each applied by its command); the switches are the commands members type
(`schedule off`, `pause until 2026-12-01`, `resume`, `ranking off`, …). So validation, the
rules and the words of the reply are chat's, and nothing here changes a setting itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.messages import Address, FormId, Incoming, IncomingKind, Reply, ReplyKind
from bot.storage.models import Member, Team

PLATFORM_FIELDS = ("goal_calls", "goal_minutes", "schedule", "timezone")
# Each switch of the form: the chat command it runs and that command's arguments.
SWITCHES: dict[str, tuple[str, str]] = {
    "prompts_off": ("schedule", "off"),
    "prompts_on": ("schedule", "on"),
    "resume": ("resume", ""),
    "ranking_off": ("ranking", "off"),
    "ranking_on": ("ranking", "on"),
}
MAX_VALUE = 200


@dataclass(frozen=True)
class SettingsResult:
    """What the form's submission came to: chat's reply, or the fields it refused and why."""

    saved: bool
    title: str
    lines: list[str]
    errors: dict[str, str] = field(default_factory=dict)  # field id -> chat's reason


def settings_incoming(member: Member, team: Team, form: Mapping[str, str]) -> Incoming | None:
    """The Incoming chat would get for this submission from `member` in `team` (None: the
    form asked for nothing this page offers)."""
    address = Address(member.platform, team.external_id, member.external_id)
    action = form.get("do", "")
    if action == "save":
        values = {name: str(form.get(name, ""))[:MAX_VALUE] for name in PLATFORM_FIELDS}
        return Incoming(address, IncomingKind.FORM, action=FormId.SETTINGS, values=values)
    if action == "pause":
        until = str(form.get("pause_until", "")).strip()[:MAX_VALUE]
        return Incoming(address, IncomingKind.COMMAND, command="pause", text=f"until {until}")
    if action in SWITCHES:
        command, args = SWITCHES[action]
        return Incoming(address, IncomingKind.COMMAND, command=command, text=args)
    return None


def result_of(replies: list[Reply]) -> SettingsResult:
    """The page's result from the engine's replies: a form returned with errors, or a chat
    command's refusal, is not saved; anything else is chat's confirmation."""
    for reply in replies:
        if reply.form is not None and reply.form.errors:
            return SettingsResult(False, "Not saved", [], dict(reply.form.errors))
    refused = [
        r for r in replies if r.kind in (ReplyKind.REASK, ReplyKind.REFUSAL, ReplyKind.ERROR)
    ]
    if refused:
        return SettingsResult(False, "Not saved", [r.text for r in refused])
    lines = [line for r in replies for line in r.text.splitlines() if line.strip()]
    title = next((r.title for r in replies if r.title), "Saved")
    return SettingsResult(True, title, lines)


def origin_allowed(origin: str | None, referer: str | None, host: str, dashboard_url: str) -> bool:
    """Whether a POST comes from the dashboard's own pages: its Origin (else its Referer's)
    is this server's or the configured dashboard address. Without either header the form
    token alone decides."""
    claimed = origin or _origin_of(referer or "")
    if not claimed:
        return True
    allowed = {f"http://{host}", f"https://{host}", _origin_of(dashboard_url)}
    return claimed in allowed


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
