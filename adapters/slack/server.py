"""The HTTP side of the Slack adapter: `/slack/events`, the OAuth pages and `/healthz`.

An aiohttp application on Needle's event loop. Requests go to Bolt unchanged (Bolt checks the
signature and timestamp and answers 401 to forged or stale ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

# Returns (ready, details) for `/healthz`.
HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]


def build_web_app(bolt: AsyncApp | None, health: HealthCheck) -> web.Application:
    """Routes for HTTP mode (`bolt` given) or only the health check (Socket Mode)."""
    app = web.Application()
    app.router.add_get(HEALTH_PATH, _health_handler(health))
    if bolt is None:
        return app

    async def events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    app.router.add_post(EVENTS_PATH, events)
    flow = bolt.oauth_flow
    if flow is not None:

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_installation(await to_bolt_request(request))
            )

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_callback(await to_bolt_request(request))
            )

        app.router.add_get(flow.install_path, install)
        app.router.add_get(flow.redirect_uri_path, redirect)
    return app


def _health_handler(health: HealthCheck) -> Callable[[web.Request], Any]:
    async def healthz(request: web.Request) -> web.Response:
        ready, details = health()
        return web.json_response({"ready": ready, **details}, status=200 if ready else 503)

    return healthz


class WebServer:
    """Serves a web.Application on host:port; port 0 picks a free one (see `port`)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Start listening."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port, backlog=2048)
        await site.start()
        for address in self._runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                self.port = int(address[1])
                break

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
