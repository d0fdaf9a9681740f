"""Needle's Discord components: buttons that survive restarts, the check-in prompt view, modals.

Every Needle button is a `ChoiceButton`, a discord.py `DynamicItem` whose custom_id carries the
engine's action id and value (`needle:checkin.start`, `needle:checkin.edit:2026-11-24`).
`CheckinPromptView` is the persistent view (`timeout=None`, stable custom_ids) of the daily
prompt; the client re-adds it at every start-up, which also registers the `ChoiceButton`
template, so a button pressed on a message sent before a restart still reaches the engine.

Modals (`FormModal`) carry `needle-form:<form id>` and are handled by the client's
`on_interaction`, not by the modal object, so a modal submitted after a restart is still read.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import Any, Protocol

import discord

from adapters.discord.translate import CUSTOM_ID_PATTERN, custom_id_for, form_custom_id
from bot.messages import Action, Choice, Form

log = logging.getLogger(__name__)

# Label, description and title lengths Discord accepts in a modal.
LABEL_MAX = 45
DESCRIPTION_MAX = 100
PLACEHOLDER_MAX = 100
INPUT_MAX = 4000
MODAL_INPUTS_MAX = 5
BUTTON_LABEL_MAX = 80
BUTTONS_MAX = 25

# A local action of the adapter (not the engine's): reopen a form kept on the FormShelf.
FORM_OPEN_ACTION = "form.open"

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
    "default": discord.ButtonStyle.secondary,
}


class ActionRouter(Protocol):
    """Where a pressed button goes (the adapter's Router)."""

    async def on_action(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None:
        """Carry one button press to the engine and answer it."""


def router_of(interaction: discord.Interaction[Any]) -> ActionRouter:
    """The Router of the client that received `interaction`."""
    router = getattr(interaction.client, "needle_router", None)
    if router is None:
        raise RuntimeError("this Discord client has no Needle router")
    return router  # type: ignore[no-any-return]


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=CUSTOM_ID_PATTERN,
):
    """A button that sends the engine an action id and value, before or after a restart."""

    def __init__(
        self,
        action: str,
        value: str = "",
        *,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        self.action = action
        self.value = value
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=(label or action)[:BUTTON_LABEL_MAX],
            style=style,
            custom_id=custom_id_for(action, value),
        )
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ChoiceButton:
        """Rebuild the button from a pressed custom_id (discord.py calls this)."""
        label = getattr(item, "label", "") or ""
        return cls(match.group("action"), match.group("value") or "", label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press to the Router."""
        await router_of(interaction).on_action(interaction, self.action, self.value)


def choice_button(choice: Choice) -> ChoiceButton:
    """The button showing one of the engine's choices."""
    return ChoiceButton(
        choice.action, choice.value, label=choice.label, style=_STYLES[choice.style]
    )


class ChoicesView(discord.ui.View):
    """The buttons of one reply; never times out, as every button is a ChoiceButton."""

    def __init__(self, choices: tuple[Choice, ...] | list[Choice]) -> None:
        super().__init__(timeout=None)
        if len(choices) > BUTTONS_MAX:
            log.warning("a reply has %d buttons; Discord shows %d", len(choices), BUTTONS_MAX)
        for choice in list(choices)[:BUTTONS_MAX]:
            self.add_item(choice_button(choice))


class CheckinPromptView(ChoicesView):
    """The daily prompt's buttons, with stable custom_ids; re-added at every start-up."""

    def __init__(self) -> None:
        super().__init__(
            (
                Choice("Check in", Action.CHECKIN_START, style="primary"),
                Choice("Day off", Action.CHECKIN_DAY_OFF),
            )
        )


class FormModal(discord.ui.Modal):
    """A Needle form as a Discord modal; its errors, if any, show under each field's label.

    The modal itself handles nothing: the client's `on_interaction` reads every
    `needle-form:` submission, so one still arrives after a restart.
    """

    def __init__(self, form: Form) -> None:
        super().__init__(
            title=(form.title or "Needle")[:LABEL_MAX],
            custom_id=form_custom_id(form.id),
            timeout=None,
        )
        self.form_id = form.id
        if len(form.fields) > MODAL_INPUTS_MAX:
            log.warning(
                "form %s has %d fields; Discord shows %d",
                form.id,
                len(form.fields),
                MODAL_INPUTS_MAX,
            )
        for spec in form.fields[:MODAL_INPUTS_MAX]:
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                custom_id=spec.id,
                style=discord.TextStyle.paragraph if spec.multiline else discord.TextStyle.short,
                placeholder=spec.placeholder[:PLACEHOLDER_MAX] or None,
                default=spec.initial[:INPUT_MAX] or None,
                required=not spec.optional,
                max_length=INPUT_MAX,
            )
            error = form.errors.get(spec.id, "")
            self.add_item(
                discord.ui.Label(
                    text=spec.label[:LABEL_MAX],
                    component=text_input,
                    description=(f"⚠ {error}"[:DESCRIPTION_MAX] if error else None),
                )
            )


class FormShelf:
    """Forms waiting for a button press to reopen them (Discord cannot answer a modal with one).

    Kept in memory, newest last, at most `size` forms; after a restart the reopen button
    falls back to asking the engine for the form afresh.
    """

    def __init__(self, size: int = 1000) -> None:
        self._forms: OrderedDict[str, Form] = OrderedDict()
        self._size = size

    def put(self, key: str, form: Form) -> None:
        """Keep `form` under `key` (an interaction or message id)."""
        self._forms[key] = form
        self._forms.move_to_end(key)
        while len(self._forms) > self._size:
            self._forms.popitem(last=False)

    def get(self, key: str) -> Form | None:
        """The form kept under `key`, if still here."""
        return self._forms.get(key)


def reopen_value(form: Form, key: str) -> str:
    """The value of the reopen button: the shelf key, and how to open the form afresh when
    the shelf has forgotten it (the form's reopen action and its value)."""
    fallback = form.reopen_choice()
    action, ref = (fallback.action, fallback.value) if fallback else ("", "")
    return f"{key}/{action}/{ref}"


def parse_reopen_value(value: str) -> tuple[str, str, str]:
    """(shelf key, reopen action, its value) of a reopen button's value."""
    key, _, rest = value.partition("/")
    action, _, ref = rest.partition("/")
    return key, action, ref
