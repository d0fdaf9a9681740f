"""A check-in being answered: the values so far, kept in the conversation state as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.checkin.parsing import CheckinDraft
from bot.storage.models import Checkin

MAX_NOTES = 20
MAX_NOTE_LENGTH = 500


@dataclass(frozen=True)
class Draft:
    """The answers gathered so far for one local date."""

    conversations: int | None = None
    minutes: int | None = None
    activities: tuple[str, ...] | None = None
    wins: int | None = None
    wins_note: str | None = None
    notes: tuple[str, ...] = ()  # answers Needle could not use, kept so nothing typed is lost
    editing: bool = False  # replacing a check-in that was already complete
    previous: dict[str, Any] = field(default_factory=dict)  # the values being replaced
    # A reading waiting for the member's yes: {"question": ..., "values": {step: value}}.
    # Its values count only once confirmed; "no" drops them and the question is asked again.
    pending: dict[str, Any] | None = None
    collecting: bool = False  # a list typed one line per message: the activities stay open
    zero_checked: bool = False  # "0 conversations but N minutes" was confirmed
    # The outcomes question's answer (JSON entries, [] for none); recorded when the check-in
    # is saved, replacing what an earlier answer for the day recorded.
    outcomes: list[dict[str, Any]] | None = None

    def has(self, step: str) -> bool:
        """True when the step has an answer."""
        return getattr(self, step) is not None

    def is_empty(self) -> bool:
        """True when nothing has been answered."""
        return all(getattr(self, s) is None for s in ("conversations", "minutes", "activities"))

    def with_note(self, text: str) -> Draft:
        """The draft with one more unusable answer remembered."""
        note = text.strip()[:MAX_NOTE_LENGTH]
        if not note:
            return self
        return replace(self, notes=(*self.notes, note)[-MAX_NOTES:])

    def with_notes(self, texts: tuple[str, ...]) -> Draft:
        """The draft with several unplaced parts remembered."""
        draft = self
        for text in texts:
            draft = draft.with_note(text)
        return draft

    def merged(self, parsed: CheckinDraft) -> Draft:
        """The draft with whatever an all-in-one message carried (unplaced parts as notes)."""
        return replace(
            self.with_notes(parsed.unplaced),
            conversations=(
                parsed.conversations if parsed.conversations is not None else self.conversations
            ),
            minutes=parsed.minutes if parsed.minutes is not None else self.minutes,
            activities=tuple(parsed.activities) if parsed.activities else self.activities,
        )

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON for ConversationState.data."""
        data = asdict(self)
        data["activities"] = list(self.activities) if self.activities is not None else None
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        """A draft read back from ConversationState.data (unknown keys ignored)."""
        activities = data.get("activities")
        return cls(
            conversations=data.get("conversations"),
            minutes=data.get("minutes"),
            activities=tuple(activities) if activities is not None else None,
            wins=data.get("wins"),
            wins_note=data.get("wins_note"),
            notes=tuple(data.get("notes") or ()),
            editing=bool(data.get("editing")),
            previous=dict(data.get("previous") or {}),
            pending=data.get("pending"),
            collecting=bool(data.get("collecting")),
            zero_checked=bool(data.get("zero_checked")),
            outcomes=data.get("outcomes"),
        )

    @classmethod
    def resuming(cls, checkin: Checkin) -> Draft:
        """A draft that continues a partial check-in."""
        return cls(
            conversations=checkin.conversations,
            minutes=checkin.minutes,
            activities=tuple(a.text for a in checkin.activities) or None,
            wins=checkin.wins,
            wins_note=checkin.wins_note,
            notes=tuple(checkin.note.split("\n")) if checkin.note else (),
        )

    @classmethod
    def editing_of(cls, checkin: Checkin) -> Draft:
        """An empty draft that replaces a complete check-in, remembering its values."""
        return cls(
            editing=True,
            previous={
                "conversations": checkin.conversations,
                "minutes": checkin.minutes,
                "activities": [a.text for a in checkin.activities],
                "wins": checkin.wins,
                "wins_note": checkin.wins_note,
            },
        )
