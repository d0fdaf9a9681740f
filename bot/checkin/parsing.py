"""Read members' free-text check-in answers: counts, minutes, activities, wins, dates and times.

Pure and platform-neutral: every function takes a string (and, for dates, today's local date)
and returns a value or raises `AnswerError` whose text is a short, friendly reason without an
example (the caller adds one). `parse_checkin_message` and `looks_like_checkin` never raise.

Robustness: only the first 2,000 characters of any answer are read; text is NFKC-normalised
(full-width and other scripts' digits become 0-9, fancy dashes become "-"), control characters
and NUL bytes become spaces, and every regular expression is linear in its input.

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
- Pause: "5d" counts today as day 1; "until <date>" is inclusive; a month/day without a year is
  the next such day (today included); "until friday" is the next Friday after today; "2m" is
  refused as ambiguous but "2 months" works. US-style "12/01" is refused as ambiguous.
- Quick log: a unit-less number is conversations, a second one minutes ("3 40" and "3 40m" ->
  3 conversations, 40 minutes); adding nothing ("0 calls") is refused.
"""

from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, TypeVar

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
    "is_day_off",
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
]

log = logging.getLogger(__name__)

MAX_CONVERSATIONS = 500
MAX_MINUTES = 1440
MAX_ACTIVITIES = 3
MAX_ACTIVITY_CHARS = 200
MAX_WINS = 100
MAX_WIN_NOTE_CHARS = 500
MAX_PAUSE_DAYS = 365
MAX_INPUT_CHARS = 2000


class AnswerError(ValueError):
    """An answer Needle could not use; str(err) is a short friendly reason without an example."""


# --------------------------------------------------------------------------------------------
# Cleaning


_FRACTION_CHARS = {ord("½"): ".5", ord("¼"): ".25", ord("¾"): ".75"}
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹣－"), "-")
_APOSTROPHES = dict.fromkeys(map(ord, "‘’ʼ′"), "'")


def _clean_char(ch: str) -> str:
    """Map one character: other scripts' digits to 0-9, control/format characters to a space."""
    if " " <= ch < "\x7f" or ch in "\n\t":
        return ch
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    return " " if unicodedata.category(ch)[0] == "C" else ch


def _clean(text: str) -> str:
    """Cap the length, normalise Unicode and blank out control characters."""
    text = str(text)[:MAX_INPUT_CHARS].translate(_FRACTION_CHARS)
    text = unicodedata.normalize("NFKC", text)[: MAX_INPUT_CHARS * 2]
    text = text.translate(_DASHES).translate(_APOSTROPHES)
    return "".join(map(_clean_char, text))


_BARE_RE = re.compile(r"[^\w/]+")


def _bare(text: str) -> str:
    """Lower-case words only, single-spaced: for whole-answer comparisons."""
    return _BARE_RE.sub(" ", text.lower()).strip()


# --------------------------------------------------------------------------------------------
# Number words


def _words(spaced: str) -> list[str]:
    """Split a space-separated word table (keeps the tables below compact)."""
    return spaced.split()


_SMALL_NUMBERS = {
    **dict.fromkeys(_words("zero none nil nothing nada zilch"), 0),
    **{word: n for n, word in enumerate(_words("one two three four five six seven eight nine"), 1)},
    **{word: n for n, word in enumerate(_words("ten eleven twelve thirteen fourteen"), 10)},
    **{word: n for n, word in enumerate(_words("fifteen sixteen seventeen eighteen nineteen"), 15)},
}
_DIGIT_WORDS = {word: value for word, value in _SMALL_NUMBERS.items() if 1 <= value <= 9}
_TENS = {
    **{word: n * 10 for n, word in enumerate(_words("twenty thirty forty fifty sixty"), 2)},
    **{word: n * 10 for n, word in enumerate(_words("seventy eighty ninety"), 7)},
    "fourty": 40,
}
_ZERO_ANSWERS = frozenset(
    {"0", "no", "nope", "nah", "n/a", "na", "none", "nothing", "zero", "zip", "nil", "nada"}
)
_VAGUE_WORDS = frozenset(
    {"few", "several", "some", "many", "lots", "lot", "bunch", "handful", "plenty", "multiple"}
)

_WORD_RE = re.compile(r"[^\W\d_]+")
_JOINER_RE = re.compile(r"[\s-]+")


def _word(words: list[str], k: int, limit: int) -> str:
    """The k-th word, or "" past the end of the current run."""
    return words[k] if k < limit else ""


