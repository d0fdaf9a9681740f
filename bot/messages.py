"""The platform-neutral words Needle hears and says: Address, Incoming, Reply and their parts.

Adapters translate platform payloads into `Incoming` and render `Reply` into Block Kit, embeds
or plain text. Nothing in here knows Slack or Discord.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


@dataclass(frozen=True)
class Address:
    """Where a message comes from or goes to, apart from its words (like an envelope).

    `team_id` is the platform's team id (Slack workspace, Discord guild, `local` on the
    console). `channel_id` is empty when the message should go to the user's direct message.
    """

    platform: str
    team_id: str
    user_id: str = ""
    channel_id: str = ""

    def direct(self) -> Address:
        """The same user, in their direct message with Needle."""
        return Address(self.platform, self.team_id, self.user_id, "")


class IncomingKind(StrEnum):
    """What kind of thing a user did."""

    MESSAGE = "message"  # plain text typed in a DM (or the console)
    COMMAND = "command"  # `/needle <subcommand> <args>` or a plain-text subcommand
    ACTION = "action"  # a button press
    FORM = "form"  # a submitted form (Slack modal, Discord modal)


class Action(StrEnum):
    """The engine's button actions: the ids a `Choice` sends back as an ACTION.

    The values are on the wire: they sit in Slack `action_id`s and Discord custom ids of
    messages already sent (`needle:checkin.start`), so they never change.
    """

    CHECKIN_START = "checkin.start"  # value: the day (ISO date) or "" for today
    CHECKIN_EDIT = "checkin.edit"  # value: the day to redo
    CHECKIN_DAY_OFF = "checkin.day_off"  # value: the day (ISO date) or "" for today
    CHECKIN_CONFIRM = "checkin.confirm"  # value: "yes" or "no" to "Did you mean …?"
    DAY_OFF_CONFIRM = "checkin.day_off_confirm"  # value: "<ISO date> <reason>"
    DAY_OFF_KEEP = "checkin.day_off_keep"  # value: the day whose check-in stays
    OUTCOME_CONFIRM = "outcomes.confirm"  # value: "yes" or "no" to "Did you mean …?"
    SETTINGS_OPEN = "settings.open"
    FORGET_CONFIRM = "forget_me.confirm"
    FORGET_CANCEL = "forget_me.cancel"
    MEMBER_PROFILE = "member.profile"  # not a button: the platform saw a changed profile
    TARGET_MINIMUM = "target.minimum"  # value: "yes" or "no" to the target's daily minimum


class FormId(StrEnum):
    """The engine's forms: the ids a submitted `Form` comes back under (before any `:ref`).

    On the wire like `Action` (Slack `callback_id`, Discord `needle-form:<id>`).
    """

    CHECKIN = "checkin.form"  # id `checkin.form:<ISO date>`
    SETTINGS = "settings.form"


@dataclass(frozen=True)
class Person:
    """What the platform tells about the sender; used on first contact and to refresh."""

    display_name: str = ""
    timezone: str | None = None  # IANA name, when the platform knows it (Slack does)
    is_admin: bool | None = None  # admin/owner, Manage Server, installer; None = not known here
    locale: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One thing a user did, in neutral words.

    - MESSAGE: `text` is what they typed.
    - COMMAND: `command` is the subcommand (`stats`), `text` its arguments (`week @ana`).
    - ACTION: `action` is the stable action id (an `Action`: `checkin.start`, ...), `value`
      its payload.
    - FORM: `action` names the form (a `FormId`, `checkin.form`), `values` holds field id ->
      text.
    `event_id` lets the engine drop an event that arrives twice.
    `mentions` are platform user ids named in the text (`@ana`), in order.
    """

    address: Address
    kind: IncomingKind
    text: str = ""
    command: str = ""
    action: str = ""
    value: str = ""
    values: dict[str, str] = field(default_factory=dict)
    event_id: str | None = None
    person: Person = field(default_factory=Person)
    mentions: tuple[str, ...] = ()
    is_direct: bool = True  # said in a direct message with Needle
    can_open_forms: bool = False  # the platform can open a form in answer to this (Slack, Discord)


@dataclass(frozen=True)
class Choice:
    """A button: a label, the action id it sends back, and an optional value."""

    label: str
    action: str
    value: str = ""
    style: Literal["primary", "danger", "default"] = "default"


@dataclass(frozen=True)
class FormField:
    """One input of a form."""

    id: str
    label: str
    placeholder: str = ""
    initial: str = ""
    multiline: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Form:
    """A form to open (Slack modal, Discord modal); submitted back as an IncomingKind.FORM."""

    id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Save"
    errors: dict[str, str] = field(default_factory=dict)  # field id -> inline error
    # The action that opens this form afresh (where the platform cannot open it now, or has
    # forgotten it); its value is the reference after the colon in `id`. "": none.
    reopen: str = ""

    def reopen_choice(self) -> Choice | None:
        """The button that opens this form afresh, if it can be."""
        if not self.reopen:
            return None
        _, _, ref = self.id.partition(":")
        return Choice(self.title or "Open", self.reopen, ref, "primary")


