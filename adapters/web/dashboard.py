"""The team dashboard's routes: sign-in from a chat link, sign-out, the team page, a member's
page (with its settings form) and the TV page; mounted on Needle's web server.

Every page reads the session (a signed id in an HttpOnly, SameSite=Lax cookie, Secure behind
https) and shows only that member's team; another team's or (for members who are not its
admins or manager) another member's page is refused. The settings form changes only the
signed-in member's own settings: a POST must come from the dashboard's own origin and carry
its session's form token (`Signer.form_token`), else it is refused with 403 and nothing
changes. Pages are rendered on the server with
Jinja2; the stylesheet is served from here (no CDN, no build step).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
import markupsafe
from aiohttp import web
from markupsafe import Markup

from adapters.base import CoachEngine
from adapters.web.server import WebServer
from adapters.web.settings import SettingsResult, origin_allowed, result_of, settings_incoming
from adapters.web.tv import Screens
from adapters.web.views import (
    PERIOD_CHOICES,
    PeriodRefused,
    member_page,
    read_period,
    team_name,
    team_page,
)
from bot.clock import Clock
from bot.config import Settings
from bot.outcomes.targets import profile_as_seen
from bot.profile import Profile
from bot.signin import SESSION_LIFETIME, SIGNIN_PATH, TV_PATH, Signer, issue, signer_for
from bot.stats.leaderboard import Board
from bot.stats.memo import TeamMemo
from bot.storage.db import Database
from bot.storage.models import Member, Team
from bot.storage.people import find_membership, get_member, get_team
from bot.storage.web import (
    LINK,
    SESSION,
    TV,
    Grant,
    revoke_token,
    use_link,
    valid_token,
)

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "needle_session"
# How long a TV screen's `stamp?since=` waits for a change before answering anyway (below the
# usual 60 s idle timeout of reverse proxies).
TV_WAIT = 25.0
NO_STORE = {"Cache-Control": "no-store"}
REFUSALS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    410: web.HTTPGone,
}


CHAT_CODE = re.compile(r"`([^`]+)`")


def chat_lines(text: str) -> markupsafe.Markup:
    """A chat reply of many lines (the roll call) as HTML: `*Section*` lines as headings,
    `• item` lines as items, others as paragraphs, each escaped. One pass in Python, since a
    template loop over a roll call of a thousand took most of the page's rendering."""
    html = []
    escape = markupsafe.escape
    for line in text.split("\n"):
        if line.startswith("*"):
            html.append(f"<h3>{escape(line.strip('*'))}</h3>")
        elif line.startswith("• "):
            html.append(f'<p class="roll">{escape(line[2:])}</p>')
        else:
            html.append(f"<p>{escape(line)}</p>")
    return markupsafe.Markup("\n".join(html))


def chat_text(text: str) -> markupsafe.Markup:
    """A line of chat's reply for a page: escaped, with chat's `commands` as code."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(CHAT_CODE.sub(r"<code>\1</code>", escaped))


@dataclass(frozen=True)
class Viewer:
    """Who is looking, inside one request's transaction: member, team, and their rights."""

    grant: Grant
    member: Member
    team: Team
    profile: Profile

    @property
    def lead(self) -> bool:
        """Admins (as the platform said at sign-in) and the team's manager see the team's day
        and other members' pages."""
        return self.grant.is_admin or self.team.manager_member_id == self.member.id