def _below_hundred(words: list[str], i: int, limit: int) -> tuple[int, int] | None:
    """Read "seven", "fifteen", "forty", "forty two" starting at word i."""
    first = _word(words, i, limit)
    if first in _TENS:
        second = _word(words, i + 1, limit)
        if second in _DIGIT_WORDS:
            return _TENS[first] + _DIGIT_WORDS[second], i + 2
        return _TENS[first], i + 1
    if first in _SMALL_NUMBERS:
        return _SMALL_NUMBERS[first], i + 1
    return None


def _read_number_words(words: list[str], i: int, limit: int) -> tuple[Decimal, int] | None:
    """Read an English number phrase starting at word i; return its value and the next index."""

    def at(k: int) -> str:
        return _word(words, k, limit)

    value: int
    if at(i) == "half" and at(i + 1) == "a" and at(i + 2) == "dozen":
        return Decimal(6), i + 3
    if at(i) in ("a", "couple"):
        j = i + 1 if at(i) == "a" else i
        if at(j) == "dozen":
            return Decimal(12), j + 1
        if at(j) == "couple":
            return Decimal(2), j + 2 if at(j + 1) == "of" else j + 1
        if at(i) == "a" and at(j) in ("hundred", "thousand"):
            value = 1
        else:
            return None
    else:
        small = _below_hundred(words, i, limit)
        if small is None:
            return None
        value, j = small
    if at(j) in ("dozen", "dozens"):
        return Decimal(value * 12), j + 1
    for scale, factor in (("hundred", 100), ("thousand", 1000)):
        if at(j) == scale:
            value *= factor
            j += 1
            k = j + 1 if at(j) == "and" else j
            rest = _below_hundred(words, k, limit)
            if rest is not None:
                value += rest[0]
                j = rest[1]
    if at(j) == "and" and at(j + 1) == "a" and at(j + 2) == "half":
        return Decimal(value) + Decimal("0.5"), j + 3
    return Decimal(value), j


def _format_number(value: Decimal) -> str:
    """Digits for a number-word value: "21", "1.5"."""
    return str(int(value)) if value == value.to_integral_value() else str(value)


def _words_to_digits(text: str) -> str:
    """Replace number phrases with digits ("twenty-one" -> "21", "no calls" -> "0 calls")."""
    matches = list(_WORD_RE.finditer(text))
    words = [m.group() for m in matches]
    # run_end[k]: one past the last word joined to word k by spaces or hyphens only.
    run_end = [0] * len(words)
    for k in range(len(words) - 1, -1, -1):
        joined = k + 1 < len(words) and _JOINER_RE.fullmatch(
            text, matches[k].end(), matches[k + 1].start()
        )
        run_end[k] = run_end[k + 1] if joined else k + 1
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(words):
        limit = run_end[i]
        read = _read_number_words(words, i, limit)
        if read is None and words[i] == "no" and _word(words, i + 1, limit) in _UNIT_AFTER_NO:
            read = Decimal(0), i + 1
        if read is None:
            i += 1
            continue
        value, j = read
        out.append(text[pos : matches[i].start()])
        out.append(_format_number(value))
        pos = matches[j - 1].end()
        i = j
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Quantities: a number and the unit after it


_HOUR_UNITS = frozenset(
    {"h", "hr", "hrs", "hs", "hour", "hours", "hora", "horas", "std", "stunde", "stunden"}
    | {"heure", "heures", "ora", "ore", "uur"}
)
_MINUTE_UNITS = frozenset(
    {"m", "min", "mins", "mn", "minute", "minutes", "minuto", "minutos", "minuten", "minuti"}
)
_COUNT_UNITS = frozenset(
    {"call", "calls", "conversation", "conversations", "convo", "convos", "conv", "convs"}
    | {"meeting", "meetings", "mtg", "mtgs", "chat", "chats", "dial", "dials"}
    | {"llamada", "llamadas", "conversacion", "conversaciones", "reunion", "reuniones"}
    | {"anruf", "anrufe", "gesprach", "gesprache", "gespräch", "gespräche", "appel", "appels"}
    | {"réunion", "réunions", "chiamata", "chiamate", "ligação", "ligações", "reuniões"}
)
_COUNT_MODIFIERS = frozenset(
    {"sales", "live", "buyer", "buyers", "client", "customer", "prospect", "phone", "discovery"}
    | {"cold", "warm", "video", "zoom", "demo", "intro", "real", "good", "great", "new", "quick"}
)
_UNIT_AFTER_NO = _HOUR_UNITS | _MINUTE_UNITS | _COUNT_UNITS | {"time", "sales"}

_QUANTITY_RE = re.compile(
    r"(?P<neg>(?<![\w.,)])-(?=[0-9])|\bminus\s+(?=[0-9]))?"
    r"(?<![0-9])(?P<int>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)"
    r"(?:[.,](?P<frac>[0-9]+))?"
    r"(?:\s*(?P<unit>[^\W\d_]+)(?:\s+(?P<unit2>[^\W\d_]+))?)?"
)
_LEADING_DOT_RE = re.compile(r"(?<![^\s(])\.(?=[0-9])")

