"""Tests for bot.checkin.parsing: every accepted answer form, refusals, and fuzzing."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.checkin import numbers, parsing
from bot.checkin.parsing import (
    MAX_ACTIVITIES,
    MAX_CONVERSATIONS,
    MAX_MINUTES,
    AnswerError,
    CheckinDraft,
    QuickLog,
    is_day_off,
    looks_like_checkin,
    parse_activities,
    parse_checkin_message,
    parse_conversations,
    parse_minutes,
    parse_pause,
    parse_quick_log,
    parse_schedule,
    parse_time_of_day,
    parse_wins,
    parse_workdays,
)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WED = date(2026, 11, 25)  # a Wednesday
WEEKDAYS = (0, 1, 2, 3, 4)

# Pieces that steer fuzzed text into the parsers' deeper paths.
TOKENS = [
    "12", "0", "-3", "1.5", "1,5", "1,000", "500", "501", "1441", "99999999999999999999", ":",
    "30", "h", "m", "min", "hours", "an hour", "half", "a", "dozen", "couple", "of", "and",
    "twenty", "-", "one", "hundred", "thousand", "calls", "sales", "meetings", "no", "none",
    " ", "\n", ";", ",", ".", "•", "1.", "2)", "top:", "calls:", "minutes:", "hours:", "wins:",
    "off", "day", "sick", "demo with Acme", "mon", "fri", "to", "until", "dec", "2026-12-01",
    "d", "w", "weeks", "am", "pm", "4:30", "16:30", "noon", "every", "daily", "\x00", "🎉",
    "llamadas", "minus", "½", "１２", "?", "log",
]  # fmt: skip
token_text = st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)
spaced_tokens = st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join)
any_text = st.one_of(
    st.text(),
    st.text(max_size=40).map(lambda s: s * 3000),  # huge, repetitive input
    token_text,
    spaced_tokens,
)


def refusal(call: Callable[..., object], *args: object) -> str:
    """The reason an AnswerError gives (fails when the call succeeds)."""
    with pytest.raises(AnswerError) as info:
        call(*args)
    return str(info.value)


# ------------------------------------------------------------------------------------------
# Conversations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("  12  ", 12),
        ("0", 0),
        ("500", 500),
        ("twelve", 12),
        ("Twelve", 12),
        ("a dozen", 12),
        ("half a dozen", 6),
        ("two dozen", 24),
        ("a couple", 2),
        ("a couple of calls", 2),
        ("none", 0),
        ("None.", 0),
        ("zero", 0),
        ("no", 0),
        ("nope", 0),
        ("no calls", 0),
        ("no conversations today", 0),
        ("12 calls", 12),
        ("12calls", 12),
        ("twenty-one", 21),
        ("twenty one", 21),
        ("ninety-nine", 99),
        ("one hundred", 100),
        ("a hundred", 100),
        ("one hundred and five", 105),
        ("two hundred fifty", 250),
        ("about 7", 7),
        ("7 conversations", 7),
        ("7 sales conversations", 7),
        ("5 cold calls", 5),
        ("3 calls and 2 meetings", 5),
        ("12 calls in 2 hours", 12),
        ("12 calls, 95 min", 12),
        ("12 llamadas", 12),
        ("12.0", 12),
        ("１２", 12),
        ("١٢ مكالمة", 12),
        ("\x0012\x00", 12),
        ("12 🎉", 12),
        ("only 4 today :(", 4),
    ],
)
def test_parse_conversations_accepts(text: str, expected: int) -> None:
    assert parse_conversations(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-3", "Conversations can't be negative."),
        ("minus 3", "Conversations can't be negative."),
        ("1.5", "Conversations are whole numbers"),
        ("2,5", "Conversations are whole numbers"),
        ("501", "That's more than 500 conversations in a day."),
        ("1,000", "That's more than 500 conversations in a day."),
        ("a thousand", "That's more than 500 conversations in a day."),
        ("9" * 1500, "That's more than 500 conversations in a day."),
        ("a few", "I need an exact number of conversations"),
        ("several", "I need an exact number of conversations"),
        ("3 or 4", "more than one number"),
        ("hello", "I couldn't find a number of conversations"),
        ("'; DROP TABLE checkins; --", "I couldn't find a number of conversations"),
        ("90 min", "I couldn't find a number of conversations"),
        ("", "That answer was empty."),
        ("   \n\t", "That answer was empty."),
    ],
)
def test_parse_conversations_refuses(text: str, reason: str) -> None:
    assert reason in refusal(parse_conversations, text)


def test_refusals_carry_no_example() -> None:
    for call, text in [(parse_conversations, "x"), (parse_minutes, "x"), (parse_wins, "x")]:
        reason = refusal(call, text)
        assert "e.g." not in reason
        assert "example" not in reason.lower()


def spell(n: int, *, hyphen: bool = True) -> str:
    """English words for 0..999 ("twenty-one", "three hundred and five")."""
    small = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen",
    ]  # fmt: skip
    tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    if n < 20:
        return small[n]
    if n < 100:
        ten, one = divmod(n, 10)
        return tens[ten] + (("-" if hyphen else " ") + small[one] if one else "")
    hundreds, rest = divmod(n, 100)
    return f"{small[hundreds]} hundred" + (f" and {spell(rest, hyphen=hyphen)}" if rest else "")


@FUZZ
@given(st.integers(0, MAX_CONVERSATIONS))
def test_conversations_round_trip_digits(n: int) -> None:
    assert parse_conversations(str(n)) == n
    assert parse_conversations(f"{n} calls") == n


@FUZZ
@given(st.integers(0, MAX_CONVERSATIONS), st.booleans())
def test_conversations_round_trip_words(n: int, hyphen: bool) -> None:
    assert parse_conversations(spell(n, hyphen=hyphen)) == n


@FUZZ
@given(st.integers(MAX_CONVERSATIONS + 1, 10**30))
def test_conversations_too_many(n: int) -> None:
    assert "more than 500" in refusal(parse_conversations, str(n))


@FUZZ
@given(any_text)
def test_parse_conversations_total(text: str) -> None:
    try:
        value = parse_conversations(text)
    except AnswerError as err:
        assert str(err)
    else:
        assert type(value) is int
        assert 0 <= value <= MAX_CONVERSATIONS


# ------------------------------------------------------------------------------------------
# Minutes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45", 45),
        ("45m", 45),
        ("45 m", 45),
        ("45 min", 45),
        ("45 mins", 45),
        ("45 minutes", 45),
        ("1h30", 90),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("1 h 30 min", 90),
        ("1 hour 30 minutes", 90),
        ("1 hr 30", 90),
        ("2 hours 15", 135),
        ("1h and 30", 90),
        ("1.5 hours", 90),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("0.75h", 45),
        (".5 hours", 30),
        ("1½ hours", 90),
        ("½ hour", 30),
        ("an hour", 60),
        ("An hour.", 60),
        ("one hour", 60),
        ("half an hour", 30),
        ("half-hour", 30),
        ("quarter of an hour", 15),
        ("three quarters of an hour", 45),
        ("an hour and a half", 90),
        ("hour and a half", 90),
        ("one and a half hours", 90),
        ("two and a half hours", 150),
        ("two hours and a half", 150),
        ("a couple of hours", 120),
        ("ninety minutes", 90),
        ("90 min", 90),
        ("2 hours", 120),
        ("2 hrs", 120),
        ("1:30", 90),
        ("0:45", 45),
        ("none", 0),
        ("no", 0),
        ("zero", 0),
        ("0", 0),
        ("no time", 0),
        ("1440", 1440),
        ("24h", 1440),
        ("1.333 h", 80),
        ("0.5 min", 1),  # rounds half up
        ("12 calls, 95 min", 95),
        ("about 40 min on the phone", 40),
        ("45 minutos", 45),
    ],
)
def test_parse_minutes_accepts(text: str, expected: int) -> None:
    assert parse_minutes(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-45", "Minutes can't be negative."),
        ("-1h", "Minutes can't be negative."),
        ("1441", "That's more than 24 hours (1440 minutes) in a day."),
        ("25 hours", "That's more than 24 hours"),
        ("24h 1m", "That's more than 24 hours"),
        ("1.5", "Is that hours or minutes?"),
        ("45 50", "more than one number"),
        ("3 calls", "I couldn't find a number of minutes"),
        ("lots", "I need an exact number of minutes"),
        ("", "That answer was empty."),
        ("🎉", "I couldn't find a number of minutes"),
    ],
)
def test_parse_minutes_refuses(text: str, reason: str) -> None:
    assert reason in refusal(parse_minutes, text)


@FUZZ
@given(st.integers(0, MAX_MINUTES))
def test_minutes_round_trip(m: int) -> None:
    hours, rest = divmod(m, 60)
    assert parse_minutes(str(m)) == m
    assert parse_minutes(f"{m}m") == m
    assert parse_minutes(f"{m} min") == m
    assert parse_minutes(f"{hours}h{rest}") == m
    assert parse_minutes(f"{hours}h {rest}m") == m
    assert parse_minutes(f"{hours}:{rest:02d}") == m


@FUZZ
@given(st.integers(0, 24), st.integers(0, 59))
def test_minutes_round_trip_hours_and_minutes(hours: int, rest: int) -> None:
    total = hours * 60 + rest
    text = f"{hours}h{rest:02d}"
    if total <= MAX_MINUTES:
        assert parse_minutes(text) == total
    else:
        assert "more than 24 hours" in refusal(parse_minutes, text)


@FUZZ
@given(st.integers(0, 24 * 4))
def test_minutes_round_trip_decimal_hours(quarters: int) -> None:
    hours = quarters / 4
    assert parse_minutes(f"{hours} hours") == quarters * 15
    assert parse_minutes(f"{hours:.2f}h".replace(".", ",")) == quarters * 15


@FUZZ
@given(any_text)
def test_parse_minutes_total(text: str) -> None:
    try:
        value = parse_minutes(text)
    except AnswerError as err:
        assert str(err)
    else:
        assert type(value) is int
        assert 0 <= value <= MAX_MINUTES


# ------------------------------------------------------------------------------------------
# Activities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("demo with Acme", ["demo with Acme"]),
        ("demo with Acme; proposal for Beta", ["demo with Acme", "proposal for Beta"]),
        ("demo with Acme\nproposal for Beta\n", ["demo with Acme", "proposal for Beta"]),
        ("1. demo\n2. proposal\n3. admin", ["demo", "proposal", "admin"]),
        ("1) demo\n2) proposal", ["demo", "proposal"]),
        ("(1) demo\n(2) proposal", ["demo", "proposal"]),
        ("1. demo 2. proposal 3. admin", ["demo", "proposal", "admin"]),
        ("- demo\n* proposal\n• admin", ["demo", "proposal", "admin"]),
        ("-demo\n-proposal", ["demo", "proposal"]),
        ("• demo • proposal", ["demo", "proposal"]),
        ("Top: demo; proposal", ["demo", "proposal"]),
        ("Top activities:\n- demo\n- proposal", ["demo", "proposal"]),
        ("a; b; c; d; e", ["a", "b", "c"]),
        ("\n\n  demo  \n\n;;", ["demo"]),
        ("demo with   Acme.", ["demo with Acme"]),
        ("called Acme, Beta and Gamma", ["called Acme, Beta and Gamma"]),
        ("3 calls with Acme", ["3 calls with Acme"]),
        ("2.5 hours of demos", ["2.5 hours of demos"]),
        ("📞 llamadas con clientes 🇪🇸", ["📞 llamadas con clientes 🇪🇸"]),
        ("商談; 提案書", ["商談", "提案書"]),
        ("demo\x00with Acme", ["demo with Acme"]),
        ("'; DROP TABLE activities; --", ["'", "DROP TABLE activities"]),
    ],
)
def test_parse_activities(text: str, expected: list[str]) -> None:
    assert parse_activities(text) == expected


def test_activities_are_capped_at_200_characters() -> None:
    (item,) = parse_activities("x" * 5000)
    assert item == "x" * 200


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "-\n*\n•", ";;;", "1.\n2."])
def test_parse_activities_refuses_empty(text: str) -> None:
    assert refusal(parse_activities, text) == "I didn't catch any activities."


item_text = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ éßü漢字🎉 "), min_size=1, max_size=60
).filter(lambda s: s.strip())


@FUZZ
@given(st.lists(item_text, min_size=1, max_size=6), st.sampled_from(["\n", ";", "\n- ", "\n• "]))
def test_activities_round_trip(items: list[str], separator: str) -> None:
    expected = [" ".join(item.split()) for item in items][:MAX_ACTIVITIES]
    assert parse_activities(separator.join(items)) == expected


@FUZZ
@given(any_text)
def test_parse_activities_total(text: str) -> None:
    try:
        items = parse_activities(text)
    except AnswerError as err:
        assert str(err)
    else:
        assert 1 <= len(items) <= MAX_ACTIVITIES
        for item in items:
            assert item
            assert item == item.strip()
            assert len(item) <= parsing.MAX_ACTIVITY_CHARS
            assert "\n" not in item
            assert "\x00" not in item


# ------------------------------------------------------------------------------------------
# Wins


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 - closed Acme", (2, "closed Acme")),
        ("2 – closed Acme", (2, "closed Acme")),
        ("1 meeting booked with Beta", (1, "meeting booked with Beta")),
        ("2 wins: closed Acme and Beta", (2, "closed Acme and Beta")),
        ("two: closed Acme", (2, "closed Acme")),
        ("a meeting booked with Beta", (1, "meeting booked with Beta")),
        ("3", (3, "")),
        ("0", (0, "")),
        ("none", (0, "")),
        ("None yet", (0, "")),
        ("no wins today", (0, "")),
        ("nope", (0, "")),
        ("closed 2 deals", (2, "closed 2 deals")),
        ("1 🎉 signed Gamma", (1, "🎉 signed Gamma")),
        # A sentence without a number is one win; a lone dash and zero words are none.
        ("Initech signed the pilot!", (1, "Initech signed the pilot!")),
        ("landed the Hooli contract", (1, "landed the Hooli contract")),
        ("* renewal with Soylent", (1, "renewal with Soylent")),
        ("–", (0, "")),
        ("nada", (0, "")),
        ("nothing yet", (0, "")),
        ("3 - two demos and a renewal", (3, "two demos and a renewal")),
    ],
)
def test_parse_wins(text: str, expected: tuple[int, str]) -> None:
    assert parse_wins(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-1", "Wins can't be negative."),
        ("1.5 deals", "Wins are whole numbers."),
        ("101", "That's more than 100 wins in a day."),
        ("closed 2 deals and 3 meetings", "Start with how many wins"),
        ("", "That answer was empty."),
    ],
)
def test_parse_wins_refuses(text: str, reason: str) -> None:
    assert reason in refusal(parse_wins, text)


@FUZZ
@given(any_text)
def test_parse_wins_total(text: str) -> None:
    try:
        count, note = parse_wins(text)
    except AnswerError as err:
        assert str(err)
    else:
        assert type(count) is int
        assert 0 <= count <= parsing.MAX_WINS
        assert len(note) <= parsing.MAX_WIN_NOTE_CHARS


# ------------------------------------------------------------------------------------------
# Day off


@pytest.mark.parametrize(
    "text",
    [
        "off",
        "Off!",
        "day off",
        "day-off",
        "vacation",
        "on vacation",
        "holiday",
        "Bank holiday",
        "sick",
        "sick 🤒",
        "I'm sick today",
        "I’m off today",
        "skip",
        "skip today please",
        "PTO",
        "ooo",
        "OOO.",
        "out of office",
        "took the day off",
        "time off",
        "on leave",
        "off until monday",
    ],
)
def test_is_day_off(text: str) -> None:
    assert is_day_off(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12",
        "took off early to call Acme",
        "off to a demo with Acme",
        "called a sick customer",
        "half day",
        "in the office",
        "office",
        "skip " * 30,
        "no calls, I was sick and then had a long talk with my manager about the plan",
    ],
)
def test_is_not_day_off(text: str) -> None:
    assert not is_day_off(text)


@FUZZ
@given(any_text)
def test_is_day_off_total(text: str) -> None:
    assert isinstance(is_day_off(text), bool)  # never raises, always a yes or no


# ------------------------------------------------------------------------------------------
# All-in-one check-in messages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "12 calls, 95 min; demo with Acme; proposal for Beta",
            CheckinDraft(12, 95, ("demo with Acme", "proposal for Beta")),
        ),
        (
            "12 conversations and 1h30 talking. Top: demo with Acme, proposal for Beta",
            CheckinDraft(12, 90, ("demo with Acme", "proposal for Beta")),
        ),
        (
            "calls: 12\nminutes: 90\n- demo\n- proposal",
            CheckinDraft(12, 90, ("demo", "proposal")),
        ),
        (
            "Calls 8\nMinutes 45\nTop activities:\n1. demo\n2. inbox",
            CheckinDraft(8, 45, ("demo", "inbox")),
        ),
        ("conversations = 3\nhours: 1.5", CheckinDraft(3, 90)),
        (
            "12 calls, 90 min, demo with Acme, proposal for Beta, admin, extra",
            CheckinDraft(
                12, 90, ("demo with Acme", "proposal for Beta", "admin"), unplaced=("extra",)
            ),
        ),
        ("12 calls\n95 min\ndemo with Acme", CheckinDraft(12, 95, ("demo with Acme",))),
        ("twelve calls, an hour and a half", CheckinDraft(12, 90)),
        ("12, 95; demo", CheckinDraft(12, 95, ("demo",))),
        ("0 calls, 0 min; one", CheckinDraft(0, 0, ("one",))),
        ("12 calls; 30", CheckinDraft(12, 30)),
        ("no calls today; admin all day", CheckinDraft(0, None, ("admin all day",))),
        ("45 min; inbox", CheckinDraft(None, 45, ("inbox",))),
        ("12 calls", CheckinDraft(12)),
        (
            "demo with Acme; proposal for Beta",
            CheckinDraft(None, None, ("demo with Acme", "proposal for Beta")),
        ),
        (
            "12 calls, 90 min\nwins: 2 - closed Acme\n- demo",
            CheckinDraft(12, 90, ("demo",), unplaced=("wins: 2 - closed Acme",)),
        ),
        ("off", CheckinDraft(day_off=True)),
        ("Vacation", CheckinDraft(day_off=True)),
        ("-3 calls, 40 min", CheckinDraft(None, 40, unplaced=("-3 calls",))),
        ("600 calls, 40 min", CheckinDraft(None, 40, unplaced=("600 calls",))),
        ("3 calls, 30 hours", CheckinDraft(3, None, unplaced=("30 hours",))),
        ("", CheckinDraft()),
    ],
)
def test_parse_checkin_message(text: str, expected: CheckinDraft) -> None:
    assert parse_checkin_message(text) == expected


def draft_is_valid(draft: CheckinDraft) -> None:
    """The invariants every draft keeps."""
    assert draft.conversations is None or 0 <= draft.conversations <= MAX_CONVERSATIONS
    assert draft.minutes is None or 0 <= draft.minutes <= MAX_MINUTES
    assert isinstance(draft.activities, tuple)
    assert len(draft.activities) <= MAX_ACTIVITIES
    assert all(item and len(item) <= parsing.MAX_ACTIVITY_CHARS for item in draft.activities)
    if draft.day_off:
        assert draft == CheckinDraft(day_off=True)


@FUZZ
@given(any_text)
def test_parse_checkin_message_never_raises(text: str) -> None:
    # The unguarded core, so a bug cannot hide behind the public function's safety net.
    draft, _, _ = parsing._read_checkin(text)
    draft_is_valid(draft)
    draft_is_valid(parse_checkin_message(text))


def reads_as_words(item: str) -> bool:
    """Whether an item has no number in it, spelled out or not ("an hour", "no calls")."""
    return numbers.duration_text(item) == item.lower()


@FUZZ
@given(
    st.integers(0, MAX_CONVERSATIONS),
    st.integers(0, MAX_MINUTES),
    st.lists(item_text.filter(reads_as_words), min_size=1, max_size=3),
)
def test_checkin_message_round_trip(conversations: int, minutes: int, items: list[str]) -> None:
    text = f"{conversations} calls, {minutes} min; " + "; ".join(items)
    expected = tuple(" ".join(item.split()) for item in items)
    assert parse_checkin_message(text) == CheckinDraft(conversations, minutes, expected)


@pytest.mark.parametrize(
    "text",
    [
        "12 calls, 90 min; demo with Acme",
        "12 calls, 90 min",
        "12 calls\ndemo with Acme",
        "calls: 12\nminutes: 90",
        "7 conversations and 1h talking. Top: demo with Acme",
        "0 calls, 0 min",
    ],
)
def test_looks_like_checkin(text: str) -> None:
    assert looks_like_checkin(text)


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "stats week",
        "how many calls did I make",
        "how many calls did I make today, 90 min?",
        "12 calls",
        "90 min; demo with Acme",
        "log 3 calls 40m",
        "checkin 12 calls, 90 min",
        "I had 3 meetings with my manager today, so tired",
        "off",
        "",
    ],
)
def test_does_not_look_like_checkin(text: str) -> None:
    assert not looks_like_checkin(text)


@FUZZ
@given(any_text)
def test_looks_like_checkin_never_raises(text: str) -> None:
    assert isinstance(looks_like_checkin(text), bool)  # never raises, always a yes or no


def test_drafts_and_logs_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CheckinDraft().minutes = 3  # type: ignore[misc]  # assigning a frozen field is the point
    with pytest.raises(dataclasses.FrozenInstanceError):
        QuickLog(1, 2).minutes = 3  # type: ignore[misc]  # assigning a frozen field is the point


# ------------------------------------------------------------------------------------------
# Quick log


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 calls 40m", QuickLog(3, 40)),
        ("3 40m", QuickLog(3, 40)),
        ("3 40", QuickLog(3, 40)),
        ("40 min", QuickLog(0, 40)),
        ("2 calls", QuickLog(2, 0)),
        ("3 calls, 1h", QuickLog(3, 60)),
        ("1 call 1h30", QuickLog(1, 90)),
        ("3", QuickLog(3, 0)),
        ("three calls, half an hour", QuickLog(3, 30)),
        ("2 meetings and 1 call, 45m", QuickLog(3, 45)),
    ],
)
def test_parse_quick_log(text: str, expected: QuickLog) -> None:
    assert parse_quick_log(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "That answer was empty."),
        ("calls", "I couldn't find a number of calls or minutes"),
        ("0 calls", "That adds nothing to today."),
        ("-3 calls", "can't be negative"),
        ("3 calls -40m", "can't be negative"),
        ("1.5 calls", "Calls are whole numbers."),
        ("501 calls", "more than 500 conversations"),
        ("3 calls 25h", "more than 24 hours"),
        ("1 2 3", "too many numbers"),
    ],
)
def test_parse_quick_log_refuses(text: str, reason: str) -> None:
    assert reason in refusal(parse_quick_log, text)


@FUZZ
@given(any_text)
def test_parse_quick_log_total(text: str) -> None:
    try:
        logged = parse_quick_log(text)
    except AnswerError as err:
        assert str(err)
    else:
        assert 0 <= logged.conversations <= MAX_CONVERSATIONS
        assert 0 <= logged.minutes <= MAX_MINUTES
        assert logged.conversations or logged.minutes


@FUZZ
@given(st.integers(0, MAX_CONVERSATIONS), st.integers(0, MAX_MINUTES))
def test_quick_log_round_trip(conversations: int, minutes: int) -> None:
    text = f"{conversations} calls {minutes}m"
    if conversations or minutes:
        assert parse_quick_log(text) == QuickLog(conversations, minutes)
    else:
        assert refusal(parse_quick_log, text) == "That adds nothing to today."


# ------------------------------------------------------------------------------------------
# Pause


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5d", date(2026, 11, 29)),
        ("5 days", date(2026, 11, 29)),
        ("for 5 days", date(2026, 11, 29)),
        ("five days", date(2026, 11, 29)),
        ("1d", WED),
        ("a day", WED),
        ("today", WED),
        ("tomorrow", date(2026, 11, 26)),
        ("2w", date(2026, 12, 8)),
        ("2 weeks", date(2026, 12, 8)),
        ("a week", date(2026, 12, 1)),
        ("1 month", date(2026, 12, 24)),
        ("until 2026-12-01", date(2026, 12, 1)),
        ("2026-12-01", date(2026, 12, 1)),
        ("2026/12/01", date(2026, 12, 1)),
        ("until dec 1", date(2026, 12, 1)),
        ("Until Dec. 1st", date(2026, 12, 1)),
        ("till december 1", date(2026, 12, 1)),
        ("1 dec", date(2026, 12, 1)),
        ("1st of December", date(2026, 12, 1)),
        ("dec 1 2026", date(2026, 12, 1)),
        ("jan 5", date(2027, 1, 5)),  # no year: the next such day
        ("nov 25", WED),
        ("until friday", date(2026, 11, 27)),
        ("until wednesday", date(2026, 12, 2)),  # the next Wednesday after today
        ("365d", date(2027, 11, 24)),
        ("366d", date(2027, 11, 25)),
        ("2027-11-25", date(2027, 11, 25)),
    ],
)
def test_parse_pause(text: str, expected: date) -> None:
    assert parse_pause(text, WED) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "For how long?"),
        ("0d", "Pause for at least one day."),
        ("2025-01-01", "That date has already passed."),
        ("2026-11-24", "That date has already passed."),
        ("2027-11-26", "That's more than 365 days away."),
        ("400d", "That's more than 365 days away."),
        ("9" * 1900 + "d", "That's more than 365 days away."),
        ("13 months", "That's more than 365 days away."),
        ("2026-02-30", "That's not a real date."),
        ("feb 30", "That's not a real date."),
        ("2m", "Is that minutes or months?"),
        ("12/01", "I couldn't read how long to pause."),
        ("forever", "I couldn't read how long to pause."),
        ("-5d", "I couldn't read how long to pause."),
    ],
)
def test_parse_pause_refuses(text: str, reason: str) -> None:
    assert reason in refusal(parse_pause, text, WED)


sane_days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@FUZZ
@given(st.integers(1, 366), sane_days)
def test_pause_days_round_trip(days: int, today: date) -> None:
    assert parse_pause(f"{days}d", today) == today + timedelta(days=days - 1)
    assert parse_pause(f"{days} days", today) == today + timedelta(days=days - 1)


@FUZZ
@given(st.integers(0, 365), sane_days)
def test_pause_until_round_trip(ahead: int, today: date) -> None:
    end = today + timedelta(days=ahead)
    assert parse_pause(f"until {end.isoformat()}", today) == end
    assert parse_pause(end.strftime("%b %d").lower(), today) == end if ahead < 360 else True


@FUZZ
@given(any_text, sane_days)
def test_parse_pause_total(text: str, today: date) -> None:
    try:
        end = parse_pause(text, today)
    except AnswerError as err:
        assert str(err)
    else:
        assert today <= end <= today + timedelta(days=parsing.MAX_PAUSE_DAYS)


# ------------------------------------------------------------------------------------------
# Time of day, workdays, schedule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16:30", time(16, 30)),
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("4:30pm", time(16, 30)),
        ("4:30 PM", time(16, 30)),
        ("9am", time(9, 0)),
        ("9 am", time(9, 0)),
        ("9 a.m.", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15am", time(0, 15)),
        ("noon", time(12, 0)),
        ("midnight", time(0, 0)),
    ],
)
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("24:00", "That's not a time of day."),
        ("16:60", "That's not a time of day."),
        ("13pm", "That's not a time of day."),
        ("0am", "That's not a time of day."),
        ("0930", "I couldn't read that time."),
        ("9", "I couldn't read that time."),
        ("", "I couldn't read that time."),
        ("half past four", "I couldn't read that time."),
    ],
)
def test_parse_time_of_day_refuses(text: str, reason: str) -> None:
    assert refusal(parse_time_of_day, text) == reason


@FUZZ
@given(st.times())
def test_time_of_day_round_trip(t: time) -> None:
    t = t.replace(second=0, microsecond=0)
    assert parse_time_of_day(t.strftime("%H:%M")) == t
    assert parse_time_of_day(f"{t.hour}:{t.minute:02d}") == t
    assert parse_time_of_day(t.strftime("%I:%M%p")) == t
    assert parse_time_of_day(t.strftime("%I:%M %p").lower()) == t


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", WEEKDAYS),
        ("Mon–Fri", WEEKDAYS),
        ("mon - fri", WEEKDAYS),
        ("monday to friday", WEEKDAYS),
        ("weekdays", WEEKDAYS),
        ("work days", WEEKDAYS),
        ("mon,wed,fri", (0, 2, 4)),
        ("mon, wed and fri", (0, 2, 4)),
        ("mon tue thu", (0, 1, 3)),
        ("mondays and wednesdays", (0, 2)),
        ("sun-thu", (6, 0, 1, 2, 3)),
        ("fri-mon", (4, 5, 6, 0)),
        ("every day", tuple(range(7))),
        ("daily", tuple(range(7))),
        ("weekends", (5, 6)),
        ("weekdays sat", (0, 1, 2, 3, 4, 5)),
        ("tues thurs", (1, 3)),
    ],
)
def test_parse_workdays(text: str, expected: tuple[int, ...]) -> None:
    assert parse_workdays(text) == frozenset(expected)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Which days? Name at least one."),
        (" , ", "Which days? Name at least one."),
        ("blursday", "I don't know which day “blursday” is."),
        ("mon-", "I couldn't read the day range"),
        ("mon-tue-wed", "I couldn't read the day range"),
        ("'; DROP TABLE members; --", "I don't know which day"),
    ],
)
def test_parse_workdays_refuses(text: str, reason: str) -> None:
    assert reason in refusal(parse_workdays, text)


DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
LONG_DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@FUZZ
@given(
    st.sets(st.integers(0, 6), min_size=1),
    st.sampled_from([",", " ", ", ", " and "]),
    st.booleans(),
)
def test_workdays_round_trip(days: set[int], separator: str, long_names: bool) -> None:
    names = LONG_DAY_NAMES if long_names else DAY_NAMES
    assert parse_workdays(separator.join(names[d] for d in sorted(days))) == frozenset(days)


@FUZZ
@given(st.integers(0, 6), st.integers(0, 6))
def test_workday_ranges_wrap(first: int, last: int) -> None:
    expected = {(first + k) % 7 for k in range((last - first) % 7 + 1)}
    assert parse_workdays(f"{DAY_NAMES[first]}-{DAY_NAMES[last]}") == frozenset(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16:30 mon-fri", (time(16, 30), frozenset(WEEKDAYS))),
        ("9am", (time(9, 0), None)),
        ("17:00 sun-thu", (time(17, 0), frozenset({6, 0, 1, 2, 3}))),
        ("at 9 am on weekdays", (time(9, 0), frozenset(WEEKDAYS))),
        ("mon-fri at 4:30pm", (time(16, 30), frozenset(WEEKDAYS))),
        ("noon daily", (time(12, 0), frozenset(range(7)))),
    ],
)
def test_parse_schedule(text: str, expected: tuple[time, frozenset[int] | None]) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "I couldn't find a time there."),
        ("mon-fri", "I couldn't find a time there."),
        ("25:00 mon", "That's not a time of day."),
        ("16:30 someday", "I don't know which day"),
    ],
)
def test_parse_schedule_refuses(text: str, reason: str) -> None:
    assert reason in refusal(parse_schedule, text)


@FUZZ
@given(any_text)
def test_time_and_day_parsers_total(text: str) -> None:
    for call in (parse_time_of_day, parse_workdays, parse_schedule):
        try:
            value = call(text)
        except AnswerError as err:
            assert str(err)
            continue
        if isinstance(value, time):
            continue
        days = value[1] if isinstance(value, tuple) else value
        assert days is None or (days and days <= frozenset(range(7)))


@FEW
@given(st.sampled_from(TOKENS), st.integers(10_000, 100_000))
def test_huge_inputs_are_read_from_a_prefix(token: str, repeat: int) -> None:
    text = token * (repeat // max(1, len(token)))
    for call in (parse_conversations, parse_minutes, parse_activities, parse_wins, parse_quick_log):
        with contextlib.suppress(AnswerError):
            call(text)
    draft_is_valid(parse_checkin_message(text))
    assert isinstance(looks_like_checkin(text), bool)  # never raises, always a yes or no


# ------------------------------------------------------------------------------------------
# Unambiguous numbers only: ask when unsure, never guess silently


@pytest.mark.parametrize(
    ("call", "text", "value"),
    [
        (parse_conversations, "2l", 21),
        (parse_conversations, "I0", 10),
        (parse_conversations, "~9", 9),
        (parse_conversations, "2nd", 2),
        (parse_conversations, "1_2", None),
        (parse_minutes, "4o min", 40),
        (parse_minutes, "1_200", 1200),
        (parse_wins, "2O deals", 20),
        (parse_wins, "won over 4 accounts", 4),
    ],
)
def test_a_likely_reading_is_offered_not_taken(
    call: Callable[[str], object], text: str, value: int | None
) -> None:
    with pytest.raises(AnswerError) as raised:
        call(text)
    if value is not None:
        assert isinstance(raised.value, parsing.Unsure)
        assert raised.value.value == value and str(value) in str(raised.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("8e1", "sure of"),
        ("0b11", "sure of"),
        ("2**8", "sure of"),
        ("7%", "sure of"),
        ("£3k deal", "sure of"),
        ("<b>4</b>", "sure of"),
        ("H2 planning", "sure of"),
        ("２時間半", "sure of"),
        ("6-8", "Was it 6 or 8?"),
        ("3.5", "whole numbers"),
        ("-9", "negative"),
        ("once", "couldn't find"),
        ("zwölf Anrufe", "couldn't find"),
        ("十二", "couldn't find"),
    ],
)
def test_unclear_numbers_are_refused_with_a_reason(text: str, reason: str) -> None:
    assert reason in refusal(parse_conversations, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("１５", 15), ("(14)", 14), ("14!", 14), ("I had 6 calls about H2 planning", 6)],
)
def test_clear_numbers_beside_unclear_ones_are_read(text: str, expected: int) -> None:
    assert parse_conversations(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,5 hours", 150),
        ("1,500", None),
        ("75分", 75),
        ("3時間", 180),
        ("I talked for 2 hours with 5 buyers", 120),
    ],
)
def test_minutes_edge_forms(text: str, expected: int | None) -> None:
    if expected is None:
        assert "more than 24 hours" in refusal(parse_minutes, text)
    else:
        assert parse_minutes(text) == expected


@pytest.mark.parametrize("text", ["a few deals", "yes", "some?", "x"])
def test_vague_wins_are_asked_for_a_number(text: str) -> None:
    assert "How many wins?" in refusal(parse_wins, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "4, 35 minutes, pricing call with Cyberdyne",
            CheckinDraft(4, 35, ("pricing call with Cyberdyne",)),
        ),
        (
            "9 calls 2h10 contract review with Oscorp",
            CheckinDraft(9, 130, ("contract review with Oscorp",)),
        ),
        ("15 dials | 80 min | prospecting", CheckinDraft(15, 80, ("prospecting",))),
        (
            "convos: 3 / mins: 25 / top: QBR, upsell, admin",
            CheckinDraft(3, 25, ("QBR", "upsell", "admin")),
        ),
        ("3O calls, 40 min", CheckinDraft(None, 40, unplaced=("3O calls",))),
        ("6 calls, 20 min, 90", CheckinDraft(6, 20, unplaced=("90",))),
        ("€40k renewal; 2 calls", CheckinDraft(2, None, ("€40k renewal",))),
        (
            "workshop for 3 hours with Vandelay",
            CheckinDraft(None, None, ("workshop for 3 hours with Vandelay",)),
        ),
        (
            "2 calls; a; b; c; d",
            CheckinDraft(2, None, ("a", "b", "c"), unplaced=("d",)),
        ),
    ],
)
def test_every_part_of_a_message_is_placed_or_kept(text: str, expected: CheckinDraft) -> None:
    assert parse_checkin_message(text) == expected


def test_a_bare_number_answers_the_question_being_asked() -> None:
    assert parsing.read_checkin("55, cold outreach", first="minutes") == CheckinDraft(
        None, 55, ("cold outreach",)
    )


def test_one_list_line_is_recognised() -> None:
    assert parsing.is_list_line("- cold outreach")
    assert parsing.is_list_line("3) follow-ups")
    assert not parsing.is_list_line("cold outreach")
    assert not parsing.is_list_line("- a\n- b")


FILLER_WORDS = ["demo", "with", "Acme", "pipeline", "review", "calls", "min", "and", "the"]
# Letters and symbols that may touch digits ("h"/"m" would make "45m", a unit; ";", "|", "="
# separate the parts of a message and "calls=9" labels; "()[]" may wrap a number).
TOUCHING = [*list("abcdefgjkpqruvwxyzABCDEFGJKPQRUVWXYZ$€£#@^_~<>%&*+\\`{}"), "é", "ß", "日"]


@FUZZ
@given(
    number=st.integers(min_value=1, max_value=1440),
    touching=st.sampled_from(TOUCHING),
    before=st.booleans(),
    words_before=st.lists(st.sampled_from(FILLER_WORDS), max_size=3),
    words_after=st.lists(st.sampled_from(FILLER_WORDS), max_size=3),
)
def test_digits_touching_letters_or_symbols_are_never_read_silently(
    number: int, touching: str, before: bool, words_before: list[str], words_after: list[str]
) -> None:
    token = f"{touching}{number}" if before else f"{number}{touching}"
    text = " ".join([*words_before, token, *words_after])
    for call in (parse_conversations, parse_minutes):
        try:
            value = call(text)
        except AnswerError:
            continue  # refused, or asked about (Unsure): never taken silently
        assert value != number, (call, text)
    draft = parse_checkin_message(text)
    assert number not in (draft.conversations, draft.minutes), text


message_parts = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "12 calls",
                "95 min",
                "1h30",
                "7",
                "demo with Acme",
                "Q4 planning",
                "$2M deal",
                "1O calls",
                "3rd call",
                "-4 calls",
                "600 calls",
                "30 hours",
                "wins: 2",
                "top: a, b",
                "admin",
                "3-4",
                "ｄｅｍｏ",
                "会議",
                "with 3 buyers",
                "1,000",
            ]
        ),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    ),
    min_size=1,
    max_size=6,
)


@FUZZ
@given(parts=message_parts, separator=st.sampled_from(["; ", "\n", ", ", " / ", " | ", " "]))
def test_a_checkin_message_never_loses_text(parts: list[str], separator: str) -> None:
    """Every word and number typed is in an activity, the note, or a part read as a number
    (an activity label such as "top:" is structure, not content)."""
    text = separator.join(parts)
    draft = parse_checkin_message(text)
    if draft.day_off:
        return
    kept = "top activities highlights " + numbers.clean_text(
        " ".join((*draft.activities, *draft.unplaced, *draft.numbers_read))
    )
    kept_words = set(numbers.WORD_RE.findall(kept.lower())) | set(re.findall(r"[0-9]+", kept))
    for word in numbers.WORD_RE.findall(numbers.clean_text(text).lower()):
        assert word in kept_words, (word, text, draft)
    for digits in re.findall(r"[0-9]+", numbers.clean_text(text)):
        assert digits in kept_words, (digits, text, draft)


@pytest.mark.parametrize(
    ("text", "conversations", "minutes", "kept"),
    [
        ("6 calls, 40 min, booked 2 meetings", 6, 40, "booked 2 meetings"),
        ("booked 3 meetings; 9 calls; 1h", 9, 60, "booked 3 meetings"),
        ("11 conversations\nwon Initech 20k\n95 minutes", 11, 95, "won Initech 20k"),
        ("4 calls, lost Globex, 30 min", 4, 30, "lost Globex"),
        ("signed 2 deals, 7 calls, 50m", 7, 50, "signed 2 deals"),
    ],
)
def test_an_outcome_in_a_checkin_message_is_kept_never_counted(
    text: str, conversations: int, minutes: int, kept: str
) -> None:
    draft = parse_checkin_message(text)
    assert (draft.conversations, draft.minutes) == (conversations, minutes)
    assert kept in draft.unplaced
    assert not any(kept in activity for activity in draft.activities)


@pytest.mark.parametrize(
    ("text", "minutes", "activity"),
    [
        ("7 calls, 80 min; CRM updates 45 min; proposal for Zeta", 80, "CRM updates 45 min"),
        ("3 calls; expense reports 1.5 hours", None, "expense reports 1.5 hours"),
        ("9 conversations\n2h talking\ninternal sync 30m", 120, "internal sync 30m"),
        ("4 calls; 50 min; travel 3h", 50, "travel 3h"),
    ],
)
def test_an_activitys_own_time_is_never_time_with_buyers(
    text: str, minutes: int | None, activity: str
) -> None:
    draft = parse_checkin_message(text)
    assert draft.minutes == minutes  # None: the minutes question is asked, nothing guessed
    assert activity in draft.activities
