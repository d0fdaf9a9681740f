"""Tests for bot.coaching.classify: high/low/neutral activities, shares and keyword storage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coaching.classify import (
    DEFAULT_HIGH_VALUE,
    DEFAULT_LOW_VALUE,
    Classification,
    classify_activity,
    high_value_share,
    keyword_stems,
    normalize_keyword,
)

FUZZ = settings(max_examples=150, deadline=None)


@pytest.mark.parametrize(
    "text",
    [
        "call",
        "Calls with 3 prospects",
        "DEMO!",
        "Demos",
        "demo'd the new plan to Acme",
        "Cold calling",
        "called Acme back",
        "meeting with Beta",
        "2 meetings",
        "pitch to Gamma",
        "pitched Delta",
        "pitches",
        "proposal for Beta",
        "Proposals",
        "negotiation with Acme",
        "Negotiating price",
        "negotiated the renewal",
        "negotiate",
        "closing Acme",
        "closed the Beta deal",
        "prospecting on LinkedIn",
        "referral from Gamma",
        "asked for referrals",
        "follow-up with a buyer",
        "follow-ups with buyers",
        "followed up with the buyer",
        "buyer follow up",
        "Admin for Acme proposal",  # a tie: high wins
        "inbox zero, then cold calling",  # a tie: high wins
        "📞 call with Acme 🎉",
        "call\x00with Acme",
    ],
)
def test_high_value(text: str) -> None:
    assert classify_activity(text) == "high"


@pytest.mark.parametrize(
    "text",
    [
        "inbox",
        "Inbox zero",
        "cleared my inboxes",
        "email cleanup",
        "e-mail clean up",
        "cleaning up email",
        "social media",
        "posting on social media",
        "admin",
        "Admin work",
        "administrative tasks",
        "bookkeeping",
        "formatting the deck",
        "formatted slides",
        "research without outreach",
        "research for an hour without any outreach",
        "email cleanup before call",  # two words beat one
        "research without outreach on prospects",  # three words beat one
    ],
)
def test_low_value(text: str) -> None:
    assert classify_activity(text) == "low"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "lunch",
        "recall the numbers",  # "call" inside another word does not count
        "callback scheduling",
        "demolition",
        "emails",  # "email" alone is not a low-value keyword
        "research",  # nor is research without the rest of the phrase
        "follow up",  # the buyer is part of that keyword
        "team standup",
        "🎉🎉🎉",
        "'; DROP TABLE activities; --",
        "x" * 100_000,
    ],
)
def test_neutral(text: str) -> None:
    assert classify_activity(text) == "neutral"


def test_team_keyword_lists() -> None:
    high = ["Discovery session", "site visit"]
    low = ["CRM hygiene", "meeting"]
    assert classify_activity("discovery sessions with Acme", high, low) == "high"
    assert classify_activity("Site visits", high, low) == "high"
    assert classify_activity("CRM hygiene", high, low) == "low"
    assert classify_activity("team meeting", high, low) == "low"
    assert classify_activity("demo with Acme", high, low) == "neutral"  # not in this team's lists
    assert classify_activity("demo with Acme", [], []) == "neutral"


def test_unusable_keywords_never_match() -> None:
    assert classify_activity("the", ["the", "!!!", ""], []) == "neutral"
    assert classify_activity("anything at all", ["", "  "], ["-"]) == "neutral"


def test_default_lists() -> None:
    assert "follow-up with a buyer" in DEFAULT_HIGH_VALUE
    assert "research without outreach" in DEFAULT_LOW_VALUE
    for keyword in DEFAULT_HIGH_VALUE:
        assert classify_activity(keyword) == "high", keyword
    for keyword in DEFAULT_LOW_VALUE:
        assert classify_activity(keyword) == "low", keyword


@pytest.mark.parametrize(
    ("text", "stems"),
    [
        ("follow-up with a buyer", ("follow", "up", "buyer")),
        ("Follow-ups with buyers", ("follow", "up", "buyer")),
        ("negotiation", ("negotiat",)),
        ("Negotiating", ("negotiat",)),
        ("formatting", ("format",)),
        ("closing", ("clos",)),
        ("meetings", ("meet",)),
        ("the", ()),
    ],
)
def test_keyword_stems(text: str, stems: tuple[str, ...]) -> None:
    assert keyword_stems(text) == stems


@pytest.mark.parametrize(
    ("classes", "share"),
    [
        ([], None),
        (["high"], 1.0),
        (["low"], 0.0),
        (["neutral"], 0.0),
        (["high", "low", "neutral"], 1 / 3),
        (["high", "high", "low", "neutral"], 0.5),
    ],
)
def test_high_value_share(classes: list[Classification], share: float | None) -> None:
    assert high_value_share(classes) == share
    assert high_value_share(iter(classes)) == share


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("  Follow-Up  with a  Buyer! ", "follow-up with a buyer"),
        ("DEMO", "demo"),
        ("ｃａｌｌ", "call"),
        ("email\tcleanup", "email cleanup"),
        ('"inbox"', "inbox"),
        ("---", ""),
        ("", ""),
        ("a\x00b", "a b"),
        ("x" * 500, "x" * 100),
    ],
)
def test_normalize_keyword(text: str, stored: str) -> None:
    assert normalize_keyword(text) == stored


@FUZZ
@given(st.text())
def test_normalize_keyword_is_idempotent(text: str) -> None:
    stored = normalize_keyword(text)
    assert normalize_keyword(stored) == stored
    assert len(stored) <= 100
    assert stored == stored.strip()


@FUZZ
@given(st.text(max_size=100))
def test_a_keyword_matches_itself(keyword: str) -> None:
    if keyword_stems(keyword):
        assert classify_activity(keyword, [keyword], []) == "high"
        assert classify_activity(keyword, [], [keyword]) == "low"
    else:
        assert classify_activity(keyword, [keyword], [keyword]) == "neutral"


@FUZZ
@given(st.text(max_size=100), st.sampled_from(DEFAULT_HIGH_VALUE))
def test_a_stored_keyword_still_matches(text: str, keyword: str) -> None:
    assert classify_activity(f"{text} {keyword}", [normalize_keyword(keyword)], []) == "high"


@FUZZ
@given(
    st.one_of(st.text(), st.text(max_size=30).map(lambda s: s * 5000)),
    st.lists(st.text(max_size=30), max_size=5),
    st.lists(st.text(max_size=30), max_size=5),
)
def test_classify_is_total(text: str, high: list[str], low: list[str]) -> None:
    assert classify_activity(text, high, low) in ("high", "low", "neutral")
    assert classify_activity(text) in ("high", "low", "neutral")


@FUZZ
@given(st.lists(st.sampled_from(["high", "low", "neutral"])))
def test_share_is_a_fraction(classes: list[Classification]) -> None:
    share = high_value_share(classes)
    if classes:
        assert share is not None
        assert 0.0 <= share <= 1.0
        assert share == classes.count("high") / len(classes)
    else:
        assert share is None
