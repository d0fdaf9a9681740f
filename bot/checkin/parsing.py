"""Read members' free-text check-in answers: counts, minutes, activities, wins, day off.

Pure and platform-neutral: every function takes a string (and, for dates, today's local date)
and returns a value or raises `AnswerError` whose text is a short, friendly reason without an
example (the caller adds one). `parse_checkin_message` and `looks_like_checkin` never raise.

The shared machinery (cleaning, number words, quantities, unclear numbers) is in
`bot.checkin.numbers`; single answers are read in `bot.checkin.answers` and the arguments of
commands (`log`, `pause`, `schedule`) in `bot.checkin.arguments`, all re-exported here. This
module reads the all-in-one check-in message.

Decisions worth knowing (where the spec is silent):

- Numbers may be digits or English words up to the thousands ("twenty-one", "a dozen",
  "half a dozen", "a couple", "one hundred and five", "one and a half"). Vague amounts ("a few",
  "some", "several") are refused: Needle asks for an exact count.
- A number is read only where it is unambiguous: digits touching letters or symbols ("1O",
  "Q4", "3rd", "1e9", "$2M") are never read. A likely reading ("1O" -> 10) raises `Unsure`,
  which the flow asks the member to confirm; a range ("3-4") is refused with "Was it 3 or 4?".
- Conversations: numbers followed by a call/conversation/meeting word are summed ("3 calls and
  2 meetings" -> 5); numbers with a time unit are ignored ("12 calls in 2 hours" -> 12). Without
  such a word, exactly one number must be present ("12 llamadas" -> 12, "3 or 4" is refused;
  "I talked for 1 hour with 3 buyers" -> 3 conversations, 60 minutes, never 63).
  "12.0" is accepted as 12; "1.5" is refused as fractional. "1,000" is one thousand.
- Minutes: a bare number is minutes ("45"); hours and minutes add up ("1h 30m", "1:30",
  "2 hours 15"); a comma works as a decimal point ("1,5 h"). A bare *fractional* number ("1.5")
  is refused because it is most likely hours: the member is asked to add a unit.
- Activities: split by lines, ';', a numbered list ("1. a 2. b") or bullets; commas do NOT split
  (so "called Acme, Beta and Gamma" stays one item). The list is never empty.
- Wins: a count first, then a note; a sentence without a number is one win with that note;
  "0", "no", "none", "nothing", "-" are none; a later number counts only before a win word
  ("closed 2 deals"), otherwise it is `Unsure` ("renewed for 3 years").
- All-in-one check-ins: segments are split by lines, ';', '|' and ' / '; a segment holding a
  count or a time is further split by commas and sentence full stops. Pieces with "calls"/"min"
  etc. give numbers, other pieces are activities. After a "Top:" / "Activities:" label, commas
  do split activities. A piece that is nothing but numbers ("12, 95") fills conversations then
  minutes, in the order the questions are asked (from the question being answered,
  `read_checkin(first=...)`).
  Words on one side of a count or duration are an activity ("5 calls 1h30 demo with Acme");
  on both sides, the number is inside an activity and not read. Nothing is dropped: what
  cannot be placed (out-of-range, negative or unclear values, extra numbers, a fourth
  activity, "Wins:" lines) is returned in `CheckinDraft.unplaced` for the check-in's note.
- `looks_like_checkin` needs a count with a call/conversation/meeting word (or a "calls:" label)
  plus minutes or an activity set apart by ';' / a new line / a "Top:" label. A message that
  starts with a Needle command word ("log 3 calls 40m") or ends with "?" is not a check-in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from bot.checkin.answers import (
    ACTIVITY_LABEL_RE,
    Unsure,
    activity_items,
    clean_item,
    is_day_off,
    is_list_line,
    parse_activities,
    parse_conversations,
    parse_minutes,
    parse_wins,
    split_activity_items,
    strip_marker,
)
from bot.checkin.arguments import (
    QuickLog,
    parse_pause,
    parse_quick_log,
    parse_schedule,
    parse_time_of_day,
    parse_workdays,
)
from bot.checkin.numbers import (
    MAX_ACTIVITIES,
    MAX_ACTIVITY_CHARS,
    MAX_CONVERSATIONS,
    MAX_MINUTES,
    MAX_PAUSE_DAYS,
    MAX_WIN_NOTE_CHARS,
    MAX_WINS,
    AnswerError,
    Tally,
    bare_text,
    clean_text,
    duration_text,
    mask_unclear,
    round_minutes,
    tally_quantities,
    unclear_numbers,
)
from bot.outcomes.parsing import opens_with_outcome_verb

__all__ = [
    "MAX_ACTIVITIES",
    "MAX_ACTIVITY_CHARS",
    "MAX_CONVERSATIONS",
    "MAX_MINUTES",
    "MAX_PAUSE_DAYS",
    "MAX_WINS",
    "MAX_WIN_NOTE_CHARS",
    "AnswerError",
    "CheckinDraft",
    "QuickLog",
    "Unsure",
    "activity_items",
    "is_day_off",
    "is_list_line",
    "looks_like_checkin",
    "parse_activities",
    "parse_checkin_message",
    "parse_conversations",
    "parse_minutes",
    "parse_pause",
    "parse_quick_log",
    "parse_schedule",
    "parse_time_of_day",
    "parse_wins",
    "parse_workdays",
    "read_checkin",
]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# The all-in-one check-in message


@dataclass(frozen=True)
class CheckinDraft:
    """What an all-in-one check-in message told us; None/empty where it said nothing usable.

    `unplaced` holds the parts that could not be placed (an unclear number, a fourth activity,
    a number with no question left for it): the flow keeps them in the check-in's note and
    shows them back. `numbers_read` holds the parts read as conversations or minutes.
    """

    conversations: int | None = None
    minutes: int | None = None
    activities: tuple[str, ...] = ()
    day_off: bool = False
    unplaced: tuple[str, ...] = ()
    numbers_read: tuple[str, ...] = field(default=(), compare=False)

    def placed(self) -> int:
        """How many of conversations, minutes and activities the message answered."""
        return sum(
            (self.conversations is not None, self.minutes is not None, bool(self.activities))
        )


_LABEL_RE = re.compile(
    r"^\s*(?P<label>(?:sales\s+)?(?:calls?|conversations?|convos?|meetings?|conv)"
    r"|minutes?|mins?|talk(?:ing)?\s+time|time(?:\s+talking)?|talk(?:ed|ing)?|duration"
    r"|hours?|hrs?|wins?)"
    r"(?:\s*[:=]\s*|\s+(?=[0-9]))",
    re.IGNORECASE,
)
_INLINE_ACTIVITY_LABEL_RE = re.compile(
    r"\b(?:top(?:\s*(?:3|three))?(?:\s+activities)?|activities|highlights)\s*:", re.IGNORECASE
)
_SEGMENT_SPLIT_RE = re.compile(r"[\n;|]|(?<=\s)/(?=\s)")
_PIECE_SPLIT_RE = re.compile(r",(?![0-9])|(?<![0-9]),|\.(?![0-9])|(?<![0-9])\.")
_BARE_NUMBERS_RE = re.compile(r"\s*[0-9]+(?:\s+[0-9]+)*\s*")
_BARE_DECIMAL_RE = re.compile(r"\s*[0-9]+(?:[.,][0-9]+)?\s*")
_COMMAND_WORDS = frozenset(
    {"log", "stats", "leaderboard", "goal", "timezone", "schedule", "pause", "resume", "export"}
    | {"forget", "admin", "help", "checkin", "check", "needle"}
)
# Words around a count or a duration that belong to it ("12 calls in 2 hours with buyers").
_NUMBER_FILLER = frozenset(
    {"and", "in", "with", "of", "for", "on", "the", "over", "about", "around", "approx", "total"}
    | {"today", "i", "had", "made", "did", "spent", "talking", "talked", "talk", "time", "phone"}
    | {"buyers", "buyer", "prospects", "clients", "customers", "plus", "then", "also", "x"}
)
_CONNECTORS = frozenset({"and", "plus", "then", "also"})
_GUESSABLE = ("lookalike", "grouped", "approximate", "range")
ORDER = ("conversations", "minutes")

T = TypeVar("T")


def _attempt(parse: Callable[[str], T], text: str) -> T | None:
    """The parsed value, or None when the answer is unusable (or needs confirming)."""
    try:
        return parse(text)
    except AnswerError:
        return None


@dataclass
class _DraftBuilder:
    """Collects what the pieces of a check-in message say."""

    first: str = "conversations"  # the question a bare number answers first
    conversations: int = 0
    minutes: int = 0
    has_conversations: bool = False
    has_minutes: bool = False
    named_count: bool = False
    activities: list[str] = field(default_factory=list)
    set_apart: bool = False
    positional: list[tuple[int, str]] = field(default_factory=list)
    invalid: set[str] = field(default_factory=set)
    unplaced: list[str] = field(default_factory=list)
    numbers_read: list[str] = field(default_factory=list)

    def unplace(self, text: str) -> None:
        """Keep a part that could not be placed."""
        text = " ".join(text.split())
        if text:
            self.unplaced.append(text)

    def add_conversations(self, value: int | None, *, named: bool, source: str) -> None:
        """Add a count of conversations; an unusable one makes the field unknown."""
        if value is None:
            self.invalid.add("conversations")
            self.unplace(source)
            return
        self.conversations += value
        self.has_conversations = True
        self.named_count = self.named_count or named
        self.numbers_read.append(source)

    def add_minutes(self, value: int | None, *, source: str) -> None:
        """Add minutes; an unusable value makes the field unknown."""
        if value is None:
            self.invalid.add("minutes")
            self.unplace(source)
            return
        self.minutes += value
        self.has_minutes = True
        self.numbers_read.append(source)

    def add_activities(self, items: list[str], *, set_apart: bool) -> None:
        """Add activity items."""
        self.activities.extend(items)
        self.set_apart = self.set_apart or (set_apart and bool(items))

    def open_slot(self) -> str | None:
        """The next question a bare number may answer, from `first` on."""
        for slot in ORDER[ORDER.index(self.first) :]:
            known = self.has_conversations if slot == "conversations" else self.has_minutes
            if not known and slot not in self.invalid:
                return slot
        return None

    def draft(self) -> CheckinDraft:
        """The final draft, with positional numbers filling gaps and ranges enforced."""
        for number, source in self.positional:
            slot = self.open_slot()
            if slot == "conversations":
                value = number if number <= MAX_CONVERSATIONS else None
                self.add_conversations(value, named=False, source=source)
            elif slot == "minutes":
                self.add_minutes(number if number <= MAX_MINUTES else None, source=source)
            else:
                self.unplace(source)
        conversations = self.conversations if self.has_conversations else None
        if "conversations" in self.invalid or self.conversations > MAX_CONVERSATIONS:
            conversations = None
        minutes = self.minutes if self.has_minutes else None
        if "minutes" in self.invalid or self.minutes > MAX_MINUTES:
            minutes = None
        kept = [item[:MAX_ACTIVITY_CHARS].rstrip() for item in self.activities[:MAX_ACTIVITIES]]
        overflow = [item for item in self.activities if len(item) > MAX_ACTIVITY_CHARS][:1]
        overflow += self.activities[MAX_ACTIVITIES:]
        return CheckinDraft(
            conversations,
            minutes,
            tuple(kept),
            unplaced=tuple(self.unplaced + overflow),
            numbers_read=tuple(self.numbers_read),
        )


def _original(fragment: str, piece: str) -> str:
    """The piece's own spelling of a lower-cased fragment (or the fragment if not found)."""
    at = piece.lower().find(fragment)
    return piece[at : at + len(fragment)] if at >= 0 else fragment


