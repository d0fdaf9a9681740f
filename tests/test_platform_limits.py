"""What Needle remembers of Slack across restarts, and how it keeps to Slack's rate limits.

Through slack-bolt and slack-sdk against FakeSlack: DM channels and profiles survive a restart
(a second adapter on the same database asks Slack nothing about known members), calls stay
within each workspace's published limits (a fake that enforces them answers no 429), and one
workspace's backlog does not hold back another's prompt.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import discord
import discord.http
import pytest

from adapters.discord.adapter import sweep_buckets_less_often
from adapters.pacing import Turns
from adapters.slack.delivery import METHOD_TIERS, Delivery, Pacer, Pacing, Rate
from bot.clock import FakeClock
from bot.engine import Engine
from bot.messages import Address, Reply
from bot.storage.db import Database
from tests.discord_harness import needle_on
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_limits import MESSAGES, DiscordLimits
from tests.fakes.slack import DEFAULT_TEAM, FakeSlack, RateLimits, event_callback
from tests.slack_harness import slack_harness

LOOKUPS = ("conversations.open", "users.info")


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A Discord REST and gateway fake on 127.0.0.1."""
    server = FakeDiscord(heartbeat_ms=1000)
    await server.start()
    yield server
    await server.stop()


def lookups(fake: FakeSlack) -> list[str]:
    """The lookup calls (DM channel, profile) FakeSlack received, by method."""
    return [c.method for c in fake.calls if c.method in LOOKUPS]


async def test_a_restarted_adapter_asks_slack_nothing_about_known_members(
    settings: Any, engine: Engine
) -> None:
    async with FakeSlack() as fake:
        fake.add_user("U1", name="Ana", tz="Europe/Lisbon", is_admin=True)
        fake.add_user("U2", name="Bo")
        async with slack_harness(settings, engine, fake) as first:
            await first.dm("U1", "help")  # U1's DM arrives in D1: no conversations.open
            await first.adapter.send(Address("slack", DEFAULT_TEAM, "U2", ""), Reply("hi"))
            await first.settle()
            assert sorted(lookups(fake)) == ["conversations.open", "users.info"]
        before = len(fake.calls)

        async with slack_harness(settings, engine, fake) as second:
            for user in ("U1", "U2"):
                await second.adapter.send(Address("slack", DEFAULT_TEAM, user, ""), Reply("due"))
            await second.dm("U1", "help")
            await second.settle()
            person = await second.adapter.relay.person(
                await second.adapter.workspaces.client_for(DEFAULT_TEAM), DEFAULT_TEAM, "U1"
            )
        after = fake.calls[before:]
        assert [c.method for c in after if c.method in LOOKUPS] == []
        assert {c.params["channel"] for c in after if c.method == "chat.postMessage"} == {
            "D1",
            "D2",
        }
        assert (person.display_name, person.timezone, person.is_admin) == (
            "Ana",
            "Europe/Lisbon",
            True,
        )


async def test_a_profile_change_is_kept_for_the_next_start(settings: Any, engine: Engine) -> None:
    async with FakeSlack() as fake:
        user = fake.add_user("U1", name="Ana", tz="Europe/Lisbon")
        async with slack_harness(settings, engine, fake) as first:
            changed = {**user, "tz": "Asia/Tokyo", "profile": {"display_name": "Ana T"}}
            await first.event(event_callback({"type": "user_change", "user": changed}))
            await first.settle()
        async with slack_harness(settings, engine, fake) as second:
            person = await second.adapter.relay.person(
                await second.adapter.workspaces.client_for(DEFAULT_TEAM), DEFAULT_TEAM, "U1"
            )
        assert (person.display_name, person.timezone) == ("Ana T", "Asia/Tokyo")
        assert lookups(fake) == []


async def test_a_kept_profile_past_a_minute_is_read_again_for_its_admin_flag(
    settings: Any, engine: Engine, clock: FakeClock
) -> None:
    # The admin flag is a right: a profile kept across a restart is trusted for a minute only,
    # so a demotion Slack told another instance (or told no one) is seen at the next message.
    async with FakeSlack() as fake:
        fake.add_user("U1", name="Ana", tz="Europe/Lisbon", is_admin=True)
        async with slack_harness(settings, engine, fake) as first:
            await first.dm("U1", "help")
            await first.settle()
        fake.add_user("U1", name="Ana", tz="America/Chicago", is_admin=False)
        clock.set(clock.now() + timedelta(minutes=2))
        async with slack_harness(settings, engine, fake) as second:
            client = await second.adapter.workspaces.client_for(DEFAULT_TEAM)
            person = await second.adapter.relay.directory.person(client, DEFAULT_TEAM, "U1")
        assert (person.timezone, person.is_admin) == ("America/Chicago", False)
        assert lookups(fake) == ["users.info", "users.info"]


