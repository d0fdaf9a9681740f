"""The check-in questions, their examples and a team's own wording of them.

A question about another day than today names that day in its own words: "How many sales
conversations did you have yesterday?", "… on Monday?" — `today` in the wording becomes the
day, and a question that names no day gets it before its question mark.
"""

from __future__ import annotations

import re
from datetime import date

from bot.storage.models import Team
from bot.words import day_phrase

STEPS: tuple[str, ...] = ("conversations", "minutes", "activities", "wins", "outcomes")

DEFAULT_QUESTIONS: dict[str, str] = {
    "conversations": (
        "How many sales conversations did you have today — "
        "calls or meetings with a potential buyer?"
    ),
    "minutes": "How many minutes did you spend talking with buyers?",
    "activities": (
        "What were your top activities today? Up to three — one per line, or separated by `;`."
    ),
    "wins": "Any wins today — deals closed or meetings booked? A number and a note.",
    "outcomes": (
        "Any outcomes today — meetings booked, deals won or lost? One per line or separated by `;`."
    ),
}

EXAMPLES: dict[str, str] = {
    "conversations": "`7`, `twelve` or `none`",
    "minutes": "`45`, `1h30`, `90 min` or `an hour`",
    "activities": "`demo with Acme; proposal for Beta; inbox`",
    "wins": "`2 - booked a demo with Acme` or `none`",
    "outcomes": "`booked 2 meetings; won Acme 12k`, `lost Globex` or `none`",
}

LABELS: dict[str, str] = {
    "conversations": "Conversations",
    "minutes": "Minutes with buyers",
    "activities": "Top activities",
    "wins": "Wins",
    "outcomes": "Outcomes",
}


def steps_for(team: Team) -> tuple[str, ...]:
    """The questions this team asks, in order: outcomes where the team tracks them (in place
    of wins), else wins where the team asks about them."""
    if team.outcomes:
        return tuple(step for step in STEPS if step != "wins")
    return tuple(
        step for step in STEPS if step != "outcomes" and (step != "wins" or team.track_wins)
    )


def question(team: Team, step: str) -> str:
    """The team's wording of a question, or the default."""
    custom = (team.questions or {}).get(step)
    return str(custom) if custom else DEFAULT_QUESTIONS[step]


TODAY_WORD = re.compile(r"\btoday\b", re.IGNORECASE)


def question_for(team: Team, step: str, day: date, today: date) -> str:
    """The team's wording of a question about `day`, naming the day when it is not today."""
    text = question(team, step)
    if day == today:
        return text
    phrase = day_phrase(day, today)
    if TODAY_WORD.search(text):
        return TODAY_WORD.sub(phrase, text)
    head, mark, tail = text.partition("?")
    if mark:
        return f"{head.rstrip()} {phrase}?{tail}"
    return f"{text.rstrip()} ({phrase})"