def _leftovers(numeric: str, tally: Tally, piece: str, builder: _DraftBuilder) -> bool:
    """Place the words around a piece's counts and durations; False: the piece is an activity.

    Filler ("in", "and", "with buyers") belongs to the numbers; a side holding another number
    is kept unplaced; one side of words beside a count is an activity ("5 calls 1h30 demo with
    Acme"). Words on both sides mean the numbers sit inside an activity ("demo for 2 hours with
    Acme"), and so does a time with words and no count ("admin 2h", "CRM updates 45 min"): the
    time an activity took, never time with buyers.
    """
    spans = sorted((q.start, q.end) for q in tally.counts + tally.times)
    sides, pos = [], 0
    for start, end in spans:
        sides.append(numeric[pos:start])
        pos = max(pos, end)
    sides.append(numeric[pos:])
    meaningful = [s.strip(" -+&:=,.") for s in sides]
    meaningful = [s for s in meaningful if set(bare_text(s).split()) - _NUMBER_FILLER]
    if len(meaningful) > 1 and not any(_has_digit(s) for s in meaningful):
        return False
    if tally.times and not tally.counts and meaningful and not any(map(_has_digit, meaningful)):
        return False  # "admin 2h": an activity and the time it took, not time with buyers
    for side in meaningful:
        words = side.split()
        while words and words[0] in _CONNECTORS:
            words.pop(0)
        text = _original(" ".join(words), piece) if words else ""
        if _has_digit(side):
            builder.unplace(_original(side, piece))
        elif text:
            builder.add_activities([clean_item(text)], set_apart=False)
    return True