async def test_a_kept_profile_of_a_member_who_is_no_admin_costs_no_lookup_days_later(
    settings: Any, engine: Engine, clock: FakeClock
) -> None:
    # No right rests on "no admin": the kept profile answers the member's check-in as it is,
    # so the burst after a deploy costs no users.info (Tier 4) per member.
    async with FakeSlack() as fake:
        fake.add_user("U2", name="Bo", tz="Europe/Lisbon")
        async with slack_harness(settings, engine, fake) as first:
            await first.dm("U2", "help")
            await first.settle()
        clock.set(clock.now() + timedelta(days=2))
        async with slack_harness(settings, engine, fake) as second:
            await second.dm("U2", "3 calls, 40 min; demo with Acme")
            await second.settle()
            client = await second.adapter.workspaces.client_for(DEFAULT_TEAM)
            person = await second.adapter.relay.directory.person(
                client, DEFAULT_TEAM, "U2", rights=False
            )
        assert (person.display_name, person.timezone, person.is_admin) == (
            "Bo",
            "Europe/Lisbon",
            False,
        )
        assert lookups(fake) == ["users.info"]  # the first start's, none after


async def test_a_command_asks_slack_again_so_a_promotion_since_is_never_refused(
    settings: Any, engine: Engine, clock: FakeClock
) -> None:
    # A remembered "no admin" answers check-ins, never a command: Cy, made an admin while
    # Needle was down (no user_change reached it), gets the team's settings after a restart.
    async with FakeSlack() as fake:
        user = fake.add_user("U7", name="Cy", tz="Asia/Tokyo")
        async with slack_harness(settings, engine, fake) as first:
            await first.dm("U7", "help")
            await first.settle()
        user["is_admin"] = True
        clock.set(clock.now() + timedelta(days=3))
        async with slack_harness(settings, engine, fake) as second:
            await second.dm("U7", "4 calls, 30 min; demo with Initech")
            await second.settle()
            assert lookups(fake) == ["users.info"]  # the answer cost none
            await second.dm("U7", "admin")
            await second.settle()
            assert lookups(fake) == ["users.info", "users.info"]
            shown = second.dm_texts("U7")[-1]
        assert "Change a setting with" in shown and "admin minimums" in shown, shown


async def test_check_in_answers_go_before_app_home_tabs_that_wait_for_their_tier(
    settings: Any, engine: Engine
) -> None:
    # views.publish is paced far slower than posting: refreshing each member's App Home tab
    # must not hold the next member's answer back, even with one worker.
    slow_home = dict(METHOD_TIERS, **{"views.publish": Rate(per_minute=30, burst=1)})
    async with FakeSlack() as fake:
        users = ["U1", "U2", "U3"]
        for user in users:
            fake.add_user(user, name=user)
        async with slack_harness(settings, engine, fake) as slack:
            slack.adapter.relay.delivery.pacer.pacing = Pacing(methods=slow_home)
            slack.adapter.relay.bridge._worker_count = 1
            for n, user in enumerate(users):
                await slack.dm(user, f"{n + 3} calls, 40 min; demo with Acme")
            await slack.settle()
        order = [
            (c.method, str(c.params.get("channel") or c.params.get("user_id")))
            for c in fake.calls
            if c.method in ("chat.postMessage", "views.publish")
        ]
    publishes = [n for n, (method, _) in enumerate(order) if method == "views.publish"]
    answers = [n for n, (method, _) in enumerate(order) if method == "chat.postMessage"]
    assert {channel for method, channel in order if method == "chat.postMessage"} == {
        "D1",
        "D2",
        "D3",
    }
    assert len(publishes) == 3
    assert max(answers) < publishes[1]  # every answer before the second tab


