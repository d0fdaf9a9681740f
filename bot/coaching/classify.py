"""Classify a member's top activities as high-value, low-value or neutral.

Needle's coaching rests on one idea: results come from a few high-value activities (live
conversations with buyers), and a busy day full of low-value work is not an effective one. Each
team keeps two keyword lists; this module decides which list an activity matches.

How matching works (the decisions, written down):

- Text and keywords are compared as *words*, never as substrings: "recall" does not match
  "call", "callback" does not match "call".
- Both sides are normalised the same way: Unicode NFKC, lower case, hyphens, slashes and other
  punctuation become spaces, and a few filler words are ignored (articles "a", "an", "the" and
  the small prepositions "of", "to", "for", "with", "on", "in", "at", "my", "our"). So
  "follow-ups with buyers" matches the keyword "follow-up with a buyer".
- Each word is lightly stemmed: plurals (-s, -es, -ies), -ing, -ed, -ion and a final -e are
  removed, and a doubled final consonant is undoubled ("formatting" -> "format"). So "calls",
  "calling" and "called" all match "call"; "negotiation", "negotiate", "negotiating" match
  "negotiation"; "closing", "close", "closed" match "closing"; "meetings" matches "meeting".
- Meetings: a meeting is buyer work by default ("meeting with Acme", "client meeting",
  "discovery meeting"), but an internal one is not: "team meeting", "internal meeting", "staff
  meeting", "1:1 meeting", "standup meeting" and "sync meeting" are low-value keywords, and
  being two words they beat the one-word "meeting". `1:1`, `1-on-1` and `one-on-one` are read
  as one word, so "1 meeting with Acme" is not a 1:1.
- Any word starting with "administ" (administration, administrative, administrator) counts as
  "admin". Administrative work is what the low-value "admin" keyword is about.
- Two adjacent words also count as their joined form, so "clean up" matches "cleanup" and
  "e-mail" matches "email".
- A multi-word keyword matches when *all* its (stemmed, non-filler) words appear anywhere in
  the activity, in any order: "buyer follow-up" matches "follow-up with a buyer", and
  "research for an hour without any outreach" matches "research without outreach".
- A keyword with no words left after normalisation (e.g. "the" or "!!!") never matches.
- When an activity matches both lists, the more specific match wins: the side whose longest
  matched keyword has more words. On a tie, high wins — the activity is given the benefit of the
  doubt because it names buyer work. Examples:
    "email cleanup before call"          -> low  ("email cleanup", 2 words, beats "call", 1)
    "admin for Acme proposal"            -> high ("admin" and "proposal" tie at one word)
    "research without outreach on prospects" -> low (3 words beat "prospect", 1)
    "inbox zero, then cold calling"      -> high (tie at one word)
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

__all__ = [
    "DEFAULT_HIGH_VALUE",
    "DEFAULT_LOW_VALUE",
    "Classification",
    "classify_activity",
    "high_value_share",
    "keyword_stems",
    "normalize_keyword",
]

DEFAULT_HIGH_VALUE: tuple[str, ...] = (
    "call",
    "meeting",
    "demo",
    "pitch",
    "proposal",
    "negotiation",
    "closing",
    "prospect",
    "referral",
    "follow-up with a buyer",
    "client meeting",
    "customer meeting",
    "prospect meeting",
    "buyer meeting",
    "discovery meeting",
)
DEFAULT_LOW_VALUE: tuple[str, ...] = (
    "inbox",
    "email cleanup",
    "social media",
    "admin",
    "bookkeeping",
    "formatting",
    "research without outreach",
    "team meeting",
    "internal meeting",
    "staff meeting",
    "1:1 meeting",
    "standup meeting",
    "sync meeting",
)

Classification = Literal["high", "low", "neutral"]

# Longer activity texts are cut here before matching: nobody's top activity is longer, and it
# keeps classification cheap whatever arrives.
_MAX_TEXT = 2000
_MAX_KEYWORD = 100
_EDGE_PUNCTUATION = " .,;:!?'\"()[]{}<>*_-/\\|`~"

_WORD_RE = re.compile(r"[^\W_]+")
_ONE_ON_ONE_RE = re.compile(r"(?<![\w:])(?:1\s*(?::|-|on|-on-)\s*1|one[\s-]+on[\s-]+one)(?![\w:])")
_FILLER_WORDS = frozenset(
    {"a", "an", "the", "of", "to", "for", "with", "on", "in", "at", "my", "our"}
)
# Irregular forms the suffix rules below would get wrong.
_ALIASES = {"ups": "up"}


def _undouble(word: str) -> str:
    """Undouble a final consonant left by a removed suffix ("formatt" -> "format")."""
    if len(word) >= 3 and word[-1] == word[-2] and word[-1] not in "aeiouylsz":
        return word[:-1]
    return word


def _stem(word: str) -> str:
    """Reduce a lower-case word to a light stem so word forms compare equal."""
    if word in _ALIASES:
        return _ALIASES[word]
    if word.startswith("administ"):
        return "admin"
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ion", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = _undouble(word[: -len(suffix)])
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _words(text: str) -> list[str]:
    """Split text into lower-case words, punctuation and hyphens acting as spaces
    (`1:1`, `1-on-1` and `one-on-one` are one word)."""
    text = unicodedata.normalize("NFKC", text[:_MAX_TEXT]).lower()
    return _WORD_RE.findall(_ONE_ON_ONE_RE.sub(" oneonone ", text))


def keyword_stems(text: str) -> tuple[str, ...]:
    """The stemmed, non-filler words a keyword or activity is compared by, in order."""
    return tuple(_stem(word) for word in _words(text) if word not in _FILLER_WORDS)


def _activity_stems(text: str) -> frozenset[str]:
    """Every stem an activity offers for matching, joined neighbour pairs included."""
    stems = [_stem(word) for word in _words(text)]
    joined = {_stem(a + b) for a, b in itertools.pairwise(stems)}
    return frozenset(stems) | joined


@lru_cache(maxsize=64)
def _compiled(keywords: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """Stem sets of a keyword list, ignoring keywords with no words left."""
    return tuple(frozenset(s) for s in map(keyword_stems, keywords) if s)


def _best_match(activity: frozenset[str], keywords: Sequence[str]) -> int:
    """Word count of the most specific keyword the activity matches; 0 when none does."""
    best = 0
    for stems in _compiled(tuple(str(k)[:_MAX_KEYWORD] for k in keywords)):
        if len(stems) > best and stems <= activity:
            best = len(stems)
    return best


def classify_activity(
    text: str,
    high_value: Sequence[str] = DEFAULT_HIGH_VALUE,
    low_value: Sequence[str] = DEFAULT_LOW_VALUE,
) -> Classification:
    """Say whether one top activity is high-value, low-value or neutral for this team."""
    activity = _activity_stems(text)
    if not activity:
        return "neutral"
    high = _best_match(activity, high_value)
    low = _best_match(activity, low_value)
    if low > high:
        return "low"
    if high:
        return "high"
    return "neutral"


def high_value_share(classes: Iterable[Classification]) -> float | None:
    """Share (0..1) of high-value activities among all of them; None when there are none."""
    total = 0
    high = 0
    for cls in classes:
        total += 1
        high += cls == "high"
    return high / total if total else None


def normalize_keyword(text: str) -> str:
    """The form a team keyword is stored in: NFKC, lower case, single spaces, no edge punctuation.

    Hyphens and inner punctuation are kept so the stored keyword still reads as the admin typed
    it ("follow-up with a buyer"); an empty result means the keyword is unusable.
    """
    text = unicodedata.normalize("NFKC", text[:_MAX_TEXT]).lower()
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())[:_MAX_KEYWORD]
    return text.strip(_EDGE_PUNCTUATION)
