"""The HTTP sides of Needle's metrics: the `/metrics` page and counting calls to platforms.

`mount_metrics` adds `METRICS_PATH` to Needle's web server (adapters/web/server.py), served
by `metrics_handler`. `platform_calls_trace` is an aiohttp
TraceConfig that counts every request a platform client makes, and every 429, by API method:
slack-sdk's AsyncWebClient and discord.py both send through an aiohttp session, so one trace
sees each call and each retry without touching their request code.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import aiohttp
from aiohttp import web
from yarl import URL

from adapters.base import CoachEngine
from bot.metrics import CONTENT_TYPE, Metrics

METRICS_PATH = "/metrics"
# Path segments that name one thing (a channel, a message, an interaction's token) become
# placeholders, so a method label names the route, not the object.
_ID = re.compile(r"^\d+$")
_LONG = 40
# Routes that carry an interaction's or webhook's token after its id.
_TOKEN_AFTER = ("webhooks", "interactions")


def metrics_of(engine: CoachEngine) -> Metrics | None:
    """The metrics the engine was started with (None for an engine that keeps none)."""
    metrics = getattr(engine, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None


def metrics_handler(metrics: Metrics) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp GET handler serving `metrics` in Prometheus' text format."""

    async def serve_metrics(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    return serve_metrics


def mount_metrics(router: web.UrlDispatcher, metrics: Metrics) -> None:
    """Serve `metrics` at `GET /metrics` on a web server's router (before it starts)."""
    router.add_get(METRICS_PATH, metrics_handler(metrics))


def slack_method(method: str, url: URL) -> str:
    """The Web API method of a Slack call (`chat.postMessage`); `response_url` for an answer
    to a command through its response URL, `upload` for a file's upload URL."""
    parts = [part for part in url.path.split("/") if part]
    if "api" in parts and parts.index("api") + 1 < len(parts):
        return parts[parts.index("api") + 1]
    if parts and parts[0] == "upload":
        return "upload"
    return "response_url"


def discord_method(method: str, url: URL) -> str:
    """A Discord call as its route: `POST /channels/{id}/messages`."""
    parts = [part for part in url.path.split("/") if part]
    if len(parts) >= 2 and parts[0] == "api" and parts[1].startswith("v"):
        parts = parts[2:]
    route = [
        "{id}"
        if _ID.match(part)
        else "{token}"
        if len(part) >= _LONG or (n >= 2 and parts[n - 2] in _TOKEN_AFTER)
        else part
        for n, part in enumerate(parts)
    ]
    return f"{method} /{'/'.join(route)}"


def platform_calls_trace(
    metrics: Metrics, platform: str, method_of: Callable[[str, URL], str]
) -> aiohttp.TraceConfig:
    """A TraceConfig counting each request (each 429 too) as `method_of` names it; a request
    that got no answer (a refused connection, a timeout) counts as a call."""
    trace = aiohttp.TraceConfig()

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        method = method_of(params.method, params.url)
        metrics.count_platform_call(platform, method, params.response.status)

    async def on_request_exception(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        metrics.count_platform_call(platform, method_of(params.method, params.url), 0)

    trace.on_request_end.append(on_request_end)
    trace.on_request_exception.append(on_request_exception)
    trace.freeze()
    return trace
