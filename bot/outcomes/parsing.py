"""Read what a rep says they achieved: `booked 2 meetings`, `won Acme 12k`, `lost Globex`.

Pure and platform-neutral. `read_outcomes(text)` returns the outcomes a message records, or
raises `OutcomeError` (a friendly reason, nothing recorded) or `OutcomeUnsure` (one likely
reading the rep must confirm first; nothing is recorded until they say yes).

The never-misread rules:

- A message holds one or more outcomes, split by lines, `;`, `, ` (a comma and a space: the
  comma of `12,000` does not split) or `and` before a verb (`booked 2 meetings and won Acme`).
- Each outcome is a verb and/or a noun: `booked`/`scheduled` or `meeting(s)` for meetings,
  `won`/`closed`/`signed` or `deal(s)` for deals won, `lost` for deals lost. `0`, `no`,
  `none`, `nothing` and `-` are no outcomes.
- A count is a whole number (or `a`, `one`…`ten`) right before the noun: `booked 2 meetings`,
  `won 2 deals`, `booked a meeting`. Without a count, an outcome is one (`lost Globex`).
- An amount is a money figure: `12k`, `12,000`, `$12,000`, `€12.5k`, `1.2m`, `12000 EUR`. A
  plain number after `won` is not clearly a count or an amount: Needle asks (`won Acme 12000`
  → "Did you mean one deal won with Acme worth 12,000?"). An amount alone (`12k`) is asked as
  one deal won.
- The words after the verb name the account (`won Acme Corp 12k`); for meetings an account is
  named after `with`/`at` (`booked a meeting with Acme`); other words are kept as the note.
- Anything that leaves a number's meaning open — two counts (`booked 2 meetings 3 demos`), a
  count and an amount beside an account (`won 3 Acme 12k`), a meeting with an amount, digits
  glued to letters (`1O`, `Q4`) — is asked about, never guessed at silently. Negatives,
  fractions of a meeting and absurd values get a friendly refusal, as does text Needle can't
  read at all (another language, only emoji).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.storage.outcomes import OutcomeKind
from bot.words import plural

MAX_COUNT = 50  # meetings or deals in one entry
MAX_AMOUNT = 100_000_000  # one entry's value
MAX_ACCOUNT_CHARS = 80
MAX_NOTE_CHARS = 300
MAX_INPUT_CHARS = 1000
MAX_ENTRIES = 10
# A plain number after `won` up to this is taken as a count when the rep confirms; above, an
# amount.
LIKELY_COUNT_BELOW = 100

EXAMPLE = "`booked 2 meetings`, `won Acme 12k`, `lost Globex` or `none`"

NONE_WORDS = frozenset({"0", "no", "none", "nothing", "nope", "nil", "zero", "-", "n/a", "na"})
MEETING_VERBS = frozenset({"booked", "book", "scheduled"})
WON_VERBS = frozenset({"won", "closed", "signed", "win"})
LOST_VERBS = frozenset({"lost", "lose"})
MEETING_NOUNS = frozenset({"meeting", "meetings", "mtg", "mtgs"})
DEAL_NOUNS = frozenset({"deal", "deals"})
ACCOUNT_MARKERS = frozenset({"with", "at", "for", "from"})
FILLER = frozenset({"a", "an", "the", "new", "today", "deal", "deals"})
# Words that date an outcome to another day: recorded any time means today, so these are
# refused with where an earlier day is answered (never recorded for today instead).
OTHER_DAYS = frozenset({"yesterday", "monday", "tuesday", "wednesday", "thursday", "friday"})
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
COUNTED = MEETING_NOUNS | DEAL_NOUNS
CURRENCY_WORDS = frozenset({"usd", "eur", "gbp", "dollars", "euros", "euro", "pounds", "bucks"})

_SPLIT_RE = re.compile(
    r"\s*(?:\n|;|,\s+|\s+and\s+(?=(?:booked|won|lost|closed|signed|scheduled)\b))\s*",
    re.IGNORECASE,
)
_INT_RE = re.compile(r"\+?[0-9]+")
_AMOUNT_RE = re.compile(
    r"(?P<sign>[-−]?)(?P<cur>[$€£]?)(?P<sign2>[-−]?)"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"
    r"(?P<suffix>[km]?)(?P<cur2>[$€£]?)",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile(r"[0-9]")
_DECIMAL_RE = re.compile(r"\+?[0-9]+[.,][0-9]+")
_WORDY_RE = re.compile(r"[^\W_]")
_ENGLISH_RE = re.compile(r"[A-Za-z]")
_EDGE_PUNCT = ".!?:()[]\"'"


class OutcomeError(ValueError):
    """A message Needle could not record; str(err) is a short friendly reason."""


class OutcomeUnsure(OutcomeError):
    """A message with one likely reading that the rep must confirm before it counts.

    str(err) is the question to ask; `entries` the reading a yes records.
    """

    def __init__(self, question: str, entries: tuple[OutcomeEntry, ...]) -> None:
        super().__init__(question)
        self.entries = entries


@dataclass(frozen=True)
class OutcomeEntry:
    """One outcome read from a message: what, how many, worth what, with whom."""

    kind: OutcomeKind
    quantity: int = 1
    amount: int | None = None
    account: str | None = None
    note: str | None = None

    def describe(self) -> str:
        """`2 meetings booked`, `1 deal won — Acme, 12,000`, `1 deal lost — Globex`."""
        if self.kind is OutcomeKind.MEETING:
            head = f"{plural(self.quantity, 'meeting')} booked"
        else:
            head = f"{plural(self.quantity, 'deal')} {self.kind.value}"
        details = [part for part in (self.account, money(self.amount)) if part]
        if self.note:
            details.append(f"“{self.note}”")
        return head + (f" — {', '.join(details)}" if details else "")

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON (kept in a conversation while it waits for a yes)."""
        return {
            "kind": self.kind.value,
            "quantity": self.quantity,
            "amount": self.amount,
            "account": self.account,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutcomeEntry:
        """An entry read back from `to_json`."""
        return cls(
            kind=OutcomeKind(data["kind"]),
            quantity=int(data.get("quantity") or 1),
            amount=data.get("amount"),
            account=data.get("account"),
            note=data.get("note"),
        )


def money(amount: int | None) -> str:
    """`12,000` (no currency: a team's deals are in its own), or "" for none."""
    return f"{amount:,}" if amount is not None else ""


def describe_all(entries: tuple[OutcomeEntry, ...]) -> str:
    """The entries in one line (`none` when there are none)."""
    return "; ".join(entry.describe() for entry in entries) or "none"


def entries_to_json(entries: tuple[OutcomeEntry, ...]) -> list[dict[str, Any]]:
    """Entries as a JSON list."""
    return [entry.to_json() for entry in entries]


def entries_from_json(data: list[dict[str, Any]] | None) -> tuple[OutcomeEntry, ...]:
    """Entries read back from a JSON list."""
    return tuple(OutcomeEntry.from_json(item) for item in data or ())


def is_none_answer(text: str) -> bool:
    """True for `0`, `none`, `no`, `nothing`, `-`."""
    return " ".join(text.lower().strip(" .!").split()) in NONE_WORDS


def opens_with_outcome_verb(text: str) -> bool:
    """True when a message opens with an outcome verb (`booked …`, `won …`, `lost …`): it
    says what the day produced, never how many conversations or minutes it held."""
    words = text.lower().split()
    return bool(words) and words[0].strip(_EDGE_PUNCT) in (MEETING_VERBS | WON_VERBS | LOST_VERBS)


def starts_like_outcome(text: str) -> bool:
    """True when a message opens with an outcome verb or count-and-noun (`won …`,
    `booked …`, `lost …`, `2 meetings …`) or is a money figure alone (`12k`): what a
    free-text message must look like to be read as outcomes rather than offered to anything
    else."""
    words = text.lower().split()
    if not words:
        return False
    first = words[0].strip(_EDGE_PUNCT)
    if len(words) == 1:
        money_figure = _AMOUNT_RE.fullmatch(first)
        if money_figure and (money_figure["cur"] or money_figure["suffix"] or "," in first):
            return True  # `12k` alone: asked as one deal won, never taken silently
    if first in {"booked", "won", "lost", "closed", "signed", "scheduled"}:
        return True
    return (
        len(words) >= 2
        and (bool(_INT_RE.fullmatch(first)) or first in NUMBER_WORDS)
        and words[1].strip(_EDGE_PUNCT) in MEETING_NOUNS | DEAL_NOUNS
    )


def read_outcomes(text: str) -> tuple[OutcomeEntry, ...]:
    """The outcomes `text` records (empty for `none`); OutcomeError/OutcomeUnsure otherwise."""
    clean = " ".join(text.replace("\u00a0", " ").split("\t")).strip()
    if not clean:
        raise OutcomeError("That answer was empty.")
    if len(clean) > MAX_INPUT_CHARS:
        raise OutcomeError("That's longer than I can read as outcomes.")
    if is_none_answer(clean):
        return ()
    if not _ENGLISH_RE.search(clean) and not _DIGIT_RE.search(clean):
        raise OutcomeError("I couldn't read that.")
    clauses = [part for part in _SPLIT_RE.split(clean) if part.strip()]
    if len(clauses) > MAX_ENTRIES:
        raise OutcomeError(f"That's more than {MAX_ENTRIES} outcomes in one message.")
    entries: list[OutcomeEntry] = []
    guesses: list[str] = []
    for clause in clauses:
        lone = _AMOUNT_RE.fullmatch(clause.strip(_EDGE_PUNCT + " "))
        last = entries[-1] if entries else None
        if lone and last and last.kind is not OutcomeKind.MEETING and last.amount is None:
            if lone["sign"] or lone["sign2"]:
                raise OutcomeError("Outcomes can't be negative. To take one back, use `outcomes`.")
            entries[-1] = replace(last, amount=amount_of(lone))  # `won Acme, 12k`
            continue
        try:
            entries.append(read_clause(clause))
        except OutcomeUnsure as unsure:
            entries.extend(unsure.entries)
            guesses.append(str(unsure))
    if guesses:
        if len(clauses) == 1:
            raise OutcomeUnsure(guesses[0], tuple(entries))
        raise OutcomeUnsure(f"Did you mean: {describe_all(tuple(entries))}?", tuple(entries))
    return tuple(entries)


@dataclass
class _Clause:
    """What one clause said, gathered word by word before it is judged."""

    kind: OutcomeKind | None = None
    noun: str | None = None  # "meeting" or "deal"
    count: int | None = None
    counts: int = 0  # how many counts were stated
    amount: int | None = None
    plain: list[int] | None = None  # plain numbers that are neither a count nor an amount
    words: list[str] | None = None  # account or note words
    marked: list[str] | None = None  # words after `with`/`at`


def read_clause(clause: str) -> OutcomeEntry:
    """One outcome from one clause (see the module's rules)."""
    tokens = [tok.strip(_EDGE_PUNCT) for tok in clause.split()]
    tokens = [tok for tok in tokens if tok]
    seen = _Clause(plain=[], words=[], marked=[])
    assert seen.plain is not None and seen.words is not None and seen.marked is not None
    i = 0
    in_account = False
    while i < len(tokens):
        token = tokens[i]
        low = token.lower()
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if not _WORDY_RE.search(token):
            pass  # a dash, an emoji: nothing to read
        elif low in OTHER_DAYS or re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", low):
            raise OutcomeError(
                "I record outcomes for the day they're told. For an earlier day, answer the "
                "outcomes question in `checkin yesterday` (or the day's check-in)."
            )
        elif _DECIMAL_RE.fullmatch(low) and nxt in COUNTED:
            raise OutcomeError(
                "Meetings and deals come in whole numbers, e.g. `booked 2 meetings`."
            )
        elif low in MEETING_VERBS and seen.kind is None:
            seen.kind = OutcomeKind.MEETING
        elif low in WON_VERBS and seen.kind is None:
            seen.kind = OutcomeKind.WON
        elif low in LOST_VERBS and seen.kind is None:
            seen.kind = OutcomeKind.LOST
        elif low in MEETING_NOUNS or low in DEAL_NOUNS:
            noun = "meeting" if low in MEETING_NOUNS else "deal"
            if seen.noun is not None and seen.noun != noun:
                raise OutcomeError("One outcome at a time, please: split them with `;`.")
            seen.noun = noun
        elif (low in NUMBER_WORDS or _INT_RE.fullmatch(low)) and nxt in COUNTED:
            if seen.counts:
                raise _two_numbers(clause)
            seen.count = NUMBER_WORDS.get(low) or int(low.lstrip("+"))
            seen.counts += 1
        elif low in ACCOUNT_MARKERS and i + 1 < len(tokens):
            in_account = True
        elif _DIGIT_RE.search(token) or (token.startswith(("-", "−")) and len(token) > 1):
            read_number(token, nxt, seen)
            if nxt in CURRENCY_WORDS:
                i += 1
        elif low in ("booked", "won", "lost") and seen.kind is not None:
            pass  # `2 meetings booked`
        elif in_account:
            seen.marked.append(token)
        else:
            seen.words.append(token)
        i += 1
    return judge(clause, seen)


def read_number(token: str, nxt: str, seen: _Clause) -> None:
    """Place one token holding digits: an amount, a plain number, or a refusal/question."""
    assert seen.plain is not None
    if token.startswith(("-", "−")) and len(token) > 1:
        raise OutcomeError("Outcomes can't be negative. To take one back, use `outcomes`.")
    if _INT_RE.fullmatch(token) and nxt not in CURRENCY_WORDS:
        seen.plain.append(int(token.lstrip("+")))
        return
    match = _AMOUNT_RE.fullmatch(token)
    if match is None:
        raise OutcomeError(
            f"I can't tell what “{token[:20]}” means — write numbers on their own "
            "(`12k`, `$12,000`)."
        )
    if match["sign"] or match["sign2"]:
        raise OutcomeError("Outcomes can't be negative. To take one back, use `outcomes`.")
    if seen.amount is not None:
        raise OutcomeError("I see two amounts there. One deal at a time, e.g. `won Acme 12k`.")
    seen.amount = amount_of(match)


def amount_of(match: re.Match[str]) -> int:
    """The whole-number value of a matched money figure (`€12.5k` → 12500)."""
    try:
        value = Decimal(match["num"].replace(",", ""))
    except InvalidOperation as err:  # pragma: no cover - the pattern admits only numbers
        raise OutcomeError("I couldn't read that amount.") from err
    return amount_value(value * {"k": 1000, "m": 1_000_000}.get(match["suffix"].lower(), 1))


def amount_value(value: Decimal) -> int:
    """A deal's value as a whole number, or a friendly refusal when it is zero or absurd."""
    if value <= 0:
        raise OutcomeError("A deal's value of 0 is no value — leave the amount out instead.")
    if value > MAX_AMOUNT:
        raise OutcomeError(
            f"{int(value):,} is more than I can record for one deal — is that right? "
            f"Up to {MAX_AMOUNT:,}."
        )
    if value != value.to_integral_value():
        value = value.quantize(Decimal(1))
    return int(value)


def judge(clause: str, seen: _Clause) -> OutcomeEntry:
    """Turn what a clause said into one outcome, or ask/refuse where its meaning is open."""
    assert seen.plain is not None and seen.words is not None and seen.marked is not None
    kind = seen.kind
    if kind is None and seen.noun == "meeting":
        kind = OutcomeKind.MEETING
    if kind is OutcomeKind.MEETING and seen.noun == "deal":
        raise OutcomeError("Is that a meeting booked or a deal won? Say `booked …` or `won …`.")
    account = " ".join(seen.marked).strip()[:MAX_ACCOUNT_CHARS] or None
    leftover = " ".join(w for w in seen.words if w.lower() not in FILLER).strip()
    if kind is None:
        if leftover and seen.noun is None:
            raise OutcomeError("I couldn't read that.")
        if seen.noun == "deal" and seen.count is not None and not seen.plain:
            guess = OutcomeEntry(OutcomeKind.WON, check_count(seen.count), seen.amount, account)
            raise OutcomeUnsure(f"Did you mean {guess.describe()}?", (guess,))
        if seen.amount is not None and not (seen.plain or seen.count or leftover):
            guess = OutcomeEntry(OutcomeKind.WON, 1, seen.amount, account)
            raise OutcomeUnsure(f"Did you mean {guess.describe()}?", (guess,))
        if seen.plain or seen.count is not None or seen.amount is not None:
            raise OutcomeError(
                f"I'm not sure what the number in “{clause[:60]}” counts. "
                "Say what it was: `booked 2 meetings`, `won Acme 12k` or `lost Globex`."
            )
        raise OutcomeError("I couldn't read that.")
    if kind is OutcomeKind.MEETING:
        return meeting(clause, seen, account, leftover)
    return deal(clause, kind, seen, account, leftover)


def meeting(clause: str, seen: _Clause, account: str | None, leftover: str) -> OutcomeEntry:
    """A meetings outcome: a count (or one), never an amount."""
    assert seen.plain is not None
    if seen.amount is not None:
        raise OutcomeError(
            "Meetings don't carry an amount. For a deal say `won Acme 12k`; for meetings "
            "`booked 2 meetings`."
        )
    count = seen.count
    if seen.plain:
        if count is not None or len(seen.plain) > 1:
            raise _two_numbers(clause)
        note = leftover[:MAX_NOTE_CHARS] or None
        guess = OutcomeEntry(OutcomeKind.MEETING, check_count(seen.plain[0]), None, account, note)
        raise OutcomeUnsure(f"Did you mean {guess.describe()}?", (guess,))
    if leftover and seen.noun is None:
        # `booked Acme`: a meeting with Acme, most likely; asked, not assumed.
        guess = OutcomeEntry(OutcomeKind.MEETING, 1, None, account or leftover[:MAX_ACCOUNT_CHARS])
        raise OutcomeUnsure(f"Did you mean {guess.describe()}?", (guess,))
    note = leftover[:MAX_NOTE_CHARS] or None
    return OutcomeEntry(OutcomeKind.MEETING, check_count(count or 1), None, account, note)


def deal(
    clause: str, kind: OutcomeKind, seen: _Clause, account: str | None, leftover: str
) -> OutcomeEntry:
    """A deal won or lost: a count (or one), an amount, the account after the verb."""
    assert seen.plain is not None
    name = account or (leftover[:MAX_ACCOUNT_CHARS] or None)
    if account and leftover:
        name = f"{leftover} {account}"[:MAX_ACCOUNT_CHARS]
    count = check_count(seen.count) if seen.count is not None else None
    if seen.plain:
        if len(seen.plain) > 1 or count is not None or seen.amount is not None:
            raise OutcomeError(
                f"I'm not sure what each number in “{clause[:60]}” means. One deal at a time "
                "with its value (`won Acme 12k`), or a count of deals (`won 3 deals`)."
            )
        value = seen.plain[0]
        if value == 0:
            raise OutcomeError("Zero deals is no outcome — say `none`, or the deal it was.")
        if value < LIKELY_COUNT_BELOW:
            guess = OutcomeEntry(kind, check_count(value), None, name)
        else:
            guess = OutcomeEntry(kind, 1, amount_value(Decimal(value)), name)
        raise OutcomeUnsure(f"Did you mean {guess.describe()}?", (guess,))
    if count is not None and count > 1 and seen.amount is not None:
        guess = OutcomeEntry(kind, count, seen.amount, name)
        raise OutcomeUnsure(
            f"Is {money(seen.amount)} the total of the {plural(count, 'deal')}? "
            f"(I'd record {guess.describe()}.)",
            (guess,),
        )
    entry = OutcomeEntry(kind, count or 1, seen.amount, name)
    return replace(entry, quantity=check_count(entry.quantity))


def check_count(count: int) -> int:
    """A count of meetings or deals in range, else a friendly refusal."""
    if count <= 0:
        raise OutcomeError("A count of outcomes starts at 1 — or say `none`.")
    if count > MAX_COUNT:
        raise OutcomeError(f"{count} at once is more than I can record — up to {MAX_COUNT}.")
    return count


def _two_numbers(clause: str) -> OutcomeError:
    """The question for a clause with more than one count."""
    return OutcomeError(
        f"I see more than one number in “{clause[:60]}”, so I'm not sure which to count. "
        "One outcome each, split by `;` — e.g. `booked 2 meetings; won Acme 12k`."
    )
