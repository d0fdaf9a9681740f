"""Team boundaries through slack-bolt against FakeSlack: the leaderboard stays out of channels
shared with outsiders, and an admin right is never older than a minute on any instance."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from adapters.slack import people
from bot.commands import build_router
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.models import Team
from tests.fakes.slack import DEFAULT_TEAM, FakeSlack, event_callback
from tests.slack_harness import slack_harness


async def test_the_leaderboard_is_shared_only_in_the_team_s_own_channels(
    settings: Any, engine: Engine
) -> None:
    async with slack_harness(settings, engine) as slack:
        slack.fake.add_user("U1", name="Ana")
        slack.fake.add_user("U2", name="Bo")
        slack.fake.add_channel("CEXT", team_id=DEFAULT_TEAM, ext_shared=True)
        slack.fake.add_channel("CORG", team_id=DEFAULT_TEAM, org_shared=True)
        slack.fake.add_channel("COURS", team_id=DEFAULT_TEAM)
        await slack.dm("U1", "12 calls, 90 min; demo with Acme")
        await slack.settle()
        for channel in ("CEXT", "CORG", "CNOWHERE", "COURS"):
            await slack.command("U2", "leaderboard", channel_id=channel, name=channel)
        await slack.settle()
        kinds = [r["response_type"] for r in slack.fake.responses]
        assert kinds.count("in_channel") == 1 and kinds.count("ephemeral") == 3, kinds
        for body in slack.fake.responses:
            assert "Ana" in str(body)  # Bo still gets the board, privately where not shared
            if body["response_type"] == "ephemeral":
                assert "Only you see this" in str(body)
        # The recap is refused in an Enterprise Grid shared channel as in a Slack Connect one.
        slack.fake.add_user("U9", name="Cy", is_admin=True)
        await slack.command("U9", "admin recap #CORG", channel_id="COURS", name="rc")
        await slack.settle()
        assert "isn't a channel of this team" in str(slack.fake.responses[-1])


async def test_a_demotion_reaches_every_instance_within_a_minute(
    settings: Any, database: Database, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seconds = [1000.0]
    monkeypatch.setattr(people, "monotonic", lambda: seconds[0])
    async with FakeSlack() as fake:
        fake.add_user("U9", name="Cy", is_admin=True)
        one_engine = Engine(database, settings, clock, router=build_router())
        two_engine = Engine(database, settings, clock, router=build_router())
        async with (
            slack_harness(settings, one_engine, fake) as one,
            slack_harness(settings, two_engine, fake) as two,
        ):
            for instance in (one, two):  # Cy used Needle through both instances
                await instance.command("U9", "admin")
                await instance.settle()
            # Cy is demoted: Slack now says no admin, and tells ONE instance (user_change).
            demoted = dict(fake.users[(DEFAULT_TEAM, "U9")], is_admin=False)
            fake.users[(DEFAULT_TEAM, "U9")] = demoted
            await one.event(event_callback({"type": "user_change", "user": demoted}))
            await one.settle()
            await one.command("U9", "admin minimums 1 1")
            await one.settle()
            async with database.transaction() as session:
                assert await session.scalar(select(Team.min_conversations)) == 5  # refused
            # A minute on, the other instance asks Slack again and refuses too.
            seconds[0] += people.ADMIN_FRESH_SECONDS + 1
            await two.command("U9", "admin minimums 1 1")
            await two.settle()
            async with database.transaction() as session:
                assert await session.scalar(select(Team.min_conversations)) == 5
            # A member still admin in Slack keeps the right after the refresh.
            fake.add_user("U8", name="Di", is_admin=True)
            await two.command("U8", "admin minimums 2 20")
            await two.settle()
            seconds[0] += people.ADMIN_FRESH_SECONDS + 1
            await two.command("U8", "admin minimums 3 30")
            await two.settle()
            async with database.transaction() as session:
                assert await session.scalar(select(Team.min_conversations)) == 3
