"""The one time-zone lookup shared by commands, Discord's autocomplete and the command line."""

from __future__ import annotations

from bot.timezones import find_timezone, unknown_timezone


def test_names_cities_and_aliases_find_the_zone() -> None:
    found = {
        text: zone.key if (zone := find_timezone(text)) else None
        for text in ("Europe/Berlin", "europe/berlin", "Berlin", "new york", "PST", "cet", "utc")
    }
    assert found == {
        "Europe/Berlin": "Europe/Berlin",
        "europe/berlin": "Europe/Berlin",
        "Berlin": "Europe/Berlin",
        "new york": "America/New_York",
        "PST": "America/Los_Angeles",
        "cet": "Europe/Berlin",
        "utc": "UTC",
    }
    assert find_timezone("Atlantis") is None
    assert find_timezone("   ") is None


def test_an_unknown_zone_gets_suggestions_or_an_example() -> None:
    assert "`Europe/Berlin`" in unknown_timezone("berl")
    assert "Did you mean" in unknown_timezone("berl")
    assert "IANA name like" in unknown_timezone("Atlantis")
