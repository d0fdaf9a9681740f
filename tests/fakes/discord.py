"""A loopback fake of Discord's REST API and gateway, for driving the real discord.py client.

`FakeDiscord` serves, on 127.0.0.1 and a free port:

- the REST API under `/api/v10` (login, command sync, DMs, messages, interaction callbacks,
  webhook follow-ups), answering JSON with `Content-Type` exactly `application/json` (discord.py
  parses nothing else) and recording every call;
- a gateway websocket at `/gateway` that plays the handshake (HELLO, heartbeat ACKs, READY and
  GUILD_CREATE on IDENTIFY, replay and RESUMED on RESUME) and sends dispatches.

Tests act as Discord users: `slash`, `click`, `submit_modal`, `autocomplete` and `dm` send the
INTERACTION_CREATE / MESSAGE_CREATE a real client would cause, and `wait_for_call` awaits what
the bot did in return. `rate_limit` makes the next matching request answer 429 (with `Via`, as
Cloudflare-fronted Discord does) and `drop` closes the gateway connection so the client has to
reconnect and resume; dispatches made while it is away are replayed on RESUME, as Discord does.
Given `limits` (tests/fakes/discord_limits.py) it enforces Discord's global and per-route rate
limits too. Clients that IDENTIFY with a `shard` get, each, the events of their shard's
servers only (`(server id >> 22) % shard count`), and shard 0 those of no server (DMs).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.fakes.discord_limits import DiscordLimits

API_PREFIX = "/api/v10"
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
# View channel, send messages, embed links, attach files, read history, use app commands.
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
EPHEMERAL = 1 << 6

# Dispatches about a server itself, whose `id` (not `guild_id`) names the server.
SERVER_EVENTS = ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE")

_snowflakes = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    """A fresh, increasing Discord id."""
    return str(next(_snowflakes))


def snowflake_on_shard(shard: int, count: int) -> str:
    """A fresh Discord id whose server would be on `shard` of `count`:
    `(id >> 22) % count == shard` (the part above bit 22 is a snowflake's timestamp)."""
    fresh = int(snowflake())
    stamp = fresh >> 22
    stamp += (shard - stamp) % count
    return str((stamp << 22) | (fresh & ((1 << 22) - 1)))


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    """One REST request the client made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any = None  # the JSON body, or `payload_json` of a multipart body
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, content)
    status: int = 200
    response: Any = None  # what the fake answered
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class GatewaySession:
    """One shard's gateway session: its connection, and every dispatch of it, for RESUME."""

    shard: int
    ws: web.WebSocketResponse | None = None
    request: web.Request | None = None
    session_id: str = ""
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class FakeGuild:
    """A server with one text channel."""

    id: str
    name: str
    owner_id: str
    channel_id: str
    members: dict[str, int] = field(default_factory=dict)  # user id -> permission bits


class FakeDiscord:
    """Discord's REST API and gateway on 127.0.0.1, for tests (see the module docstring)."""

    def __init__(self, *, heartbeat_ms: int = 30_000, limits: DiscordLimits | None = None) -> None:
        self.heartbeat_ms = heartbeat_ms
        self.limits = limits
        self.application_id = snowflake()
        self.bot_user = self._user_object(snowflake(), "Needle", bot=True)
        self.users: dict[str, dict[str, Any]] = {self.bot_user["id"]: self.bot_user}
        self.guilds: dict[str, FakeGuild] = {}
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self._dm_users: dict[str, str] = {}  # DM channel id -> user id
        self.messages: dict[str, dict[str, Any]] = {}  # message id -> message object
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" / guild id -> commands
        self.interactions: dict[str, dict[str, Any]] = {}  # id -> INTERACTION_CREATE payload
        self.calls: list[Call] = []
        self.identifies = 0
        self.resumes = 0
        self.echo_bot_messages = True
        self._rate_limits: list[tuple[str, re.Pattern[str], float, bool]] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port = 0
        # How many shards the clients run (from their IDENTIFY), and each shard's session.
        self.shard_count = 1
        self._sessions: dict[int, GatewaySession] = {}
        self._send_lock = asyncio.Lock()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 and a free port."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self._port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the gateway connection and stop listening."""
        for session in self._sessions.values():
            if session.ws is not None and not session.ws.closed:
                with contextlib.suppress(Exception):
                    await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The REST base to give discord.py (`discord.http.Route.BASE`)."""
        return f"http://127.0.0.1:{self._port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The gateway URL to give discord.py (`DiscordWebSocket.DEFAULT_GATEWAY`)."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    # -- directory -----------------------------------------------------------------------------

    @staticmethod
    def _user_object(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": name.lower(),
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    def add_user(self, name: str) -> dict[str, Any]:
        """A Discord user who can talk to the bot."""
        user = self._user_object(snowflake(), name)
        self.users[user["id"]] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: dict[str, Any] | None = None,
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """A server the bot is in (announced in READY and GUILD_CREATE); `shard` (id, count)
        picks a server id whose events go to that shard."""
        guild = FakeGuild(
            id=snowflake() if shard is None else snowflake_on_shard(*shard),
            name=name,
            owner_id=owner["id"] if owner else self.bot_user["id"],
            channel_id=snowflake(),
        )
        self.guilds[guild.id] = guild
        return guild

    def add_member(
        self, guild: FakeGuild, user: dict[str, Any], *, manage_guild: bool = False
    ) -> None:
        """Make `user` a member of `guild`, with Manage Server when `manage_guild`."""
        guild.members[user["id"]] = MEMBER_PERMISSIONS | (MANAGE_GUILD if manage_guild else 0)

    def channel(self, guild: FakeGuild) -> dict[str, Any]:
        """The server's text channel, as a channel option value for `slash`."""
        return self._channel_object(guild)

    def dm_channel_of(self, user: dict[str, Any]) -> str:
        """The id of the DM channel between `user` and the bot (created on first use)."""
        if user["id"] not in self.dm_channels:
            self.dm_channels[user["id"]] = snowflake()
            self._dm_users[self.dm_channels[user["id"]]] = user["id"]
        return self.dm_channels[user["id"]]

    def _guild_object(self, guild: FakeGuild) -> dict[str, Any]:
        bot_member = self._member_object(guild, self.bot_user)
        return {
            "id": guild.id,
            "name": guild.name,
            "icon": None,
            "owner_id": guild.owner_id,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "features": [],
            "roles": [
                {
                    "id": guild.id,
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": [self._channel_object(guild)],
            "threads": [],
            "members": [bot_member],
            "member_count": len(guild.members) + 1,
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "large": False,
            "unavailable": False,
            "joined_at": _now(),
        }

    def _channel_object(self, guild: FakeGuild) -> dict[str, Any]:
        return {
            "id": guild.channel_id,
            "type": 0,
            "guild_id": guild.id,
            "name": "sales",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }

    def _dm_channel_object(self, user: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.dm_channel_of(user), "type": 1, "recipients": [user]}

    def _member_object(self, guild: FakeGuild, user: dict[str, Any]) -> dict[str, Any]:
        perms = guild.members.get(user["id"], MEMBER_PERMISSIONS)
        return {
            "user": user,
            "nick": None,
            "avatar": None,
            "roles": [],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "permissions": str(perms),
        }

    def _message_object(
        self, channel_id: str, author: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": author,
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
        }
        guild = self._guild_of_channel(channel_id)
        if guild is not None:
            message["guild_id"] = guild.id
        self.messages[message["id"]] = message
        return message

    def _guild_of_channel(self, channel_id: str) -> FakeGuild | None:
        return next((g for g in self.guilds.values() if g.channel_id == channel_id), None)

    # -- REST ----------------------------------------------------------------------------------

    def rate_limit(
        self, method: str, path_pattern: str, *, retry_after: float = 0.05, via: bool = True
    ) -> None:
        """Answer the next `method` request whose path matches `path_pattern` with a 429.

        With `via=False` the 429 lacks the `Via` header, which discord.py takes for a
        Cloudflare ban and raises instead of retrying.
        """
        self._rate_limits.append((method.upper(), re.compile(path_pattern), retry_after, via))

    def _take_rate_limit(self, method: str, path: str) -> tuple[float, bool] | None:
        for index, (m, pattern, retry_after, via) in enumerate(self._rate_limits):
            if m == method and pattern.search(path):
                del self._rate_limits[index]
                return retry_after, via
        return None

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly `application/json`: discord.py ignores a body typed `...; charset=utf-8`.
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: list[tuple[str, bytes]] = []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader), "discord.py sends no nested multipart"
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append((part.filename or "", await part.read()))
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        call = Call(request.method, path, dict(request.query), body, files)
        limited = self._take_rate_limit(request.method, path)
        if limited is not None:
            retry_after, via = limited
            call.status = 429
            await self._record(call)
            headers = {"Retry-After": str(retry_after), "X-RateLimit-Scope": "user"}
            if via:
                headers["Via"] = "1.1 google"
            return self._json(
                {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": False,
                },
                status=429,
                headers=headers,
            )
        verdict = None if self.limits is None else self.limits.check(request.method, path)
        if verdict is not None and verdict.refused:
            call.status = 429
            await self._record(call)
            return self._json(verdict.body(), status=429, headers=verdict.headers)
        status, data = self._route(request.method, path, body)
        call.status, call.response = status, data
        await self._record(call)
        announced = verdict.headers if verdict is not None else None
        if status == 204:
            return web.Response(status=204, headers=announced)
        return self._json(data, status=status, headers=announced)

    def _route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        app = self.application_id
        if method == "GET" and path == "/users/@me":
            return 200, self.bot_user
        if method == "GET" and path == "/oauth2/applications/@me":
            return 200, self._application_object()
        match = re.fullmatch(rf"/applications/{app}(?:/guilds/(\d+))?/commands", path)
        if match:
            scope = match.group(1) or "global"
            if method == "PUT":
                stored = [
                    {**c, "id": snowflake(), "application_id": app, "version": snowflake()}
                    for c in body or []
                ]
                self.commands[scope] = stored
            return 200, self.commands.get(scope, [])
        if method == "POST" and path == "/users/@me/channels":
            user = self.users.get(str(body["recipient_id"]))
            if user is None:
                return 404, {"message": "Unknown User", "code": 10013}
            return 200, self._dm_channel_object(user)
        match = re.fullmatch(r"/channels/(\d+)", path)
        if match and method == "GET":
            guild = self._guild_of_channel(match.group(1))
            if guild is None:
                return 404, {"message": "Unknown Channel", "code": 10003}
            return 200, self._channel_object(guild)
        match = re.fullmatch(r"/channels/(\d+)/messages", path)
        if match and method == "POST":
            return self._post_message(match.group(1), body or {})
        match = re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)
        if match and method == "POST":
            return 200, self._interaction_callback(match.group(1), body or {})
        match = re.fullmatch(rf"/webhooks/{app}/([^/]+)(?:/messages/(@original|\d+))?", path)
        if match:
            return 200, self._webhook(match.group(1), body or {})
        return 404, {"message": f"404: Not Found ({method} {path})", "code": 0}

    def _application_object(self) -> dict[str, Any]:
        return {
            "id": self.application_id,
            "name": "Needle",
            "description": "An accountability coach for sales teams.",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self._user_object(snowflake(), "Owner"),
            "verify_key": "00" * 32,
            "flags": 0,
            "summary": "",
        }

    def _post_message(self, channel_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        recipient = self._dm_users.get(channel_id)
        if recipient is None and self._guild_of_channel(channel_id) is None:
            return 404, {"message": "Unknown Channel", "code": 10003}
        if recipient is not None and self.users[recipient].get("dms_closed"):
            return 403, {"message": "Cannot send messages to this user", "code": 50007}
        message = self._message_object(channel_id, self.bot_user, body)
        if self.echo_bot_messages and recipient is not None:
            # Discord sends the bot its own messages too; the bot must ignore them.
            asyncio.get_running_loop().create_task(self.dispatch("MESSAGE_CREATE", message))
        return 200, message

    def _interaction_callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("type")
        result: dict[str, Any] = {"interaction": {"id": interaction_id, "type": 2}, "type": kind}
        data = body.get("data") or {}
        if kind in (4, 5, 7):  # a message, a deferred message, an updated message
            message = self._message_object(self._channel_of(interaction_id), self.bot_user, data)
            result["interaction"]["response_message_id"] = message["id"]
            result["interaction"]["response_message_loading"] = kind == 5
            result["interaction"]["response_message_ephemeral"] = bool(
                (data.get("flags") or 0) & EPHEMERAL
            )
            result["resource"] = {"type": kind, "message": message}
        return result

    def _webhook(self, token: str, body: dict[str, Any]) -> Any:
        interaction_id = token.removeprefix("token-")
        return self._message_object(self._channel_of(interaction_id), self.bot_user, body)

    def _channel_of(self, interaction_id: str) -> str:
        return str(self.interactions.get(interaction_id, {}).get("channel_id") or "0")

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def wait_for_call(
        self, predicate: Callable[[Call], bool], *, within: float = 5.0, after: int = 0
    ) -> Call:
        """The first call (from index `after`) matching `predicate`, waiting for it if needed."""

        def found() -> Call | None:
            return next((c for c in self.calls[after:] if predicate(c)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), within)
        result = found()
        assert result is not None
        return result

    async def wait_for_callback(self, interaction_id: str, *, within: float = 5.0) -> Call:
        """The callback (the first answer) the bot gave to interaction `interaction_id`."""
        return await self.wait_for_call(
            lambda c: c.status == 200 and c.path.startswith(f"/interactions/{interaction_id}/"),
            within=within,
        )

    async def wait_for_answer(self, interaction_id: str, *, within: float = 10.0) -> Call:
        """The call that carries the bot's answer to an interaction: the callback itself, or,
        when the bot deferred ("thinking…"), the follow-up that replaced it."""
        callback = await self.wait_for_callback(interaction_id, within=within)
        if callback.json.get("type") != 5:
            return callback
        token = self._token(interaction_id)
        return await self.wait_for_call(
            lambda c: c.status == 200 and c.path.startswith("/webhooks/") and token in c.path,
            within=within,
        )

    def followups(self, interaction_id: str) -> list[Call]:
        """Follow-ups and edits of the original answer to interaction `interaction_id`."""
        token = self._token(interaction_id)
        return [
            c
            for c in self.calls
            if c.status == 200 and f"/{token}" in c.path and c.path.startswith("/webhooks/")
        ]

    async def wait_for_dm(
        self, user: dict[str, Any], *, after: int = 0, within: float = 5.0
    ) -> Call:
        """The next message the bot posts in its DM with `user`."""
        channel = self.dm_channel_of(user)
        return await self.wait_for_call(
            lambda c: (
                c.method == "POST" and c.status == 200 and c.path == f"/channels/{channel}/messages"
            ),
            after=after,
            within=within,
        )

    # -- gateway -------------------------------------------------------------------------------

    def shard_of(self, guild_id: str | None) -> int:
        """The shard that gets a server's events (shard 0 gets those of no server: DMs)."""
        if not guild_id:
            return 0
        return (int(guild_id) >> 22) % self.shard_count

    def _session(self, shard: int) -> GatewaySession:
        session = self._sessions.get(shard)
        if session is None:
            session = self._sessions[shard] = GatewaySession(shard)
        return session

    def guilds_on(self, shard: int) -> list[FakeGuild]:
        """The servers whose events go to `shard`."""
        return [g for g in self.guilds.values() if self.shard_of(g.id) == shard]

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session: GatewaySession | None = None
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}})
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op = payload.get("op")
            if op == 1:
                await self._send(ws, {"op": 11})
            elif op == 2:
                session = await self._identify(ws, request, payload["d"])
            elif op == 6:
                session = await self._resume(ws, request, payload["d"])
        if session is not None and session.ws is ws:
            session.ws = None
            session.ready.clear()
        return ws

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        async with self._send_lock:
            if not ws.closed:
                await ws.send_str(json.dumps(payload))

    async def _take_over(
        self, session: GatewaySession, ws: web.WebSocketResponse, request: web.Request
    ) -> None:
        """`ws` becomes the session's connection; an older one is closed, as Discord does."""
        previous = session.ws
        session.ws, session.request = ws, request
        if previous is not None and previous is not ws and not previous.closed:
            await previous.close(code=4000)

    async def _identify(
        self, ws: web.WebSocketResponse, request: web.Request, data: dict[str, Any]
    ) -> GatewaySession:
        """A new session on the shard IDENTIFY names (`shard: [id, count]`; none: shard 0 of
        1): READY listing that shard's servers, then a GUILD_CREATE for each."""
        shard_id, count = data.get("shard") or (0, 1)
        self.identifies += 1
        self.shard_count = count
        session = self._session(shard_id)
        await self._take_over(session, ws, request)
        session.session_id = secrets.token_hex(8)
        session.seq = 0
        session.events = []
        guilds = self.guilds_on(shard_id)
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if "shard" in data:
            ready["shard"] = [shard_id, count]
        await self._dispatch_on(session, "READY", ready)
        for guild in guilds:
            await self._dispatch_on(session, "GUILD_CREATE", self._guild_object(guild))
        session.ready.set()
        return session

    async def _resume(
        self, ws: web.WebSocketResponse, request: web.Request, data: dict[str, Any]
    ) -> GatewaySession | None:
        session = next(
            (s for s in self._sessions.values() if s.session_id == data.get("session_id")), None
        )
        if session is None or not session.session_id:
            await self._send(ws, {"op": 9, "d": False})
            return None
        await self._take_over(session, ws, request)
        self.resumes += 1
        seen = data.get("seq") or 0
        for event in [e for e in session.events if e["s"] > seen]:
            await self._send(ws, event)
        await self._dispatch_on(session, "RESUMED", {})
        session.ready.set()
        return session

    async def _dispatch_on(self, session: GatewaySession, event: str, data: Any) -> None:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.events.append(payload)
        if session.ws is not None:
            await self._send(session.ws, payload)

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a dispatch to the shard of its server now, or keep it for the RESUME if that
        shard is disconnected."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        if event in SERVER_EVENTS:
            guild_id = data["id"]
        session = self._session(self.shard_of(guild_id))
        ws = session.ws
        if ws is not None and not ws.closed and session.ready.is_set():
            await self._dispatch_on(session, event, data)
        else:
            session.seq += 1
            session.events.append({"op": 0, "t": event, "s": session.seq, "d": data})

    async def wait_until_connected(self, *, within: float = 5.0, shard: int = 0) -> None:
        """Wait until a client has identified or resumed on the gateway (as shard `shard`)."""
        await asyncio.wait_for(self._session(shard).ready.wait(), within)

    async def drop(self, *, abrupt: bool = False, shard: int = 0) -> None:
        """Close shard `shard`'s gateway connection the way a network failure or a Discord
        restart does.

        By default the fake closes with code 4000 (unknown error; resumable); with `abrupt` it
        cuts the TCP connection without a close frame.
        """
        session = self._session(shard)
        ws, request = session.ws, session.request
        session.ready.clear()
        session.ws = None
        if ws is None:
            return
        if abrupt and request is not None and request.transport is not None:
            request.transport.abort()
        else:
            await ws.close(code=4000, message=b"dropped by the fake")

    # -- what users do -------------------------------------------------------------------------

    def _token(self, interaction_id: str) -> str:
        return f"token-{interaction_id}"

    def _interaction(
        self,
        kind: int,
        user: dict[str, Any],
        data: dict[str, Any],
        *,
        guild: FakeGuild | None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        interaction_id = snowflake()
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": self.application_id,
            "type": kind,
            "token": self._token(interaction_id),
            "version": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "locale": "en-US",
            "entitlements": [],
            "app_permissions": str(MEMBER_PERMISSIONS),
            "data": data,
        }
        if guild is not None:
            payload.update(
                guild_id=guild.id,
                guild_locale="en-US",
                channel_id=guild.channel_id,
                channel=self._channel_object(guild),
                member=self._member_object(guild, user),
                context=0,
                authorizing_integration_owners={"0": guild.id},
            )
        else:
            channel = self._dm_channel_object(user)
            payload.update(
                channel_id=channel["id"],
                channel=channel,
                user=user,
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
        if message is not None:
            payload["message"] = message
        self.interactions[interaction_id] = payload
        return payload

    def _command_id(self, guild: FakeGuild | None) -> str:
        scopes = ([guild.id] if guild else []) + ["global"]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == "needle":
                    return str(command["id"])
        raise AssertionError("the bot has not synced a /needle command")

    @staticmethod
    def _option(name: str, value: Any) -> dict[str, Any]:
        kind = 4 if isinstance(value, int) and not isinstance(value, bool) else 3
        return {"name": name, "type": kind, "value": value}

    def _command_data(
        self,
        path: str,
        options: dict[str, Any],
        guild: FakeGuild | None,
        *,
        focused: str | None = None,
    ) -> dict[str, Any]:
        names = path.split()
        leaf: list[dict[str, Any]] = []
        resolved: dict[str, dict[str, Any]] = {}
        for name, value in options.items():
            if isinstance(value, dict) and "guild_id" in value and "name" in value:  # a channel
                leaf.append({"name": name, "type": 7, "value": value["id"]})
                channel = {**value, "permissions": str(MEMBER_PERMISSIONS)}
                resolved.setdefault("channels", {})[value["id"]] = channel
            elif isinstance(value, dict) and "username" in value:  # a user option
                leaf.append({"name": name, "type": 6, "value": value["id"]})
                resolved.setdefault("users", {})[value["id"]] = value
                if guild is not None:
                    member = self._member_object(guild, value)
                    member.pop("user")
                    resolved.setdefault("members", {})[value["id"]] = member
            else:
                option = self._option(name, value)
                if name == focused:
                    option = {**option, "type": 3, "focused": True}
                leaf.append(option)
        nested: list[dict[str, Any]] = leaf
        for index, name in reversed(list(enumerate(names))):
            nested = [{"name": name, "type": 2 if index < len(names) - 1 else 1, "options": nested}]
        data: dict[str, Any] = {
            "id": self._command_id(guild),
            "name": "needle",
            "type": 1,
            "options": nested,
        }
        if resolved:
            data["resolved"] = resolved
        if guild is not None:
            data["guild_id"] = guild.id
        return data

    async def slash(
        self,
        user: dict[str, Any],
        subcommand: str,
        options: dict[str, Any] | None = None,
        *,
        guild: FakeGuild | None = None,
    ) -> str:
        """`user` runs `/needle <subcommand>` (in `guild`, or in their DM with the bot).

        `subcommand` may name a group and a subcommand (`"admin minimums"`). A user dict as
        an option value is sent as a user option. Returns the interaction id.
        """
        data = self._command_data(subcommand, options or {}, guild)
        payload = self._interaction(2, user, data, guild=guild)
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def autocomplete(
        self,
        user: dict[str, Any],
        subcommand: str,
        option: str,
        typed: str,
        *,
        guild: FakeGuild | None = None,
    ) -> str:
        """`user` types `typed` into option `option` of `/needle <subcommand>`."""
        data = self._command_data(subcommand, {option: typed}, guild, focused=option)
        payload = self._interaction(4, user, data, guild=guild)
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def click(
        self,
        user: dict[str, Any],
        message: dict[str, Any],
        custom_id: str,
        *,
        guild: FakeGuild | None = None,
    ) -> str:
        """`user` presses the button `custom_id` on `message`. Returns the interaction id."""
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, user, data, guild=guild, message=message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def submit_modal(
        self,
        user: dict[str, Any],
        modal: dict[str, Any],
        values: dict[str, str],
        *,
        guild: FakeGuild | None = None,
    ) -> str:
        """`user` fills in and submits `modal` (the `data` of a type-9 callback).

        `values` maps a text input's custom_id to what the user typed; inputs left out are
        sent empty. The components mirror the modal's layout (labels or action rows).
        """

        def answer(component: dict[str, Any]) -> dict[str, Any]:
            if component["type"] == 1:
                return {"type": 1, "components": [answer(c) for c in component["components"]]}
            if component["type"] == 18:
                return {
                    "type": 18,
                    "id": component.get("id", 0),
                    "component": answer(component["component"]),
                }
            return {
                "type": component["type"],
                "id": component.get("id", 0),
                "custom_id": component["custom_id"],
                "value": values.get(component["custom_id"], ""),
            }

        data = {
            "custom_id": modal["custom_id"],
            "components": [answer(c) for c in modal["components"]],
        }
        payload = self._interaction(5, user, data, guild=guild)
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def dm(self, user: dict[str, Any], content: str) -> str:
        """`user` types `content` in their DM with the bot. Returns the message id."""
        message = self._message_object(self.dm_channel_of(user), user, {"content": content})
        await self.dispatch("MESSAGE_CREATE", message)
        return str(message["id"])

    def old_bot_message(
        self, channel_id: str, content: str, buttons: list[tuple[str, str]]
    ) -> dict[str, Any]:
        """A message the bot posted earlier (before a restart, say), with (label, custom_id)
        buttons, for `click`."""
        row = [
            {"type": 2, "style": 2, "label": label, "custom_id": custom_id}
            for label, custom_id in buttons
        ]
        return self._message_object(
            channel_id,
            self.bot_user,
            {"content": content, "components": [{"type": 1, "components": row}]},
        )

    def message(self, message_id: str) -> dict[str, Any]:
        """A message the fake has seen (sent by the bot or a user)."""
        return self.messages[message_id]

    def message_of(self, call: Call) -> dict[str, Any]:
        """The message a call created: a post, a follow-up, or an interaction's answer."""
        response = call.response
        assert isinstance(response, dict), call
        if "resource" in response:
            return dict(response["resource"]["message"])
        assert "id" in response, call
        return response


async def start_needle_on(
    fake: FakeDiscord,
    engine: Any,
    *,
    guild_id: str = "",
    ack_seconds: float = 2.0,
    event_queue_max: int = 2000,
    shard_count: int | None = None,
    shard_ids: str = "",
) -> Any:
    """Build and start Needle's Discord adapter against `fake`, as `needle run` does.

    `shard_count` and `shard_ids` are DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS (the shards
    identify at once, not 5 seconds apart). Returns the started `DiscordAdapter` once the
    gateway said READY on every shard it runs; stop it with `stop()`.
    """
    from adapters.discord.app import build_discord_adapter
    from bot.config import Settings

    settings = Settings(
        _env_file=None,
        discord_token="test-token",
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        discord_guild_id=guild_id,
        event_queue_max=event_queue_max,
        discord_shard_count=shard_count,
        discord_shard_ids=shard_ids,
    )
    adapter = build_discord_adapter(
        settings, engine, ack_seconds=ack_seconds, guild_ready_timeout=0.05, identify_seconds=0
    )
    await adapter.start()
    await adapter.wait_until_ready(within=5.0)
    return adapter