def _has_digit(text: str) -> bool:
    """Whether text holds a digit."""
    return any(ch.isdigit() for ch in text)


def _read_piece(piece: str, builder: _DraftBuilder) -> bool:
    """Take numbers from one piece; return False when the piece is an activity instead."""
    if opens_with_outcome_verb(piece):
        builder.unplace(piece)  # "booked 2 meetings" is an outcome, never 2 conversations
        return True
    unclear = unclear_numbers(piece)
    if any(u.kind in _GUESSABLE for u in unclear):
        builder.unplace(piece)  # "1O calls": asked for again, never read as 1
        return True
    piece_read = piece
    piece = mask_unclear(piece, unclear)
    label = _LABEL_RE.match(piece)
    if label:
        name = label.group("label").lower()
        rest = piece[label.end() :]
        if name.startswith("win"):
            builder.unplace(piece_read)  # wins are asked separately
            return True
        if name.startswith(("hour", "hr")) and _BARE_DECIMAL_RE.fullmatch(rest):
            rest += " h"
        if name.startswith(("min", "talk", "time", "duration", "hour", "hr")):
            value = _attempt(parse_minutes, rest)
            if value is not None:
                builder.add_minutes(value, source=piece_read)
                return True
        else:
            value = _attempt(parse_conversations, rest)
            if value is not None:
                builder.add_conversations(value, named=True, source=piece_read)
                return True
    numeric = duration_text(piece)
    if _BARE_NUMBERS_RE.fullmatch(numeric):
        if builder.open_slot() is None and not builder.positional:
            if _has_digit(piece):
                builder.unplace(piece_read)  # no question left for it: kept, shown back
                return True
            return False  # both numbers known already: "one" is an activity here
        numbers = numeric.split()
        for n in numbers:
            source = piece_read if len(numbers) == 1 else n
            if len(n) <= 6:
                builder.positional.append((int(n), source))
            else:
                builder.unplace(source)
        return True
    tally = tally_quantities(numeric)
    if not tally.has_units or not _leftovers(numeric, tally, piece_read, builder):
        return False
    if tally.counts:
        counts = tally.counts
        usable = not any(q.negative or q.fractional for q in counts)
        total = sum((q.value for q in counts), Decimal(0))
        ok = usable and total <= MAX_CONVERSATIONS
        builder.add_conversations(int(total) if ok else None, named=True, source=piece_read)
    if tally.times:
        ok = not any(q.negative for q in tally.times) and 0 <= tally.minutes <= MAX_MINUTES
        value = round_minutes(tally.minutes) if ok else None
        builder.add_minutes(value, source=piece_read)
    return True


