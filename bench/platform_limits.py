"""Benchmark: prompts fanned out to Slack under Slack's published rate limits, after a restart.

FakeSlack on 127.0.0.1 enforces the limits (`tests/fakes/slack.py` `RateLimits`): a token bucket
per (workspace, method) — Tier 3 `conversations.open`, Tier 4 `users.info`, ... — one per
channel for posting (about 1 a second, bursts of 5) and a workspace-wide one for
`chat.postMessage`, answering 429 with `Retry-After` past them. Needle is the adapter
`needle run` builds (HTTP mode) over a fresh SQLite database, freshly started: what it knows
of the members is what an earlier run kept in the database (every member has talked to Needle
before: DM channel and profile known). One scheduler tick sends every prompt.

Scenarios:
- `one`: one workspace of `--members` members (default 5,000), all due at once;
- `many`: `--small` workspaces of 10 members (default 1,000) plus one of `--members`, due at
  once, through OAuth installations (a token per workspace); also when the small workspaces'
  last prompt arrived;
- `discord`: `--members` Discord members of one server (default 5,000), all due at once,
  against a FakeDiscord enforcing Discord's global limit (50 requests a second per bot) and
  per-route buckets (5 messages per 5 s in a channel), answering 429 with Retry-After past
  them; each member's DM channel is known from the earlier run (`platform_contacts`), so a
  prompt is one `POST /channels/{id}/messages`;
- `checkins`: `--checkins` members (default 1,000) of one workspace of `--members` send their
  check-in at the same moment, as signed Events API requests, right after the restart; Needle
  answers each in the member's DM. The floor is the workspace's posting bucket for one answer
  each; lookups (`users.info`, `conversations.open`) are counted, and must be none.

`--speed` runs the platforms' limits (and Needle's pacing) that many times faster, so a run
that would take minutes takes seconds; the ratio to the floor is what matters, as long as the
machine keeps up with the faster rate (the fakes share Needle's process and CPU: on a busy
2-core machine the Discord scenario keeps up to about `--speed 2`, 100 requests a second).
Prints, per scenario, the floor (the time a perfectly paced client needs under the fake's
limits), Needle's time (tick start to the last prompt received), the ratio, calls per method,
429s, lost and duplicated.
Targets: within 1.1x the floor, 0 lost, 0 duplicated, 429s under 1 % of calls.

    python bench/platform_limits.py [--members 5000] [--small 1000] [--speed 10]
                                    [--checkins 1000]
                                    [--scenario one|many|both|discord|checkins|all]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import func, insert, select

from adapters.base import Outbox
from adapters.discord.adapter import DM_SCOPE
from adapters.discord.app import build_discord_adapter
from adapters.slack.app import build_slack_adapter
from adapters.slack.delivery import Pacing
from adapters.slack.workspaces import InstalledWorkspaces
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Checkin, Member, PlatformContact, Team, TeamMembership
from scheduler.service import Scheduler
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_limits import DiscordLimits
from tests.fakes.slack import (
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    DEFAULT_TEAM,
    PUBLISHED_LIMITS,
    FakeSlack,
    RateLimits,
    dm_event,
    signed_headers,
)
from tests.slack_harness import settle

JOINED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday
CHECKIN = "{n} calls, {m} min; demo with Acme; proposal for Beta"
DUE_AT = datetime(2026, 11, 26, 17, 0, 15, tzinfo=UTC)  # Thursday, 15 s after 17:00 UTC
KNOWN_SINCE = DUE_AT - timedelta(days=2)  # when the earlier run learned each member


def user_id(team: int, n: int) -> str:
    """The Slack user id of member `n` of workspace number `team`."""
    return f"U{team:04d}{n:05d}"


def team_id(team: int) -> str:
    """The Slack team id of workspace number `team` (0 is FakeSlack's default workspace)."""
    return DEFAULT_TEAM if team == 0 else f"T{team:08d}"


CHUNK = 2000  # rows a statement


async def add_team(session: Any, platform: str, external_id: str, name: str) -> Team:
    """A team (UTC, check-in 17:00, prompts only)."""
    team = Team(
        platform=platform,
        external_id=external_id,
        name=name,
        timezone="UTC",
        checkin_time=wall_time(17, 0),
        escalate_after_days=0,  # prompts only
        created_at=JOINED,
    )
    session.add(team)
    await session.flush()
    return team


async def add_members(
    session: Any, team: Team, names: dict[str, str], contacts: list[dict[str, Any]]
) -> None:
    """Members of `team` (external id -> display name), and what the platform told an earlier
    run about them (`platform_contacts` rows)."""
    users = list(names)
    for start in range(0, len(users), CHUNK):
        chunk = users[start : start + CHUNK]
        await session.execute(
            insert(Member),
            [
                {
                    "platform": team.platform,
                    "external_id": u,
                    "display_name": names[u],
                    "created_at": JOINED,
                }
                for u in chunk
            ],
        )
        ids = (
            await session.scalars(
                select(Member.id).where(
                    Member.platform == team.platform, Member.external_id.in_(chunk)
                )
            )
        ).all()
        await session.execute(
            insert(TeamMembership),
            [{"team_id": team.id, "member_id": m, "joined_at": JOINED} for m in ids],
        )
    for start in range(0, len(contacts), CHUNK):
        await session.execute(insert(PlatformContact), contacts[start : start + CHUNK])


async def seed(database: Database, sizes: list[int]) -> None:
    """Workspaces of `sizes` members (UTC, check-in 17:00), each member known from before."""
    async with database.transaction() as session:
        for number, size in enumerate(sizes):
            team = await add_team(session, "slack", team_id(number), f"Workspace {number}")
            users = [user_id(number, n) for n in range(size)]
            contacts = [
                {
                    "platform": "slack",
                    "team_id": team_id(number),
                    "user_id": u,
                    "dm_channel": "D" + u.lstrip("U"),
                    "display_name": u,
                    "timezone": "UTC",
                    "is_admin": False,
                    "profile_fetched_at": KNOWN_SINCE,
                }
                for u in users
            ]
            await add_members(session, team, {u: u for u in users}, contacts)


def floor_seconds(posts: int, speed: float) -> float:
    """The least time `posts` prompts to distinct members of one workspace can take under the
    fake's limits: the workspace-wide posting bucket's burst at once, then its rate."""
    limit = PUBLISHED_LIMITS["chat.postMessage"]
    return max(0, posts - limit.burst) / (limit.per_minute * speed / 60.0)


async def install(adapter: Any, fake: FakeSlack, teams: int) -> None:
    """Workspaces 0..teams installed through OAuth (a bot token each), as the flow stores them."""
    workspaces = adapter.workspaces
    assert isinstance(workspaces, InstalledWorkspaces)
    for number in range(teams + 1):
        token = DEFAULT_BOT_TOKEN if number == 0 else f"xoxb-{team_id(number).lower()}"
        if number:
            fake.add_workspace(team_id(number), token)
        await workspaces.store.async_save(
            Installation(
                app_id="A0NEEDLE",
                enterprise_id=None,
                team_id=team_id(number),
                bot_token=token,
                bot_id=f"B{number:08d}",
                bot_user_id=f"UB{number:07d}",
                bot_scopes=["chat:write", "im:write", "users:read"],
                user_id=user_id(number, 0),
                installed_at=KNOWN_SINCE.timestamp(),
            )
        )


def needle_settings(url: str, fake: FakeSlack, *, oauth: bool) -> Settings:
    """Needle's settings in HTTP mode against `fake`: one workspace with a bot token, or many
    through OAuth."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        default_timezone="UTC",
        slack_api_url=fake.base_url,
        slack_signing_secret=DEFAULT_SIGNING_SECRET,
        slack_bot_token="" if oauth else DEFAULT_BOT_TOKEN,
        slack_client_id="1111.2222" if oauth else "",
        slack_client_secret="secret" if oauth else "",
        port=0,
    )


async def scenario(name: str, sizes: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """Run one scenario: seed, start Needle, one tick; what arrived at the fake and when."""
    oauth = len(sizes) > 1
    with tempfile.TemporaryDirectory(prefix="needle-limits-") as folder:
        url = f"sqlite:///{folder}/limits.db"
        database = Database(url)
        await upgrade(database)
        await seed(database, sizes)
        clock = FakeClock(DUE_AT)
        fake = FakeSlack(limits=RateLimits(speed=args.speed))
        await fake.start()
        settings = needle_settings(url, fake, oauth=oauth)
        engine = Engine(database, settings, clock, router=build_router())
        adapter = build_slack_adapter(settings, engine, pacing=Pacing(speed=args.speed))
        await adapter.start()
        if oauth:
            await install(adapter, fake, len(sizes) - 1)
        fake.calls.clear()
        outbox = Outbox()
        outbox.register(adapter)
        scheduler = Scheduler(
            database, outbox, clock, owner="bench", concurrency=settings.send_concurrency
        )
        started = time.monotonic()
        report = await scheduler.tick(DUE_AT)
        elapsed = time.monotonic() - started
        counted_429 = adapter.clients.rate_limited.total
        await adapter.stop()
        await fake.stop()
        await database.dispose()
    posts = [
        c for c in fake.calls if c.method == "chat.postMessage" and not c.params.get("__failed")
    ]
    per_channel = Counter(str(c.params.get("channel")) for c in posts)
    expected = sum(sizes)
    small_last = max(
        (c.at - started for c in posts if c.team_id != team_id(0)), default=float("nan")
    )
    big_meanwhile = sum(
        1 for c in posts if c.team_id == team_id(0) and c.at - started <= small_last
    )
    calls = Counter(c.method for c in fake.calls)
    assert fake.limits is not None
    floor = floor_seconds(sizes[0], args.speed)
    return {
        "name": name,
        "floor": floor,
        "needle": elapsed,
        "last_post": max((c.at - started for c in posts), default=float("nan")),
        "small_last": small_last if oauth else None,
        "big_meanwhile": big_meanwhile,
        "calls": dict(calls),
        "total_calls": sum(calls.values()),
        "fake_429": fake.limits.rejected,
        "needle_429": counted_429,
        "lost": expected - len(per_channel),
        "duplicated": sum(n - 1 for n in per_channel.values() if n > 1),
        "sent": report.delivery.sent if hasattr(report, "delivery") else None,
    }


async def seed_discord(database: Database, fake: FakeDiscord, members: int) -> None:
    """One Discord server of `members` members (UTC, check-in 17:00) on the fake and in the
    database, each member's DM channel kept from an earlier run."""
    owner = fake.add_user("Owner")
    server = fake.add_guild("Big Team", owner=owner)
    users = [fake.add_user(f"Rep {n}") for n in range(members)]
    contacts = [
        {
            "platform": "discord",
            "team_id": DM_SCOPE,
            "user_id": u["id"],
            "dm_channel": fake.dm_channel_of(u),
            "display_name": u["global_name"],
        }
        for u in users
    ]
    async with database.transaction() as session:
        team = await add_team(session, "discord", server.id, server.name)
        await add_members(session, team, {u["id"]: u["global_name"] for u in users}, contacts)


def discord_floor(requests: int, limits: DiscordLimits) -> float:
    """The least time `requests` calls (one message to each of as many channels) can take
    under the fake's limits: the global burst at once, then the global rate."""
    return max(0, requests - limits.global_burst) / (limits.per_second * limits.speed)


def rate_limited_by(metrics: Any, platform: str) -> int:
    """The 429s Needle counted for `platform` (bot/metrics.py), over every method."""
    return int(
        sum(
            sample.value
            for family in metrics.platform_rate_limited.collect()
            for sample in family.samples
            if sample.name.endswith("_total") and sample.labels.get("platform") == platform
        )
    )


async def discord_scenario(args: argparse.Namespace) -> dict[str, Any]:
    """5,000 Discord prompts due at once right after a restart; what arrived and when."""
    with tempfile.TemporaryDirectory(prefix="needle-limits-") as folder:
        url = f"sqlite:///{folder}/limits.db"
        database = Database(url)
        await upgrade(database)
        limits = DiscordLimits(speed=args.speed)
        fake = FakeDiscord(limits=limits)
        await fake.start()
        await seed_discord(database, fake, args.members)
        clock = FakeClock(DUE_AT)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=url,
            default_timezone="UTC",
            discord_token="bench-token",
            discord_api_url=fake.api_url,
            discord_gateway_url=fake.gateway_url,
            port=0,
        )
        engine = Engine(database, settings, clock, router=build_router())
        adapter = build_discord_adapter(
            settings, engine, guild_ready_timeout=0.05, pacing_speed=args.speed
        )
        await adapter.start()
        await adapter.wait_until_ready(within=30.0)
        fake.calls.clear()
        limits.rejected = limits.rejected_global = 0
        before_429 = rate_limited_by(engine.metrics, "discord")
        outbox = Outbox()
        outbox.register(adapter)
        scheduler = Scheduler(
            database, outbox, clock, owner="bench", concurrency=settings.send_concurrency
        )
        await asyncio.sleep(1.0 / args.speed)  # the fake's buckets refill after the start-up
        started = time.monotonic()
        await scheduler.tick(DUE_AT)
        elapsed = time.monotonic() - started
        counted_429 = rate_limited_by(engine.metrics, "discord") - before_429
        await adapter.stop()
        await fake.stop()
        await database.dispose()
    posts = [
        c
        for c in fake.calls
        if c.method == "POST" and c.path.endswith("/messages") and c.status == 200
    ]
    per_channel = Counter(c.path for c in posts)
    calls = Counter(
        f"{c.method} {'/channels/{id}/messages' if c.path.endswith('/messages') else c.path}"
        for c in fake.calls
    )
    return {
        "name": f"Discord, one server of {args.members}",
        "floor": discord_floor(args.members, limits),
        "needle": elapsed,
        "last_post": max((c.at - started for c in posts), default=float("nan")),
        "small_last": None,
        "calls": dict(calls),
        "total_calls": len(fake.calls),
        "fake_429": limits.rejected,
        "needle_429": counted_429,
        "lost": args.members - len(per_channel),
        "duplicated": sum(n - 1 for n in per_channel.values() if n > 1),
    }