async def send_to_new_members(
    settings: Any, engine: Engine, limits: RateLimits, pacing: Pacing, members: int
) -> tuple[FakeSlack, int, float]:
    """Prompt `members` members Needle never talked to (one conversations.open each) against a
    fake enforcing `limits`; the fake, the 429s Needle counted, and the seconds it took."""
    fake = FakeSlack(limits=limits)
    async with fake:
        for n in range(members):
            fake.add_user(f"U{n:04d}")
        async with slack_harness(settings, engine, fake) as slack:
            slack.adapter.relay.delivery.pacer.pacing = pacing
            started = time.monotonic()
            await asyncio.gather(
                *(
                    slack.adapter.send(
                        Address("slack", DEFAULT_TEAM, f"U{n:04d}", ""), Reply("due")
                    )
                    for n in range(members)
                )
            )
            elapsed = time.monotonic() - started
            counted = slack.adapter.clients.rate_limited.total
    return fake, counted, elapsed


async def test_calls_keep_within_each_workspace_limit_so_slack_never_says_429(
    settings: Any, engine: Engine
) -> None:
    speed = 60.0  # conversations.open: 50 a second instead of 50 a minute
    fake, counted, elapsed = await send_to_new_members(
        settings, engine, RateLimits(speed=speed), Pacing(speed=speed), members=30
    )
    assert fake.limits is not None and fake.limits.rejected == 0 and counted == 0
    assert len(fake.calls_to("conversations.open")) == 30
    assert len(fake.messages()) == 30
    assert elapsed >= (30 - 5) / 50.0 * 0.95  # the floor the burst of 5 and 50/s allow


async def test_without_pacing_the_same_burst_draws_429s_that_needle_counts(
    settings: Any, engine: Engine
) -> None:
    speed = 60.0
    unpaced = Pacing(methods={}, speed=speed)
    fake, counted, _ = await send_to_new_members(
        settings, engine, RateLimits(speed=speed), unpaced, members=30
    )
    assert fake.limits is not None and fake.limits.rejected > 0
    assert counted == fake.limits.rejected
    assert len(fake.messages()) == 30  # retried after Retry-After, none lost


async def test_a_small_workspace_is_not_queued_behind_a_big_ones_backlog() -> None:
    posted: list[str] = []

    class Client:
        async def chat_postMessage(self, *, channel: str, **_body: Any) -> None:
            posted.append(channel)

    pacer = Pacer(Pacing(speed=6.0))  # the workspace-wide post limit: 60 a second, burst 30
    delivery, client = Delivery(pacer), Client()
    big = [
        asyncio.create_task(delivery.post(client, "TBIG", f"DB{n}", Reply("due")))  # type: ignore[arg-type]
        for n in range(90)
    ]
    await asyncio.sleep(0.05)
    await asyncio.wait_for(delivery.post(client, "TSMALL", "DS1", Reply("due")), 1)  # type: ignore[arg-type]
    assert "DS1" in posted
    assert len(posted) < 60  # the big workspace's queue had not drained
    await asyncio.gather(*big)
    assert len(posted) == 91


async def test_kept_contacts_go_with_the_workspace_when_needle_is_removed(
    settings: Any, engine: Engine, database: Database
) -> None:
    async with FakeSlack() as fake:
        fake.add_user("U1", name="Ana")
        async with slack_harness(settings, engine, fake) as first:
            await first.dm("U1", "help")
            await first.settle()
            await first.event(event_callback({"type": "app_uninstalled"}))
            await first.settle()
        async with slack_harness(settings, engine, fake) as second:
            await second.adapter.send(Address("slack", DEFAULT_TEAM, "U1", ""), Reply("due"))
        assert lookups(fake) == ["users.info", "conversations.open"]


async def test_a_restarted_discord_adapter_opens_no_dm_it_already_knows(
    engine: Engine, fake_discord: FakeDiscord
) -> None:
    ana, ben = fake_discord.add_user("Ana"), fake_discord.add_user("Ben")
    async with needle_on(fake_discord, engine) as first:
        await first.send(Address("discord", "", ana["id"]), Reply("Time to check in."))
        await fake_discord.dm(ben, "help")  # Ben's own DM tells Needle his channel
        await fake_discord.wait_for_dm(ben)
    opened_before = len([c for c in fake_discord.calls if c.path == "/users/@me/channels"])
    async with needle_on(fake_discord, engine) as second:
        for user in (ana, ben):
            await second.send(Address("discord", "", user["id"]), Reply("Time to check in."))
    assert opened_before == 1
    assert len([c for c in fake_discord.calls if c.path == "/users/@me/channels"]) == 1
    posted = {c.path for c in fake_discord.calls if c.path.endswith("/messages")}
    assert {f"/channels/{fake_discord.dm_channel_of(u)}/messages" for u in (ana, ben)} <= posted