UnitKind = Literal["count", "hour", "minute", "other", "bare"]


@dataclass(frozen=True)
class _Quantity:
    """A number found in an answer, with what kind of unit followed it."""

    value: Decimal
    negative: bool
    fractional: bool
    kind: UnitKind
    start: int
    end: int


def _unit_kind(unit: str | None, unit2: str | None) -> UnitKind:
    """Classify the word(s) after a number."""
    if unit is None:
        return "bare"
    if unit in _COUNT_UNITS or (unit in _COUNT_MODIFIERS and unit2 in _COUNT_UNITS):
        return "count"
    if unit in _HOUR_UNITS:
        return "hour"
    if unit in _MINUTE_UNITS:
        return "minute"
    return "other"


def _quantities(text: str) -> list[_Quantity]:
    """Every number in lower-case, digit-converted text, in order."""
    found = []
    for m in _QUANTITY_RE.finditer(text):
        whole = m.group("int").replace(",", "")
        frac = m.group("frac") or ""
        value = Decimal(f"{whole}.{frac}" if frac else whole)
        found.append(
            _Quantity(
                value=value,
                negative=bool(m.group("neg")) and value != 0,
                fractional=bool(frac.strip("0")),
                kind=_unit_kind(m.group("unit"), m.group("unit2")),
                start=m.start(),
                end=m.end(),
            )
        )
    return found


def _numeric_text(clean: str) -> str:
    """Lower-case, cleaned text with number words turned into digits."""
    return _words_to_digits(_LEADING_DOT_RE.sub("0.", clean.lower()))


_MINUTE_PHRASES = (
    (re.compile(r"\bthree[\s-]+quarters?[\s-]+(?:of[\s-]+)?(?:an?[\s-]+)?hour\b"), "45 min"),
    (re.compile(r"(?:^|\ban?[\s-]+)hour[\s-]+and[\s-]+a[\s-]+half\b", re.M), "90 min"),
    (re.compile(r"\b(?<!and )(?<!and a )(?:an?[\s-]+)?half[\s-]+(?:an?[\s-]+)?hour\b"), "30 min"),
    (re.compile(r"\b(?:an?[\s-]+)?quarter[\s-]+(?:of[\s-]+)?(?:an?[\s-]+)?hour\b"), "15 min"),
    (re.compile(r"\ban?[\s-]+hour\b"), "1 hour"),
    (re.compile(r"\ban?[\s-]+minute\b"), "1 min"),
)
_HOURS_AND_A_HALF_RE = re.compile(
    r"(?<![0-9.,])([0-9]+)\s*(?:h|hrs?|hours?)[\s-]+and[\s-]+a[\s-]+half\b"
)
_DIGITS_AND_A_HALF_RE = re.compile(r"(?<![0-9.,])([0-9]+)[\s-]+and[\s-]+a[\s-]+half\b")
_CLOCK_DURATION_RE = re.compile(r"(?<![0-9:.,])([0-9]{1,2}):([0-5][0-9])(?![0-9:])")


def _duration_text(clean: str) -> str:
    """Numeric text with spoken durations made explicit ("half an hour" -> "30 min")."""
    text = clean.lower()
    for pattern, replacement in _MINUTE_PHRASES:
        text = pattern.sub(replacement, text)
    text = _numeric_text(text)
    text = _HOURS_AND_A_HALF_RE.sub(r"\1.5 hours", text)
    text = _DIGITS_AND_A_HALF_RE.sub(r"\1.5", text)
    return _CLOCK_DURATION_RE.sub(r"\1h\2", text)


@dataclass
class _Tally:
    """Counts and durations found in one piece of text."""

    counts: list[_Quantity] = field(default_factory=list)
    times: list[_Quantity] = field(default_factory=list)
    minutes: Decimal = Decimal(0)
    loose: list[_Quantity] = field(default_factory=list)

    @property
    def has_units(self) -> bool:
        """Whether any number came with a count or time unit."""
        return bool(self.counts or self.times)


def _tally(text: str) -> _Tally:
    """Sort the numbers of duration-normalised text into counts, minutes and loose numbers."""
    tally = _Tally()
    after_hours: _Quantity | None = None
    for q in _quantities(text):
        sign = -1 if q.negative else 1
        if q.kind == "count":
            tally.counts.append(q)
            after_hours = None
        elif q.kind == "hour":
            tally.times.append(q)
            tally.minutes += sign * q.value * 60
            after_hours = q
        elif q.kind == "minute" or (
            after_hours is not None and text[after_hours.end : q.start].strip() in ("", "and")
        ):
            # "1h30" and "2 hours 15": a unit-less number right after hours is minutes.
            tally.times.append(q)
            tally.minutes += sign * q.value
            after_hours = None
        else:
            tally.loose.append(q)
            after_hours = None
    return tally