async def checkins(args: argparse.Namespace) -> dict[str, Any]:
    """Run `checkins`: seed, start Needle, `--checkins` members check in at once over HTTP;
    what arrived at the fake and when."""
    count = min(args.checkins, args.members)
    with tempfile.TemporaryDirectory(prefix="needle-limits-") as folder:
        url = f"sqlite:///{folder}/limits.db"
        database = Database(url)
        await upgrade(database)
        await seed(database, [args.members])
        fake = FakeSlack(limits=RateLimits(speed=args.speed))
        await fake.start()
        settings = needle_settings(url, fake, oauth=False)
        engine = Engine(database, settings, FakeClock(DUE_AT), router=build_router())
        adapter = build_slack_adapter(settings, engine, pacing=Pacing(speed=args.speed))
        await adapter.start()
        fake.calls.clear()
        users = [user_id(0, n) for n in range(count)]
        bodies = [
            json.dumps(dm_event(u, CHECKIN.format(n=5 + i % 10, m=60 + i % 45), event_id=f"Ev{u}"))
            for i, u in enumerate(users)
        ]
        events_url = f"http://127.0.0.1:{adapter.port}/slack/events"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            signed = [(b, signed_headers(b)) for b in bodies]

            async def one(body: str, headers: dict[str, str]) -> int:
                async with http.post(events_url, data=body.encode(), headers=headers) as answer:
                    await answer.read()
                    return answer.status

            started = time.monotonic()
            statuses = Counter(await asyncio.gather(*(one(b, h) for b, h in signed)))
            await settle(adapter)
        elapsed = time.monotonic() - started
        counted_429 = adapter.clients.rate_limited.total
        await adapter.stop()
        await fake.stop()
        saved = await saved_checkins(database)
        await database.dispose()
    posts = [
        c for c in fake.calls if c.method == "chat.postMessage" and not c.params.get("__failed")
    ]
    answered = Counter(str(c.params.get("channel")) for c in posts)
    calls = Counter(c.method for c in fake.calls)
    assert fake.limits is not None
    expected = {"D" + u.lstrip("U") for u in users}
    return {
        "name": f"{count} check-ins at once in one workspace of {args.members}",
        "floor": floor_seconds(len(posts), args.speed),
        "needle": elapsed,
        "last_post": max((c.at - started for c in posts), default=float("nan")),
        "small_last": None,
        "calls": dict(calls),
        "total_calls": sum(calls.values()),
        "fake_429": fake.limits.rejected,
        "needle_429": counted_429,
        "lost": len(expected - set(answered)) + sum(1 for u in users if saved.get(u, 0) == 0),
        "duplicated": sum(1 for u in users if saved.get(u, 0) > 1),
        "acks": dict(statuses),
        "answers": len(posts),
    }


