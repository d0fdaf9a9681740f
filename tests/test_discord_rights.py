"""Discord: rights from what Discord says now, a server that removes Needle, the recap channel,
and forgetting a person's DM channel. The real engine behind discord.py, against the fake."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from adapters.base import DeliveryError
from bot.messages import Address, Reply
from bot.storage.db import Database
from bot.storage.models import TeamMembership
from tests.discord_harness import acme_sales
from tests.fakes.discord import FakeDiscord
from tests.test_discord_coach import Dm, text_of


@pytest.fixture
def people(fake: FakeDiscord) -> dict[str, Any]:
    return {**acme_sales(fake), "other": fake.add_guild("Other Co")}


async def test_admin_commands_from_a_dm_are_refused_with_where_to_use_them(
    fake: FakeDiscord, needle: Any, people: dict[str, Any]
) -> None:
    ben, acme = people["ben"], people["acme"]
    in_server = await fake.slash(ben, "admin minimums", {"calls": 8}, guild=acme)
    assert "minimums are 8 conversations" in text_of(await fake.wait_for_callback(in_server))
    # The same admin in the DM: Discord says nothing of his rights there (he may have lost
    # Manage Server since), so the team's settings and data stay shut.
    in_dm = await fake.slash(ben, "admin minimums", {"calls": 1})
    refused = text_of(await fake.wait_for_callback(in_dm))
    assert "`/needle admin` in the team's server" in refused
    dm = Dm(fake, ben)
    assert "`/needle export team` in the team's server" in text_of(await dm.say("export team"))
    shown = await fake.slash(ben, "admin minimums", {"calls": 8}, guild=acme)
    assert "minimums are 8" in text_of(await fake.wait_for_callback(shown))  # unchanged


async def test_a_server_that_removes_needle_ends_its_memberships(
    fake: FakeDiscord, needle: Any, people: dict[str, Any], database: Database
) -> None:
    ana, acme = people["ana"], people["acme"]
    await fake.wait_for_callback(await fake.slash(ana, "help", guild=acme))
    await fake.dispatch("GUILD_DELETE", {"id": acme.id})
    for _ in range(100):  # the gateway event is handled in the background
        async with database.transaction() as session:
            active = (await session.scalars(select(TeamMembership.active))).all()
        if active == [False]:
            break
        await asyncio.sleep(0.05)
    assert active == [False]


async def test_the_recap_channel_must_be_one_of_the_servers_own(
    fake: FakeDiscord, needle: Any, people: dict[str, Any]
) -> None:
    ben, acme, other = people["ben"], people["acme"], people["other"]
    elsewhere = await fake.slash(
        ben, "admin recap", {"channel": fake.channel(other), "day": "fri"}, guild=acme
    )
    refused = text_of(await fake.wait_for_callback(elsewhere))
    assert f"{other.channel_id} isn't a channel of this team" in refused
    # A recap address pointing at another server (set before this check existed) is not posted.
    seen = len(fake.calls)
    with pytest.raises(DeliveryError) as raised:
        await needle.send(Address("discord", acme.id, "", other.channel_id), Reply("Weekly recap"))
    assert raised.value.permanent
    assert not [c for c in fake.calls[seen:] if c.path == f"/channels/{other.channel_id}/messages"]
    await needle.send(Address("discord", acme.id, "", acme.channel_id), Reply("Weekly recap"))


async def test_forget_me_drops_the_remembered_dm_channel(
    fake: FakeDiscord, needle: Any, people: dict[str, Any]
) -> None:
    ana = people["ana"]
    await needle.send(Address("discord", "", ana["id"]), Reply("Time to check in"))
    assert ana["id"] in needle._dm_channels
    dm = Dm(fake, ana)
    await dm.say("forget-me")
    assert "Nothing of yours is left" in text_of(await dm.say("yes"))
    assert ana["id"] not in needle._dm_channels