def _round_minutes(value: Decimal) -> int:
    """Round a non-negative, in-range minute value to the nearest whole minute (half up)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _refuse_missing_number(clean: str, what: str) -> AnswerError:
    """The error for an answer without any usable number."""
    words = set(_bare(clean).split())
    if words & _VAGUE_WORDS:
        return AnswerError(f"I need an exact number of {what}, not an estimate.")
    if not clean.strip():
        return AnswerError("That answer was empty.")
    return AnswerError(f"I couldn't find a number of {what} there.")


# --------------------------------------------------------------------------------------------
# Single answers


def parse_conversations(text: str) -> int:
    """Read today's number of sales conversations (0..500) from digits or words."""
    clean = _clean(text)
    tally = _tally(_duration_text(clean))
    counted = tally.counts or tally.loose
    if not counted:
        if _bare(clean) in _ZERO_ANSWERS:
            return 0
        raise _refuse_missing_number(clean, "conversations")
    if not tally.counts and len(counted) > 1:
        raise AnswerError("I found more than one number there; send just the total.")
    if any(q.negative for q in counted):
        raise AnswerError("Conversations can't be negative.")
    if any(q.fractional for q in counted):
        raise AnswerError("Conversations are whole numbers; count each call or meeting once.")
    total = sum((q.value for q in counted), Decimal(0))
    if total > MAX_CONVERSATIONS:
        raise AnswerError(f"That's more than {MAX_CONVERSATIONS} conversations in a day.")
    return int(total)


def _minutes_in_range(total: Decimal) -> int:
    """Check a minute total and round it."""
    if total < 0:
        raise AnswerError("Minutes can't be negative.")
    if total >= MAX_MINUTES + Decimal("0.5"):
        raise AnswerError("That's more than 24 hours (1440 minutes) in a day.")
    return _round_minutes(total)


def parse_minutes(text: str) -> int:
    """Read minutes spent talking with buyers (0..1440): "45", "1h30", "1.5 hours", "an hour"."""
    clean = _clean(text)
    tally = _tally(_duration_text(clean))
    if tally.times:
        if any(q.negative for q in tally.times):
            raise AnswerError("Minutes can't be negative.")
        return _minutes_in_range(tally.minutes)
    if not tally.loose:
        if _bare(clean) in _ZERO_ANSWERS:
            return 0
        raise _refuse_missing_number(clean, "minutes")
    if len(tally.loose) > 1:
        raise AnswerError("I found more than one number there; send just the total time.")
    q = tally.loose[0]
    if q.negative:
        raise AnswerError("Minutes can't be negative.")
    if q.fractional:
        raise AnswerError("Is that hours or minutes? Please add the unit.")
    return _minutes_in_range(q.value)


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
    item = " ".join(item.split()).strip(" .,;:")
    return item[:MAX_ACTIVITY_CHARS].rstrip()


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


def parse_activities(text: str) -> list[str]:
    """Read up to three top activities, one per line, ';'-separated, numbered or bulleted."""
    items = _activity_items(_clean(text))
    if not items:
        raise AnswerError("I didn't catch any activities.")
    return items[:MAX_ACTIVITIES]


_LEADING_NUMBER_RE = re.compile(
    r"\s*(?P<neg>-(?=[0-9])|minus\s+(?=[0-9]))?(?P<int>[0-9]+)(?:[.,](?P<frac>[0-9]+))?",
    re.IGNORECASE,
)
_WIN_NOTE_START_RE = re.compile(r"^\s*(?:wins?\b|deals?\b)?[\s\-:,.)=]*", re.IGNORECASE)
_ZERO_NOTE_WORDS = frozenset({"today", "yet", "so", "far", "this", "time", "for", "now", "wins"})


def _leading_count(clean: str) -> tuple[Decimal, bool, bool, str] | None:
    """A number at the start of the text: (value, negative, fractional, rest of the text)."""
    m = _LEADING_NUMBER_RE.match(clean)
    if m:
        frac = m.group("frac") or ""
        value = Decimal(m.group("int") + (f".{frac}" if frac else ""))
        return value, bool(m.group("neg")), bool(frac.strip("0")), clean[m.end() :]
    words = list(_WORD_RE.finditer(clean[:200]))
    if not words or clean[: words[0].start()].strip():
        return None
    lowered = [w.group().lower() for w in words]
    limit = 1
    while limit < len(words) and _JOINER_RE.fullmatch(
        clean, words[limit - 1].end(), words[limit].start()
    ):
        limit += 1
    read = _read_number_words(lowered, 0, limit)
    if read is None and lowered[0] in ("no", "nope", "nah"):
        read = Decimal(0), 1
    elif read is None and lowered[0] in ("a", "an"):
        read = Decimal(1), 1
    if read is None:
        return None
    value, j = read
    return value, False, value != value.to_integral_value(), clean[words[j - 1].end() :]