@dataclass(frozen=True)
class Fact:
    """A labelled value shown in a summary (`Conversations: 12 / 5`)."""

    label: str
    value: str


@dataclass(frozen=True)
class Image:
    """A PNG to attach (a chart)."""

    filename: str
    data: bytes
    title: str = ""


class ReplyKind(StrEnum):
    """What a reply is for; adapters render some kinds specially and tests find replies by it.

    Special today: the Slack relay publishes App Home again after `HOME_REFRESH` kinds, shows
    `HOME` on the Home tab, falls back on `ERROR`, and drops `UNKNOWN` from an @mention's
    answer; the console prints no title over a `QUESTION` or `REASK`.
    """

    TEXT = "text"  # nothing in particular
    INFO = "info"  # a plain answer or note (stopped, nothing deleted, redo intro)
    GREETING = "greeting"  # the welcome on `start`
    HELP = "help"  # the command list
    UNKNOWN = "unknown"  # a message or command Needle did not understand
    REFUSAL = "refusal"  # not allowed, or not possible for that day
    REASK = "reask"  # the answer did not parse: the same question again, with a hint
    ERROR = "error"  # Needle failed; the apology
    # The check-in
    QUESTION = "question"  # one check-in question
    FORM = "form"  # a reply carrying a form to open
    SUMMARY = "summary"  # the check-in saved: its summary, with an Edit button
    SAVED_PARTIAL = "saved_partial"  # the check-in stopped part-way and what was kept
    DAY_OFF = "day_off"  # the day marked off
    LOGGED = "logged"  # `log` added to today's numbers
    OUTCOME = "outcome"  # outcomes recorded, fixed or removed
    COACHING = "coaching"  # feedback after a check-in
    # Settings and data
    SETTINGS = "settings"  # a setting changed or shown
    HOME = "home"  # the member's home summary (Slack App Home)
    EXPORT = "export"  # a CSV export
    CONFIRM = "confirm"  # "are you sure?" before something that cannot be undone
    FORGOTTEN = "forgotten"  # the member's data deleted
    # Stats
    STATS = "stats"
    LEADERBOARD = "leaderboard"
    RECAP = "recap"  # the weekly team recap
    # Unprompted messages the scheduler sends
    PROMPT = "prompt"  # the daily check-in prompt
    REMINDER = "reminder"  # the nudge after no check-in
    ESCALATION = "escalation"  # to a member missing several workdays
    MANAGER_NOTE = "manager_note"  # to their manager
    PACE = "pace"  # the mid-day pace check


class Visibility(StrEnum):
    """Who may see a reply."""

    PRIVATE = "private"  # only the asker (ephemeral in a channel, or a DM)
    CHANNEL = "channel"  # everyone in the channel it was asked in


@dataclass(frozen=True)
class Reply:
    """Something Needle says: text plus optional facts, buttons, a form or an image.

    `kind` tags the purpose (a `ReplyKind`: prompt, question, summary, stats, ...) so adapters
    can render some kinds specially and tests can find them.
    """

    text: str
    kind: ReplyKind = ReplyKind.TEXT
    title: str = ""
    facts: tuple[Fact, ...] = ()
    choices: tuple[Choice, ...] = ()
    form: Form | None = None
    image: Image | None = None
    visibility: Visibility = Visibility.PRIVATE
    file: bytes | None = None  # a non-image attachment (CSV export)
    filename: str = ""
    # A chart to draw once the database work is committed (the engine draws it into `image`
    # in a worker thread, so a slow drawing never holds a transaction open). Adapters never
    # see it set.
    draw: Callable[[], Image] | None = field(default=None, compare=False, repr=False)


# Every failed try of the engine is rolled back whole: what the member sent was not saved.
APOLOGY_TEXT = "Sorry — something went wrong on my side, so I didn't save that. Please try again."

# What the engine says when it failed on an Incoming, and an adapter when the engine could
# not be reached or raised.
APOLOGY = Reply(APOLOGY_TEXT, kind=ReplyKind.ERROR)

# What the engine says when the database stayed out of reach past OUTAGE_RETRY_SECONDS.
NOT_SAVED_TEXT = (
    "I couldn't save that: my database has been out of reach for a while. "
    "Please send it again in a few minutes."
)
NOT_SAVED = Reply(NOT_SAVED_TEXT, kind=ReplyKind.ERROR)


@dataclass(frozen=True)
class Outgoing:
    """A Reply with the address it goes to: what the Outbox routes to an adapter."""

    address: Address
    reply: Reply
