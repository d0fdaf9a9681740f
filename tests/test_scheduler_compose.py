"""The fan-out's shared daily prompt is word for word the prompt `daily_prompt` writes."""

from __future__ import annotations

from datetime import date

import pytest

from bot.coaching.nudges import daily_prompt
from bot.storage.models import Member, Team
from scheduler.compose import PromptTemplates, daily_prompt_for

THU = date(2026, 11, 26)
FRI = date(2026, 11, 27)


@pytest.mark.parametrize(
    "name", ["Rep 1", "Ann-Marie O'Neil", "", "   ", None, "Zoë {name}", "  Jo  Smith "]
)
def test_shared_prompt_matches_daily_prompt(name: str | None) -> None:
    plain = Team(id=1, platform="http", external_id="acme", name="Acme", questions={})
    own = Team(
        id=2,
        platform="http",
        external_id="globex",
        name="Globex",
        questions={"conversations": "How many demos did you run?"},
    )
    member = Member(platform="http", external_id="rep", display_name=name)
    templates: PromptTemplates = {}
    for team in (plain, own, plain):
        for day in (THU, FRI, THU):
            assert daily_prompt_for(member, team, day, templates) == daily_prompt(member, team, day)
    assert set(templates) == {(1, THU), (1, FRI), (2, THU), (2, FRI)}


def test_without_templates_the_prompt_is_built_afresh() -> None:
    team = Team(id=1, platform="http", external_id="acme", name="Acme", questions={})
    member = Member(platform="http", external_id="rep", display_name="Dana Cruz")
    assert daily_prompt_for(member, team, THU, None) == daily_prompt(member, team, THU)