def parse_wins(text: str) -> tuple[int, str]:
    """Read today's wins: a count (0..100) first, then an optional note ("2 - closed Acme")."""
    clean = _clean(text).strip()
    lead = _leading_count(clean)
    if lead is None:
        found = _quantities(_numeric_text(clean))
        if len(found) != 1:
            if not clean:
                raise AnswerError("That answer was empty.")
            raise AnswerError("Start with how many wins you had (0 if none).")
        q = found[0]
        lead = q.value, q.negative, q.fractional, clean
    value, negative, fractional, rest = lead
    if negative and value:
        raise AnswerError("Wins can't be negative.")
    if fractional:
        raise AnswerError("Wins are whole numbers.")
    if value > MAX_WINS:
        raise AnswerError(f"That's more than {MAX_WINS} wins in a day.")
    note = " ".join(_WIN_NOTE_START_RE.sub("", rest, count=1).split())
    if value == 0 and set(_bare(note).split()) <= _ZERO_NOTE_WORDS:
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
    clean = _clean(text).lower().replace("'", "")
    if len(clean.strip()) > 80:
        return False
    for pattern, replacement in _DAY_OFF_PHRASES:
        clean = pattern.sub(replacement, clean)
    words = _WORD_RE.findall(clean)
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
    """What an all-in-one check-in message told us; None/empty where it said nothing usable."""

    conversations: int | None = None
    minutes: int | None = None
    activities: tuple[str, ...] = ()
    day_off: bool = False


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
_PIECE_SPLIT_RE = re.compile(r",(?![0-9])|(?<![0-9]),|\.(?![0-9])|(?<![0-9])\.")
_BARE_NUMBERS_RE = re.compile(r"\s*[0-9]+(?:\s+[0-9]+)*\s*")
_BARE_DECIMAL_RE = re.compile(r"\s*[0-9]+(?:[.,][0-9]+)?\s*")
_COMMAND_WORDS = frozenset(
    {"log", "stats", "leaderboard", "goal", "timezone", "schedule", "pause", "resume", "export"}
    | {"forget", "admin", "help", "checkin", "check", "needle"}
)

T = TypeVar("T")


def _attempt(parse: Callable[[str], T], text: str) -> T | None:
    """The parsed value, or None when the answer is unusable."""
    try:
        return parse(text)
    except AnswerError:
        return None


@dataclass
class _DraftBuilder:
    """Collects what the pieces of a check-in message say."""

    conversations: int = 0
    minutes: int = 0
    has_conversations: bool = False
    has_minutes: bool = False
    named_count: bool = False
    activities: list[str] = field(default_factory=list)
    set_apart: bool = False
    positional: list[int] = field(default_factory=list)
    invalid: set[str] = field(default_factory=set)

    def add_conversations(self, value: int | None, *, named: bool) -> None:
        """Add a count of conversations; an unusable one makes the field unknown."""
        if value is None:
            self.invalid.add("conversations")
            return
        self.conversations += value
        self.has_conversations = True
        self.named_count = self.named_count or named

    def add_minutes(self, value: int | None) -> None:
        """Add minutes; an unusable value makes the field unknown."""
        if value is None:
            self.invalid.add("minutes")
            return
        self.minutes += value
        self.has_minutes = True

    def add_activities(self, items: list[str], *, set_apart: bool) -> None:
        """Add activity items."""
        self.activities.extend(items)
        self.set_apart = self.set_apart or (set_apart and bool(items))

    def draft(self) -> CheckinDraft:
        """The final draft, with positional numbers filling gaps and ranges enforced."""
        for number in self.positional:
            if not self.has_conversations and "conversations" not in self.invalid:
                self.add_conversations(number if number <= MAX_CONVERSATIONS else None, named=False)
            elif not self.has_minutes and "minutes" not in self.invalid:
                self.add_minutes(number if number <= MAX_MINUTES else None)
        conversations = self.conversations if self.has_conversations else None
        if "conversations" in self.invalid or self.conversations > MAX_CONVERSATIONS:
            conversations = None
        minutes = self.minutes if self.has_minutes else None
        if "minutes" in self.invalid or self.minutes > MAX_MINUTES:
            minutes = None
        return CheckinDraft(conversations, minutes, tuple(self.activities[:MAX_ACTIVITIES]))


