"""Who is an admin, and leaving a team: rights come from what the platform says now.

Driven through the engine with the in-memory adapter: `is_admin=None` plays a platform that
cannot say (a Discord DM, which carries no server), `False`/`True` one that says.
"""

from __future__ import annotations

from sqlalchemy import select

from adapters.memory import MemoryAdapter
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.models import Member, Team, TeamMembership
from tests.forgotten import rows_mentioning
from tests.stats_helpers import join

WHERE_TO = "in the team's server or workspace"


async def memberships(database: Database, user: str) -> dict[str, bool]:
    """Team external id -> active, for a user's memberships."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Team.external_id, TeamMembership.active)
            .join(TeamMembership, TeamMembership.team_id == Team.id)
            .join(Member, Member.id == TeamMembership.member_id)
            .where(Member.external_id == user)
        )
        return {team: active for team, active in rows.all()}


async def test_a_remembered_admin_role_grants_nothing_where_the_platform_cannot_say(
    bot: MemoryAdapter,
) -> None:
    await join(bot, "ana", admin=True)
    await join(bot, "ben")
    # In a DM (no team, admin unknown) Ana's message goes to her team, but as no admin.
    for command, args in (("admin", "minimums 9 99"), ("export", "team"), ("stats", "@ben")):
        (refused,) = await bot.command(command, args, team_id="", is_admin=None, mentions=("ben",))
        assert refused.kind == "refusal" and refused.file is None, command
        assert WHERE_TO in refused.text and f"/needle {command}" in refused.text
    typed = await bot.say("admin minimums 9 99", team_id="", is_admin=None)
    assert WHERE_TO in typed[0].text
    # The platform says she is no admin any more: refused at once, without the hint.
    (demoted,) = await bot.command("admin", "minimums 9 99", is_admin=False)
    assert demoted.kind == "refusal" and "Only team admins" in demoted.text
    (allowed,) = await bot.command("admin", "minimums 9 99", is_admin=True)
    assert "minimums are 9 conversations" in allowed.text


async def test_a_solo_member_is_the_admin_of_their_own_team(bot: MemoryAdapter) -> None:
    (done,) = await bot.command("admin", "minimums 6 70", user="sol", team_id="", is_admin=None)
    assert "minimums are 6 conversations" in done.text


async def test_a_team_needle_left_ends_its_memberships(
    bot: MemoryAdapter, engine: Engine, database: Database
) -> None:
    await join(bot, "ana")
    await join(bot, "ana", team_id="team-2")
    await engine.team_removed("memory", "team-1")
    assert await memberships(database, "ana") == {"team-1": False, "team-2": True}
    # Her DMs now count for the team she is still in.
    (settings,) = await bot.command("ranking", "off", team_id="", is_admin=None)
    assert "hidden" in settings.text
    async with database.transaction() as session:
        hidden = await session.scalars(
            select(Team.external_id)
            .join(TeamMembership, TeamMembership.team_id == Team.id)
            .where(TeamMembership.public_ranking.is_(False))
        )
        assert hidden.all() == ["team-2"]
    await bot.say("help", team_id="team-1")  # writing from the team again: back in it
    assert (await memberships(database, "ana"))["team-1"] is True


async def test_the_recap_goes_only_to_a_channel_of_the_team(
    bot: MemoryAdapter, engine: Engine, database: Database
) -> None:
    async def ours(team_id: str, channel_id: str) -> bool:
        return (team_id, channel_id) == ("team-1", "C1")

    engine.add_channel_check("memory", ours)
    (refused,) = await bot.command("admin", "recap #C9 fri 16:00", is_admin=True)
    assert "isn't a channel of this team" in refused.text
    async with database.transaction() as session:
        assert await session.scalar(select(Team.recap_channel_id)) is None
    (done,) = await bot.command("admin", "recap #C1 fri 16:00", is_admin=True)
    assert "recap goes to C1" in done.text


async def test_forget_me_leaves_no_trace_in_any_table(
    bot: MemoryAdapter, engine: Engine, database: Database
) -> None:
    forgotten: list[tuple[str, str]] = []
    engine.add_forget_listener(lambda platform, user: forgotten.append((platform, user)))
    # A solo member in a DM gets a personal team named after them; also a member of a team,
    # its manager, with a corrected check-in (an earlier version).
    await bot.say("12 calls, 95 min; demo with Zanzibar; proposal for Quokka", "zoe", team_id="")
    await bot.say("help", "zoe", name="Zoe Quintrell")
    await join(bot, "ann", admin=True)
    await bot.command("admin", "manager zoe", user="ann", is_admin=True)
    await bot.say("checkin", "zoe", team_id="")
    for answer in ("3", "30", "same"):
        await bot.say(answer, "zoe", team_id="")
    traces = ("zoe", "Zoe Quintrell", "Zanzibar", "Quokka")
    assert await rows_mentioning(database, *traces)

    await bot.say("forget-me", "zoe", team_id="")
    (done,) = await bot.say("yes", "zoe", team_id="")
    assert done.kind == "forgotten"
    assert await rows_mentioning(database, *traces) == []
    assert forgotten == [("memory", "zoe")]
    # Writing again starts afresh: nothing of the old check-ins comes back.
    (stats,) = await bot.command("stats", "all", user="zoe", team_id="")
    assert {f.label: f.value for f in stats.facts}["Conversations"].startswith("0")
