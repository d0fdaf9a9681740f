"""`returns`: which activities are followed by outcomes, against hand-counted days
(tests/returns_history.py), with the rights of `stats @member`, the recap's lines and the
durations read from activities."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.memory import MemoryAdapter
from bot.outcomes.returns import (
    activity_key,
    activity_minutes,
    analyse,
    returns_of,
    tally,
    tally_sum,
)
from bot.stats.recap import weekly_recap
from bot.storage.db import Database
from bot.storage.people import find_team
from bot.storage.returns import ReturnDay
from tests.conftest import START
from tests.returns_history import ana_and_ben, track_outcomes
from tests.stats_helpers import join, seed

WED = date(2026, 11, 25)
WORD = "a meeting or a won deal"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("admin 2h", 120),
        ("1.5 hours of CRM updates", 90),
        ("CRM updates 45 min", 45),
        ("bookkeeping 1h30", 90),
        ("admin 1:15", 75),
        ("inbox half an hour", 30),
        ("admin", None),
        ("3 calls with Acme", None),
        ("admin -2h", None),
        ("admin 30 hours", None),
        ("Q4 planning", None),
        ("📧📧📧", None),
        ("", None),
    ],
)
def test_the_time_an_activity_names(text: str, minutes: int | None) -> None:
    assert activity_minutes(text) == minutes


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Admin 2h", "admin"),
        ("admin, 45 min", "admin"),
        ("Demo calls (3)!", "demo calls"),
        ("emails 2 hours and 15", "emails"),
        ("Réunion client", "réunion client"),
        ("🙂", ""),
    ],
)
def test_an_activity_is_counted_by_its_wording_without_times_numbers_or_punctuation(
    text: str, key: str
) -> None:
    assert activity_key(text) == key


def test_the_same_activity_twice_in_a_day_counts_one_day() -> None:
    day = ReturnDay(1, WED, True, (("Demo calls", "high"), ("demo calls 1h", "high")))
    result = analyse([day, ReturnDay(1, date(2026, 11, 24), False, (("demo calls", "high"),))])
    assert [(f.name, f.present.followed, f.present.days) for f in result.activities] == [
        ("demo calls", 1, 2)
    ]
    assert (result.baseline.followed, result.baseline.days) == (1, 2)


def test_members_tallies_add_up_to_the_teams_analysis() -> None:
    ana = [
        ReturnDay(1, WED, True, (("Demo calls", "high"), ("demo calls 1h", "high"))),
        ReturnDay(1, date(2026, 11, 24), False, (("admin 2h", "low"), ("demo calls", "high"))),
    ]
    ben = [
        ReturnDay(2, WED, False, (("Admin, 45 min", "low"), ("inbox", "low"))),
        ReturnDay(2, date(2026, 11, 23), True, (("demo calls", "high"), ("standup", "neutral"))),
        ReturnDay(2, date(2026, 11, 20), True, ()),
    ]
    parts = [tally(ana), tally(ben)]
    assert returns_of(tally_sum(parts)) == analyse([*ana, *ben])
    assert [tally(ana), tally(ben)] == parts  # adding them up changed neither
    demo = analyse([*ana, *ben]).activities[0]
    assert (demo.name, demo.present.followed, demo.present.days) == ("demo calls", 2, 3)


@pytest.mark.both_databases
async def test_a_reps_returns_against_a_hand_counted_history(
    bot: MemoryAdapter, database: Database
) -> None:
    await ana_and_ben(bot, database)
    reply = (await bot.command("returns", user="ana"))[0]
    assert reply.title == "What generates your returns — last 90 days (Fri 28 Aug – Wed 25 Nov)"
    lines = reply.text.splitlines()
    assert lines[0] == (
        f"Baseline: 7 of 15 check-in days were followed by {WORD} within 3 days (47%)."
    )
    assert (
        f"• After “demo calls”: 4 of 7 days were followed by {WORD} within 3 days, "
        "against 3 of 8 on your other days."
    ) in lines
    assert (
        f"• After “admin”: 2 of 5 days were followed by {WORD} within 3 days, "
        "against 5 of 10 on your other days."
    ) in lines
    assert lines.index("More often than the baseline:") < lines.index("Less often:")
    assert (
        "Too few days to tell yet: “prospecting” (2 days), “inbox” (4 days), "
        "“pipeline review” (2 days)."
    ) in lines
    assert "• Days with a high-value activity: 6 of 9 followed, against 1 of 6 without one." in (
        lines
    )
    assert "• Days with a low-value activity: 4 of 9 followed, against 3 of 6 without one." in (
        lines
    )
    assert "• Days with a neutral activity: 0 of 2 days — too few days to tell." in lines
    assert (
        "Low-value work came up 9 times in your top three and took at least 7h 45m "
        "(“admin” 6h 15m, “inbox” 1h 30m); 2 of them said no time, so the total is unknown "
        "beyond that."
    ) in lines
    assert "Candidates to delegate: “inbox” (3 times)." in lines
    assert lines[-1].startswith("This is association, not proof")


async def test_a_rep_with_no_outcomes_is_told_how_to_record_them(
    bot: MemoryAdapter, database: Database
) -> None:
    await ana_and_ben(bot, database)
    text = (await bot.command("returns", user="ben"))[0].text
    assert text.startswith("No outcomes recorded in the last 90 days yet")
    assert "`booked 2 meetings`" in text and "`won Acme 12k`" in text
    assert "Baseline" not in text and "After “" not in text
    assert "No low-value work in your top three in these 90 days." in text


async def test_a_team_that_tracks_nothing_is_told_how_to_start(
    bot: MemoryAdapter, database: Database
) -> None:
    await join(bot, "ana")
    text = (await bot.command("returns", user="ana"))[0].text
    assert text == "No check-ins to count in the last 90 days yet — type `checkin` to start."
    await seed(database, "ana", {date(2026, 11, 2): (5, 60, ("demo calls",))})
    text = (await bot.command("returns", user="ana"))[0].text
    assert "Your team doesn't track outcomes yet" in text
    assert "`admin outcomes meetings deals`" in text


async def test_too_few_outcome_days_ranks_nothing(bot: MemoryAdapter, database: Database) -> None:
    await ana_and_ben(bot, database)
    # Meetings only: the won deal of 4 Nov no longer counts, so 2, 3 and 4 Nov are not
    # followed; 30 Oct, 11, 12 and 23 Nov are.
    await track_outcomes(database, "team-1", ["meetings"])
    text = (await bot.command("returns", user="ana"))[0].text
    assert text.startswith(
        "Baseline: 4 of 15 check-in days were followed by a meeting within 3 days (27%)."
    )
    # With the meetings from 13 Nov removed, only 30 Oct is followed: too few to rank.
    async with database.transaction() as session:
        from bot.storage.outcomes import live_outcomes, void_outcome
        from bot.storage.people import find_member

        ana = await find_member(session, "memory", "ana")
        assert ana is not None
        for row in await live_outcomes(session, ana.id, date(2026, 11, 13), WED):
            await void_outcome(session, row, now=START, by_member_id=ana.id)
    text = (await bot.command("returns", user="ana"))[0].text
    assert text.startswith(
        "Only 1 of 15 check-in days was followed by a meeting within 3 days — too few days "
        "to tell what generates returns yet (Needle waits for 3)."
    )
    assert "After “" not in text and "More often" not in text


@pytest.mark.both_databases
async def test_leads_see_a_members_and_the_teams_returns_members_do_not(
    bot: MemoryAdapter, database: Database
) -> None:
    await ana_and_ben(bot, database, lead=True)
    refused = (await bot.command("returns", "@ana", user="ben", mentions=("ana",)))[0]
    assert refused.kind == "refusal" and "Only team admins" in refused.text
    refused = (await bot.command("returns", "team", user="ben"))[0]
    assert refused.kind == "refusal"

    theirs = await bot.command("returns", "@ana", user="lead", is_admin=True, mentions=("ana",))
    assert theirs[0].title.startswith("What generates Ana’s returns")
    assert (
        f"• After “demo calls”: 4 of 7 days were followed by {WORD} within 3 days, "
        "against 3 of 8 on the other days."
    ) in theirs[0].text.splitlines()

    team = (await bot.command("returns", "team", user="lead", is_admin=True))[0]
    assert team.title.startswith("What generates returns for")
    lines = team.text.splitlines()
    # Ben's four days join the baseline, none followed by one of Ana's outcomes.
    assert (
        lines[0] == f"Baseline: 7 of 19 check-in days were followed by {WORD} within 3 days (37%)."
    )
    assert (
        f"• After “demo calls”: 4 of 7 days were followed by {WORD} within 3 days, "
        "against 3 of 12 on the other days."
    ) in lines
    nobody = (await bot.command("returns", "@zoe", user="lead", is_admin=True))[0]
    assert nobody.kind == "refusal" and "can't find" in nobody.text


async def test_the_recap_says_what_came_before_outcomes_when_the_team_tracks_them(
    bot: MemoryAdapter, database: Database
) -> None:
    await ana_and_ben(bot, database)
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        recap = await weekly_recap(session, team, WED, START)
    assert (
        f"💡 Over the last 90 days, after “demo calls”: 4 of 7 days were followed by {WORD} "
        "within 3 days, against 3 of 12 on the other days."
    ) in recap.text.splitlines()
    assert (
        "Days with a high-value activity: 6 of 9 followed, against 1 of 10 without one. "
        "Association, not proof — but worth a look."
    ) in recap.text.splitlines()

    await track_outcomes(database, "team-1", [])
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        recap = await weekly_recap(session, team, WED, START)
    assert "💡" not in recap.text and "Association" not in recap.text


@pytest.mark.parametrize("args", ["🙂", "x" * 500, "équipe", "-3"])
async def test_odd_arguments_get_a_friendly_answer(
    bot: MemoryAdapter, database: Database, args: str
) -> None:
    await join(bot, "ana")
    reply = (await bot.command("returns", args, user="ana"))[0]
    assert reply.kind == "refusal"
    assert "can't find" in reply.text and "`returns`" in reply.text
    assert len(reply.text) < 400