def _read_piece(piece: str, builder: _DraftBuilder) -> bool:
    """Take numbers from one piece; return False when the piece is an activity instead."""
    label = _LABEL_RE.match(piece)
    if label:
        name = label.group("label").lower()
        rest = piece[label.end() :]
        if name.startswith("win"):
            return True
        if name.startswith(("hour", "hr")) and _BARE_DECIMAL_RE.fullmatch(rest):
            rest += " h"
        if name.startswith(("min", "talk", "time", "duration", "hour", "hr")):
            value = _attempt(parse_minutes, rest)
            if value is not None:
                builder.add_minutes(value)
                return True
        else:
            value = _attempt(parse_conversations, rest)
            if value is not None:
                builder.add_conversations(value, named=True)
                return True
    numeric = _duration_text(piece)
    if _BARE_NUMBERS_RE.fullmatch(numeric):
        if builder.has_conversations and builder.has_minutes:
            return False  # both numbers known already: "one" is an activity here
        builder.positional.extend(int(n) for n in numeric.split() if len(n) <= 6)
        return True
    tally = _tally(numeric)
    if not tally.has_units:
        return False
    if tally.counts:
        counts = tally.counts
        usable = not any(q.negative or q.fractional for q in counts)
        total = sum((q.value for q in counts), Decimal(0))
        ok = usable and total <= MAX_CONVERSATIONS
        builder.add_conversations(int(total) if ok else None, named=True)
    if tally.times:
        ok = not any(q.negative for q in tally.times) and 0 <= tally.minutes <= MAX_MINUTES
        builder.add_minutes(_round_minutes(tally.minutes) if ok else None)
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
        return
    inline = _INLINE_ACTIVITY_LABEL_RE.search(segment)
    if inline:
        _read_segment(segment[: inline.start()], builder, set_apart=set_apart)
        items = _activity_items(segment[inline.end() :], commas=True)
        builder.add_activities(items, set_apart=True)
        return
    pieces = _PIECE_SPLIT_RE.split(segment)
    if len(pieces) > 1:
        leftovers = [piece for piece in pieces if piece.strip() and not _read_piece(piece, builder)]
        if len(leftovers) < len([p for p in pieces if p.strip()]):
            items = [item for item in map(_clean_item, leftovers) if item]
            builder.add_activities(items, set_apart=False)
            return
    elif _read_piece(segment, builder):
        return
    item = _clean_item(segment)
    if item:
        builder.add_activities([item], set_apart=set_apart)


def _read_checkin(text: str) -> tuple[CheckinDraft, bool, bool]:
    """Parse a check-in message: (draft, count named with a unit, activity set apart)."""
    clean = _clean(text)
    if is_day_off(clean):
        return CheckinDraft(day_off=True), False, False
    segments = [s for line in clean.split("\n") for s in line.split(";") if s.strip()]
    builder = _DraftBuilder()
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
        clean = _clean(text).strip()
        words = _bare(clean[:40]).split()
        if not words or words[0] in _COMMAND_WORDS or clean.endswith("?"):
            return False
        draft, named_count, set_apart = _read_checkin(clean)
        if not named_count or draft.conversations is None:
            return False
        return draft.minutes is not None or (bool(draft.activities) and set_apart)
    except Exception:  # never let a member's message crash the bot
        log.exception("could not test a message for a check-in")
        return False


# --------------------------------------------------------------------------------------------
# Commands: log, pause, schedule


@dataclass(frozen=True)
class QuickLog:
    """What `log` adds to today."""

    conversations: int
    minutes: int


def parse_quick_log(text: str) -> QuickLog:
    """Read the arguments of `log`: "3 calls 40m", "3 40m", "40 min", "2 calls", "3 calls, 1h"."""
    clean = _clean(text)
    tally = _tally(_duration_text(clean))
    conversations: Decimal | None = None
    minutes: Decimal | None = None
    if tally.counts:
        conversations = sum((q.value for q in tally.counts), Decimal(0))
    if tally.times:
        minutes = tally.minutes
    for q in tally.loose:
        if q.kind != "bare":
            continue
        if conversations is None:
            conversations = q.value
            tally.counts.append(q)
        elif minutes is None:
            minutes = q.value
            tally.times.append(q)
        else:
            raise AnswerError("I found too many numbers; give calls and minutes once each.")
    if conversations is None and minutes is None:
        raise _refuse_missing_number(clean, "calls or minutes")
    if any(q.negative for q in tally.counts + tally.times):
        raise AnswerError("A log can only add; numbers can't be negative.")
    if any(q.fractional for q in tally.counts):
        raise AnswerError("Calls are whole numbers.")
    conversations = conversations or Decimal(0)
    if conversations > MAX_CONVERSATIONS:
        raise AnswerError(f"That's more than {MAX_CONVERSATIONS} conversations in a day.")
    whole_minutes = _minutes_in_range(minutes or Decimal(0))
    if not conversations and not whole_minutes:
        raise AnswerError("That adds nothing to today.")
    return QuickLog(int(conversations), whole_minutes)


