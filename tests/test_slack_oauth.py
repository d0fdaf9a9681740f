"""Many workspaces through OAuth: the install flow, per-workspace tokens, data kept apart."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import DateTime, column, select, table, text

from adapters.base import DeliveryError
from bot.clock import FakeClock
from bot.engine import Engine
from bot.messages import Address, Reply
from bot.storage.db import Database
from bot.storage.models import Member, Team, TeamMembership
from tests.fakes.slack import event_callback
from tests.forgotten import rows_mentioning
from tests.scheduler_support import make_scheduler, outbox_for
from tests.slack_harness import SlackHarness, slack_harness

CLIENT_ID = "1111.2222"

# slack-sdk sends oauth.v2.access credentials with aiohttp's BasicAuth, deprecated in aiohttp 3.13.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
async def oauth(settings: Any, engine: Engine) -> AsyncIterator[SlackHarness]:
    """The adapter with SLACK_CLIENT_ID/SECRET and no bot token: OAuth installs."""
    async with slack_harness(
        settings,
        engine,
        slack_bot_token="",
        slack_client_id=CLIENT_ID,
        slack_client_secret="client-secret",
    ) as harness:
        yield harness


async def start_install(slack: SlackHarness) -> tuple[str, str]:
    """A visit to the install page (anyone's): the OAuth state it was given, and its cookie."""
    async with slack.http.get(slack.url + "/slack/install") as page:
        assert page.status == 200
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    link = re.search(r'<a href="([^"]+)"', html)
    assert link is not None
    query = parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert "chat:write" in query["scope"][0]
    return query["state"][0], cookie


async def install(slack: SlackHarness, team_id: str, installer: str) -> str:
    """Run the whole install flow for `team_id`; returns the bot token it got."""
    token = f"xoxb-{team_id.lower()}"
    code = f"code-{team_id}"
    slack.fake.add_oauth_code(code, team_id=team_id, bot_token=token, installer=installer)
    slack.fake.add_user(installer, team_id=team_id, name=f"Owner of {team_id}")
    state, cookie = await start_install(slack)
    redirect = f"{slack.url}/slack/oauth_redirect?code={code}&state={state}"
    async with slack.http.get(redirect, headers={"Cookie": cookie}) as done:
        assert done.status == 200, await done.text()
    await slack.settle()
    return token


async def test_install_page_points_at_the_authorize_url(oauth: SlackHarness) -> None:
    async with oauth.http.get(oauth.url + "/slack/install") as page:
        html = await page.text()
    assert f"http://127.0.0.1:{oauth.fake.port}/oauth/v2/authorize?" in html.replace("&amp;", "&")


async def test_install_two_workspaces_and_keep_them_apart(
    oauth: SlackHarness, database: Database
) -> None:
    token_a = await install(oauth, "T0ALPHA01", "UOWNA")
    token_b = await install(oauth, "T0BRAVO01", "UOWNB")

    async with database.transaction() as session:
        rows = (await session.execute(text("SELECT team_id, bot_token FROM slack_bots"))).all()
        installed = (
            await session.execute(text("SELECT team_id, user_id FROM slack_installations"))
        ).all()
    assert sorted(rows) == [("T0ALPHA01", token_a), ("T0BRAVO01", token_b)]
    assert sorted(installed) == [("T0ALPHA01", "UOWNA"), ("T0BRAVO01", "UOWNB")]

    # Each installer is greeted in their DM, with their own workspace's token.
    greetings = {c.params["channel"]: c.token for c in oauth.fake.messages()}
    assert greetings == {"DOWNA": token_a, "DOWNB": token_b}

    oauth.fake.add_user("UANA", team_id="T0ALPHA01", name="Ana")
    oauth.fake.add_user("UBO", team_id="T0BRAVO01", name="Bo")
    checkin = "12 calls, 90 min; demo with Acme; proposal for Beta"
    await oauth.dm("UANA", checkin, team_id="T0ALPHA01")
    await oauth.dm("UBO", "3 calls, 20 min; inbox", team_id="T0BRAVO01")
    await oauth.settle()
    to_ana, to_bo = oauth.fake.messages("DANA"), oauth.fake.messages("DBO")
    assert {c.token for c in to_ana} == {token_a}
    assert {c.token for c in to_bo} == {token_b}
    assert "12 conversations" in to_ana[0].params["text"]
    assert "3 conversations" in to_bo[0].params["text"]

    async with database.transaction() as session:
        teams_of = dict(
            (
                await session.execute(
                    select(Member.external_id, Team.external_id)
                    .join(TeamMembership, TeamMembership.member_id == Member.id)
                    .join(Team, Team.id == TeamMembership.team_id)
                )
            ).all()
        )
        roles = dict(
            (
                await session.execute(
                    select(Member.external_id, TeamMembership.role).join(
                        TeamMembership, TeamMembership.member_id == Member.id
                    )
                )
            ).all()
        )
    assert teams_of == {
        "UOWNA": "T0ALPHA01",
        "UOWNB": "T0BRAVO01",
        "UANA": "T0ALPHA01",
        "UBO": "T0BRAVO01",
    }
    assert roles["UOWNA"] == roles["UOWNB"] == "admin"  # the installer
    assert roles["UANA"] == roles["UBO"] == "member"

    await oauth.adapter.send(Address("slack", "T0BRAVO01", "UBO"), Reply("Nudge"))
    assert oauth.fake.messages("DBO")[-1].token == token_b


async def test_uninstall_forgets_one_workspace_only(
    oauth: SlackHarness, database: Database
) -> None:
    await install(oauth, "T0ALPHA01", "UOWNA")
    token_b = await install(oauth, "T0BRAVO01", "UOWNB")
    gone = event_callback({"type": "app_uninstalled"}, team_id="T0ALPHA01")
    assert (await oauth.event(gone)).status == 200
    await oauth.settle()
    async with database.transaction() as session:
        teams = (await session.execute(text("SELECT team_id FROM slack_bots"))).scalars().all()
    assert teams == ["T0BRAVO01"]
    with pytest.raises(DeliveryError) as raised:
        await oauth.adapter.send(Address("slack", "T0ALPHA01", "UOWNA"), Reply("hi"))
    assert raised.value.permanent
    await oauth.adapter.send(Address("slack", "T0BRAVO01", "UOWNB"), Reply("still here"))
    assert oauth.fake.messages("DOWNB")[-1].token == token_b


async def test_a_bad_state_or_code_installs_nothing(
    oauth: SlackHarness, database: Database
) -> None:
    async with oauth.http.get(oauth.url + "/slack/oauth_redirect?code=x&state=forged") as page:
        assert page.status >= 400
    async with oauth.http.get(oauth.url + "/slack/install") as page:
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    state = re.search(r"state=([\w-]+)", html)
    assert state is not None
    redirect = f"{oauth.url}/slack/oauth_redirect?code=unknown&state={state.group(1)}"
    async with oauth.http.get(redirect, headers={"Cookie": cookie}) as page:
        assert page.status >= 400
    async with database.transaction() as session:
        count = (await session.execute(text("SELECT count(*) FROM slack_bots"))).scalar()
    assert count == 0
    assert oauth.fake.messages() == []


async def test_revoked_bot_token_is_forgotten(oauth: SlackHarness, database: Database) -> None:
    await install(oauth, "T0ALPHA01", "UOWNA")
    revoked = event_callback(
        {"type": "tokens_revoked", "tokens": {"bot": ["UBOTHA01"]}}, team_id="T0ALPHA01"
    )
    assert (await oauth.event(revoked)).status == 200
    await oauth.settle()
    async with database.transaction() as session:
        count = (await session.execute(text("SELECT count(*) FROM slack_bots"))).scalar()
    assert count == 0
    with pytest.raises(DeliveryError):
        await oauth.adapter.send(Address("slack", "T0ALPHA01", "UOWNA"), Reply("hi"))


async def test_a_second_installer_who_is_no_slack_admin_gets_no_admin_rights(
    oauth: SlackHarness, database: Database
) -> None:
    await install(oauth, "T0ALPHA01", "UOWNA")
    await install(oauth, "T0ALPHA01", "UMALLORY")  # any member may re-install the app
    oauth.fake.responses.clear()
    await oauth.command("UMALLORY", "admin minimums 1 1", team_id="T0ALPHA01")
    await oauth.command("UOWNA", "admin minimums 7 70", team_id="T0ALPHA01")
    await oauth.settle()
    async with database.transaction() as session:
        minimums = await session.scalar(select(Team.min_conversations))
    assert minimums == 7  # the first installer's change, not Mallory's
    texts = " ".join(str(r) for r in oauth.fake.responses)
    assert "Only team admins can use `admin`" in texts


async def test_a_reinstall_after_an_uninstall_makes_no_one_the_first_installer(
    oauth: SlackHarness, database: Database
) -> None:
    await install(oauth, "T0ALPHA01", "UOWNA")
    oauth.fake.add_user("UANA", team_id="T0ALPHA01", name="Ana")
    await oauth.dm("UANA", "12 calls, 90 min; demo with Zanzibar", team_id="T0ALPHA01")
    await oauth.settle()
    # The workspace removes Needle: Bolt deletes its installation rows, Needle's data stays.
    gone = event_callback({"type": "app_uninstalled"}, team_id="T0ALPHA01")
    assert (await oauth.event(gone)).status == 200
    await oauth.settle()
    # Mallory, no Slack admin, installs it again (members may install apps by default).
    await install(oauth, "T0ALPHA01", "UMALLORY")
    oauth.fake.responses.clear()
    await oauth.command("UMALLORY", "admin minimums 1 1", team_id="T0ALPHA01")
    await oauth.command("UMALLORY", "export team", team_id="T0ALPHA01", name="exp")
    await oauth.command("UMALLORY", "stats all @UANA", team_id="T0ALPHA01", name="st")
    await oauth.settle()
    async with database.transaction() as session:
        assert await session.scalar(select(Team.min_conversations)) == 5  # unchanged
    texts = " ".join(str(r) for r in oauth.fake.responses)
    assert "team's check-ins" not in texts and "Zanzibar" not in texts
    refused = [r for r in oauth.fake.responses if "Only team admins" in r["text"]]
    assert len(refused) == 3, texts
    # The first installer is still the installer admin.
    assert await oauth.adapter.workspaces.installer_of("T0ALPHA01") == "UOWNA"


async def test_forget_me_clears_the_installer_from_installations_and_caches(
    oauth: SlackHarness, database: Database
) -> None:
    await install(oauth, "T0ALPHA01", "UOWNA")
    await oauth.dm("UOWNA", "12 calls, 90 min; demo with Zanzibar", team_id="T0ALPHA01")
    await oauth.settle()
    relay = oauth.adapter.relay
    assert any(user == "UOWNA" for _, user in relay.directory._people)
    await oauth.dm("UOWNA", "forget-me", team_id="T0ALPHA01")
    await oauth.settle()
    await oauth.dm("UOWNA", "yes", team_id="T0ALPHA01")
    await oauth.settle()
    assert "Nothing of yours is left" in oauth.dm_texts("UOWNA")[-1]
    assert await rows_mentioning(database, "UOWNA", "Owner of T0ALPHA01", "Zanzibar") == []
    assert not any(user == "UOWNA" for _, user in relay.directory._people)
    assert not any(user == "UOWNA" for _, user in relay.delivery._dms)
    # The workspace stays installed; nobody is its installer admin any more.
    assert await oauth.adapter.workspaces.installer_of("T0ALPHA01") is None
    await oauth.adapter.send(Address("slack", "T0ALPHA01", "UANA"), Reply("still installed"))


async def test_the_recap_channel_must_be_one_of_the_workspaces_own(
    oauth: SlackHarness, database: Database
) -> None:
    await install(oauth, "T0ALPHA01", "UOWNA")
    await install(oauth, "T0BRAVO01", "UOWNB")
    oauth.fake.add_channel("C0ALPHA", team_id="T0ALPHA01")
    oauth.fake.add_channel("C0BRAVO", team_id="T0BRAVO01")
    oauth.fake.add_channel("C0SHARED", team_id="T0ALPHA01", ext_shared=True)
    for channel in ("C0BRAVO", "C0SHARED", "C0ALPHA"):
        await oauth.command("UOWNA", f"admin recap <#{channel}|x> fri", team_id="T0ALPHA01")
        await oauth.settle()
    texts = " ".join(str(r) for r in oauth.fake.responses)
    assert "C0BRAVO isn't a channel of this team" in texts
    assert "C0SHARED isn't a channel of this team" in texts
    async with database.transaction() as session:
        recap = await session.scalar(
            select(Team.recap_channel_id).where(Team.external_id == "T0ALPHA01")
        )
    assert recap == "C0ALPHA"
    with pytest.raises(DeliveryError):
        await oauth.adapter.send(Address("slack", "T0ALPHA01", "", "C0BRAVO"), Reply("Recap"))
    assert oauth.fake.messages("C0BRAVO") == []


OAUTH_STATES = table("slack_oauth_states", column("state"), column("expire_at", DateTime()))


async def oauth_states(database: Database) -> dict[str, datetime]:
    """Every stored OAuth state and when it expires (UTC)."""
    async with database.transaction() as session:
        rows = (await session.execute(select(OAUTH_STATES.c.state, OAUTH_STATES.c.expire_at))).all()
    return {state: expire_at.replace(tzinfo=UTC) for state, expire_at in rows}


async def test_the_scheduler_tick_drops_expired_install_states_and_keeps_live_ones(
    oauth: SlackHarness, database: Database, clock: FakeClock
) -> None:
    abandoned = [(await start_install(oauth))[0] for _ in range(200)]
    stored = await oauth_states(database)
    assert sorted(stored) == sorted(abandoned)
    live = [await start_install(oauth) for _ in range(3)]
    stored = await oauth_states(database)
    assert len(stored) == 203
    last_abandoned = max(stored[state] for state in abandoned)
    first_live = min(stored[state] for state, _ in live)
    assert last_abandoned < first_live

    # A tick between the two expiries: the 200 abandoned states can no longer be used.
    scheduler = make_scheduler(database, outbox_for(), clock)
    await scheduler.tick(last_abandoned + (first_live - last_abandoned) / 2)

    assert sorted(await oauth_states(database)) == sorted(state for state, _ in live)
    # A state that was kept still completes its install.
    state, cookie = live[0]
    oauth.fake.add_oauth_code(
        "code-T0LIVE001", team_id="T0LIVE001", bot_token="xoxb-live", installer="UOWNL"
    )
    oauth.fake.add_user("UOWNL", team_id="T0LIVE001", name="Owner of T0LIVE001")
    redirect = f"{oauth.url}/slack/oauth_redirect?code=code-T0LIVE001&state={state}"
    async with oauth.http.get(redirect, headers={"Cookie": cookie}) as done:
        assert done.status == 200, await done.text()
    await oauth.settle()
    assert sorted(await oauth_states(database)) == sorted(state for state, _ in live[1:])