async def test_waiting_callers_never_exceed_the_bucket_even_after_a_stall() -> None:
    now = [0.0]
    sent: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    turns = Turns(10.0, 3, clock=lambda: now[0], sleep=sleep)

    async def call() -> None:
        await turns.wait()
        sent.append(now[0])

    await asyncio.gather(*(call() for _ in range(30)))
    now[0] += 5.0  # the loop was held up: the bucket refills to its burst, no more
    await asyncio.gather(*(call() for _ in range(10)))
    for i, at in enumerate(sent):
        within_a_second = [t for t in sent[i:] if t < at + 1.0]
        assert len(within_a_second) <= 3 + 10  # the burst plus a second's worth
    assert sent[:3] == [0.0, 0.0, 0.0] and sent[3] == pytest.approx(0.1)


async def test_discord_requests_keep_to_the_global_limit(
    engine: Engine, fake_discord: FakeDiscord
) -> None:
    users = [fake_discord.add_user(f"Rep {n}") for n in range(40)]
    async with needle_on(fake_discord, engine) as needle:
        started = time.monotonic()
        await asyncio.gather(
            *(
                needle.send(Address("discord", "", u["id"]), Reply("Time to check in."))
                for u in users
            )
        )
        elapsed = time.monotonic() - started
    # 80 requests (a DM opened and a message per member), 25 at once, then 50 a second.
    assert elapsed >= (80 - 25) / 50.0 * 0.95
    assert len([c for c in fake_discord.calls if c.path.endswith("/messages")]) == 40


async def test_discord_py_looks_for_idle_buckets_once_a_minute_not_per_new_channel() -> None:
    now = [0.0]
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    swept: list[float] = []
    sweep = http._try_clear_expired_ratelimits

    def counted_sweep() -> None:
        swept.append(now[0])
        sweep()

    http._try_clear_expired_ratelimits = counted_sweep  # type: ignore[method-assign]
    sweep_buckets_less_often(http, every_seconds=60.0, clock=lambda: now[0])
    for channel in range(1000):  # a fan-out to 1,000 DM channels: a bucket each
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{channel}")
    assert swept == [0.0]  # discord.py alone would look through them 745 times
    for bucket in http._buckets.values():  # every bucket idle past discord.py's 300 s
        bucket._last_request -= 301
    now[0] = 30.0
    http.get_ratelimit("POST /channels/{channel_id}/messages:new-1")
    assert len(http._buckets) == 1001  # not a minute since the last look
    now[0] = 61.0
    http.get_ratelimit("POST /channels/{channel_id}/messages:new-2")
    assert swept == [0.0, 61.0]
    assert len(http._buckets) == 2  # the idle ones dropped, the fresh ones kept


async def test_discord_py_keeps_each_channels_bucket_that_discord_announces(
    engine: Engine,
) -> None:
    # Discord's limits 20 times faster: 5 messages per 0.25 s in a channel, 1,000 a second.
    limits = DiscordLimits(speed=20.0)
    fake = FakeDiscord(heartbeat_ms=1000, limits=limits)
    await fake.start()
    ana = fake.add_user("Ana")
    try:
        async with needle_on(fake, engine) as needle:
            limits.rejected = 0
            address = Address("discord", "", ana["id"])
            await asyncio.gather(*(needle.send(address, Reply(f"Nudge {n}")) for n in range(12)))
    finally:
        await fake.stop()
    posts = [c for c in fake.calls if c.path.endswith("/messages")]
    delivered = [c.json["content"] for c in posts if c.status == 200]
    assert sorted(delivered) == sorted(f"Nudge {n}" for n in range(12))  # each once
    # discord.py learns a bucket from its first answer and keeps to it from then on; requests
    # already queued when it learns the bucket's name may overshoot once, and wait that out.
    assert limits.rejected <= 1
    windows = (posts[-1].at - posts[0].at) / (MESSAGES.window / limits.speed)
    assert windows >= 2 * 0.9  # 12 messages, 5 a window: two full windows waited