_MONTHS = {
    name: number
    for number, names in enumerate(
        _words(
            "jan,january feb,february mar,march apr,april may jun,june jul,july aug,august"
            " sep,sept,september oct,october nov,november dec,december"
        ),
        1,
    )
    for name in names.split(",")
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        _words(
            "mon,monday,mo tue,tues,tuesday,tu wed,weds,wednesday,we thu,thur,thurs,thursday,th"
            " fri,friday,fr sat,saturday,sa sun,sunday,su"
        )
    )
    for name in names.split(",")
}
_PAUSE_PREFIX_RE = re.compile(
    r"^(?:for\s+|until\s+|till\s+|til\s+|to\s+|through\s+|thru\s+|up\s+to\s+)*(?:the\s+)?"
)
_PAUSE_SPAN_RE = re.compile(
    r"(?P<n>[0-9]+)\s*(?P<unit>d|days?|w|wks?|weeks?|months?)(?:\s+from\s+today)?"
)
_ISO_DATE_RE = re.compile(r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})")
_ORDINAL = r"(?:st|nd|rd|th)?"
_MONTH_DAY_RE = re.compile(
    rf"(?P<month>[a-z]+)\.?\s+(?P<d>[0-9]{{1,2}}){_ORDINAL}(?:,?\s+(?P<y>[0-9]{{4}}))?"
)
_DAY_MONTH_RE = re.compile(
    rf"(?P<d>[0-9]{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<month>[a-z]+)\.?(?:,?\s+(?P<y>[0-9]{{4}}))?"
)


def _check_pause_end(end: date, today: date) -> date:
    """Refuse a last paused day in the past or more than a year ahead."""
    if end < today:
        raise AnswerError("That date has already passed.")
    if (end - today).days > MAX_PAUSE_DAYS:
        raise AnswerError(f"That's more than {MAX_PAUSE_DAYS} days away.")
    return end