async def saved_checkins(database: Database) -> dict[str, int]:
    """Slack user id -> number of check-in rows saved."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Member.external_id, func.count(Checkin.id))
            .join(Checkin, Checkin.member_id == Member.id)
            .group_by(Member.external_id)
        )
        return {user: count for user, count in rows.all()}


def show(result: dict[str, Any], speed: float) -> None:
    """Print one scenario's figures."""
    floor, needle = result["floor"], result["last_post"]
    ratio = needle / floor if floor else float("inf")
    share = 100.0 * result["fake_429"] / max(1, result["total_calls"])
    print(f"\n== {result['name']} (limits x{speed:g})")
    print(f"floor (perfectly paced client)  {floor:8.2f} s   = {floor * speed:8.1f} s real")
    print(f"Needle, start to last post      {needle:8.2f} s   = {needle * speed:8.1f} s real")
    print(f"ratio                           {ratio:8.3f}     (target <= 1.1)")
    if result["small_last"] is not None:
        small = result["small_last"]
        print(f"small workspaces' last prompt   {small:8.2f} s   = {small * speed:8.1f} s real")
        print(f"big workspace's prompts by then {result['big_meanwhile']:8d}")
    done = "every answer and App Home tab done" if "acks" in result else "tick returned after"
    print(f"{done:<32}{result['needle']:8.2f} s")
    print(f"calls by method                 {result['calls']}")
    print(
        f"429s                            {result['fake_429']} answered "
        f"({share:.2f} % of calls), {result['needle_429']} counted by Needle (target < 1 %)"
    )
    if "acks" in result:
        print(f"acknowledged (HTTP status: count)  {result['acks']}")
        print(f"answers posted                  {result['answers']}")
        lookups = {m: result["calls"].get(m, 0) for m in ("users.info", "conversations.open")}
        print(f"lookups after the restart       {lookups} (target: none)")
    print(f"lost {result['lost']}, duplicated {result['duplicated']}")


async def main(args: argparse.Namespace) -> None:
    """Run the chosen scenarios and print their figures."""
    logging.basicConfig(level=logging.WARNING)
    if args.scenario in ("one", "both", "all"):
        show(await scenario(f"one workspace of {args.members}", [args.members], args), args.speed)
    if args.scenario in ("many", "both", "all"):
        sizes = [args.members] + [10] * args.small
        name = f"{args.small} workspaces of 10 + one of {args.members}"
        show(await scenario(name, sizes, args), args.speed)
    if args.scenario in ("discord", "all"):
        show(await discord_scenario(args), args.speed)
    if args.scenario in ("checkins", "all"):
        show(await checkins(args), args.speed)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--checkins", type=int, default=1000)
    parser.add_argument(
        "--scenario",
        choices=("one", "many", "both", "discord", "checkins", "all"),
        default="both",
    )
    asyncio.run(main(parser.parse_args()))
