"""Finding the time zone a member means: one lookup for commands, Discord's autocomplete and
the command line.

`find_timezone` takes what a person types (`Europe/Berlin`, `berlin`, `New York`, `CET`,
`pst`) and returns the IANA zone or None; `unknown_timezone` is the friendly answer for None;
`matching_timezones` suggests zones for a partly typed name.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Names people type that are not IANA zones (or are legacy ones), and the zone they mean.
ALIASES = {
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "est": "America/New_York",
    "edt": "America/New_York",
    "eastern": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "central": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mountain": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "bst": "Europe/London",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "ist": "Asia/Kolkata",
    "aest": "Australia/Sydney",
    "jst": "Asia/Tokyo",
    "sf": "America/Los_Angeles",
    "nyc": "America/New_York",
}

# What an empty autocomplete shows.
COMMON = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
)


@cache
def _zones() -> tuple[str, ...]:
    """Every IANA zone with a region (and UTC), sorted."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


@cache
def _by_folded() -> dict[str, str]:
    """Folded full names and city names -> zone name."""
    found: dict[str, str] = {}
    for name in available_timezones():
        found[name.casefold()] = name
    for name in _zones():
        city = name.rsplit("/", 1)[-1].replace("_", " ").casefold()
        found.setdefault(city, name)
    return found


def _fold(text: str) -> str:
    return " ".join(text.strip().replace("_", " ").split()).casefold()


def find_timezone(text: str) -> ZoneInfo | None:
    """The zone a person means by `text` (`europe/berlin`, `Berlin`, `New York`, `PST`), or None."""
    folded = _fold(text)
    if not folded:
        return None
    by_folded = _by_folded()
    name = (
        ALIASES.get(folded)
        or by_folded.get(folded.replace(" ", "_"))
        or by_folded.get(folded)
        or by_folded.get(folded.replace(" ", "_").replace("_", " "))
    )
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def matching_timezones(typed: str, limit: int = 25) -> list[str]:
    """Zones for what a person typed so far: prefix matches first, then any part.

    `berl` -> Europe/Berlin; `new york` -> America/New_York; nothing typed -> common zones.
    """
    wanted = typed.strip().replace(" ", "_").casefold()
    if not wanted:
        return list(COMMON[:limit])
    starts: list[str] = []
    contains: list[str] = []
    for name in _zones():
        folded = name.casefold()
        city = folded.rsplit("/", 1)[-1]
        if folded.startswith(wanted) or city.startswith(wanted):
            starts.append(name)
        elif wanted in folded:
            contains.append(name)
    return (starts + contains)[:limit]


def unknown_timezone(text: str) -> str:
    """The friendly answer when `find_timezone(text)` found nothing, with suggestions."""
    shown = text.strip()[:60]
    close = matching_timezones(text, limit=3) if text.strip() else []
    hint = (
        "Did you mean " + ", ".join(f"`{z}`" for z in close) + "?"
        if close
        else "Use an IANA name like `Europe/Berlin`, `America/New_York` or `Asia/Kolkata`."
    )
    return f"I don't know the time zone “{shown}”. {hint}"