def _add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later, clamped to the month's length."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _calendar_date(year: int | None, month: int, day: int, today: date) -> date:
    """A date from its parts; without a year, the next such day from today on."""
    try:
        if year is not None:
            return date(year, month, day)
        for candidate_year in (today.year, today.year + 1, today.year + 2, today.year + 3):
            try:
                candidate = date(candidate_year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise ValueError("no such day")
    except ValueError:
        raise AnswerError("That's not a real date.") from None


def parse_pause(text: str, today: date) -> date:
    """Read the arguments of `pause` and return the last paused day (inclusive)."""
    clean = " ".join(_numeric_text(_clean(text)).split()).strip(" .!")
    clean = _PAUSE_PREFIX_RE.sub("", clean, count=1)
    clean = re.sub(r"^an?\s+(?=(?:day|week|month)\b)", "1 ", clean)
    if not clean:
        raise AnswerError("For how long? Give a number of days or a date.")
    if clean in ("today", "tonight"):
        return today
    if clean == "tomorrow":
        return today + timedelta(days=1)
    span = _PAUSE_SPAN_RE.fullmatch(clean)
    if span:
        n, unit = int(span.group("n")), span.group("unit")
        if n == 0:
            raise AnswerError("Pause for at least one day.")
        if n > 2 * MAX_PAUSE_DAYS:
            raise AnswerError(f"That's more than {MAX_PAUSE_DAYS} days away.")
        if unit.startswith("mo"):
            return _check_pause_end(_add_months(today, n) - timedelta(days=1), today)
        days = n * 7 if unit.startswith("w") else n
        return _check_pause_end(today + timedelta(days=days - 1), today)
    if clean in _WEEKDAYS and len(clean) >= 3:
        ahead = (_WEEKDAYS[clean] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    iso = _ISO_DATE_RE.fullmatch(clean)
    if iso:
        end = _calendar_date(int(iso["y"]), int(iso["m"]), int(iso["d"]), today)
        return _check_pause_end(end, today)
    for pattern in (_MONTH_DAY_RE, _DAY_MONTH_RE):
        named = pattern.fullmatch(clean)
        if named and named["month"] in _MONTHS:
            year = int(named["y"]) if named["y"] else None
            end = _calendar_date(year, _MONTHS[named["month"]], int(named["d"]), today)
            return _check_pause_end(end, today)
    if re.fullmatch(r"[0-9]+\s*m", clean):
        raise AnswerError("Is that minutes or months? Write days, weeks or a date.")
    raise AnswerError("I couldn't read how long to pause.")


_TIME_12H = r"(?P<h12>[0-9]{1,2})(?::(?P<m12>[0-9]{2}))?\s*(?P<ampm>[ap])\.?\s?m\.?(?![a-z])"
_TIME_24H = r"(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})"
_TIME_RE = re.compile(rf"{_TIME_12H}|{_TIME_24H}|(?P<word>noon|midday|midnight)")
_TIME_SEARCH_RE = re.compile(
    rf"(?<![\w:])(?:{_TIME_12H}|{_TIME_24H}(?![0-9])|noon|midday|midnight)"
)


def _time_from_match(m: re.Match[str]) -> time:
    """Turn a matched time of day into a `time`, checking its ranges."""
    if m["word"]:
        return time(0, 0) if m["word"] == "midnight" else time(12, 0)
    if m["ampm"]:
        hour, minute = int(m["h12"]), int(m["m12"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise AnswerError("That's not a time of day.")
        hour = hour % 12 + (12 if m["ampm"] == "p" else 0)
        return time(hour, minute)
    hour, minute = int(m["h24"]), int(m["m24"])
    if hour > 23 or minute > 59:
        raise AnswerError("That's not a time of day.")
    return time(hour, minute)


def parse_time_of_day(text: str) -> time:
    """Read a time of day: "16:30", "9:05", "4:30pm", "9am", "9 a.m.", "noon"."""
    clean = " ".join(_clean(text).lower().split())
    m = _TIME_RE.fullmatch(clean)
    if not m:
        raise AnswerError("I couldn't read that time.")
    return _time_from_match(m)


_ALL_DAYS = frozenset(range(7))
_DAY_GROUPS = {
    "daily": _ALL_DAYS,
    "everyday": _ALL_DAYS,
    "weekdays": frozenset(range(5)),
    "weekday": frozenset(range(5)),
    "workdays": frozenset(range(5)),
    "workday": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}
_DAY_PHRASES = (
    (
        re.compile(r"\b(?:every|each|all)\s*(?:single\s+)?days?\b|\ball\s+week\b|\b7\s+days\b"),
        " daily ",
    ),
    (re.compile(r"\b(?:work|business|week)\s+days?\b"), " weekdays "),
    (re.compile(r"\s*(?:-|\bto\b|\bthrough\b|\bthru\b|\buntil\b|\btill\b)\s*"), "-"),
)
_DAY_SPLIT_RE = re.compile(r"[\s,/&+;.]+|\band\b|\bon\b|\bevery\b")


def _weekday(name: str) -> int:
    """The weekday number of a day name ("mon", "Tuesdays")."""
    if name in _WEEKDAYS:
        return _WEEKDAYS[name]
    if name.endswith("s") and name[:-1] in _WEEKDAYS and len(name) > 3:
        return _WEEKDAYS[name[:-1]]
    raise AnswerError(f"I don't know which day “{name[:20]}” is.")


def parse_workdays(text: str) -> frozenset[int]:
    """Read workdays as Python weekday numbers (Mon=0): "mon-fri", "mon,wed,fri", "daily"."""
    clean = " ".join(_clean(text).lower().split())
    for pattern, replacement in _DAY_PHRASES:
        clean = pattern.sub(replacement, clean)
    days: set[int] = set()
    for token in _DAY_SPLIT_RE.split(clean):
        if not token.strip("-"):
            continue
        if token in _DAY_GROUPS:
            days |= _DAY_GROUPS[token]
        elif "-" in token:
            ends = token.split("-")
            if len(ends) != 2 or not all(ends):
                raise AnswerError(f"I couldn't read the day range “{token[:20]}”.")
            first, last = _weekday(ends[0]), _weekday(ends[1])
            days.update((first + k) % 7 for k in range((last - first) % 7 + 1))
        else:
            days.add(_weekday(token))
    if not days:
        raise AnswerError("Which days? Name at least one.")
    return frozenset(days)


def parse_schedule(text: str) -> tuple[time, frozenset[int] | None]:
    """Read the arguments of `schedule`: a time, then optional workdays ("16:30 mon-fri")."""
    clean = " ".join(_clean(text).lower().split())
    m = _TIME_SEARCH_RE.search(clean)
    if not m:
        raise AnswerError("I couldn't find a time there.")
    matched = _TIME_RE.fullmatch(m.group().strip())
    if matched is None:  # pragma: no cover - the search pattern only finds valid forms
        raise AnswerError("I couldn't read that time.")
    at = _time_from_match(matched)
    rest = (clean[: m.start()] + " " + clean[m.end() :]).strip()
    rest = re.sub(r"^(?:at|on)\b|\b(?:at|on)$", "", rest).strip(" ,;")
    return at, (parse_workdays(rest) if rest else None)