def _read_segment(segment: str, builder: _DraftBuilder, *, set_apart: bool) -> None:
    """Read one line or ';'-separated segment of a check-in message."""
    typed, segment = segment, strip_marker(segment).strip()
    if not segment or (segment != typed.strip() and not any(ch.isalnum() for ch in segment)):
        # Only a list marker was typed ("3)", "0):"): it may be a number, so it is kept in
        # the note, never guessed at; a bare bullet is nothing.
        if any(ch.isdigit() for ch in typed):
            builder.unplace(typed.strip())
        return
    if ACTIVITY_LABEL_RE.match(segment):
        builder.add_activities(split_activity_items(segment, commas=True), set_apart=True)
        return
    label = _LABEL_RE.match(segment)
    if label and label.group("label").lower().startswith("win"):
        builder.unplace(segment)  # wins are asked separately
        return
    inline = _INLINE_ACTIVITY_LABEL_RE.search(segment)
    if inline:
        _read_segment(segment[: inline.start()], builder, set_apart=set_apart)
        items = split_activity_items(segment[inline.end() :], commas=True)
        builder.add_activities(items, set_apart=True)
        return
    pieces = _PIECE_SPLIT_RE.split(segment)
    if len(pieces) > 1:
        results = [(piece, _read_piece(piece, builder)) for piece in pieces if piece.strip()]
        if any(read for _, read in results):
            items = [clean_item(piece) for piece, read in results if not read]
            builder.add_activities([item for item in items if item], set_apart=False)
            return
    elif _read_piece(segment, builder):
        return
    item = clean_item(segment)
    if item:
        builder.add_activities([item], set_apart=set_apart)


