"""`admin`: every setting, refusals for non-admins, and changes that stay in the asker's team."""

from __future__ import annotations

from datetime import time

from adapters.memory import MemoryAdapter
from bot.coaching.classify import DEFAULT_LOW_VALUE
from bot.messages import ReplyKind
from bot.storage.db import Database
from bot.storage.models import Team
from bot.storage.people import find_member, find_team
from tests.stats_helpers import join


async def team(database: Database, team_id: str = "team-1") -> Team:
    async with database.transaction() as session:
        found = await find_team(session, "memory", team_id)
        assert found is not None
        return found


async def admin(bot: MemoryAdapter, args: str, *, mentions: tuple[str, ...] = ()) -> str:
    """What a team admin reads back after `/needle admin <args>`."""
    replies = await bot.command("admin", args, is_admin=True, mentions=mentions)
    return replies[0].text


async def test_non_admins_are_refused(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ben", admin=False)
    for args in ("", "minimums 1 1", "manager none"):
        replies = await bot.command("admin", args, user="ben", is_admin=False)
        assert replies[0].kind == ReplyKind.REFUSAL
        assert "Only team admins" in replies[0].text
    assert (await team(database)).min_conversations == 5


async def test_admin_alone_shows_the_settings(bot: MemoryAdapter) -> None:
    replies = await bot.command("admin", is_admin=True)
    facts = {f.label: f.value for f in replies[0].facts}
    assert facts["Minimums"] == "5 conversations, 60 minutes"
    assert facts["Check-in"] == "17:00, Mon–Fri"
    assert facts["Quiet hours"] == "21:00–08:00"
    assert facts["Pace check"] == "off"
    assert "admin minimums" in replies[0].text


async def test_minimums(bot: MemoryAdapter, database: Database) -> None:
    assert "6 conversations and 45 minutes" in await admin(bot, "minimums 6 45")
    await admin(bot, "minimum calls 7")
    await admin(bot, "minimum minutes 1h")
    found = await team(database)
    assert (found.min_conversations, found.min_minutes) == (7, 60)
    assert "Try `admin minimums 5 60`" in await admin(bot, "minimums lots")


async def test_times_days_and_nudges(bot: MemoryAdapter, database: Database) -> None:
    await admin(bot, "checkin 16:30")
    await admin(bot, "workdays sun-thu")
    await admin(bot, "nudge 90 min")
    await admin(bot, "quiet 22:00-07:30")
    await admin(bot, "escalate 4")
    await admin(bot, "pace on 12:30")
    await admin(bot, "timezone Europe/Berlin")
    found = await team(database)
    assert found.checkin_time == time(16, 30)
    assert found.workdays == "01236"
    assert found.nudge_after_minutes == 90
    assert (found.quiet_start, found.quiet_end) == (time(22), time(7, 30))
    assert found.escalate_after_days == 4
    assert found.pace_check_time == time(12, 30)
    assert found.timezone == "Europe/Berlin"
    await admin(bot, "pace off")
    assert (await team(database)).pace_check_time is None
    assert "between 15 minutes and 12 hours" in await admin(bot, "nudge 2 min")
    assert "Pick between 1 and 30" in await admin(bot, "escalate 90")


async def test_recap(bot: MemoryAdapter, database: Database) -> None:
    text = await admin(bot, "recap #C123 thu 15:00")
    assert "C123 on Thu at 15:00" in text
    found = await team(database)
    assert (found.recap_channel_id, found.recap_weekday, found.recap_time) == (
        "C123",
        3,
        time(15),
    )
    await admin(bot, "recap #deals fri")
    found = await team(database)
    assert (found.recap_channel_id, found.recap_weekday) == ("deals", 4)
    await admin(bot, "recap off")
    assert (await team(database)).recap_channel_id is None
    assert "one day a week" in await admin(bot, "recap #x mon-fri 16:00")


async def test_manager_by_mention(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "mia")
    text = await admin(bot, "manager @mia", mentions=("mia",))
    assert text.startswith("Done: Mia is the team's manager")
    async with database.transaction() as session:
        mia = await find_member(session, "memory", "mia")
    assert mia is not None
    assert (await team(database)).manager_member_id == mia.id
    await admin(bot, "manager none")
    assert (await team(database)).manager_member_id is None


async def test_keywords(bot: MemoryAdapter, database: Database) -> None:
    await admin(bot, "keywords high add Cold outreach, LinkedIn DMs")
    found = await team(database)
    assert found.high_value_keywords[-2:] == ["cold outreach", "linkedin dms"]
    assert "call" in found.high_value_keywords  # the defaults are kept when adding
    await admin(bot, "keywords low remove inbox")
    assert "inbox" not in (await team(database)).low_value_keywords
    assert "isn't in the list" in await admin(bot, "keywords low remove juggling")
    await admin(bot, "keywords high reset")
    assert (await team(database)).high_value_keywords == []
    listing = await admin(bot, "keywords")
    assert "High-value: call, meeting" in listing
    # New check-ins use the team's lists: "cold outreach" is high, "inbox" no longer low.
    await admin(bot, "keywords high add cold outreach")
    replies = await bot.say("6 calls, 70 min; cold outreach; inbox; lunch")
    confirmation = next(r for r in replies if r.kind == ReplyKind.SUMMARY)
    assert "cold outreach ★" in confirmation.text
    assert {f.label: f.value for f in confirmation.facts}["High-value activities"] == (
        "1 of 3 (33%)"
    )


async def test_keyword_list_cannot_be_emptied(bot: MemoryAdapter, database: Database) -> None:
    await bot.command("admin", "keywords low remove inbox", is_admin=True)
    left = list((await team(database)).low_value_keywords)
    assert "inbox" not in left and left
    rest = [keyword for keyword in DEFAULT_LOW_VALUE if keyword != "inbox"]
    text = await admin(bot, "keywords low remove " + ", ".join(rest))
    assert "can't be empty" in text
    assert (await team(database)).low_value_keywords == left  # refused as a whole


async def test_wins_and_questions(bot: MemoryAdapter, database: Database) -> None:
    await admin(bot, "wins on")
    await admin(bot, "question minutes How long with buyers today?")
    found = await team(database)
    assert found.track_wins is True
    assert found.questions == {"minutes": "How long with buyers today?"}
    replies = await bot.say("checkin")
    replies = await bot.say("5")
    assert replies[0].text == "How long with buyers today?"
    await admin(bot, "question minutes reset")
    assert (await team(database)).questions == {}


async def test_changes_stay_in_the_askers_team(bot: MemoryAdapter, database: Database) -> None:
    await join(bot, "ana", admin=True)
    await join(bot, "zed", team_id="team-2", admin=True)
    await bot.command("admin", "minimums 9 99", user="zed", team_id="team-2", is_admin=True)
    assert (await team(database, "team-2")).min_conversations == 9
    assert (await team(database)).min_conversations == 5
    # Naming a member of another team as manager fails.
    text = (
        await bot.command(
            "admin", "manager @ana", user="zed", team_id="team-2", is_admin=True, mentions=("ana",)
        )
    )[0].text
    assert "can't find that person in this team" in text
    assert (await team(database, "team-2")).manager_member_id is None


async def test_unknown_setting(bot: MemoryAdapter) -> None:
    assert "I don't know the setting “colour”" in await admin(bot, "colour blue")
