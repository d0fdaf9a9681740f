"""A loopback fake of Slack for tests and benchmarks: Web API, file uploads, Socket Mode, OAuth.

`FakeSlack` serves the Web API methods Needle calls on 127.0.0.1 and records every call, so a
test drives the real slack-bolt / slack-sdk code and then reads what Needle said. It can answer
a call with a 429 and `Retry-After`, serves the upload URLs of the files v2 API, a Socket Mode
websocket, response URLs of slash commands and `oauth.v2.access`.

The helpers at the bottom build the payloads Slack sends (events, slash commands, button
presses, modal submissions) and sign them as Slack does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

DEFAULT_TEAM = "T0NEEDLE1"
DEFAULT_BOT_TOKEN = "xoxb-needle-test"
DEFAULT_APP_TOKEN = "xapp-needle-test"
DEFAULT_SIGNING_SECRET = "needle-signing-secret"
APP_ID = "A0NEEDLE"
WAIT_SECONDS = 10.0  # a wait that takes longer means the awaited call never came


@dataclass
class Call:
    """One Web API call the fake received."""

    method: str
    params: dict[str, Any]
    token: str | None
    headers: Mapping[str, str]
    at: float = field(default_factory=time.monotonic)  # when the fake received it

    @property
    def team_id(self) -> str | None:
        """Which workspace the call's token belongs to (set by the fake on receipt)."""
        return self.params.get("__team_id")


@dataclass
class Workspace:
    """A workspace the fake knows: its bot token and bot user."""

    team_id: str
    name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    # channel id -> conversations.info's channel object (`add_channel`)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


@dataclass
class SocketEnvelope:
    """An envelope sent over the fake Socket Mode connection and the ack it got back."""

    envelope_id: str
    ack: asyncio.Future[dict[str, Any]] = field(repr=False)


@dataclass(frozen=True)
class Limit:
    """One published limit the fake enforces: calls a minute and the burst tolerated."""

    per_minute: float
    burst: int


# Slack's published limits, per method, per workspace (Tier 3: 50+/min, Tier 4: 100+/min),
# with the bursts the fake tolerates; chat.postMessage is about 1 a second per channel (short
# bursts) plus a workspace-wide limit.
PUBLISHED_LIMITS: dict[str, Limit] = {
    "conversations.open": Limit(50, 5),
    "conversations.info": Limit(50, 5),
    "users.info": Limit(100, 10),
    "views.open": Limit(100, 10),
    "views.publish": Limit(100, 10),
    "chat.postEphemeral": Limit(100, 10),
    "files.getUploadURLExternal": Limit(100, 10),
    "files.completeUploadExternal": Limit(100, 10),
    "chat.postMessage": Limit(600, 30),
}
PER_CHANNEL_POSTS = Limit(60, 5)


@dataclass
class RateLimits:
    """Slack's limits as the fake enforces them when given one (`FakeSlack(limits=...)`):
    a token bucket per (workspace, method) and one per channel for posting, `speed` times as
    fast as published. A call past a bucket is answered 429 with `Retry-After`."""

    methods: dict[str, Limit] = field(default_factory=lambda: dict(PUBLISHED_LIMITS))
    per_channel: Limit = PER_CHANNEL_POSTS
    speed: float = 1.0
    clock: Any = time.monotonic
    # bucket key -> the instant its next call is allowed with no burst left (GCRA)
    _ready: dict[tuple[str, ...], float] = field(default_factory=dict)
    rejected: int = 0

    def check(self, team_id: str, method: str, params: dict[str, Any]) -> float:
        """0 when the call is within every limit (and counted), else seconds to wait."""
        keys: list[tuple[tuple[str, ...], Limit]] = []
        limit = self.methods.get(method)
        if limit is not None:
            keys.append(((team_id, method), limit))
        if method == "chat.postMessage":
            keys.append(((team_id, "channel", str(params.get("channel", ""))), self.per_channel))
        now = self.clock()
        wait = 0.0
        for key, lim in keys:
            interval = 60.0 / (lim.per_minute * self.speed)
            ready = self._ready.get(key, now)
            wait = max(wait, ready - (lim.burst - 1) * interval - now)
        if wait > 0:
            self.rejected += 1
            return wait
        for key, lim in keys:
            interval = 60.0 / (lim.per_minute * self.speed)
            self._ready[key] = max(self._ready.get(key, now), now) + interval
        return 0.0