def read_checkin(text: str, *, first: str = "conversations") -> CheckinDraft:
    """Parse a check-in message; a bare number answers `first`, then the questions after it."""
    return _read_checkin(text, first=first)[0]


def _read_checkin(text: str, *, first: str = "conversations") -> tuple[CheckinDraft, bool, bool]:
    """Parse a check-in message: (draft, count named with a unit, activity set apart)."""
    clean = clean_text(text)
    if is_day_off(clean):
        return CheckinDraft(day_off=True), False, False
    segments = [s for s in _SEGMENT_SPLIT_RE.split(clean) if s.strip()]
    builder = _DraftBuilder(first=first)
    for segment in segments:
        _read_segment(segment, builder, set_apart=len(segments) > 1)
    return builder.draft(), builder.named_count, builder.set_apart


def parse_checkin_message(text: str) -> CheckinDraft:
    """Take what an all-in-one check-in message says ("12 calls, 95 min; demo with Acme")."""
    try:
        return _read_checkin(text)[0]
    except Exception:  # never let a member's message crash the bot
        log.exception("could not parse a check-in message")
        return CheckinDraft()


def looks_like_checkin(text: str) -> bool:
    """Whether a direct message is clearly a check-in: a named count plus minutes or activities."""
    try:
        clean = clean_text(text).strip()
        words = bare_text(clean[:40]).split()
        if not words or words[0] in _COMMAND_WORDS or clean.endswith("?"):
            return False
        draft, named_count, set_apart = _read_checkin(clean)
        if not named_count or draft.conversations is None:
            return False
        return draft.minutes is not None or (bool(draft.activities) and set_apart)
    except Exception:  # never let a member's message crash the bot
        log.exception("could not test a message for a check-in")
        return False