class Dashboard:
    """The dashboard's handlers over one database, with the engine's settings and clock."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        *,
        engine: CoachEngine | None = None,
    ) -> None:
        self.database = database
        # Changes of settings go through chat's engine; without one, My page only shows them.
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.secure_cookie = settings.dashboard_url.startswith("https://")
        self.screens = Screens(database, self._draw_tv_board)
        self._tv_gate = asyncio.Semaphore(1 if database.is_sqlite else 10)
        self._known_signer: Signer | None = None
        # Each member's numbers on the team pages, kept until their rows change.
        self.memo = TeamMemo()

    def mount(self, server: WebServer) -> None:
        """Add the dashboard's routes, templates and stylesheet to the web server."""
        self._templates = aiohttp_jinja2.setup(
            server.app,
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
        )
        self._templates.filters["chat_text"] = chat_text
        self._templates.filters["chat_lines"] = chat_lines
        router = server.router
        router.add_static("/static/", HERE / "static", name="static")
        router.add_get("/", self.home)
        router.add_get(SIGNIN_PATH + "{token}", self.sign_in)
        router.add_post("/signout", self.sign_out)
        router.add_get("/teams/{team_id:\\d+}", self.team)
        router.add_get("/teams/{team_id:\\d+}/members/{member_id:\\d+}", self.member)
        router.add_post(
            "/teams/{team_id:\\d+}/members/{member_id:\\d+}/settings", self.change_settings
        )
        router.add_get(TV_PATH + "{token}", self.tv)
        router.add_get(TV_PATH + "{token}/stamp", self.tv_stamp)
        server.app.on_cleanup.append(self._close)

    async def _signer(self, session: Any, now: datetime) -> Signer:
        """The signer of links and sessions. Its secret, once stored, never changes: read
        once per process, not on every page."""
        if self._known_signer is None:
            self._known_signer = await signer_for(session, self.settings, now)
        return self._known_signer

    async def _close(self, _app: web.Application) -> None:
        await self.screens.close()

    # --- signing in and out -------------------------------------------------------------

    async def home(self, request: web.Request) -> web.StreamResponse:
        """Signed in: the team page; else how to sign in."""
        async with self.database.transaction() as session:
            viewer = await self._viewer(session, request)
            if viewer is not None:
                raise web.HTTPSeeOther(f"/teams/{viewer.team.id}")
        return self._message(
            request,
            "Sign in from chat",
            "Type `dashboard` to Needle in Slack, Discord or the console: it sends you a "
            "personal link that signs you in.",
            status=200,
        )

    async def sign_in(self, request: web.Request) -> web.StreamResponse:
        """Spend a sign-in link and start a session for its member and team."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            signer = await self._signer(session, now)
            token_id = signer.read(LINK, request.match_info["token"])
            grant = await use_link(session, token_id, now) if token_id else None
            if grant is not None:
                signed = await issue(
                    session,
                    self.settings,
                    SESSION,
                    member_id=grant.member_id,
                    team_id=grant.team_id,
                    is_admin=grant.is_admin,
                    now=now,
                )
        if grant is None:
            return self._message(
                request,
                "This link doesn't work any more",
                "A sign-in link works once and for 15 minutes. Type `dashboard` in chat for "
                "a new one.",
                status=410,
            )
        response = web.HTTPSeeOther(f"/teams/{grant.team_id}")
        response.set_cookie(
            COOKIE,
            signed,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.secure_cookie,
        )
        raise response

    async def sign_out(self, request: web.Request) -> web.StreamResponse:
        """End the session here and everywhere its cookie was copied."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            signer = await self._signer(session, now)
            token_id = signer.read(SESSION, request.cookies.get(COOKIE, ""))
            if token_id:
                await revoke_token(session, token_id, now)
        response = self._message(
            request, "Signed out", "Type `dashboard` in chat to sign in again.", status=200
        )
        response.del_cookie(COOKIE, path="/")
        return response

    async def _viewer(self, session: Any, request: web.Request) -> Viewer | None:
        """The signed-in member of this request, or None (no, bad, expired or ended session,
        or the member left the team)."""
        now = self.clock.now()
        signed = request.cookies.get(COOKIE)
        if not signed:
            return None
        signer = await self._signer(session, now)
        token_id = signer.read(SESSION, signed)
        grant = await valid_token(session, token_id, SESSION, now) if token_id else None
        if grant is None:
            return None
        return await self._viewer_of(session, grant)

    async def _viewer_of(self, session: Any, grant: Grant) -> Viewer | None:
        member = await get_member(session, grant.member_id)
        team = await get_team(session, grant.team_id)
        membership = await find_membership(session, grant.team_id, grant.member_id)
        if member is None or team is None or membership is None or not membership.active:
            return None
        # The viewer's own profile gives their local date; the member page reads the minimums
        # a target fixed (`profile_as_seen`) only for the member it shows.
        profile = Profile.of(member, team, self.settings.default_timezone)
        return Viewer(grant, member, team, profile)

    async def _signed_in(self, session: Any, request: web.Request) -> Viewer:
        """The viewer, who must be signed in to the team in the URL."""
        viewer = await self._viewer(session, request)
        if viewer is None:
            raise self._refusal(
                request,
                "Please sign in",
                "Type `dashboard` in chat for a personal sign-in link.",
                status=401,
            )
        if viewer.team.id != int(request.match_info["team_id"]):
            raise self._refusal(
                request,
                "Not your team",
                "You are signed in to another team; this page is not yours to see.",
                status=403,
            )
        return viewer

    # --- pages ---------------------------------------------------------------------------

    def _period(self, request: web.Request, viewer: Viewer, *, allow_all: bool) -> str:
        today = viewer.profile.local_date(self.clock.now())
        try:
            return read_period(request.query.get("period", "week"), today, allow_all=allow_all)
        except PeriodRefused as err:
            raise self._refusal(request, "Unknown period", str(err), status=400) from err

    async def team(self, request: web.Request) -> web.StreamResponse:
        """The team page: leaderboards, totals against minimums, streak leaders, the day."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            viewer = await self._signed_in(session, request)
            period = self._period(request, viewer, allow_all=False)
            page = await team_page(
                session,
                viewer.team,
                viewer.member,
                period_name=period,
                today=viewer.profile.local_date(now),
                now=now,
                lead=viewer.lead,
                default_timezone=self.settings.default_timezone,
                memo=self.memo,
            )
            hidden = not (
                await find_membership(session, viewer.team.id, viewer.member.id)
            ).public_ranking  # type: ignore[union-attr]
        return self._render(
            request,
            "team.html",
            viewer,
            page=page,
            period=request.query.get("period", "week"),
            hidden=hidden,
        )

    async def member(self, request: web.Request) -> web.StreamResponse:
        """A member's page: one's own (with the settings form), or (admins, the manager) a
        teammate's."""
        return await self._member_page(request)

    async def _member_page(
        self, request: web.Request, result: SettingsResult | None = None
    ) -> web.Response:
        now = self.clock.now()
        async with self.database.transaction() as session:
            viewer = await self._signed_in(session, request)
            wanted = int(request.match_info["member_id"])
            about_self = wanted == viewer.member.id
            target = viewer.member if about_self else await get_member(session, wanted)
            membership = await find_membership(session, viewer.team.id, wanted)
            if (
                target is None
                or membership is None
                or not membership.active
                or (not about_self and not viewer.lead)
            ):
                raise self._refusal(
                    request,
                    "Not your page",
                    "You can see your own stats here; only the team's admins and manager see "
                    "another member's.",
                    status=403,
                )
            period = self._period(request, viewer, allow_all=True)
            profile = await profile_as_seen(
                session, target, viewer.team, self.settings.default_timezone, self.clock.now()
            )
            page = await member_page(
                session,
                viewer.team,
                target,
                profile,
                period_name=period,
                today=profile.local_date(now),
                about_self=about_self,
                # A team sees another member from the day they joined it, as `stats @member`.
                history_from=None if about_self else membership.history_from,
                public_ranking=membership.public_ranking,
            )
            signer = await signer_for(session, self.settings, now)
            form_token = signer.form_token(viewer.grant.token_id)
        chart = await asyncio.to_thread(page.chart)
        return self._render(
            request,
            "member.html",
            viewer,
            page=page,
            period=request.query.get("period", "week"),
            chart=base64.b64encode(chart.data).decode("ascii"),
            chart_title=chart.title,
            form_token=form_token,
            can_change=self.engine is not None,
            result=result,
        )

    async def change_settings(self, request: web.Request) -> web.StreamResponse:
        """The settings form on one's own page: checked (same origin, this session's form
        token, one's own page), then run through the engine as chat's own settings form or
        command; the page shows chat's reply."""
        form = await request.post()
        if not origin_allowed(
            request.headers.get("Origin"),
            request.headers.get("Referer"),
            request.host,
            self.settings.dashboard_url,
        ):
            raise self._expired_form(request)
        now = self.clock.now()
        async with self.database.transaction() as session:
            viewer = await self._signed_in(session, request)
            signer = await signer_for(session, self.settings, now)
            if not signer.form_token_ok(viewer.grant.token_id, str(form.get("csrf", ""))):
                raise self._expired_form(request)
            if int(request.match_info["member_id"]) != viewer.member.id:
                raise self._refusal(
                    request,
                    "Not your settings",
                    "You can change your own settings only, from your own page.",
                    status=403,
                )
            incoming = settings_incoming(
                viewer.member, viewer.team, {k: str(v) for k, v in form.items()}
            )
        if incoming is None or self.engine is None:
            raise self._refusal(
                request,
                "Nothing to change",
                "That form asks for no setting I know. Reload your page and try again.",
                status=400,
            )
        result = result_of(await self.engine.handle(incoming))
        return await self._member_page(request, result)

    def _expired_form(self, request: web.Request) -> web.HTTPException:
        return self._refusal(
            request,
            "This form has expired",
            "Nothing was changed. Open your page again from the dashboard (or type `dashboard` "
            "in chat) and send the form from there.",
            status=403,
        )

    async def tv(self, request: web.Request) -> web.StreamResponse:
        """The read-only TV page of a team: this week's leaderboard, large, no controls."""
        viewer = await self._tv_signed_in(request)
        # Outside the sign-in's transaction: the board and its stamp are shared by every
        # screen of the team (adapters/web/tv.py).
        stamp, board = await self.screens.board(viewer.team, self._tv_date(viewer))
        return aiohttp_jinja2.render_template(
            "tv.html",
            request,
            {
                "team_name": team_name(viewer.team),
                "board_html": Markup(board),
                "stamp": stamp,
                "token": request.match_info["token"],
            },
        )

    async def tv_stamp(self, request: web.Request) -> web.StreamResponse:
        """What the TV page polls: a stamp that changes when the leaderboard may have.

        With `?since=STAMP` the answer waits (up to TV_WAIT seconds) until the stamp differs
        from the screen's, and then brings the board drawn (`board`), so a screen shows a
        check-in within about a second without loading the page or asking more than a few
        times a minute.
        """
        viewer = await self._tv_signed_in(request)
        today = self._tv_date(viewer)
        since = request.query.get("since")
        if since is None:
            stamp = await self.screens.stamp(viewer.team, today, max_age=0)
            return web.json_response({"stamp": stamp}, headers=NO_STORE)
        stamp = await self.screens.wait_past(viewer.team, today, since, TV_WAIT)
        if stamp == since:
            return web.json_response({"stamp": stamp}, headers=NO_STORE)
        stamp, board = await self.screens.board(viewer.team, today)
        return web.json_response({"stamp": stamp, "board": board}, headers=NO_STORE)

    def _draw_tv_board(self, team: Team, board: Board) -> str:
        template = self._templates.get_template("_tv_board.html")
        return template.render(team_name=team_name(team), board=board)

    async def _tv_signed_in(self, request: web.Request) -> Viewer:
        """The TV link's viewer. On SQLite screens check their links one at a time: a room
        of them reloading at once would otherwise queue on the database's write lock (every
        transaction begins with it) and back off in turn, which costs far more than waiting
        in line here."""
        async with self._tv_gate, self.database.transaction() as session:
            return await self._tv_viewer(session, request)

    async def _tv_viewer(self, session: Any, request: web.Request) -> Viewer:
        now = self.clock.now()
        signer = await self._signer(session, now)
        token_id = signer.read(TV, request.match_info["token"])
        grant = await valid_token(session, token_id, TV, now) if token_id else None
        viewer = await self._viewer_of(session, grant) if grant is not None else None
        if viewer is None:
            raise self._refusal(
                request,
                "This TV link was turned off",
                "An admin can type `dashboard tv` in chat for a new one.",
                status=410,
            )
        return viewer

    def _tv_date(self, viewer: Viewer) -> date:
        return viewer.profile.local_date(self.clock.now())

    # --- rendering -----------------------------------------------------------------------

    def _render(
        self, request: web.Request, template: str, viewer: Viewer, **context: Any
    ) -> web.Response:
        return aiohttp_jinja2.render_template(
            template,
            request,
            {
                "viewer": viewer,
                "team_name": team_name(viewer.team),
                "periods": PERIOD_CHOICES,
                **context,
            },
        )

    def _message(self, request: web.Request, title: str, text: str, *, status: int) -> web.Response:
        return aiohttp_jinja2.render_template(
            "message.html", request, {"title": title, "text": text}, status=status
        )

    def _refusal(
        self, request: web.Request, title: str, text: str, *, status: int
    ) -> web.HTTPException:
        page = self._message(request, title, text, status=status)
        return REFUSALS[status](text=page.text, content_type="text/html")
