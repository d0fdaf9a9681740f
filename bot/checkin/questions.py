"""The check-in questions, their examples and a team's own wording of them."""

from __future__ import annotations

from bot.storage.models import Team

STEPS: tuple[str, ...] = ("conversations", "minutes", "activities", "wins")

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
}

EXAMPLES: dict[str, str] = {
    "conversations": "`7`, `twelve` or `none`",
    "minutes": "`45`, `1h30`, `90 min` or `an hour`",
    "activities": "`demo with Acme; proposal for Beta; inbox`",
    "wins": "`2 - booked a demo with Acme` or `none`",
}

LABELS: dict[str, str] = {
    "conversations": "Conversations",
    "minutes": "Minutes with buyers",
    "activities": "Top activities",
    "wins": "Wins",
}


def steps_for(team: Team) -> tuple[str, ...]:
    """The questions this team asks, in order (wins only where the team tracks them)."""
    return tuple(step for step in STEPS if step != "wins" or team.track_wins)


def question(team: Team, step: str) -> str:
    """The team's wording of a question, or the default."""
    custom = (team.questions or {}).get(step)
    return str(custom) if custom else DEFAULT_QUESTIONS[step]
