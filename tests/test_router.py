"""The router is composed explicitly: an engine knows the families it was given, a name is
routed once, and an open conversation decides what may interrupt it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from adapters.memory import MemoryAdapter
from bot.checkin.flow import CheckinFlow
from bot.clock import FakeClock
from bot.commands import basics, build_router, coaching, stats
from bot.commands.admin import settings_router
from bot.config import Settings
from bot.context import Context
from bot.engine import Engine
from bot.messages import Reply, ReplyKind
from bot.router import Command, DuplicateRoute, Router
from bot.storage.conversations import EndReason, load_state, save_state
from bot.storage.db import Database
from bot.storage.models import ConversationState
from bot.storage.people import find_member

TODAY = date(2026, 11, 25)


async def nothing(_ctx: Context, _args: str) -> list[Reply]:
    return []


def engine_with(
    router: Router, database: Database, settings: Settings, clock: FakeClock
) -> MemoryAdapter:
    return MemoryAdapter(Engine(database, settings, clock, router=router))


async def test_an_engine_knows_only_the_families_its_router_was_given(
    database: Database, settings: Settings, clock: FakeClock
) -> None:
    router = Router()
    stats.register(router)
    basics.register(router)
    bot = engine_with(router, database, settings, clock)

    listed = (await bot.say("help"))[0].text
    assert "`stats [today|week|last week|month|last month|quarter|2026-10|all] [@member]`" in listed
    assert "`goal " not in listed and "`checkin" not in listed and "`export" not in listed
    assert (await bot.say("goal calls 8"))[0].kind == "unknown"
    assert (await bot.say("checkin"))[0].kind == "unknown"
    # Without the check-in family, a check-in typed in one message is not understood either.
    assert (await bot.say("7 calls, 40 min; demo with Acme"))[0].kind == "unknown"

    coaching.register(router)
    replies = await bot.say("goal calls 8")
    assert replies[0].kind == "settings" and "8 conversations" in replies[0].text


def test_build_router_lists_the_families_in_help_order() -> None:
    names = [entry.name for entry in build_router().visible_commands()]
    assert names == [
        "checkin",
        "log",
        "outcomes",
        "stats",
        "leaderboard",
        "returns",
        "team",
        "dashboard",
        "goal",
        "funnel",
        "target",
        "help",
        "timezone",
        "schedule",
        "pause",
        "resume",
        "export",
        "forget-me",
        "ranking",
        "admin",
    ]


def test_routers_share_nothing() -> None:
    first, second = build_router(), build_router()
    extra = first.add_command("ping", nothing, usage="ping", summary="answers")
    assert first.find_command("PING") is extra
    assert second.find_command("ping") is None


def test_a_name_is_routed_once() -> None:
    router = Router()
    router.add_command("stats", nothing, usage="stats", summary="numbers", aliases=("me",))
    with pytest.raises(DuplicateRoute, match="'me'"):
        router.add_command("mine", nothing, usage="mine", summary="mine", aliases=("Me",))
    assert router.find_command("mine") is None  # a refused command is not half-registered
    router.add_action("checkin.start", nothing)
    with pytest.raises(DuplicateRoute):
        router.add_action("checkin.start", nothing, members_only=True)
    assert not router.members_only("checkin.start")
    with pytest.raises(DuplicateRoute):
        stats.register(router)
    router.add_flow(CheckinFlow())
    with pytest.raises(DuplicateRoute):
        router.add_flow(CheckinFlow())


def test_a_two_word_name_is_found_with_its_arguments() -> None:
    router = build_router()
    entry, args = router.find_command_at("check", "in yesterday")
    assert entry is not None and entry.name == "checkin" and args == "yesterday"
    entry, args = router.find_command_at("stats", "month")
    assert entry is not None and entry.name == "stats" and args == "month"


def test_admin_settings_have_a_router_of_their_own() -> None:
    settings = settings_router()
    assert settings.find_command("min") is settings.find_command("minimums")
    assert settings.find_command("tz") is not None
    # `checkin` the team setting is not `checkin` the command.
    command = build_router().find_command("checkin")
    setting = settings.find_command("checkin")
    assert command is not None and setting is not None and command.handler != setting.handler


def test_the_checkin_flow_lets_only_help_interrupt_the_activities_question() -> None:
    flow = CheckinFlow()
    router = build_router()
    help_, stats_, admin = (router.find_command(name) for name in ("help", "stats", "admin"))
    assert help_ is not None and stats_ is not None and admin is not None
    asking = ConversationState(flow="checkin", step="minutes", local_date=TODAY, data={})
    listing = ConversationState(flow="checkin", step="activities", local_date=TODAY, data={})
    assert flow.may_interrupt(stats_, asking) and flow.may_interrupt(help_, asking)
    assert flow.may_interrupt(help_, listing)
    assert not flow.may_interrupt(stats_, listing) and not flow.may_interrupt(admin, listing)


@dataclass
class Survey:
    """A conversation that takes every message as an answer, commands included."""

    name: str = "survey"
    answers: list[str] = field(default_factory=list)

    async def close_if_expired(self, ctx: Context, state: ConversationState) -> bool:
        return False

    def may_interrupt(self, command: Command, state: ConversationState) -> bool:
        return command.name == "help"

    async def answer(self, ctx: Context, state: ConversationState, text: str) -> list[Reply]:
        self.answers.append(text)
        return [Reply(f"noted: {text}", kind=ReplyKind.INFO)]

    async def reask(
        self, ctx: Context, state: ConversationState, after: Command, shown: list[Reply]
    ) -> list[Reply]:
        return [Reply(f"back to the survey after {after.name}", kind=ReplyKind.QUESTION)]

    async def close(self, ctx: Context, state: ConversationState, reason: EndReason) -> None:
        self.answers.append(f"closed: {reason}")


async def open_survey(database: Database, user: str, now: datetime) -> None:
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        await save_state(
            session,
            member.id,
            team_id=None,
            flow="survey",
            step="only",
            local_date=TODAY,
            data={},
            attempts=0,
            now=now,
        )


async def test_an_open_flow_decides_what_interrupts_it_and_what_follows(
    database: Database, settings: Settings, clock: FakeClock
) -> None:
    router = build_router()
    survey = Survey()
    router.add_flow(survey)
    bot = engine_with(router, database, settings, clock)
    await bot.command("help")  # the member exists, in no conversation
    await open_survey(database, "ana", clock.now())

    replies = await bot.say("stats week")
    assert [r.text for r in replies] == ["noted: stats week"]
    replies = await bot.say("help")
    assert replies[0].kind == "help"
    assert replies[-1].text == "back to the survey after help"
    assert survey.answers == ["stats week"]


async def test_a_conversation_the_router_does_not_hold_is_closed(
    database: Database, settings: Settings, clock: FakeClock
) -> None:
    bot = engine_with(build_router(), database, settings, clock)
    await bot.command("help")
    await open_survey(database, "ana", datetime(2026, 11, 25, 18, 0, tzinfo=UTC))
    replies = await bot.say("stats week")
    assert replies[0].kind == "stats"
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None
        assert await load_state(session, member.id) is None