class FakeSlack:
    """The fake Slack Web API server. Use `async with FakeSlack() as slack:`."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}
        self.responses: list[dict[str, Any]] = []  # bodies posted to response_url
        self.users: dict[tuple[str, str], dict[str, Any]] = {}
        self.workspaces: dict[str, Workspace] = {}
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.channel_errors: dict[str, str] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_connected = asyncio.Event()
        self._socket_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.port = 0
        self.add_workspace(DEFAULT_TEAM, DEFAULT_BOT_TOKEN, name="Needle Sales")

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free 127.0.0.1 port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The Web API base URL to give Needle as SLACK_API_URL."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A slash command `response_url` that lands in `self.responses`."""
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    # -- set-up -----------------------------------------------------------------------------

    def add_workspace(self, team_id: str, bot_token: str, *, name: str = "") -> Workspace:
        """Make a workspace whose bot answers to `bot_token`."""
        suffix = team_id[-4:]
        workspace = Workspace(team_id, name or team_id, bot_token, f"UBOT{suffix}", f"BBOT{suffix}")
        self.workspaces[bot_token] = workspace
        return workspace

    def add_channel(
        self,
        channel_id: str,
        *,
        team_id: str = DEFAULT_TEAM,
        ext_shared: bool = False,
        org_shared: bool = False,
    ) -> None:
        """Make a channel of `team_id` that `conversations.info` finds with its bot token
        (`ext_shared`: shared with another organisation through Slack Connect; `org_shared`:
        shared with other workspaces of an Enterprise Grid organisation)."""
        workspace = next(w for w in self.workspaces.values() if w.team_id == team_id)
        workspace.channels[channel_id] = {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": True,
            "is_ext_shared": ext_shared,
            "is_shared": ext_shared or org_shared,
            "is_org_shared": org_shared,
            "context_team_id": team_id,
        }

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str = DEFAULT_TEAM,
        name: str = "",
        tz: str = "America/New_York",
        is_admin: bool = False,
        is_owner: bool = False,
    ) -> dict[str, Any]:
        """Make a member `users.info` knows about; returns the user object."""
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": (name or user_id).lower(),
            "real_name": name or user_id,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 0,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_bot": False,
            "deleted": False,
            "locale": "en-US",
            "profile": {"display_name": name or user_id, "real_name": name or user_id},
        }
        self.users[(team_id, user_id)] = user
        return user

    def add_oauth_code(
        self, code: str, *, team_id: str, bot_token: str, installer: str, name: str = ""
    ) -> None:
        """Let `oauth.v2.access` exchange `code` for an installation in `team_id`."""
        workspace = self.add_workspace(team_id, bot_token, name=name)
        self.oauth_codes[code] = {
            "ok": True,
            "access_token": bot_token,
            "token_type": "bot",
            "scope": "chat:write,im:write,im:history,commands,users:read",
            "bot_user_id": workspace.bot_user_id,
            "app_id": APP_ID,
            "team": {"id": team_id, "name": workspace.name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": installer},
        }

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: int | None = 0,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with an error (a 429 by default)."""
        self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times))

    # -- reading what happened --------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of `method`, oldest first."""
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str | None = None) -> list[Call]:
        """Every successful `chat.postMessage`, optionally to one channel."""
        found = [c for c in self.calls_to("chat.postMessage") if not c.params.get("__failed")]
        return [c for c in found if channel is None or c.params.get("channel") == channel]

    async def wait_for(self, method: str, count: int = 1) -> list[Call]:
        """Wait (at most WAIT_SECONDS) until `method` was called `count` times; return the calls."""

        def enough() -> bool:
            return len(self.calls_to(method)) >= count

        async with asyncio.timeout(WAIT_SECONDS), self._changed:
            await self._changed.wait_for(enough)
        return self.calls_to(method)

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    # -- the Web API ------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        token = _bearer(request) or params.pop("token", None)
        workspace = self.workspaces.get(token or "")
        if workspace is not None:
            params["__team_id"] = workspace.team_id
        call = Call(method, params, token, dict(request.headers))
        failure = self._take_failure(method)
        if failure is None and self.limits is not None and workspace is not None:
            wait = self.limits.check(workspace.team_id, method, params)
            if wait > 0:
                failure = _Failure(429, "ratelimited", max(1, math.ceil(wait)), 1)
        if failure is not None:
            params["__failed"] = True
            await self._record(call)
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            return web.json_response(
                {"ok": False, "error": failure.error}, status=failure.status, headers=headers
            )
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            body: dict[str, Any] = {"ok": False, "error": "unknown_method"}
        elif method not in {"oauth.v2.access", "apps.connections.open"} and workspace is None:
            body = {"ok": False, "error": "invalid_auth"}
        else:
            body = handler(params, workspace)
        if not body.get("ok"):
            params["__failed"] = True
        await self._record(call)
        return web.json_response(body)

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _m_auth_test(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        assert ws is not None
        return {
            "ok": True,
            "url": f"https://{ws.team_id.lower()}.slack.test/",
            "team": ws.name,
            "user": "needle",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": APP_ID,
            "is_enterprise_install": False,
        }

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel in self.channel_errors:
            return {"ok": False, "error": self.channel_errors[channel]}
        ts = f"{time.time():.6f}"
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": params.get("text")}}

    def _m_chat_postMessage(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        return self._post(params)

    def _m_chat_postEphemeral(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        result = self._post(params)
        if result.get("ok"):
            return {"ok": True, "message_ts": result["ts"]}
        return result

    def _m_chat_update(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}

    def _m_conversations_open(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        user = str(params.get("users", "")).split(",")[0]
        if not user:
            return {"ok": False, "error": "users_list_not_supplied"}
        channel = "D" + user.lstrip("UW")
        if channel in self.channel_errors:
            return {"ok": False, "error": self.channel_errors[channel]}
        return {"ok": True, "channel": {"id": channel}}

    def _m_conversations_info(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        assert ws is not None
        channel = ws.channels.get(str(params.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel}

    def _m_users_info(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        assert ws is not None
        user = self.users.get((ws.team_id, str(params.get("user", ""))))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _view(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        return {"ok": True, "view": {"id": self._next_id("V"), **(view or {})}}

    def _m_views_open(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self._view(params)

    def _m_views_update(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        return self._view(params)

    def _m_views_publish(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        return self._view(params)

    def _m_files_getUploadURLExternal(
        self, params: dict[str, Any], ws: Workspace | None
    ) -> dict[str, Any]:
        file_id = self._next_id("F")
        return {
            "ok": True,
            "file_id": file_id,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
        }

    def _m_files_completeUploadExternal(
        self, params: dict[str, Any], ws: Workspace | None
    ) -> dict[str, Any]:
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        params["files"] = files
        files = files or []
        channel = params.get("channel_id")
        if channel in self.channel_errors:
            return {"ok": False, "error": self.channel_errors[str(channel)]}
        missing = [f["id"] for f in files if f["id"] not in self.uploads]
        if missing:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _m_apps_connections_open(
        self, params: dict[str, Any], ws: Workspace | None
    ) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    def _m_oauth_v2_access(self, params: dict[str, Any], ws: Workspace | None) -> dict[str, Any]:
        found = self.oauth_codes.pop(str(params.get("code", "")), None)
        return found or {"ok": False, "error": "invalid_code"}

    # -- uploads and response URLs ----------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - uploaded")

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        body["__name"] = request.match_info["name"]
        self.responses.append(body)
        await self._record(Call("response_url", body, None, dict(request.headers)))
        return web.Response(text="ok")

    # -- Socket Mode ------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": APP_ID}}
        )
        self._socket_connected.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(msg.data)
                future = self._socket_acks.pop(ack.get("envelope_id", ""), None)
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            self._sockets.remove(ws)
        return ws

    async def wait_socket_connected(self) -> None:
        """Wait (at most WAIT_SECONDS) until a Socket Mode client has connected."""
        async with asyncio.timeout(WAIT_SECONDS):
            await self._socket_connected.wait()

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> SocketEnvelope:
        """Push one Socket Mode envelope (`events_api`, `slash_commands`, `interactive`)."""
        envelope_id = self._next_id("env-")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._socket_acks[envelope_id] = future
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self._sockets[-1].send_json(message)
        return SocketEnvelope(envelope_id, future)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """The call's arguments, whether sent as JSON, a form or a query string."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :]
    return None


# -- signing and payloads ---------------------------------------------------------------------


def signed_headers(
    body: str,
    *,
    secret: str = DEFAULT_SIGNING_SECRET,
    timestamp: int | None = None,
    content_type: str = "application/json",
    retry_num: int | None = None,
) -> dict[str, str]:
    """The headers Slack sends with `body`: timestamp and `v0=` HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


_event_ids = itertools.count(1)


def dm_event(
    user: str, text: str, *, team_id: str = DEFAULT_TEAM, event_id: str | None = None
) -> dict[str, Any]:
    """An Events API `message.im` callback: `user` typed `text` in their DM with Needle."""
    now = time.time()
    return {
        "token": "legacy",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):010d}",
        "event_time": int(now),
        "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "D" + user.lstrip("UW"),
            "user": user,
            "text": text,
            "ts": f"{now:.6f}",
            "event_ts": f"{now:.6f}",
        },
    }


def event_callback(
    event: dict[str, Any], *, team_id: str = DEFAULT_TEAM, event_id: str | None = None
) -> dict[str, Any]:
    """Any Events API callback wrapping `event`."""
    return {
        "token": "legacy",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):010d}",
        "event_time": int(time.time()),
        "event": event,
    }


def command_form(
    user: str,
    text: str,
    *,
    response_url: str,
    team_id: str = DEFAULT_TEAM,
    channel_id: str | None = None,
    command: str = "/needle",
) -> dict[str, str]:
    """The form fields of a `/needle` slash command (before urlencoding)."""
    channel = channel_id or "D" + user.lstrip("UW")
    return {
        "token": "legacy",
        "team_id": team_id,
        "team_domain": team_id.lower(),
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "sales",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "response_url": response_url,
        "trigger_id": f"trig.{next(_event_ids)}",
    }


def block_action(
    user: str,
    action_id: str,
    *,
    value: str = "",
    team_id: str = DEFAULT_TEAM,
    channel_id: str | None = None,
    container: str = "message",
) -> dict[str, Any]:
    """A `block_actions` payload: `user` pressed the button `action_id`."""
    channel = channel_id if channel_id is not None else "D" + user.lstrip("UW")
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": team_id.lower()},
        "user": {"id": user, "username": user.lower(), "team_id": team_id},
        "api_app_id": APP_ID,
        "trigger_id": f"trig.{next(_event_ids)}",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "choices",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if container == "message":
        payload["container"] = {"type": "message", "channel_id": channel, "message_ts": "1.000"}
        payload["channel"] = {"id": channel, "name": "directmessage"}
        payload["message"] = {"ts": "1.000", "text": ""}
    else:
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        payload["view"] = {"id": "VHOME", "type": "home", "callback_id": ""}
    return payload


def view_submission(
    user: str,
    view: dict[str, Any],
    values: dict[str, str],
    *,
    team_id: str = DEFAULT_TEAM,
) -> dict[str, Any]:
    """A `view_submission` payload answering the modal `view` (as Needle opened it)."""
    state = {
        block_id: {block_id: {"type": "plain_text_input", "value": value}}
        for block_id, value in values.items()
    }
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": team_id.lower()},
        "user": {"id": user, "username": user.lower(), "team_id": team_id},
        "api_app_id": APP_ID,
        "trigger_id": f"trig.{next(_event_ids)}",
        "view": {
            "id": "VMODAL",
            "type": "modal",
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "blocks": view.get("blocks", []),
            "state": {"values": state},
        },
    }


def interactive_body(payload: dict[str, Any]) -> str:
    """The form body Slack posts for a button press or modal submission."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
