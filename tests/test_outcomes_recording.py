"""Recording outcomes through the engine: free text, the check-in's outcomes question, the
`outcomes` list and its corrections, admin settings, leaderboards, events twice, forget-me."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import Action, ReplyKind
from bot.storage.db import Database
from bot.storage.models import Outcome
from bot.storage.outcomes import OutcomeKind, outcome_history, record_outcome
from bot.storage.people import find_member, find_membership, find_team
from tests.stats_helpers import join
from tests.support import facts, stored

pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 25)


async def rows_of(database: Database, user: str = "ana") -> list[Outcome]:
    """Every outcome row of a user, voided ones included."""
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        return list(await outcome_history(session, member.id))


def live(rows: list[Outcome]) -> list[tuple[str, int, int | None, str | None, str]]:
    """The live rows as (kind, quantity, amount, account, source)."""
    return [
        (r.kind, r.quantity, r.amount, r.account, r.source) for r in rows if r.voided_at is None
    ]


async def tracking(bot: MemoryAdapter, what: str = "meetings deals revenue") -> None:
    replies = await bot.command("admin", f"outcomes {what}", is_admin=True)
    assert replies[0].kind == ReplyKind.SETTINGS


async def test_admin_sets_shows_and_turns_off_outcomes(bot: MemoryAdapter) -> None:
    assert "none" in (await bot.command("admin", "outcomes", is_admin=True))[0].text
    refused = await bot.command("admin", "outcomes meetings", user="ben", is_admin=False)
    assert refused[0].kind == ReplyKind.REFUSAL
    await tracking(bot, "revenue, meetings")
    shown = await bot.command("admin", "outcomes", is_admin=True)
    assert "meetings, revenue" in shown[0].text
    assert facts(await bot.command("admin", is_admin=True))["Outcomes"] == "meetings, revenue"
    unknown = await bot.command("admin", "outcomes pipeline", is_admin=True)
    assert unknown[0].kind == ReplyKind.REASK and "pipeline" in unknown[0].text
    off = await bot.command("admin", "outcomes off", is_admin=True)
    assert "no outcomes" in off[0].text
    assert "none" in (await bot.command("admin", "outcomes", is_admin=True))[0].text


async def test_free_text_records_what_is_clear(bot: MemoryAdapter, database: Database) -> None:
    await tracking(bot)
    won = await bot.say("won Acme 12k")
    assert won[0].kind == ReplyKind.OUTCOME
    assert "1 deal won — Acme, 12,000" in won[0].text
    assert "This month: 0 meetings booked, 1 deal won (12,000)." in won[0].text
    await bot.say("booked 2 meetings")
    await bot.say("lost Globex")
    await bot.say("won 2 deals")
    await bot.say("booked a meeting with Acme")
    assert live(await rows_of(database)) == [
        ("won", 1, 12_000, "Acme", "chat"),
        ("meeting", 2, None, None, "chat"),
        ("lost", 1, None, "Globex", "chat"),
        ("won", 2, None, None, "chat"),
        ("meeting", 1, None, "Acme", "chat"),
    ]
    assert all(r.local_date == TODAY for r in await rows_of(database))


@pytest.mark.parametrize("text", ["won 3 Acme 12k", "booked 2 meetings 3 demos", "won Acme -5k"])
async def test_an_unclear_message_is_asked_about_and_records_nothing(
    bot: MemoryAdapter, database: Database, text: str
) -> None:
    await tracking(bot)
    replies = await bot.say(text)
    assert replies[0].kind == ReplyKind.REASK
    assert "Nothing recorded" in replies[0].text and "won Acme 12k" in replies[0].text
    assert await rows_of(database) == []


async def test_a_likely_reading_waits_for_yes(bot: MemoryAdapter, database: Database) -> None:
    await tracking(bot)
    asked = await bot.say("12k")
    assert asked[0].kind == ReplyKind.CONFIRM
    assert "Did you mean 1 deal won — 12,000?" in asked[0].text
    assert await rows_of(database) == []
    dropped = await bot.say("no")
    assert "nothing recorded" in dropped[0].text
    assert await rows_of(database) == []
    await bot.say("won Acme 12000")
    assert (await bot.press(Action.OUTCOME_CONFIRM, "yes"))[0].kind == ReplyKind.OUTCOME
    assert live(await rows_of(database)) == [("won", 1, 12_000, "Acme", "chat")]


async def test_other_languages_and_emoji_save_nothing(
    bot: MemoryAdapter, database: Database
) -> None:
    await tracking(bot)
    for text in ("🎉🎉", "ganó Acme 12k"):
        replies = await bot.say(text)
        assert replies[0].kind in (ReplyKind.UNKNOWN, ReplyKind.REASK)
        assert "checkin" in replies[0].text or "won Acme 12k" in replies[0].text
    assert await rows_of(database) == []


async def test_teams_without_outcomes_are_unchanged(bot: MemoryAdapter, database: Database) -> None:
    replies = await bot.say("won Acme 12k")
    assert replies[0].kind == ReplyKind.UNKNOWN
    assert (await bot.command("outcomes"))[0].kind == ReplyKind.INFO
    board = await bot.command("leaderboard", "deals")
    assert "doesn't track deals" in board[0].text
    assert await rows_of(database) == []


async def test_wins_only_team_answers_wins_as_before(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.command("admin", "wins on", is_admin=True)
    await bot.say("checkin")
    await bot.say("12")
    await bot.say("95")
    wins = await bot.say("demo with Acme; proposal")
    assert "wins" in wins[-1].text.lower()
    saved = await bot.say("2 - booked a demo")
    assert saved[0].kind == ReplyKind.SUMMARY
    assert facts(saved)["Wins"] == "2 — booked a demo"
    assert "Outcomes" not in facts(saved)
    assert await rows_of(database) == []


async def test_the_outcomes_question_replaces_wins_and_a_redo_replaces_its_outcomes(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.command("admin", "wins on", is_admin=True)
    await tracking(bot)
    await bot.say("won Beta 3k")  # told earlier: not the check-in's, never replaced by it
    await bot.say("checkin")
    await bot.say("12")
    await bot.say("95")
    question = await bot.say("demo with Acme; proposal")
    assert question[-1].title == "Outcomes" and "wins" not in question[-1].text.lower()
    unsure = await bot.say("won Acme 12000")
    assert unsure[-1].kind == ReplyKind.CONFIRM and await rows_of(database) != []
    saved = await bot.say("yes")
    assert saved[0].kind == ReplyKind.SUMMARY
    assert "1 deal won — Acme, 12,000" in facts(saved)["Outcomes"]
    assert live(await rows_of(database)) == [
        ("won", 1, 3_000, "Beta", "chat"),
        ("won", 1, 12_000, "Acme", "checkin"),
    ]
    # The redo shows the old answer; a new one voids and replaces it, never adding to it.
    await bot.say("checkin")
    await bot.say("same")
    await bot.say("same")
    redo = await bot.say("same")
    assert "was 1 deal won — Acme, 12,000" in redo[-1].text
    await bot.say("booked 2 meetings; won Acme 15k")
    rows = await rows_of(database)
    assert live(rows) == [
        ("won", 1, 3_000, "Beta", "chat"),
        ("meeting", 2, None, None, "checkin"),
        ("won", 1, 15_000, "Acme", "checkin"),
    ]
    voided = [r for r in rows if r.voided_at is not None]
    assert [(r.amount, r.replaced_by_id is not None) for r in voided] == [(12_000, True)]
    # `same` keeps them as they are: nothing voided, nothing added.
    await bot.say("checkin")
    for _ in range(4):
        await bot.say("same")
    assert len(await rows_of(database)) == len(rows)


async def test_outcomes_list_fix_and_remove(bot: MemoryAdapter, database: Database) -> None:
    await tracking(bot)
    await bot.say("booked 2 meetings")
    await bot.say("won Acme 12k")
    listed = await bot.command("outcomes")
    assert listed[0].title == "Your outcomes — November 2026"
    assert listed[0].text.splitlines()[:2] == [
        "1. today — 2 meetings booked",
        "2. today — 1 deal won — Acme, 12,000",
    ]
    fixed = await bot.command("outcomes", "fix 2 won Acme 15k")
    assert "1 deal won — Acme, 12,000 → 1 deal won — Acme, 15,000" in fixed[0].text
    removed = await bot.command("outcomes", "remove 1")
    assert "Removed #1: 2 meetings booked" in removed[0].text
    assert (await bot.command("outcomes", "remove 9"))[0].kind == ReplyKind.REASK
    assert (await bot.command("outcomes", "fix 1 won 3 Acme 12k"))[0].kind == ReplyKind.REASK
    rows = await rows_of(database)
    assert live(rows) == [("won", 1, 15_000, "Acme", "chat")]
    assert len(rows) == 3  # the removed and the replaced rows stay, voided, for audit


async def test_an_admin_corrects_a_members_outcomes(bot: MemoryAdapter, database: Database) -> None:
    await tracking(bot)
    await bot.say("won Acme 12k", user="ben")
    fixed = await bot.command("admin", "outcomes @ben fix 1 won Acme 10k", is_admin=True)
    assert "→ 1 deal won — Acme, 10,000" in fixed[0].text
    rows = await rows_of(database, "ben")
    async with database.transaction() as session:
        ana = await find_member(session, "memory", "ana")
        assert ana is not None
    old, new = rows
    assert old.voided_by_id == ana.id and old.replaced_by_id == new.id
    assert (new.source, new.recorded_by_id, new.amount) == ("admin", ana.id, 10_000)


async def test_an_event_that_arrives_twice_records_once(
    bot: MemoryAdapter, database: Database
) -> None:
    await tracking(bot)
    await bot.say("won Acme 12k", event_id="ev-1")
    assert await bot.say("won Acme 12k", event_id="ev-1") == []
    assert len(await rows_of(database)) == 1


async def test_outcome_leaderboards_rank_live_rows_inside_the_teams_view(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    await tracking(bot)
    for user in ("ben", "cy", "dee"):
        await join(bot, user)
    await bot.say("won Acme 12k", user="ana")
    await bot.say("won Beta 8k", user="ben")
    await bot.say("won Gamma 4k", user="ben")
    await bot.say("won Delta 12k", user="cy")
    await bot.say("won Omega 50k", user="dee")
    await bot.command("ranking", "off", user="dee")
    async with database.transaction() as session:
        cy = await find_member(session, "memory", "cy")
        team = await find_team(session, "memory", "team-1")
        assert cy is not None and team is not None
        # Cy joined this team today: yesterday's win is not the team's to count.
        await record_outcome(
            session,
            member_id=cy.id,
            local_date=TODAY - timedelta(days=1),
            kind=OutcomeKind.WON,
            now=clock.now(),
            amount=90_000,
        )
        membership = await find_membership(session, team.id, cy.id)
        assert membership is not None
        membership.history_from = TODAY
    await bot.command("outcomes", "remove 1", user="ben")  # Beta 8k voided
    revenue = await bot.command("leaderboard", "revenue month")
    assert "revenue won, this month" in revenue[0].title
    assert revenue[0].text.splitlines()[:3] == [
        "🥇 Ana (you) — 12,000",
        "🥇 Cy — 12,000",
        "🥉 Ben — 4,000",
    ]
    deals = await bot.command("leaderboard", "deals week")
    assert deals[0].text.splitlines()[:3] == ["🥇 Ana (you) — 1", "🥇 Ben — 1", "🥇 Cy — 1"]
    meetings = await bot.command("leaderboard", "meetings")
    assert "Nothing logged" in meetings[0].text


async def test_forget_me_deletes_outcomes_and_export_lists_them(
    bot: MemoryAdapter, database: Database
) -> None:
    await tracking(bot)
    await bot.say("won Acme 12k")
    await bot.command("outcomes", "fix 1 won Acme 15k")
    exported = await bot.command("export")
    outcomes_file = next(r for r in exported if r.filename and "outcomes" in r.filename)
    assert outcomes_file.file is not None
    text = outcomes_file.file.decode()
    assert "Acme" in text and "15000" in text and "voided" in text
    await bot.command("forget-me")
    await bot.say("yes")
    async with database.transaction() as session:
        left = await session.scalar(select(func.count()).select_from(Outcome))
    assert left == 0


async def test_an_outcome_typed_at_a_number_question_is_never_read_as_a_count(
    bot: MemoryAdapter, database: Database
) -> None:
    await tracking(bot, "meetings deals")
    await bot.say("checkin", user="omar")
    early = await bot.say("booked 3 meetings with Initech", user="omar")
    assert "Noted for today's outcomes: 3 meetings booked" in early[0].text
    assert early[-1].title == "Conversations"  # the number question again, not a guess
    await bot.say("7", user="omar")
    await bot.say("lost Vandelay", user="omar")
    unsure = await bot.say("won Umbrella 4000", user="omar")  # count or value? asked first
    assert unsure[-1].kind == ReplyKind.CONFIRM
    await bot.say("yes", user="omar")
    await bot.say("55", user="omar")
    saved = await bot.say("discovery call with Initech; follow-ups", user="omar")
    assert saved[0].kind == ReplyKind.SUMMARY  # outcomes already answered: not asked again
    shown = facts(saved)
    assert shown["Conversations"].startswith("7") and shown["Minutes with buyers"].startswith("55")
    assert live(await rows_of(database, "omar")) == [
        ("meeting", 3, None, "Initech", "checkin"),
        ("lost", 1, None, "Vandelay", "checkin"),
        ("won", 1, 4_000, "Umbrella", "checkin"),
    ]


async def test_without_outcomes_tracked_an_outcome_at_a_number_question_is_kept_not_counted(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin", user="pia")
    await bot.say("9", user="pia")
    refused = await bot.say("signed Hooli 30k", user="pia")
    assert refused[0].kind == ReplyKind.REASK
    assert "not a count" in refused[0].text and refused[0].title == "Minutes with buyers"
    await bot.say("40", user="pia")
    saved = await bot.say("demo with Hooli", user="pia")
    assert facts(saved)["Minutes with buyers"].startswith("40")
    checkin = await stored(database, "pia", TODAY)
    assert checkin is not None and checkin.minutes == 40
    assert checkin.note is not None and "Hooli 30k" in checkin.note
    assert await rows_of(database, "pia") == []
