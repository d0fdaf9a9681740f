"""The HTTP side of the Slack adapter: `/slack/events` and the OAuth pages.

They are mounted on Needle's one web server (adapters/web/server.py), next to `/healthz` and
the dashboard. Requests go to Bolt unchanged (Bolt checks the signature and timestamp and
answers 401 to forged or stale ones).
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

EVENTS_PATH = "/slack/events"


def mount_slack_routes(router: web.UrlDispatcher, bolt: AsyncApp) -> None:
    """Add HTTP mode's routes: events, and the install pages when OAuth is configured."""

    async def events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    router.add_post(EVENTS_PATH, events)
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

        router.add_get(flow.install_path, install)
        router.add_get(flow.redirect_uri_path, redirect)
