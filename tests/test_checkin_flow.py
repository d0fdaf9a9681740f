"""The daily check-in conversation, driven through the engine and a real database.

The rules it checks are in docs/behaviour.md#questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.commands import build_router
from bot.config import Settings
from bot.engine import Engine
from bot.messages import Incoming, IncomingKind, Person, ReplyKind
from bot.storage.checkins import checkin_versions
from bot.storage.db import Database
from bot.storage.models import Checkin, ConversationState, Member
from bot.storage.people import find_member
from tests.support import TODAY, facts, kinds, stored


async def test_one_question_at_a_time_then_confirmation(
    bot: MemoryAdapter, database: Database
) -> None:
    replies = await bot.say("checkin")
    assert kinds(replies) == [ReplyKind.QUESTION]
    assert "sales conversations" in replies[0].text

    replies = await bot.say("12")
    assert kinds(replies) == [ReplyKind.QUESTION] and "minutes" in replies[0].text

    replies = await bot.say("1h30")
    assert kinds(replies) == [ReplyKind.QUESTION] and "top activities" in replies[0].text.lower()

    replies = await bot.say("demo with Acme; proposal for Beta; inbox")
    assert replies[0].kind == ReplyKind.SUMMARY
    shown = facts(replies[:1])
    assert shown["Conversations"].startswith("12 / 5")
    assert shown["Minutes with buyers"].startswith("90 / 60")
    assert shown["High-value activities"] == "2 of 3 (67%)"
    assert shown["Streak"] == "1 workday"
    assert any(c.action == "checkin.edit" for c in replies[0].choices)

    checkin = await stored(database)
    assert checkin is not None
    assert (checkin.status, checkin.conversations, checkin.minutes) == ("complete", 12, 90)
    assert [(a.text, a.classification) for a in checkin.activities] == [
        ("demo with Acme", "high"),
        ("proposal for Beta", "high"),
        ("inbox", "low"),
    ]


async def test_check_in_in_two_words_works_typed_and_as_a_command(bot: MemoryAdapter) -> None:
    for replies in (await bot.say("check in"), await bot.command("check", "in", user="ben")):
        assert kinds(replies) == [ReplyKind.QUESTION]
        assert "sales conversations" in replies[0].text


async def test_all_in_one_message_asks_only_for_what_is_missing(
    bot: MemoryAdapter, database: Database
) -> None:
    replies = await bot.say("12 calls, 95 min; demo with Acme; proposal for Beta")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (12, 95)

    replies = await bot.say("7 calls and 40 minutes", user="ben")
    assert kinds(replies) == [ReplyKind.QUESTION]
    assert "top activities" in replies[0].text.lower()
    replies = await bot.say("cold calling", user="ben")
    assert replies[0].kind == ReplyKind.SUMMARY


async def test_bad_answers_are_reasked_then_saved_after_three_tries(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    await bot.say("8")
    first = await bot.say("a lot")
    assert first[0].kind == ReplyKind.REASK
    assert "e.g." not in first[0].text and "`" in first[0].text  # carries an example
    second = await bot.say("-20")
    assert second[0].kind == ReplyKind.REASK and "negative" in second[0].text.lower()
    third = await bot.say("🤷")
    assert third[0].kind == ReplyKind.SAVED_PARTIAL
    assert "checkin" in third[0].text

    checkin = await stored(database)
    assert checkin is not None
    assert checkin.status == "partial" and checkin.conversations == 8 and checkin.minutes is None
    assert checkin.note is not None and "a lot" in checkin.note and "🤷" in checkin.note

    # Finishing later resumes at the missing question.
    replies = await bot.say("checkin")
    assert kinds(replies) == [ReplyKind.QUESTION] and "minutes" in replies[0].text
    await bot.say("45")
    replies = await bot.say("calls")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.status, checkin.minutes) == ("complete", 45)


async def test_out_of_range_and_odd_input_never_crash(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    for text in ("501", "9" * 5000):
        replies = await bot.say(text)
        assert kinds(replies) == [ReplyKind.REASK]
        assert "more than 500 conversations" in replies[0].text
        assert "How many sales conversations" in replies[0].text  # the question again
    # The third failed try ends the check-in: what there is is saved, the state is gone.
    replies = await bot.say("'; DROP TABLE checkins; --")
    assert kinds(replies) == [ReplyKind.SAVED_PARTIAL]
    checkin = await stored(database)
    assert checkin is not None and checkin.status == "partial"
    assert (checkin.conversations, checkin.minutes) == (None, None)
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationState)) == 0
    # NUL bytes outside a conversation are an empty message, not a crash.
    replies = await bot.say("\x00\x00")
    assert kinds(replies) == [ReplyKind.TEXT] and "empty message" in replies[0].text


async def test_day_off_words_mark_the_day(bot: MemoryAdapter, database: Database) -> None:
    await bot.say("checkin")
    replies = await bot.say("vacation")
    assert replies[0].kind == ReplyKind.DAY_OFF
    checkin = await stored(database)
    assert checkin is not None and checkin.status == "day_off"
    # A plain "off" outside a conversation works too.
    replies = await bot.say("off", user="ben")
    assert replies[0].kind == ReplyKind.DAY_OFF


async def test_correction_replaces_the_day_and_keeps_the_old_version(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("12 calls, 95 min; demo with Acme")
    replies = await bot.press("checkin.edit", TODAY.isoformat())
    assert replies[0].kind == ReplyKind.INFO and "redo" in replies[0].text
    assert replies[1].kind == ReplyKind.QUESTION and "was 12" in replies[1].text
    await bot.say("14")
    await bot.say("same")
    replies = await bot.say("demo with Acme; negotiation with Orion")
    assert replies[0].kind == ReplyKind.SUMMARY

    checkin = await stored(database)
    assert checkin is not None
    assert (checkin.conversations, checkin.minutes, checkin.version) == (14, 95, 2)
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None
        versions = await checkin_versions(session, member.id, TODAY)
    assert len(versions) == 1
    assert (versions[0].conversations, versions[0].minutes, versions[0].version) == (12, 95, 1)
    assert versions[0].activities == ["demo with Acme"]


async def test_yesterday_can_be_filled_in_until_noon(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday morning
    replies = await bot.say("checkin yesterday")
    assert "did you have yesterday" in replies[-1].text
    await bot.say("6")
    await bot.say("60")
    replies = await bot.say("calls")
    assert replies[0].kind == ReplyKind.SUMMARY and "yesterday" in replies[0].title
    assert await stored(database, day=TODAY) is not None

    clock.set(datetime(2026, 11, 26, 12, 30, tzinfo=UTC))
    replies = await bot.say("checkin yesterday")
    assert replies[0].kind == ReplyKind.REFUSAL and "noon" in replies[0].text


async def test_a_prompt_answered_after_midnight_counts_for_its_day(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await bot.say("checkin")  # Wed 18:00
    await bot.say("5")
    clock.set(datetime(2026, 11, 26, 0, 30, tzinfo=UTC))  # after midnight
    await bot.say("60")
    replies = await bot.say("calls")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database, day=TODAY)
    assert checkin is not None and checkin.status == "complete"


async def test_an_unfinished_conversation_expires_at_noon_next_day(
    bot: MemoryAdapter, clock: FakeClock, database: Database
) -> None:
    await bot.say("checkin")
    await bot.say("5")
    clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    replies = await bot.say("60")
    # Yesterday's conversation is over; "60" alone is not taken as a check-in for today.
    assert replies[0].kind == ReplyKind.UNKNOWN
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationState)) == 0


async def test_conversation_survives_a_restart(
    database: Database, settings: Settings, clock: FakeClock
) -> None:
    first = MemoryAdapter(Engine(database, settings, clock, router=build_router()))
    await first.say("checkin")
    await first.say("9")
    # A new engine (a restarted process) over the same database continues at the same question.
    second = MemoryAdapter(Engine(database, settings, clock, router=build_router()))
    replies = await second.say("75")
    assert kinds(replies) == [ReplyKind.QUESTION] and "top activities" in replies[0].text.lower()
    replies = await second.say("prospect calls")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (9, 75)


async def test_an_event_that_arrives_twice_is_handled_once(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin", event_id="Ev1")
    first = await bot.say("12", event_id="Ev2")
    again = await bot.say("12", event_id="Ev2")
    assert kinds(first) == [ReplyKind.QUESTION] and again == []
    await bot.say("90", event_id="Ev3")
    await bot.say("calls", event_id="Ev4")
    await bot.say("calls", event_id="Ev4")
    async with database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Checkin))
    assert count == 1


async def test_form_submission_validates_every_field(
    bot: MemoryAdapter, database: Database
) -> None:
    replies = await bot.press("checkin.start", can_open_forms=True)
    assert replies[0].form is not None
    form_id = replies[0].form.id
    assert form_id.startswith("checkin.form")
    replies = await bot.submit(form_id, {"conversations": "lots", "minutes": "", "activities": ""})
    assert replies[0].form is not None
    assert set(replies[0].form.errors) == {"conversations", "minutes", "activities"}
    assert await stored(database) is None
    replies = await bot.submit(
        form_id, {"conversations": "7", "minutes": "1.5 hours", "activities": "- demo\n- admin"}
    )
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (7, 90)
    assert checkin.source == "form"


async def test_day_off_button_and_quick_log(bot: MemoryAdapter, database: Database) -> None:
    replies = await bot.press("checkin.day_off", TODAY.isoformat())
    assert replies[0].kind == ReplyKind.DAY_OFF
    replies = await bot.say("log 3 calls 40m")
    assert replies[0].kind == ReplyKind.LOGGED and "3 / 5" in replies[0].text
    await bot.say("log 2 calls 20m")
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (5, 60)


async def test_commands_mid_checkin_repeat_the_open_question(bot: MemoryAdapter) -> None:
    await bot.say("checkin")
    replies = await bot.say("help")
    assert replies[0].kind == ReplyKind.HELP
    assert replies[-1].kind == ReplyKind.QUESTION and "sales conversations" in replies[-1].text


async def test_greeting_starts_todays_checkin_once(bot: MemoryAdapter) -> None:
    replies = await bot.command("start")
    assert replies[0].kind == ReplyKind.INFO and "Needle" in replies[0].text
    assert replies[1].kind == ReplyKind.QUESTION
    await bot.say("3 calls, 20 min; inbox")
    replies = await bot.command("start")
    assert replies[0].kind == ReplyKind.GREETING


async def test_members_are_created_once_per_platform_identity(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("hello", name="Ana Lima")
    await bot.say("hello", name="Ana Lima")
    async with database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Member))
    assert count == 1


async def test_schedule_timezone_pause_and_resume(bot: MemoryAdapter, database: Database) -> None:
    replies = await bot.say("timezone Europe/Berlin")
    assert "Europe/Berlin" in replies[0].text
    replies = await bot.say("timezone Mars/Olympus")
    assert replies[0].kind == ReplyKind.REASK
    replies = await bot.say("schedule 16:30 mon-thu")
    assert "16:30" in replies[0].text and "Mon–Thu" in replies[0].text
    replies = await bot.say("schedule 25:99")
    assert replies[0].kind == ReplyKind.REASK
    replies = await bot.say("pause 5d")
    assert "Paused through" in replies[0].text
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None
        assert member.paused_until == TODAY + timedelta(days=4)
        assert member.timezone == "Europe/Berlin" and member.workdays == "0123"
    replies = await bot.say("resume")
    assert "Welcome back" in replies[0].text
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None
        # The pause ends yesterday, so days it covered stay protected in streaks.
        assert member.paused_until == TODAY - timedelta(days=1)
    replies = await bot.say("resume")
    assert "not paused" in replies[0].text


async def test_unknown_and_empty_messages_get_a_friendly_reply(bot: MemoryAdapter) -> None:
    assert (await bot.say(""))[0].text.startswith("I got an empty message")
    replies = await bot.say("what's the weather like?")
    assert replies[0].kind == ReplyKind.UNKNOWN and "help" in replies[0].text
    replies = await bot.command("frobnicate")
    assert replies[0].kind == ReplyKind.UNKNOWN


async def test_platform_time_zone_applies_until_the_member_chooses_one(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("hello", timezone="America/Chicago")
    await bot.push(
        Incoming(
            address=bot.address("ana"),
            kind=IncomingKind.ACTION,
            action="member.profile",
            person=Person(display_name="Ana", timezone="Europe/Lisbon"),
        )
    )
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None and member.timezone == "Europe/Lisbon"
    await bot.say("timezone Asia/Tokyo")
    await bot.say("hello", timezone="Europe/Lisbon")  # the profile no longer overrides
    async with database.transaction() as session:
        member = await find_member(session, "memory", "ana")
        assert member is not None and member.timezone == "Asia/Tokyo"


async def test_cancel_keeps_the_answers_so_far_as_a_partial_check_in(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    await bot.say("7")
    replies = await bot.say("cancel")
    assert replies and all(r.kind != ReplyKind.QUESTION for r in replies)
    checkin = await stored(database)
    assert checkin is not None
    assert (checkin.status, checkin.conversations, checkin.minutes) == ("partial", 7, None)
    await bot.say("45")  # no question is open any more: not taken as minutes
    checkin = await stored(database)
    assert checkin is not None and checkin.minutes is None


async def test_while_asking_for_activities_only_help_and_cancel_are_commands(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    await bot.say("6")
    await bot.say("70")
    helped = await bot.say("help")  # answered, and the question comes again
    assert any("activities" in r.text.lower() for r in helped)
    await bot.say("admin; stats review")  # an activity, not the admin or stats command
    checkin = await stored(database)
    assert checkin is not None and checkin.status == "complete"
    assert [a.text for a in checkin.activities] == ["admin", "stats review"]


async def test_the_wins_question_is_asked_where_the_team_tracks_wins(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.command("admin", "wins on", is_admin=True)
    for answer in ("checkin", "6", "70", "demo with Acme"):
        replies = await bot.say(answer)
    assert "wins" in replies[0].text.lower()
    await bot.say("2 - booked a demo with Acme")
    checkin = await stored(database)
    assert checkin is not None and checkin.status == "complete"
    assert (checkin.wins, checkin.wins_note) == (2, "booked a demo with Acme")


async def pending_reading(database: Database, user: str = "ana") -> dict[str, object] | None:
    async with database.transaction() as session:
        member = await find_member(session, "memory", user)
        assert member is not None
        state = await session.get(ConversationState, member.id)
        return None if state is None else state.data.get("pending")


async def test_a_likely_reading_is_asked_about_and_counts_only_once_confirmed(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    replies = await bot.say("2l")
    assert kinds(replies) == ["confirm"]
    assert "Did you mean 21 conversations?" in replies[0].text
    assert {c.value for c in replies[0].choices} == {"yes", "no"}
    assert await stored(database) is None and await pending_reading(database) is not None

    replies = await bot.say("nope")  # no: the question again, nothing recorded
    assert kinds(replies) == ["info", "question"] and "sales conversations" in replies[1].text
    assert await pending_reading(database) is None

    replies = await bot.say("4O")
    assert "Did you mean 40 conversations?" in replies[0].text
    replies = await bot.press("checkin.confirm", "yes")  # the button works like a typed yes
    assert kinds(replies) == ["question"] and "minutes" in replies[0].text

    replies = await bot.say("8o mins")
    assert "Did you mean 80 minutes?" in replies[0].text
    replies = await bot.say("75")  # a fresh answer instead of yes/no is taken as the answer
    assert kinds(replies) == ["question"] and "top activities" in replies[0].text.lower()
    await bot.say("pipeline review")
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (40, 75)


async def test_digits_touching_symbols_are_never_read_and_negatives_are_refused(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    replies = await bot.say("-4")
    assert replies[0].kind == "reask" and "negative" in replies[0].text.lower()
    replies = await bot.say("7e3")
    assert replies[0].kind == "reask" and "7e3" in replies[0].text
    replies = await bot.say("#9")
    assert replies[0].kind == "saved_partial"  # the third unusable answer: saved as partial
    checkin = await stored(database)
    assert checkin is not None and checkin.conversations is None
    assert checkin.note is not None and "7e3" in checkin.note


async def test_zero_conversations_with_minutes_is_questioned_once(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    await bot.say("zero")
    replies = await bot.say("2h")
    assert kinds(replies) == ["confirm"]
    assert "0 conversations but 120 minutes with buyers" in replies[0].text
    replies = await bot.say("yes")
    assert "top activities" in replies[0].text.lower()
    replies = await bot.say("training new hires")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (0, 120)

    await bot.say("checkin", user="ben")
    await bot.say("0", user="ben")
    await bot.say("45", user="ben")
    replies = await bot.say("no", user="ben")  # not right: the numbers are asked again
    assert "sales conversations" in replies[-1].text


async def test_a_number_answer_carrying_more_places_every_part(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    replies = await bot.say("9, 75 minutes, proposal for Globex")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (9, 75)
    assert [a.text for a in checkin.activities] == ["proposal for Globex"]

    await bot.say("checkin", user="ben")
    replies = await bot.say("I spoke for 2 hours with 4 clients", user="ben")
    assert kinds(replies) == ["info", "question"]
    assert "with 4 clients" in replies[0].text and "sales conversations" in replies[1].text
    await bot.say("4", user="ben")
    await bot.say("renewal call with Hooli", user="ben")
    checkin = await stored(database, user="ben")
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (4, 120)
    assert checkin.note is not None and "with 4 clients" in checkin.note


async def test_numbers_inside_activities_stay_activities(
    bot: MemoryAdapter, database: Database
) -> None:
    replies = await bot.say("8 calls | 70 min | Q3 forecast | €5k upsell for Stark")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.conversations, checkin.minutes) == (8, 70)
    assert [a.text for a in checkin.activities] == ["Q3 forecast", "€5k upsell for Stark"]


async def test_a_list_typed_one_line_per_message_keeps_every_item(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.say("checkin")
    await bot.say("7")
    await bot.say("50")
    replies = await bot.say("* prospect research")
    assert kinds(replies) == ["question"] and "add more" in replies[0].text
    replies = await bot.say("* call with Umbrella")
    assert "2 of 3" in replies[0].text
    replies = await bot.say("done")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None
    assert [a.text for a in checkin.activities] == ["prospect research", "call with Umbrella"]

    await bot.say("checkin", user="ben")
    await bot.say("3", user="ben")
    await bot.say("30", user="ben")
    await bot.say("1. inbox", user="ben")
    await bot.say("2. demo for Soylent", user="ben")
    replies = await bot.say("3. quote for Tyrell", user="ben")  # the third closes the list
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database, user="ben")
    assert checkin is not None and len(checkin.activities) == 3


async def test_a_plain_wins_sentence_is_one_win_and_a_dash_is_none(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.command("admin", "wins on", is_admin=True)
    for user, answer, expected in (
        ("ana", "Globex renewed their license!", (1, "Globex renewed their license!")),
        ("ben", "–", (0, None)),
    ):
        await bot.say("checkin", user=user)
        await bot.say("6", user=user)
        await bot.say("65", user=user)
        await bot.say("negotiation", user=user)
        replies = await bot.say(answer, user=user)
        assert replies[0].kind == ReplyKind.SUMMARY, replies[0].text
        checkin = await stored(database, user=user)
        assert checkin is not None and (checkin.wins, checkin.wins_note) == expected


async def test_a_number_later_in_a_wins_sentence_is_asked_about(
    bot: MemoryAdapter, database: Database
) -> None:
    await bot.command("admin", "wins on", is_admin=True)
    for answer in ("checkin", "6", "65", "negotiation"):
        await bot.say(answer)
    replies = await bot.say("Initech renewed for three years")
    assert kinds(replies) == ["confirm"] and "Did you mean 3 wins?" in replies[0].text
    replies = await bot.say("no")
    assert "wins" in replies[-1].text.lower()
    replies = await bot.say("one - Initech renewal")
    assert replies[0].kind == ReplyKind.SUMMARY
    checkin = await stored(database)
    assert checkin is not None and (checkin.wins, checkin.wins_note) == (1, "Initech renewal")
