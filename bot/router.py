"""The router the engine dispatches through: commands, buttons, forms, conversations.

A `Router` starts empty; each command family adds its handlers to it in its own
`register(router)` function, and `bot.commands.build_router` composes the families. Nothing is
registered as a side effect of importing a module, so an engine knows exactly the commands of
the router it was given. Handlers are async: `(ctx, args) -> list[Reply]`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.context import Context
from bot.messages import Reply
from bot.storage.conversations import EndReason
from bot.storage.models import ConversationState

CommandHandler = Callable[[Context, str], Awaitable[list[Reply]]]
FormHandler = Callable[[Context, dict[str, str]], Awaitable[list[Reply]]]
# A plain message no command or open conversation took: replies, or None to pass it on.
MessageHandler = Callable[[Context, str], Awaitable[list[Reply] | None]]


class DuplicateRoute(ValueError):
    """Two handlers were registered under one name: the second would silently win."""


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


class Flow(Protocol):
    """A multi-step conversation kept in ConversationState (`state.flow` is its name).

    The engine hands a member's plain messages to the open flow, and asks the flow whether a
    command may interrupt it and what to say after one did. Every end of a conversation goes
    through `bot.conversation.end_conversation`, which calls the flow's `close` first.
    """

    name: str

    async def close(self, ctx: Context, state: ConversationState, reason: EndReason) -> None:
        """Keep what the conversation holds before it ends for `reason` (it is removed after)."""
        ...

    async def close_if_expired(self, ctx: Context, state: ConversationState) -> bool:
        """Close the conversation when it can no longer be answered; True when it was."""
        ...

    def may_interrupt(self, command: Command, state: ConversationState) -> bool:
        """True when `command`, typed mid-conversation, runs instead of being an answer."""
        ...

    async def answer(self, ctx: Context, state: ConversationState, text: str) -> list[Reply]:
        """Take one typed answer to the open question."""
        ...

    async def reask(
        self, ctx: Context, state: ConversationState, after: Command, shown: list[Reply]
    ) -> list[Reply]:
        """What to repeat of the open question after `after` interrupted it and answered
        `shown` (maybe nothing: the question may still be in plain sight)."""
        ...


@dataclass(frozen=True)
class Action:
    """A button handler; it receives the button's value as `args`.

    `members_only`: the action is news about someone who may never have used Needle (a
    platform profile change); from anyone who is not yet a member of the team it is dropped
    instead of making them one.
    """

    handler: CommandHandler
    members_only: bool = False


class Router:
    """Commands (with aliases), buttons, forms, conversations and plain-message handlers."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._actions: dict[str, Action] = {}
        self._forms: dict[str, FormHandler] = {}
        self._flows: dict[str, Flow] = {}
        self._messages: list[MessageHandler] = []

    def add_command(
        self,
        name: str,
        handler: CommandHandler,
        *,
        usage: str,
        summary: str,
        admin_only: bool = False,
        hidden: bool = False,
        aliases: tuple[str, ...] = (),
    ) -> Command:
        """Route `name` and each alias (one or two words, any case) to `handler`."""
        entry = Command(name, handler, usage, summary, admin_only, hidden, aliases)
        keys = [key.strip().lower() for key in (name, *aliases)]
        for key in keys:
            if key in self._commands:
                raise DuplicateRoute(f"command {key!r} is already `{self._commands[key].name}`")
        for key in keys:
            self._commands[key] = entry
        return entry

    def add_action(
        self, action_id: str, handler: CommandHandler, *, members_only: bool = False
    ) -> None:
        """Route the button `action_id` to `handler` (see `Action` for `members_only`)."""
        if action_id in self._actions:
            raise DuplicateRoute(f"action {action_id!r} is already routed")
        self._actions[action_id] = Action(handler, members_only)

    def add_form(self, form_id: str, handler: FormHandler) -> None:
        """Route the submitted form `form_id` to `handler`."""
        if form_id in self._forms:
            raise DuplicateRoute(f"form {form_id!r} is already routed")
        self._forms[form_id] = handler

    def add_flow(self, flow: Flow) -> None:
        """Route answers in conversations named `flow.name` to `flow`."""
        if flow.name in self._flows:
            raise DuplicateRoute(f"flow {flow.name!r} is already routed")
        self._flows[flow.name] = flow

    def add_message_handler(self, handler: MessageHandler) -> None:
        """Offer plain messages nothing else took to `handler`, after those added before it."""
        self._messages.append(handler)

    def find_command(self, word: str) -> Command | None:
        """The command a word names (case-insensitive), if any."""
        return self._commands.get(word.strip().lower())

    def find_command_at(self, name: str, args: str) -> tuple[Command | None, str]:
        """The command `name` names, or `name` with the first word of `args` (`check in`), and
        the arguments left for it."""
        second, _, rest = args.strip().partition(" ")
        if second:
            entry = self.find_command(f"{name} {second}")
            if entry is not None:
                return entry, rest.strip()
        return self.find_command(name), args

    def visible_commands(self) -> list[Command]:
        """Distinct, non-hidden commands in registration order."""
        seen: list[Command] = []
        for entry in self._commands.values():
            if not entry.hidden and entry not in seen:
                seen.append(entry)
        return seen

    def action(self, action_id: str) -> Action | None:
        """The button handler for `action_id`, if any."""
        return self._actions.get(action_id)

    def members_only(self, action_id: str) -> bool:
        """True when the button `action_id` is dropped from people who are not members yet."""
        action = self._actions.get(action_id)
        return action is not None and action.members_only

    def form(self, form_id: str) -> FormHandler | None:
        """The handler of the submitted form `form_id`, if any."""
        return self._forms.get(form_id)

    def flow(self, name: str) -> Flow | None:
        """The conversation named `name`, if any."""
        return self._flows.get(name)

    def flows(self) -> tuple[Flow, ...]:
        """Every routed conversation flow."""
        return tuple(self._flows.values())

    @property
    def message_handlers(self) -> tuple[MessageHandler, ...]:
        """The plain-message handlers, in the order they are tried."""
        return tuple(self._messages)
