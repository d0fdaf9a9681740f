"""The shared machinery of answer parsing: cleaning text, number words, quantities with units.

Only the first 2,000 characters of any answer are read; text is NFKC-normalised (full-width and
other scripts' digits become 0-9, fancy dashes become "-"), control characters and NUL bytes
become spaces, and every regular expression is linear in its input. Numbers may be digits or
English words up to the thousands ("twenty-one", "a dozen", "half a dozen", "a couple", "one
hundred and five", "one and a half"); vague amounts ("a few", "some") are refused. Number words
of other languages ("doce", "zwölf", "十二") are not read: the member is asked for digits.

A number is read only where it stands clear of other characters (`unclear_numbers`): digits that
touch letters or symbols ("1O", "Q4", "3rd", "1e9", "0x10", "1_000", "$2M", "alert(1)",
"1時間半") are never read as a number. Where one likely reading exists — letters that look like
digits ("1O" -> 10, "6o" -> 60), an ordinal ("3rd" -> 3), digit-group underscores
("1_000" -> 1000), an approximation ("~7" -> 7) — it is offered as a guess for the member to
confirm; a range ("3-4") is reported as a range. Units written onto a number ("45m", "1h30",
"1.5h", "12calls") and clock durations ("1:30") are clear.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

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
    """Map one character: other scripts' digits to 0-9, control characters to a space,
    invisible format characters (zero-width space) to nothing, and characters with no meaning
    (unassigned, private use) to U+FFFD, a symbol: digits beside it are never read as a number,
    as they would be if it became a space."""
    if " " <= ch < "\x7f" or ch in "\n\t":
        return ch
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    category = unicodedata.category(ch)
    if category == "Cc":
        return " "
    if category == "Cf":
        return ""
    if category[0] == "C":
        return "\ufffd"
    return ch


def clean_text(text: str) -> str:
    """Cap the length, normalise Unicode and blank out control characters."""
    text = str(text)[:MAX_INPUT_CHARS].translate(_FRACTION_CHARS)
    text = unicodedata.normalize("NFKC", text)[: MAX_INPUT_CHARS * 2]
    text = text.translate(_DASHES).translate(_APOSTROPHES)
    return "".join(map(_clean_char, text))


_BARE_RE = re.compile(r"[^\w/]+")


def bare_text(text: str) -> str:
    """Lower-case words only, single-spaced: for whole-answer comparisons."""
    return _BARE_RE.sub(" ", text.lower()).strip()


# --------------------------------------------------------------------------------------------
# Number words


def split_words(spaced: str) -> list[str]:
    """Split a space-separated word table (keeps the tables below compact)."""
    return spaced.split()


_SMALL_NUMBERS = {
    **dict.fromkeys(split_words("zero none nil nothing nada zilch"), 0),
    **{
        word: n
        for n, word in enumerate(split_words("one two three four five six seven eight nine"), 1)
    },
    **{word: n for n, word in enumerate(split_words("ten eleven twelve thirteen fourteen"), 10)},
    **{
        word: n
        for n, word in enumerate(split_words("fifteen sixteen seventeen eighteen nineteen"), 15)
    },
}
_DIGIT_WORDS = {word: value for word, value in _SMALL_NUMBERS.items() if 1 <= value <= 9}
_TENS = {
    **{word: n * 10 for n, word in enumerate(split_words("twenty thirty forty fifty sixty"), 2)},
    **{word: n * 10 for n, word in enumerate(split_words("seventy eighty ninety"), 7)},
    "fourty": 40,
}
ZERO_ANSWERS = frozenset(
    {"0", "no", "nope", "nah", "n/a", "na", "none", "nothing", "zero", "zip", "nil", "nada"}
)
_VAGUE_WORDS = frozenset(
    {"few", "several", "some", "many", "lots", "lot", "bunch", "handful", "plenty", "multiple"}
)

WORD_RE = re.compile(r"[^\W\d_]+")
JOINER_RE = re.compile(r"[\s-]+")


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


def read_number_words(words: list[str], i: int, limit: int) -> tuple[Decimal, int] | None:
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
    matches = list(WORD_RE.finditer(text))
    words = [m.group() for m in matches]
    # run_end[k]: one past the last word joined to word k by spaces or hyphens only.
    run_end = [0] * len(words)
    for k in range(len(words) - 1, -1, -1):
        joined = k + 1 < len(words) and JOINER_RE.fullmatch(
            text, matches[k].end(), matches[k + 1].start()
        )
        run_end[k] = run_end[k + 1] if joined else k + 1
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(words):
        limit = run_end[i]
        read = read_number_words(words, i, limit)
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
    | {"heure", "heures", "ora", "ore", "uur", "時間"}
)
_MINUTE_UNITS = frozenset(
    {"m", "min", "mins", "mn", "minute", "minutes", "minuto", "minutos", "minuten", "minuti"}
    | {"分"}
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
_GLUED_UNITS = _HOUR_UNITS | _MINUTE_UNITS | _COUNT_UNITS
_UNIT_AFTER_NO = _HOUR_UNITS | _MINUTE_UNITS | _COUNT_UNITS | {"time", "sales"}

# --------------------------------------------------------------------------------------------
# Clear and unclear numbers


_TOKEN_SPLIT_RE = re.compile(r"[\s;=]+|(?<![0-9])[,.:/-]|[,.:/-](?![0-9])")
_TOKEN_EDGES = "()[]\"'"
_TOKEN_TAIL = "!?"
_CLEAR_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)"
_CLEAR_TOKEN_RE = re.compile(
    rf"(?P<num>{_CLEAR_NUMBER})(?P<unit>[^\W\d_]*)"
    r"|[0-9]+h[0-9]{1,2}(?:m|min|mins)?"
    r"|[0-9]{1,2}:[0-5][0-9]"
)
_RANGE_RE = re.compile(rf"{_CLEAR_NUMBER}-{_CLEAR_NUMBER}")
_LOOKALIKE_RE = re.compile(r"[0-9oli]*[0-9][0-9oli]*")
_ORDINAL_RE = re.compile(r"([0-9]+)(?:st|nd|rd|th)")
_UNDERSCORED_RE = re.compile(r"[0-9]{1,3}(?:_[0-9]{3})+")
_DIGIT_RE = re.compile(r"[0-9]")

UnclearKind = Literal["lookalike", "ordinal", "grouped", "approximate", "range", "unreadable"]


@dataclass(frozen=True)
class Unclear:
    """Digits Needle will not read as a number by itself: where, why, and a likely reading."""

    start: int
    end: int
    text: str
    kind: UnclearKind
    guess: str | None = None  # the digits it most likely means ("1O" -> "10"), or None


def _unclear_token(token: str) -> tuple[UnclearKind, str | None] | None:
    """Why a token holding digits is unclear (and its likely reading), or None when clear."""
    lowered = token.lower()
    m = _CLEAR_TOKEN_RE.fullmatch(lowered)
    if m and (not m.group("unit") or m.group("unit") in _GLUED_UNITS):
        return None
    if _RANGE_RE.fullmatch(lowered):
        return "range", None
    if _LOOKALIKE_RE.fullmatch(lowered):
        return "lookalike", lowered.replace("o", "0").replace("l", "1").replace("i", "1")
    ordinal = _ORDINAL_RE.fullmatch(lowered)
    if ordinal:
        return "ordinal", ordinal.group(1)
    if _UNDERSCORED_RE.fullmatch(lowered):
        return "grouped", lowered.replace("_", "")
    if lowered.startswith("~") and _CLEAR_TOKEN_RE.fullmatch(lowered[1:]):
        return "approximate", lowered[1:]
    return "unreadable", None


def unclear_numbers(clean: str) -> list[Unclear]:
    """Every place in cleaned text where digits touch letters or symbols, in order."""
    found: list[Unclear] = []
    pos = 0
    for separator in [*_TOKEN_SPLIT_RE.finditer(clean), None]:
        end = separator.start() if separator else len(clean)
        start, stop = pos, end
        while start < stop and clean[start] in _TOKEN_EDGES:
            start += 1
        while stop > start and clean[stop - 1] in _TOKEN_EDGES + _TOKEN_TAIL:
            stop -= 1
        token = clean[start:stop]
        if _DIGIT_RE.search(token):
            why = _unclear_token(token)
            if why is not None:
                found.append(Unclear(start, stop, token, *why))
        pos = separator.end() if separator else end
    return found


def mask_unclear(clean: str, unclear: list[Unclear] | None = None) -> str:
    """The text with the digits of unclear numbers blanked out, so nothing reads them."""
    chars = list(clean)
    for u in unclear_numbers(clean) if unclear is None else unclear:
        for k in range(u.start, u.end):
            if chars[k].isdigit():
                chars[k] = "#"
    return "".join(chars)


def with_guesses(clean: str, unclear: list[Unclear]) -> str | None:
    """The text with each unclear number replaced by its likely reading; None if one has none."""
    if not unclear or any(u.guess is None for u in unclear):
        return None
    out, pos = [], 0
    for u in unclear:
        out += [clean[pos : u.start], u.guess or ""]
        pos = u.end
    return "".join(out) + clean[pos:]


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


def find_quantities(text: str) -> list[_Quantity]:
    """Every number in lower-case, digit-converted text, in order."""
    found = []
    for m in _QUANTITY_RE.finditer(text):
        whole = m.group("int").replace(",", "")
        frac = m.group("frac") or ""
        value = Decimal(f"{whole}.{frac}" if frac else whole)
        unit, unit2 = m.group("unit"), m.group("unit2")
        kind = _unit_kind(unit, unit2)
        # The quantity ends after the words that made its unit: "3 buyers with" ends at "buyers".
        if kind == "count" and unit not in _COUNT_UNITS:
            end = m.end()
        elif kind in ("count", "hour", "minute"):
            end = m.end("unit")
        else:
            end = m.end("frac") if m.group("frac") else m.end("int")
        found.append(
            _Quantity(
                value=value,
                negative=bool(m.group("neg")) and value != 0,
                fractional=bool(frac.strip("0")),
                kind=kind,
                start=m.start(),
                end=end,
            )
        )
    return found


def numeric_text(clean: str) -> str:
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


def duration_text(clean: str) -> str:
    """Numeric text with spoken durations made explicit ("half an hour" -> "30 min")."""
    text = clean.lower()
    for pattern, replacement in _MINUTE_PHRASES:
        text = pattern.sub(replacement, text)
    text = numeric_text(text)
    text = _HOURS_AND_A_HALF_RE.sub(r"\1.5 hours", text)
    text = _DIGITS_AND_A_HALF_RE.sub(r"\1.5", text)
    return _CLOCK_DURATION_RE.sub(r"\1h\2", text)


@dataclass
class Tally:
    """Counts and durations found in one piece of text."""

    counts: list[_Quantity] = field(default_factory=list)
    times: list[_Quantity] = field(default_factory=list)
    minutes: Decimal = Decimal(0)
    loose: list[_Quantity] = field(default_factory=list)

    @property
    def has_units(self) -> bool:
        """Whether any number came with a count or time unit."""
        return bool(self.counts or self.times)


def tally_quantities(text: str) -> Tally:
    """Sort the numbers of duration-normalised text into counts, minutes and loose numbers."""
    tally = Tally()
    after_hours: _Quantity | None = None
    for q in find_quantities(text):
        sign = -1 if q.negative else 1
        if q.kind == "count":
            tally.counts.append(q)
            after_hours = None
        elif q.kind == "hour":
            tally.times.append(q)
            tally.minutes += sign * q.value * 60
            after_hours = q
        elif (
            q.kind == "minute"
            or (
                after_hours is not None
                and q.kind in ("bare", "other")
                and (
                    after_hours.end == q.start  # "1h30 talking"
                    or (q.kind == "bare" and text[after_hours.end : q.start].strip() in ("", "and"))
                )
            )
        ):
            # "1h30" and "2 hours 15": a unit-less number right after hours is minutes.
            tally.times.append(q)
            tally.minutes += sign * q.value
            after_hours = None
        else:
            tally.loose.append(q)
            after_hours = None
    return tally


def round_minutes(value: Decimal) -> int:
    """Round a non-negative, in-range minute value to the nearest whole minute (half up)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def refuse_missing_number(clean: str, what: str) -> AnswerError:
    """The error for an answer without any usable number."""
    words = set(bare_text(clean).split())
    if words & _VAGUE_WORDS:
        return AnswerError(f"I need an exact number of {what}, not an estimate.")
    if not clean.strip():
        return AnswerError("That answer was empty.")
    return AnswerError(f"I couldn't find a number of {what} there.")


def minutes_in_range(total: Decimal) -> int:
    """Check a minute total and round it."""
    if total < 0:
        raise AnswerError("Minutes can't be negative.")
    if total >= MAX_MINUTES + Decimal("0.5"):
        raise AnswerError("That's more than 24 hours (1440 minutes) in a day.")
    return round_minutes(total)
