"""Read single check-in answers: conversations, minutes, activities, wins, and a day off.

Pure and platform-neutral: every function takes a string and returns a value or raises
`AnswerError` whose text is a short, friendly reason without an example (the caller adds one).
`Unsure` (an `AnswerError`) carries a likely reading the member must confirm first. The rules
are listed in `bot.checkin.parsing`, which re-exports everything here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from bot.checkin.numbers import (
    JOINER_RE,
    MAX_ACTIVITIES,
    MAX_ACTIVITY_CHARS,
    MAX_CONVERSATIONS,
    MAX_WIN_NOTE_CHARS,
    MAX_WINS,
    WORD_RE,
    ZERO_ANSWERS,
    AnswerError,
    bare_text,
    clean_text,
    duration_text,
    find_quantities,
    mask_unclear,
    minutes_in_range,
    numeric_text,
    read_number_words,
    refuse_missing_number,
    tally_quantities,
    unclear_numbers,
    with_guesses,
)
from bot.words import plural

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
        raise Unsure(f"Did you mean {plural(value, unit)}?", value)
    masked = mask_unclear(clean, unclear)
    if not find_quantities(duration_text(masked)):
        shown = unclear[0].text[:30]
        raise AnswerError(f"I couldn't read a number I'm sure of in “{shown}”.")
    return masked


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
    r"^\s*(?:[-*+](?![0-9])\s*|[•◦▪‣·►→✓✔☐☑]\s*|\(?[0-9]{1,2}[.):](?:\s+|$))"
)
ACTIVITY_LABEL_RE = re.compile(
    r"^\s*(?:my\s+)?(?:top(?:\s*(?:3|three))?(?:\s+activities)?|activities|highlights)"
    r"\s*(?::|=|-(?=\s))\s*",
    re.IGNORECASE,
)
_INLINE_NUMBERED_RE = re.compile(r"(?:^|(?<=\s))\(?[0-9]{1,2}[.)]\s+")
_INLINE_BULLETS_RE = re.compile(r"[•◦▪‣]")


def strip_marker(item: str) -> str:
    """Remove list bullets/numbers ("- ", "2) ", "• ") from the start of an item."""
    for _ in range(3):
        stripped = _LIST_MARKER_RE.sub("", item, count=1)
        if stripped == item:
            break
        item = stripped
    return item


def clean_item(item: str) -> str:
    """One activity as stored: markers and labels gone, trimmed, at most 200 characters."""
    item = ACTIVITY_LABEL_RE.sub("", strip_marker(item), count=1)
    return " ".join(item.split()).strip(" .,;:")


def _split_inline(part: str) -> list[str]:
    """Split "1. demo 2. proposal" or "• demo • proposal" written on one line."""
    if _INLINE_BULLETS_RE.search(part):
        return _INLINE_BULLETS_RE.split(part)
    if _LIST_MARKER_RE.match(part) and len(_INLINE_NUMBERED_RE.findall(part)) >= 2:
        return _INLINE_NUMBERED_RE.split(part)
    return [part]


def split_activity_items(clean: str, *, commas: bool = False) -> list[str]:
    """All non-empty activity items of cleaned text, in order."""
    items: list[str] = []
    for line in clean.split("\n"):
        for part in line.split(";"):
            for piece in _split_inline(part):
                for item in piece.split(",") if commas else (piece,):
                    cleaned = clean_item(item)
                    if cleaned:
                        items.append(cleaned)
    return items


def activity_items(text: str) -> list[str]:
    """Every activity an answer lists, in full (before the limits of three and 200 characters)."""
    return split_activity_items(clean_text(text))


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
        raise Unsure(f"Did you mean {plural(guess, 'win')}?", guess)
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
            note = " ".join(strip_marker(clean).split())
            return 1, note[:MAX_WIN_NOTE_CHARS].rstrip()
        q = found[0]
        lead = q.value, q.negative, q.fractional, clean
        unit = numeric_text(masked)[q.end :].split()[:1]
        if not unit or unit[0] not in _WIN_UNITS:  # "renewed for 2 years": 2 wins?
            guess = int(q.value)
            if not (q.negative or q.fractional or guess > MAX_WINS):
                raise Unsure(f"Did you mean {plural(guess, 'win')}?", guess)
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
