"""Read members' free-text check-in answers: counts, minutes, activities, wins, day off.

Pure and platform-neutral: every function takes a string (and, for dates, today's local date)
and returns a value or raises `AnswerError` whose text is a short, friendly reason without an
example (the caller adds one). `parse_checkin_message` and `looks_like_checkin` never raise.

The shared machinery (cleaning, number words, quantities) is in `bot.checkin.numbers`; the
arguments of commands (`log`, `pause`, `schedule`) are read in `bot.checkin.arguments` and
re-exported here.

Decisions worth knowing (where the spec is silent):

- Numbers may be digits or English words up to the thousands ("twenty-one", "a dozen",
  "half a dozen", "a couple", "one hundred and five", "one and a half"). Vague amounts ("a few",
  "some", "several") are refused: Needle asks for an exact count.
- Conversations: numbers followed by a call/conversation/meeting word are summed ("3 calls and
  2 meetings" -> 5); numbers with a time unit are ignored ("12 calls in 2 hours" -> 12). Without
  such a word, exactly one number must be present ("12 llamadas" -> 12, "3 or 4" is refused).
  "12.0" is accepted as 12; "1.5" is refused as fractional. "1,000" is one thousand.
- Minutes: a bare number is minutes ("45"); hours and minutes add up ("1h 30m", "1:30",
  "2 hours 15"); a comma works as a decimal point ("1,5 h"). A bare *fractional* number ("1.5")
  is refused because it is most likely hours: the member is asked to add a unit.
- Activities: split by lines, ';', a numbered list ("1. a 2. b") or bullets; commas do NOT split
  (so "called Acme, Beta and Gamma" stays one item). The list is never empty.
- All-in-one check-ins: segments are split by lines and ';'; a segment holding a count or a time
  is further split by commas and sentence full stops. Pieces with "calls"/"min" etc. give numbers,
  other pieces are activities. After a "Top:" / "Activities:" label, commas do split activities.
  A piece that is nothing but numbers ("12, 95") fills conversations then minutes, in the order
  the questions are asked. Out-of-range or negative values are left unknown (the flow re-asks).
  Lines labelled "Wins:" are skipped (wins are asked separately).
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

from bot.checkin.arguments import (
    QuickLog,
    parse_pause,
    parse_quick_log,
    parse_schedule,
    parse_time_of_day,
    parse_workdays,
)
from bot.checkin.numbers import (
    JOINER_RE,
    MAX_ACTIVITIES,
    MAX_ACTIVITY_CHARS,
    MAX_CONVERSATIONS,
    MAX_MINUTES,
    MAX_PAUSE_DAYS,
    MAX_WIN_NOTE_CHARS,
    MAX_WINS,
    WORD_RE,
    ZERO_ANSWERS,
    AnswerError,
    Tally,
    bare_text,
    clean_text,
    duration_text,
    find_quantities,
    mask_unclear,
    minutes_in_range,
    numeric_text,
    read_number_words,
    refuse_missing_number,
    round_minutes,
    tally_quantities,
    unclear_numbers,
    with_guesses,
)

__all__ = [
    "MAX_ACTIVITIES",
    "MAX_ACTIVITY_CHARS",
    "MAX_CONVERSATIONS",
    "MAX_MINUTES",
    "MAX_PAUSE_DAYS",
    "MAX_WINS",
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
# Single answers


class Unsure(AnswerError):
    """An answer with one likely reading that the member must confirm before it counts.

    str(err) is the question to ask ("Did you mean 10 conversations?"); `value` the reading.
    """

    def __init__(self, question: str, value: int) -> None:
        super().__init__(question)
        self.value = value


def _clear_or_ask(clean: str, parse: Callable[[str], int], unit: str) -> str:
    """The answer with unclear numbers blanked, or the question/refusal they call for.

    Digits touching letters or symbols are never read silently: a range is refused with the
    question it raises; one likely reading ("1O" -> 10) becomes an `Unsure` to confirm; other
    unclear numbers are ignored, and refused by name when nothing else is left to read.
    """
    unclear = unclear_numbers(clean)
    if not unclear:
        return clean
    ranges = [u for u in unclear if u.kind == "range"]
    if ranges:
        low, _, high = ranges[0].text.partition("-")
        raise AnswerError(f"Was it {low} or {high}? Send one number.")
    guessed = with_guesses(clean, [u for u in unclear if u.kind != "unreadable"])
    if guessed is not None and all(u.kind != "unreadable" for u in unclear):
        value = parse(guessed)  # an AnswerError here is the reason to give
        raise Unsure(f"Did you mean {plural_unit(value, unit)}?", value)
    masked = mask_unclear(clean, unclear)
    if not find_quantities(duration_text(masked)):
        shown = unclear[0].text[:30]
        raise AnswerError(f"I couldn't read a number I'm sure of in “{shown}”.")
    return masked


def plural_unit(value: int, unit: str) -> str:
    """`1 conversation`, `10 conversations`."""
    return f"{value} {unit}" + ("" if value == 1 else "s")


def parse_conversations(text: str) -> int:
    """Read today's number of sales conversations (0..500) from digits or words.

    Raises `Unsure` where the only reading needs the member's confirmation ("1O").
    """
    clean = _clear_or_ask(clean_text(text), parse_conversations, "conversation")
    tally = tally_quantities(duration_text(clean))
    counted = tally.counts or tally.loose
    if not counted:
        if bare_text(clean) in ZERO_ANSWERS:
            return 0
        raise refuse_missing_number(clean, "conversations")
    if not tally.counts and len(counted) > 1:
        raise AnswerError("I found more than one number there; send just the total.")
    if any(q.negative for q in counted):
        raise AnswerError("Conversations can't be negative. How many did you have?")
    if any(q.fractional for q in counted):
        raise AnswerError(
            "Conversations are whole numbers — count each call or meeting once. How many?"
        )
    total = sum((q.value for q in counted), Decimal(0))
    if total > MAX_CONVERSATIONS:
        raise AnswerError(f"That's more than {MAX_CONVERSATIONS} conversations in a day.")
    return int(total)


def parse_minutes(text: str) -> int:
    """Read minutes spent talking with buyers (0..1440): "45", "1h30", "1.5 hours", "an hour".

    Raises `Unsure` where the only reading needs the member's confirmation ("6o min").
    """
    clean = _clear_or_ask(clean_text(text), parse_minutes, "minute")
    tally = tally_quantities(duration_text(clean))
    if tally.times:
        if any(q.negative for q in tally.times):
            raise AnswerError("Minutes can't be negative.")
        return minutes_in_range(tally.minutes)
    if not tally.loose:
        if bare_text(clean) in ZERO_ANSWERS:
            return 0
        raise refuse_missing_number(clean, "minutes")
    if len(tally.loose) > 1:
        raise AnswerError("I found more than one number there; send just the total time.")
    q = tally.loose[0]
    if q.negative:
        raise AnswerError("Minutes can't be negative.")
    if q.fractional:
        raise AnswerError("Is that hours or minutes? Please add the unit.")
    return minutes_in_range(q.value)


_LIST_MARKER_RE = re.compile(
    r"^\s*(?:[-*+](?![0-9])\s*|[•◦▪‣·►→✓✔☐☑]\s*|\(?[0-9]{1,2}[.):](?:\s+|$)|\(?[0-9]{1,2}\)\s*)"
)
_ACTIVITY_LABEL_RE = re.compile(
    r"^\s*(?:my\s+)?(?:top(?:\s*(?:3|three))?(?:\s+activities)?|activities|highlights)"
    r"\s*(?::|=|-(?=\s))\s*",
    re.IGNORECASE,
)
_INLINE_NUMBERED_RE = re.compile(r"(?:^|(?<=\s))\(?[0-9]{1,2}[.)]\s+")
_INLINE_BULLETS_RE = re.compile(r"[•◦▪‣]")


def _strip_marker(item: str) -> str:
    """Remove list bullets/numbers ("- ", "2) ", "• ") from the start of an item."""
    for _ in range(3):
        stripped = _LIST_MARKER_RE.sub("", item, count=1)
        if stripped == item:
            break
        item = stripped
    return item


def _clean_item(item: str) -> str:
    """One activity as stored: markers and labels gone, trimmed, at most 200 characters."""
    item = _ACTIVITY_LABEL_RE.sub("", _strip_marker(item), count=1)
    return " ".join(item.split()).strip(" .,;:")


def _split_inline(part: str) -> list[str]:
    """Split "1. demo 2. proposal" or "• demo • proposal" written on one line."""
    if _INLINE_BULLETS_RE.search(part):
        return _INLINE_BULLETS_RE.split(part)
    if _LIST_MARKER_RE.match(part) and len(_INLINE_NUMBERED_RE.findall(part)) >= 2:
        return _INLINE_NUMBERED_RE.split(part)
    return [part]


def _activity_items(clean: str, *, commas: bool = False) -> list[str]:
    """All non-empty activity items of cleaned text, in order."""
    items: list[str] = []
    for line in clean.split("\n"):
        for part in line.split(";"):
            for piece in _split_inline(part):
                for item in piece.split(",") if commas else (piece,):
                    cleaned = _clean_item(item)
                    if cleaned:
                        items.append(cleaned)
    return items


def activity_items(text: str) -> list[str]:
    """Every activity an answer lists, in full (before the limits of three and 200 characters)."""
    return _activity_items(clean_text(text))


def parse_activities(text: str) -> list[str]:
    """Read up to three top activities, one per line, ';'-separated, numbered or bulleted."""
    items = activity_items(text)
    if not items:
        raise AnswerError("I didn't catch any activities.")
    return [item[:MAX_ACTIVITY_CHARS].rstrip() for item in items[:MAX_ACTIVITIES]]


def is_list_line(text: str) -> bool:
    """Whether an answer is one bulleted or numbered line ("- cold calls", "2) demo")."""
    clean = clean_text(text).strip()
    return (
        "\n" not in clean and bool(_LIST_MARKER_RE.match(clean)) and len(activity_items(clean)) == 1
    )


_LEADING_NUMBER_RE = re.compile(
    r"\s*(?P<neg>-(?=[0-9])|minus\s+(?=[0-9]))?(?P<int>[0-9]+)(?:[.,](?P<frac>[0-9]+))?",
    re.IGNORECASE,
)
_WIN_NOTE_START_RE = re.compile(r"^\s*(?:wins?\b|deals?\b)?[\s\-:,.)=]*", re.IGNORECASE)
_VAGUE_WIN_WORDS = frozenset(
    {"few", "several", "some", "many", "lots", "lot", "bunch", "handful", "plenty", "multiple"}
    | {"yes", "yeah", "yep", "yup", "y", "ok", "okay", "maybe", "idk", "dunno", "sure", "x"}
)
_WIN_UNITS = frozenset(
    {"win", "wins", "deal", "deals", "meeting", "meetings", "demo", "demos", "contract"}
    | {"contracts", "sale", "sales", "order", "orders", "signing", "signings", "renewal"}
    | {"renewals", "booking", "bookings", "closed", "signed", "booked"}
)
_ZERO_NOTE_WORDS = frozenset({"today", "yet", "so", "far", "this", "time", "for", "now", "wins"})


def _leading_count(clean: str) -> tuple[Decimal, bool, bool, str] | None:
    """A number at the start of the text: (value, negative, fractional, rest of the text)."""
    m = _LEADING_NUMBER_RE.match(clean)
    if m:
        frac = m.group("frac") or ""
        value = Decimal(m.group("int") + (f".{frac}" if frac else ""))
        return value, bool(m.group("neg")), bool(frac.strip("0")), clean[m.end() :]
    words = list(WORD_RE.finditer(clean[:200]))
    if not words or clean[: words[0].start()].strip():
        return None
    lowered = [w.group().lower() for w in words]
    limit = 1
    while limit < len(words) and JOINER_RE.fullmatch(
        clean, words[limit - 1].end(), words[limit].start()
    ):
        limit += 1
    read = read_number_words(lowered, 0, limit)
    if read is None and lowered[0] in ("no", "nope", "nah"):
        read = Decimal(0), 1
    elif read is None and lowered[0] in ("a", "an"):
        read = Decimal(1), 1
    if read is None:
        return None
    value, j = read
    return value, False, value != value.to_integral_value(), clean[words[j - 1].end() :]


_DASHES_ONLY_RE = re.compile(r"[\s\-.]*-[\s\-.]*")


def parse_wins(text: str) -> tuple[int, str]:
    """Read today's wins: a count (0..100) first, then an optional note ("2 - closed Acme").

    "0", "no", "none", "nothing" and a lone "-" are no wins. A sentence without a number
    ("signed the Initech pilot!") is one win with that sentence as its note; a vague one
    ("a few deals") or a question is refused. A first number that needs confirming ("1O")
    raises `Unsure`; other unclear digits ("Q4") are words of the note, never a count.
    """
    clean = clean_text(text).strip()
    if not clean:
        raise AnswerError("That answer was empty.")
    if bare_text(clean) in ZERO_ANSWERS or _DASHES_ONLY_RE.fullmatch(clean):
        return 0, ""
    if set(bare_text(clean).split()[:2]) & _VAGUE_WIN_WORDS - {"yes", "ok", "sure"}:
        raise AnswerError("How many wins? Start with the number (0 if none).")
    unclear = unclear_numbers(clean)
    first = unclear[0] if unclear else None
    if (
        first is not None
        and first.guess is not None
        and first.kind != "ordinal"
        and not clean[: first.start].strip()
    ):
        guess = parse_wins(with_guesses(clean, [first]) or clean)[0]
        raise Unsure(f"Did you mean {plural_unit(guess, 'win')}?", guess)
    masked = mask_unclear(clean, unclear)
    lead = _leading_count(masked)
    if lead is None:
        found = find_quantities(numeric_text(masked))
        if len(found) > 1:
            raise AnswerError("Start with how many wins you had (0 if none).")
        if not found:
            words = set(bare_text(clean).split())
            if words & _VAGUE_WIN_WORDS or clean.endswith("?") or not words:
                raise AnswerError("How many wins? Start with the number (0 if none).")
            note = " ".join(_strip_marker(clean).split())
            return 1, note[:MAX_WIN_NOTE_CHARS].rstrip()
        q = found[0]
        lead = q.value, q.negative, q.fractional, clean
        unit = numeric_text(masked)[q.end :].split()[:1]
        if not unit or unit[0] not in _WIN_UNITS:  # "renewed for 2 years": 2 wins?
            guess = int(q.value)
            if not (q.negative or q.fractional or guess > MAX_WINS):
                raise Unsure(f"Did you mean {plural_unit(guess, 'win')}?", guess)
    value, negative, fractional, rest = lead
    if negative and value:
        raise AnswerError("Wins can't be negative.")
    if fractional:
        raise AnswerError("Wins are whole numbers.")
    if value > MAX_WINS:
        raise AnswerError(f"That's more than {MAX_WINS} wins in a day.")
    rest = clean[len(clean) - len(rest) :]  # masked and clean text have the same length
    note = " ".join(_WIN_NOTE_START_RE.sub("", rest, count=1).split())
    if value == 0 and set(bare_text(note).split()) <= _ZERO_NOTE_WORDS:
        note = ""
    return int(value), note[:MAX_WIN_NOTE_CHARS].rstrip()


_DAY_OFF_PHRASES = (
    (re.compile(r"\bout\s+of\s+(?:the\s+)?office\b"), " ooo "),
    (re.compile(r"\bday\s*-?\s*off\b"), " off "),
    (re.compile(r"\btime\s*-?\s*off\b"), " off "),
)
_DAY_OFF_WORDS = frozenset(
    {"off", "vacation", "vacay", "holiday", "holidays", "hols", "sick", "ill", "unwell", "skip"}
    | {"skipping", "pto", "ooo", "leave", "urlaub", "vacaciones", "feriado", "krank", "conge"}
)
_DAY_OFF_FILLER = frozenset(
    {"i", "im", "am", "was", "is", "its", "it", "be", "will", "today", "todays", "tonight"}
    | {"this", "a", "an", "the", "on", "day", "days", "whole", "full", "all", "taking", "take"}
    | {"took", "having", "have", "had", "my", "me", "out", "of", "sorry", "please", "just"}
    | {"and", "from", "for", "being", "feeling", "got", "so", "bank", "public", "national"}
    | {"annual", "personal", "family", "week", "rest", "home", "at", "until", "till", "back"}
    | {"tomorrow", "next", "monday", "tuesday", "wednesday", "thursday", "friday", "on"}
)


def is_day_off(text: str) -> bool:
    """Whether the whole (short) answer means "I'm off today": off, vacation, sick, skip, PTO…"""
    clean = clean_text(text).lower().replace("'", "")
    if len(clean.strip()) > 80:
        return False
    for pattern, replacement in _DAY_OFF_PHRASES:
        clean = pattern.sub(replacement, clean)
    words = WORD_RE.findall(clean)
    if not words or len(words) > 10:
        return False
    named = False
    for word in words:
        if word in _DAY_OFF_WORDS:
            named = True
        elif word not in _DAY_OFF_FILLER:
            return False
    return named


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
    is kept unplaced; one side of words is an activity ("5 calls 1h30 demo with Acme"). Words
    on both sides mean the numbers sit inside an activity ("demo for 2 hours with Acme").
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
    for side in meaningful:
        words = side.split()
        while words and words[0] in _CONNECTORS:
            words.pop(0)
        text = _original(" ".join(words), piece) if words else ""
        if _has_digit(side):
            builder.unplace(_original(side, piece))
        elif text:
            builder.add_activities([_clean_item(text)], set_apart=False)
    return True


def _has_digit(text: str) -> bool:
    """Whether text holds a digit."""
    return any(ch.isdigit() for ch in text)


def _read_piece(piece: str, builder: _DraftBuilder) -> bool:
    """Take numbers from one piece; return False when the piece is an activity instead."""
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
    segment = _strip_marker(segment).strip()
    if not segment:
        return
    if _ACTIVITY_LABEL_RE.match(segment):
        builder.add_activities(_activity_items(segment, commas=True), set_apart=True)
        return
    label = _LABEL_RE.match(segment)
    if label and label.group("label").lower().startswith("win"):
        builder.unplace(segment)  # wins are asked separately
        return
    inline = _INLINE_ACTIVITY_LABEL_RE.search(segment)
    if inline:
        _read_segment(segment[: inline.start()], builder, set_apart=set_apart)
        items = _activity_items(segment[inline.end() :], commas=True)
        builder.add_activities(items, set_apart=True)
        return
    pieces = _PIECE_SPLIT_RE.split(segment)
    if len(pieces) > 1:
        results = [(piece, _read_piece(piece, builder)) for piece in pieces if piece.strip()]
        if any(read for _, read in results):
            items = [_clean_item(piece) for piece, read in results if not read]
            builder.add_activities([item for item in items if item], set_apart=False)
            return
    elif _read_piece(segment, builder):
        return
    item = _clean_item(segment)
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
