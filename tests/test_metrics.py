"""What operators see: `/metrics` scraped after real work (a scheduler tick, check-ins, calls
to the Slack and Discord fakes), and log lines in JSON.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from adapters.memory import MemoryAdapter
from adapters.metrics_http import mount_metrics
from adapters.web.server import WebServer
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings, SettingsError, load_settings
from bot.engine import Engine
from bot.logs import JsonFormatter, log_handler
from bot.messages import Address, Reply
from bot.metrics import CONTENT_TYPE, Metrics
from bot.storage.db import Database
from tests.fakes.discord import FakeDiscord
from tests.scheduler_support import THU, WED, at, join, make_scheduler, outbox_for, update_team
from tests.slack_harness import slack_harness

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a Prometheus text page, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when it is not there yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(url: str) -> Samples:
    """GET `url` as Prometheus does and parse the page."""
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == CONTENT_TYPE
        return parse(await response.text())


@pytest.fixture
def metrics() -> Metrics:
    """Metrics in a registry of this test's own, as `needle run` makes one at start."""
    return Metrics(CollectorRegistry())


@pytest.fixture
async def metrics_url(metrics: Metrics) -> AsyncIterator[str]:
    """`/metrics` on Needle's web server, mounted as `needle run` mounts it."""
    server = WebServer("127.0.0.1", 0)
    mount_metrics(server.router, metrics)
    await server.start()
    yield f"http://127.0.0.1:{server.port}/metrics"
    await server.stop()


async def test_a_scrape_after_a_tick_and_a_checkin_shows_what_happened(
    database: Database, settings: Settings, clock: FakeClock, metrics: Metrics, metrics_url: str
) -> None:
    engine = Engine(database, settings, clock, router=build_router(), metrics=metrics)
    bot = MemoryAdapter(engine)
    scheduler = make_scheduler(database, outbox_for(bot), clock, metrics=metrics)
    await join(bot, clock, "ana", when=at(WED, 9))
    await join(bot, clock, "bo", when=at(WED, 9))
    await update_team(database, escalate_after_days=0)  # prompts and reminders only
    clock.set(at(THU, 16, 50))
    await bot.say("checkin", user="ana")  # ana is mid-check-in when the prompts come
    before = await scrape(metrics_url)

    await scheduler.tick(at(THU, 17, 0, 30))
    clock.set(at(THU, 17, 5))
    await bot.say("12 calls, 45 min; demo with Acme", user="bo")
    after = await scrape(metrics_url)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("needle_deliveries_due_total", kind="prompt") == 2
    assert moved("needle_deliveries_sent_total", kind="prompt") == 1  # to bo
    assert moved("needle_deliveries_deferred_total", kind="prompt") == 1  # ana's waits
    assert moved("needle_deliveries_failed_total", kind="prompt") == 0
    assert moved("needle_scheduler_tick_seconds_count") == 1
    assert moved("needle_scheduler_tick_seconds_sum") > 0
    assert moved("needle_engine_seconds_count", kind="message") == 1  # bo's check-in
    assert moved("needle_engine_seconds_count", kind="command") == 0
    assert value(before, "needle_engine_seconds_count", kind="command") == 2  # the two joins


async def test_slack_calls_and_429s_are_counted(
    database: Database, settings: Settings, clock: FakeClock, metrics: Metrics
) -> None:
    engine = Engine(database, settings, clock, router=build_router(), metrics=metrics)
    async with slack_harness(settings, engine) as slack:
        slack.fake.add_user("U1", name="Ana")
        slack.fake.fail_next("chat.postMessage", status=429, retry_after=0)
        await slack.dm("U1", "12 calls, 90 min; demo with Acme; proposal for Beta")
        await slack.settle()
        page = parse(metrics.exposition().decode())
    calls = "needle_platform_calls_total"
    limited = "needle_platform_rate_limited_total"
    posts = len(slack.fake.calls_to("chat.postMessage"))
    assert posts == 2  # refused once, then delivered
    assert value(page, calls, platform="slack", method="chat.postMessage") == posts
    assert value(page, limited, platform="slack", method="chat.postMessage") == 1
    assert value(page, calls, platform="slack", method="auth.test") == 1  # the start-up check
    assert value(page, limited, platform="slack", method="auth.test") == 0
    assert value(page, "needle_engine_seconds_count", kind="message") == 1
    assert value(page, "needle_bridge_queue_depth", platform="slack") == 0  # all answered


async def test_discord_calls_and_interaction_acknowledgements_are_counted(
    fake: FakeDiscord,
    needle: Any,
    people: dict[str, Any],
    engine: Engine,
) -> None:
    interaction = await fake.slash(people["ana"], "help")
    await fake.wait_for_callback(interaction)
    await needle.router.bridge.drain()
    page = parse(engine.metrics.exposition().decode())
    assert value(page, "needle_event_ack_seconds_count", platform="discord") == 1
    callback = "POST /interactions/{id}/{token}/callback"
    assert value(page, "needle_platform_calls_total", platform="discord", method=callback) == 1
    assert value(page, "needle_engine_seconds_count", kind="command") == 1


async def test_discord_calls_and_429s_are_counted_by_route(
    fake: FakeDiscord, needle: Any, people: dict[str, Any], engine: Engine
) -> None:
    # discord.py waits out a 429 and retries by itself; each attempt is a call, one a 429.
    fake.rate_limit("POST", r"^/channels/\d+/messages$", retry_after=0.05)
    await needle.send(Address("discord", "", people["ana"]["id"]), Reply("Time to check in."))
    page = parse(engine.metrics.exposition().decode())
    calls = "needle_platform_calls_total"
    limited = "needle_platform_rate_limited_total"
    post, open_dm = "POST /channels/{id}/messages", "POST /users/@me/channels"
    posts = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
    assert [c.status for c in posts] == [429, 200]
    assert value(page, calls, platform="discord", method=post) == 2
    assert value(page, limited, platform="discord", method=post) == 1
    assert value(page, calls, platform="discord", method=open_dm) == 1
    assert value(page, limited, platform="discord", method=open_dm) == 0
    assert value(page, calls, platform="discord", method="GET /users/@me") == 1  # login


def test_log_lines_are_json_with_level_logger_and_message() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("needle.test.json")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = log_handler("json", stream)
    logger.addHandler(handler)
    try:
        logger.info("tick sent %d prompts", 3, extra={"instance": "needle-a"})
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("could not send to %s", "member:7")
        logger.debug("not at this level")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO",
        "needle.test.json",
        "tick sent 3 prompts",
    )
    assert first["instance"] == "needle-a" and first["time"].endswith("+00:00")
    assert (second["level"], second["message"]) == ("ERROR", "could not send to member:7")
    assert "ValueError: boom" in second["exception"]


def test_log_format_is_a_setting() -> None:
    assert isinstance(log_handler("json").formatter, JsonFormatter)
    assert not isinstance(log_handler("text").formatter, JsonFormatter)
    assert load_settings(log_format="JSON").log_format == "json"
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings(log_format="xml")
