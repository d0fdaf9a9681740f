"""The one HTTP server of a Needle process: `/healthz`, and the routes others mount on it.

Slack's HTTP mode mounts `/slack/events` and its OAuth pages here, the dashboard mounts its
pages; `needle run` starts it in every mode, the console coach's included. Routes are added
before `start()` (aiohttp freezes its router when it starts serving).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

HEALTH_PATH = "/healthz"

# Returns (ready, details) for `/healthz`.
HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]


class WebServer:
    """Serves one aiohttp application on host:port; port 0 picks a free one (see `port`)."""

    def __init__(self, host: str, port: int) -> None:
        self.app = web.Application()
        self.host = host
        self.requested_port = port
        self.port = port
        self._checks: dict[str, HealthCheck] = {}
        self._runner: web.AppRunner | None = None
        self.app.router.add_get(HEALTH_PATH, self._healthz)

    @property
    def router(self) -> web.UrlDispatcher:
        """Where routes are mounted, before `start()`."""
        return self.app.router

    def add_health(self, name: str, check: HealthCheck) -> None:
        """Make `/healthz` depend on `check` too (ready only when every check is)."""
        self._checks[name] = check

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Ready when every part is; the parts' details side by side."""
        ready, details = True, {}
        for check in self._checks.values():
            part_ready, part = check()
            ready = ready and part_ready
            details.update(part)
        return ready, details

    async def _healthz(self, request: web.Request) -> web.Response:
        ready, details = self.health()
        return web.json_response({"ready": ready, **details}, status=200 if ready else 503)

    @property
    def started(self) -> bool:
        """True while listening."""
        return self._runner is not None

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
