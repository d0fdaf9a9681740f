"""`home` (what Slack's App Home shows) and the settings form, through the engine."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryAdapter
from bot.checkin.arguments import parse_schedule
from bot.messages import Reply, ReplyKind
from bot.profile import describe_workdays
from tests.support import facts

CHECKIN = "12 calls, 90 min; demo with Acme; proposal for Beta"


def actions(replies: list[Reply]) -> list[str]:
    """Every button's action id in the replies."""
    return [c.action for r in replies for c in r.choices]


async def test_home_before_a_check_in(bot: MemoryAdapter) -> None:
    replies = await bot.command("home")
    week, settings = replies
    assert week.kind == settings.kind == ReplyKind.HOME
    assert "not checked in yet" in week.text
    assert actions(replies) == ["checkin.start", "checkin.day_off", "settings.open"]
    shown = facts(replies)
    assert shown["Check-in"] == "17:00 Mon–Fri (UTC)"
    assert shown["Daily minimum"] == "5 conversations, 60 minutes"
    assert all(r.image is None and r.draw is None for r in replies)  # no chart: cheap


async def test_home_after_a_check_in(bot: MemoryAdapter) -> None:
    await bot.say(CHECKIN)
    week, _settings = await bot.command("home")
    assert "checked in — 12 conversations, 90 minutes" in week.text
    (edit,) = week.choices
    assert (edit.action, edit.value) == ("checkin.edit", "2026-11-25")
    assert facts([week])["Conversations"].startswith("12")


async def test_home_after_a_day_off_and_a_pause(bot: MemoryAdapter) -> None:
    await bot.say("off")
    await bot.command("pause", "5d")
    week, settings = await bot.command("home")
    assert "a day off" in week.text
    assert "Paused" in facts([settings])


async def test_settings_button_opens_the_form_where_there_is_one(bot: MemoryAdapter) -> None:
    (hint,) = await bot.press("settings.open")
    assert "goal calls 8" in hint.text
    (reply,) = await bot.press("settings.open", can_open_forms=True)
    assert reply.form is not None
    initial = {f.id: f.initial for f in reply.form.fields}
    assert initial == {
        "goal_calls": "5",
        "goal_minutes": "60",
        "schedule": "17:00 Mon-Fri",
        "timezone": "UTC",
    }


async def test_every_form_opens_again_from_its_reopen_button(bot: MemoryAdapter) -> None:
    # What an adapter offers when it cannot open a form right now, or has forgotten it.
    (settings,) = await bot.press("settings.open", can_open_forms=True)
    (refused,) = await bot.submit(
        "settings.form",
        {"goal_calls": "3", "goal_minutes": "90", "schedule": "soon", "timezone": "UTC"},
    )
    (checkin,) = await bot.command("checkin", can_open_forms=True)
    for reply in (settings, refused, checkin):
        assert reply.form is not None
        button = reply.form.reopen_choice()
        assert button is not None
        (again,) = await bot.press(button.action, button.value, can_open_forms=True)
        assert again.form is not None and again.form.id == reply.form.id
    assert checkin.form is not None and checkin.form.id.endswith(":2026-11-25")


async def test_settings_form_applies_changes(bot: MemoryAdapter) -> None:
    (saved,) = await bot.submit(
        "settings.form",
        {
            "goal_calls": "8",
            "goal_minutes": "60",
            "schedule": "16:30 mon-thu",
            "timezone": "Europe/Berlin",
        },
    )
    assert saved.title == "Settings saved"
    shown = facts(await bot.command("home"))
    assert shown["Daily minimum"] == "8 conversations, 60 minutes"
    assert shown["Check-in"] == "16:30 Mon–Thu (Europe/Berlin)"


async def test_settings_form_shows_what_the_commands_refuse(bot: MemoryAdapter) -> None:
    (reply,) = await bot.submit(
        "settings.form",
        {"goal_calls": "3", "goal_minutes": "90", "schedule": "soon", "timezone": "Mars/Base"},
    )
    assert reply.form is not None
    assert set(reply.form.errors) == {"goal_calls", "schedule", "timezone"}
    assert "minimum" in reply.form.errors["goal_calls"]
    assert facts(await bot.command("home"))["Daily minimum"] == "5 conversations, 90 minutes"


async def test_unchanged_settings_change_nothing(bot: MemoryAdapter) -> None:
    (reply,) = await bot.press("settings.open", can_open_forms=True)
    assert reply.form is not None
    values = {f.id: f.initial for f in reply.form.fields}
    (answer,) = await bot.submit("settings.form", values)
    assert answer.text == "Nothing changed."


@pytest.mark.parametrize(
    "days", [range(5), range(7), (0, 2, 4), (6, 0, 1, 2, 3), (5,), (1, 2, 3, 4, 5)]
)
def test_the_schedule_in_the_form_reads_back(days: tuple[int, ...]) -> None:
    workdays = frozenset(days)
    shown = describe_workdays(workdays).replace("–", "-")
    at, parsed = parse_schedule(f"17:00 {shown}")
    assert (at.hour, at.minute) == (17, 0)
    assert parsed == workdays
