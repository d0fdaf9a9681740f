"""The command, action, form and flow registries the engine routes through.

Each command family registers its handlers here at import time; `bot.commands.load_all`
imports them. Handlers are async: `(ctx, args) -> list[Reply]`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.context import Context
from bot.messages import Reply
from bot.storage.models import ConversationState

CommandHandler = Callable[[Context, str], Awaitable[list[Reply]]]
FlowHandler = Callable[[Context, ConversationState, str], Awaitable[list[Reply]]]
FormHandler = Callable[[Context, dict[str, str]], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    """A subcommand of `/needle`: name, handler and its line in `help`."""

    name: str
    handler: CommandHandler
    usage: str
    summary: str
    admin_only: bool = False
    hidden: bool = False
    aliases: tuple[str, ...] = ()
    works_mid_checkin: bool = True  # may interrupt a check-in conversation


COMMANDS: dict[str, Command] = {}
ACTIONS: dict[str, CommandHandler] = {}
MEMBERS_ONLY_ACTIONS: set[str] = set()
FORMS: dict[str, FormHandler] = {}
FLOWS: dict[str, FlowHandler] = {}


def command(
    name: str,
    *,
    usage: str,
    summary: str,
    admin_only: bool = False,
    hidden: bool = False,
    aliases: tuple[str, ...] = (),
    works_mid_checkin: bool = True,
) -> Callable[[CommandHandler], CommandHandler]:
    """Register a subcommand handler under `name` and its aliases."""

    def register(handler: CommandHandler) -> CommandHandler:
        entry = Command(
            name, handler, usage, summary, admin_only, hidden, aliases, works_mid_checkin
        )
        for key in (name, *aliases):
            COMMANDS[key] = entry
        return handler

    return register


def action(
    action_id: str, *, members_only: bool = False
) -> Callable[[CommandHandler], CommandHandler]:
    """Register a button handler; it receives the button's value as `args`.

    `members_only`: the action is news about someone who may never have used Needle (a
    platform profile change); from anyone who is not yet a member of the team it is dropped
    instead of making them one.
    """

    def register(handler: CommandHandler) -> CommandHandler:
        ACTIONS[action_id] = handler
        if members_only:
            MEMBERS_ONLY_ACTIONS.add(action_id)
        return handler

    return register


def form(form_id: str) -> Callable[[FormHandler], FormHandler]:
    """Register a submitted-form handler."""

    def register(handler: FormHandler) -> FormHandler:
        FORMS[form_id] = handler
        return handler

    return register


def flow(name: str) -> Callable[[FlowHandler], FlowHandler]:
    """Register the handler of a multi-step conversation kept in ConversationState."""

    def register(handler: FlowHandler) -> FlowHandler:
        FLOWS[name] = handler
        return handler

    return register


def find_command(word: str) -> Command | None:
    """The command a word names (case-insensitive), if any."""
    return COMMANDS.get(word.strip().lower())


def find_command_at(name: str, args: str) -> tuple[Command | None, str]:
    """The command `name` names, or `name` with the first word of `args` (`check in`), and
    the arguments left for it."""
    second, _, rest = args.strip().partition(" ")
    if second:
        entry = find_command(f"{name} {second}")
        if entry is not None:
            return entry, rest.strip()
    return find_command(name), args


def visible_commands() -> list[Command]:
    """Distinct, non-hidden commands in registration order."""
    seen: list[Command] = []
    for entry in COMMANDS.values():
        if not entry.hidden and entry not in seen:
            seen.append(entry)
    return seen
