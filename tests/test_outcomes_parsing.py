"""Reading outcomes: every number read only where its meaning is clear, asked otherwise."""

from __future__ import annotations

import pytest

from bot.outcomes.parsing import (
    OutcomeEntry,
    OutcomeError,
    OutcomeUnsure,
    read_outcomes,
    starts_like_outcome,
)
from bot.storage.outcomes import OutcomeKind

MEETING, WON, LOST = OutcomeKind.MEETING, OutcomeKind.WON, OutcomeKind.LOST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("won Acme 12k", (OutcomeEntry(WON, 1, 12_000, "Acme"),)),
        ("won Acme $12,000", (OutcomeEntry(WON, 1, 12_000, "Acme"),)),
        ("won Acme 12,000", (OutcomeEntry(WON, 1, 12_000, "Acme"),)),
        ("won Acme €12.5k", (OutcomeEntry(WON, 1, 12_500, "Acme"),)),
        ("won Beta 1.2m", (OutcomeEntry(WON, 1, 1_200_000, "Beta"),)),
        ("won Acme 12000 EUR", (OutcomeEntry(WON, 1, 12_000, "Acme"),)),
        ("booked 2 meetings", (OutcomeEntry(MEETING, 2),)),
        ("2 meetings booked", (OutcomeEntry(MEETING, 2),)),
        ("booked a meeting with Acme", (OutcomeEntry(MEETING, 1, None, "Acme"),)),
        ("lost Globex", (OutcomeEntry(LOST, 1, None, "Globex"),)),
        ("won 2 deals", (OutcomeEntry(WON, 2),)),
        ("won a deal with Acme Corp 5k", (OutcomeEntry(WON, 1, 5_000, "Acme Corp"),)),
        ("won Acme, 12k", (OutcomeEntry(WON, 1, 12_000, "Acme"),)),
        ("none", ()),
        ("0", ()),
        (
            "booked 2 meetings and won Acme 12k; lost Globex",
            (
                OutcomeEntry(MEETING, 2),
                OutcomeEntry(WON, 1, 12_000, "Acme"),
                OutcomeEntry(LOST, 1, None, "Globex"),
            ),
        ),
    ],
)
def test_clear_outcomes_are_read(text: str, expected: tuple[OutcomeEntry, ...]) -> None:
    assert read_outcomes(text) == expected


@pytest.mark.parametrize(
    ("text", "question", "guess"),
    [
        ("12k", "Did you mean 1 deal won — 12,000?", OutcomeEntry(WON, 1, 12_000)),
        ("won Acme 12000", "1 deal won — Acme, 12,000", OutcomeEntry(WON, 1, 12_000, "Acme")),
        ("won 3", "Did you mean 3 deals won?", OutcomeEntry(WON, 3)),
        ("2 deals", "Did you mean 2 deals won?", OutcomeEntry(WON, 2)),
        ("won 2 deals 30k", "total of the 2 deals", OutcomeEntry(WON, 2, 30_000)),
    ],
)
def test_a_likely_reading_is_asked_before_it_counts(
    text: str, question: str, guess: OutcomeEntry
) -> None:
    with pytest.raises(OutcomeUnsure) as raised:
        read_outcomes(text)
    assert question in str(raised.value)
    assert raised.value.entries == (guess,)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("won 3 Acme 12k", "not sure what each number"),
        ("booked 2 meetings 3 demos", "more than one number"),
        ("won Acme -12k", "can't be negative"),
        ("-2 meetings", "can't be negative"),
        ("2.5 meetings", "whole numbers"),
        ("booked 1000 meetings", "up to 50"),
        ("won Acme 999m", "more than I can record"),
        ("won Acme Q4 12k", "“Q4”"),
        ("ganó Acme 12k", "couldn't read"),
        ("🎉🎉", "couldn't read"),
        ("", "empty"),
        ("booked 2 meetings 12k", "don't carry an amount"),
        ("won Acme 12k yesterday", "earlier day"),
    ],
)
def test_an_unclear_number_or_unreadable_text_records_nothing(text: str, reason: str) -> None:
    with pytest.raises(OutcomeError) as raised:
        read_outcomes(text)
    assert not isinstance(raised.value, OutcomeUnsure)
    assert reason in str(raised.value)


@pytest.mark.parametrize(
    ("text", "opens"),
    [
        ("won Acme 12k", True),
        ("booked 2 meetings", True),
        ("Lost Globex", True),
        ("2 meetings", True),
        ("2 - booked a demo", False),
        ("7 calls, 40 min", False),
        ("12k", True),
        ("$12,000", True),
        ("12", False),
        ("thanks", False),
    ],
)
def test_what_a_free_text_outcome_opens_with(text: str, opens: bool) -> None:
    assert starts_like_outcome(text) is opens
