"""How Needle sounds, through the engine: days named in questions, counts that agree with their
nouns, one introduction per member, small talk, the open question repeated only when it may be
lost, praise specific to the day, and true statements about the member's week.

The rules are in docs/coaching.md#how-needle-talks."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

from adapters.memory import MemoryAdapter
from bot.checkin.questions import question_for
from bot.clock import FakeClock
from bot.messages import Reply, ReplyKind
from bot.storage.db import Database
from bot.storage.models import Team
from tests.stats_helpers import join, seed

ONE_PLURAL = re.compile(r"\b1 \w+s\b")


def texts(replies: list[Reply]) -> list[str]:
    """Every piece of text a member reads in replies: titles, texts and facts."""
    out = []
    for reply in replies:
        out += [reply.title, reply.text]
        out += [f"{fact.label}: {fact.value}" for fact in reply.facts]
    return [text for text in out if text]


def summary_of(replies: list[Reply]) -> Reply:
    return next(r for r in replies if r.kind == ReplyKind.SUMMARY)


async def test_questions_about_yesterday_name_the_day_in_their_words(
    bot: MemoryAdapter, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 1, 8, 30, tzinfo=UTC))  # Tuesday morning: Monday is open
    replies = await bot.say("checkin yesterday")
    first = replies[-1].text
    assert "How many sales conversations did you have yesterday" in first
    assert "(Yesterday)" not in first and "today" not in first
    replies = await bot.say("7")
    assert "talking with buyers yesterday?" in replies[-1].text
    replies = await bot.say("a while")  # unusable: the re-ask names the day too
    assert replies[0].kind == ReplyKind.REASK
    assert "talking with buyers yesterday?" in replies[0].text
    replies = await bot.say("50")
    assert "top activities yesterday?" in replies[-1].text


def test_an_older_day_is_named_by_its_weekday_or_date() -> None:
    team = Team(questions={"minutes": "Time with buyers, roughly"})
    thursday = date(2026, 12, 3)
    monday = date(2026, 11, 30)
    assert "did you have on Monday —" in question_for(team, "conversations", monday, thursday)
    assert question_for(team, "minutes", monday, thursday) == (
        "Time with buyers, roughly (on Monday)"
    )
    long_ago = question_for(team, "activities", date(2026, 11, 2), thursday)
    assert "top activities on 2 Nov?" in long_ago
    assert question_for(team, "wins", thursday, thursday).startswith("Any wins today")


async def test_a_scripted_session_never_says_one_with_a_plural(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    said: list[str] = []
    said += texts(await bot.command("admin", "minimums 1 1", is_admin=True))
    said += texts(await bot.command("admin", "escalate 1", is_admin=True))
    said += texts(await bot.command("admin", "wins on", is_admin=True))
    said += texts(await bot.command("admin", is_admin=True))
    await join(bot, "ben")
    await seed(database, "ben", {date(2026, 11, 23): (1, 1)})
    await seed(database, "ana", {date(2026, 11, 23): (1, 1), date(2026, 11, 24): (2, 2)})
    for line in ("log 1 call 1m", "checkin", "1", "1", "cold call", "1 - booked a demo"):
        said += texts(await bot.say(line))
    for line in ("stats today", "stats week", "leaderboard goal week", "leaderboard streak"):
        said += texts(await bot.say(line))
    said += texts(await bot.command("goal", "calls 1"))
    said += texts(await bot.command("goal"))
    said += texts(await bot.command("home"))
    said += texts(await bot.command("export"))
    said += texts(await bot.command("export", "team", is_admin=True))
    clock.advance(timedelta(days=1))
    said += texts(await bot.say("2 calls, 1 min; inbox"))
    clock.advance(timedelta(days=1))
    said += texts(await bot.say("1 call, 1 min; inbox"))
    said += texts(await bot.say("off"))  # asks before replacing what the day holds
    offenders = [text for text in said if ONE_PLURAL.search(text)]
    assert not offenders, offenders
    assert any("1 conversation" in text for text in said)
    assert any("1 minute" in text for text in said)


async def test_needle_introduces_itself_once_per_member(
    bot: MemoryAdapter, clock: FakeClock
) -> None:
    replies = await bot.say("hey", user="cy")
    assert "I'm Needle" in replies[0].text and "Three quick questions" in replies[0].text
    await bot.say("cancel", user="cy")
    replies = await bot.say("hello", user="cy")
    assert "I'm Needle" not in replies[0].text and replies[0].text.startswith("Hi Cy!")
    assert replies[-1].kind == ReplyKind.QUESTION
    clock.advance(timedelta(days=5))  # another day, another session
    replies = await bot.command("start", user="cy")
    assert all("I'm Needle" not in text for text in texts(replies))
    replies = await bot.command("start", user="dee")  # someone new still meets Needle
    assert "I'm Needle" in replies[0].text


async def test_the_introduction_counts_the_questions_the_team_asks(bot: MemoryAdapter) -> None:
    await bot.command("admin", "wins on", user="eve", is_admin=True)
    replies = await bot.say("good morning", user="eve")
    assert "Four quick questions" in replies[0].text
    await bot.say("4", user="eve")  # a partial day: finishing it asks fewer questions
    await bot.say("cancel", user="eve")
    replies = await bot.say("hi", user="eve")
    assert "quick questions" not in replies[0].text and "finish" in replies[0].text


async def test_thanks_and_what_can_you_do_get_friendly_answers(bot: MemoryAdapter) -> None:
    for thanks in ("Thank you so much!", "cheers 🙏", "Thanks, Needle."):
        replies = await bot.say(thanks)
        assert replies[0].kind == ReplyKind.INFO and replies[0].text.startswith("Anytime")
    for about in ("What do you do?", "who are you", "Needle, how does this work?"):
        replies = await bot.say(about)
        assert replies[0].kind == ReplyKind.INFO and "`help`" in replies[0].text
    replies = await bot.say("thanks — 6 calls, 70 min; demo with Acme")  # a check-in first
    assert replies[0].kind == ReplyKind.SUMMARY
    replies = await bot.say("thanks for the reminder about the weather")
    assert replies[0].kind == ReplyKind.UNKNOWN


async def test_the_open_question_is_repeated_only_when_it_may_be_lost(
    bot: MemoryAdapter, clock: FakeClock
) -> None:
    await bot.say("checkin")
    await bot.say("4")
    for short in ("timezone", "schedule", "goal"):
        replies = await bot.say(short)
        assert [r.kind for r in replies] == [ReplyKind.SETTINGS], short
    replies = await bot.say("stats month")  # a chart and a screenful: the question again
    assert replies[-1].kind == ReplyKind.QUESTION and "minutes" in replies[-1].text
    clock.advance(timedelta(minutes=25))  # a while later, even a short answer repeats it
    replies = await bot.say("timezone")
    assert replies[-1].kind == ReplyKind.QUESTION and "minutes" in replies[-1].text
    replies = await bot.say("45")
    assert replies[-1].kind == ReplyKind.QUESTION and "top activities" in replies[-1].text


async def test_praise_on_target_is_specific_and_never_repeats_on_consecutive_workdays(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    # Two weeks of days at minimum from Monday 30 Nov; the same numbers each day after a
    # first, bigger one, so no record is set and the general lines rotate.
    day = date(2026, 11, 30)
    headlines: dict[date, str] = {}
    answers = ["9 calls, 80 min; inbox; crm"] + ["6 calls, 70 min; inbox; crm"] * 9
    for answer in answers:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        clock.set(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=18))
        headlines[day] = summary_of(await bot.say(answer)).text.splitlines()[0]
        day += timedelta(days=1)
    lines = list(headlines.values())
    assert all("minimums met" in line for line in lines)
    assert all(a != b for a, b in itertools.pairwise(lines)), lines
    assert "best streak" in headlines[date(2026, 12, 2)]  # three in a row, the best so far
    # The same member and date always read the same.
    clock.set(datetime(2026, 12, 11, 19, 0, tzinfo=UTC))
    again = summary_of(await bot.say("6 calls, 70 min; inbox; crm")).text.splitlines()[0]
    assert again == headlines[date(2026, 12, 11)]


async def test_praise_names_a_record_a_comeback_and_buyer_work(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    await join(bot, "fay")
    await seed(database, "fay", {date(2026, 11, 16): (8, 95), date(2026, 11, 17): (3, 20)})
    clock.set(datetime(2026, 11, 18, 18, 0, tzinfo=UTC))  # Wednesday after a short Tuesday
    replies = await bot.say("6 calls, 70 min; inbox; crm", user="fay")
    assert "after a day below it" in summary_of(replies).text or "short day" in (
        summary_of(replies).text
    )
    assert "missed" not in summary_of(replies).text
    clock.set(datetime(2026, 11, 19, 18, 0, tzinfo=UTC))
    replies = await bot.say("11 calls, 70 min; inbox", user="fay")
    assert "11 conversations" in summary_of(replies).text.split("—")[1]
    assert "personal" in summary_of(replies).text
    clock.set(datetime(2026, 11, 20, 18, 0, tzinfo=UTC))
    replies = await bot.say("6 calls, 120 min; inbox", user="fay")
    assert "120 minutes" in summary_of(replies).text.split("—")[1]
    replies = await bot.say("6 calls, 70 min; demo with Acme; proposal for Beta", user="hal")
    assert "buyer work" in summary_of(replies).text  # a first day: no record, no streak yet


async def test_a_comeback_says_whether_the_day_before_was_missed_or_short(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    await join(bot, "ines")
    # Thursday 3 December at minimum, Friday with no check-in at all; Monday back at minimum.
    await seed(database, "ines", {date(2026, 12, 3): (7, 75)})
    clock.set(datetime(2026, 12, 7, 18, 0, tzinfo=UTC))
    after_missed = summary_of(await bot.say("7 calls, 75 min; inbox; crm", user="ines")).text
    assert "missed day" in after_missed or "no check-in" in after_missed
    # Tuesday below, Wednesday back at minimum: a short day, not a missed one.
    clock.set(datetime(2026, 12, 8, 18, 0, tzinfo=UTC))
    await bot.say("1 call, 5 min; inbox", user="ines")
    clock.set(datetime(2026, 12, 9, 18, 0, tzinfo=UTC))
    after_short = summary_of(await bot.say("7 calls, 75 min; inbox; crm", user="ines")).text
    assert "day below it" in after_short or "short day" in after_short
    assert "missed" not in after_short and "no check-in" not in after_short


async def test_a_week_is_called_new_only_on_its_first_day(
    bot: MemoryAdapter, database: Database, clock: FakeClock
) -> None:
    await join(bot, "gus")
    await bot.say("schedule 17:00 sun-thu", user="gus")
    clock.set(datetime(2026, 11, 29, 18, 0, tzinfo=UTC))  # Sunday: the first day of his week
    replies = await bot.say("2 calls, 20 min; demo with Acme", user="gus")
    coaching = next(r.text for r in replies if r.kind == ReplyKind.COACHING)
    assert "first day of your week" in coaching
    clock.set(datetime(2026, 12, 2, 18, 0, tzinfo=UTC))  # Wednesday, after a missed Mon/Tue
    replies = await bot.say("2 calls, 20 min; demo with Acme", user="gus")
    coaching = next(r.text for r in replies if r.kind == ReplyKind.COACHING)
    assert "first day" not in coaching and "first check-in" not in coaching


async def test_internal_meetings_are_low_value_and_buyer_meetings_high(
    bot: MemoryAdapter,
) -> None:
    replies = await bot.say("6 calls, 70 min; staff meeting; sync meeting; discovery meeting")
    facts = {f.label: f.value for f in summary_of(replies).facts}
    assert facts["High-value activities"] == "1 of 3 (33%)"
    assert "★" not in summary_of(replies).text.split("staff meeting")[1].split(";")[0]
