"""`needle demo` seeds outcomes and targets: every returns view has something to show, the
newcomer has none yet, one outcome is corrected (its voided row kept), two targets are set."""

from __future__ import annotations

from datetime import timedelta

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.demo import DEMO_PLATFORM, DEMO_TEAM, PERSONAS, seed
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.outcomes import Metric, outcome_history, outcome_totals, target_for_month
from bot.storage.people import find_member, find_team


async def test_the_demo_seeds_outcomes_and_targets_every_view_can_show(
    database: Database, clock: FakeClock, engine: Engine
) -> None:
    await seed(database, clock)
    today = clock.now().date()
    start = today - timedelta(weeks=7)
    async with database.transaction() as session:
        team = await find_team(session, DEMO_PLATFORM, DEMO_TEAM)
        assert team is not None and set(team.outcomes) == {"meetings", "deals", "revenue"}
        members = {}
        for persona in PERSONAS:
            member = await find_member(session, DEMO_PLATFORM, persona.user_id)
            assert member is not None
            members[persona.name] = member.id
        totals = await outcome_totals(session, members.values(), start, today)
        history = await outcome_history(session, members["Ana Lima"])
        ana_target = await target_for_month(session, members["Ana Lima"], today.replace(day=1))
        eli_target = await target_for_month(session, members["Eli Cohen"], today.replace(day=1))
    assert members["Hana Novak"] not in totals  # the newcomer: no outcomes yet
    assert sum(t.meetings for t in totals.values()) > 20
    assert sum(t.won for t in totals.values()) >= 3
    assert sum(t.revenue for t in totals.values()) > 0
    assert sum(t.lost for t in totals.values()) >= 1
    assert any(row.voided_at is not None and row.replaced_by_id for row in history)
    assert ana_target is not None and (ana_target.metric, ana_target.amount) == (Metric.DEALS, 4)
    assert eli_target is not None and eli_target.metric is Metric.MEETINGS

    bot = MemoryAdapter(engine, platform=DEMO_PLATFORM, team_id=DEMO_TEAM)
    ana = PERSONAS[0].user_id
    mine = (await bot.command("returns", user=ana, is_admin=True))[0].text
    assert mine.startswith("Baseline: ") and "• After “" in mine
    team_view = (await bot.command("returns", "team", user=ana, is_admin=True))[0].text
    assert "More often than the baseline:" in team_view
    hana = (await bot.command("returns", user=PERSONAS[-1].user_id))[0].text
    assert hana.startswith("No outcomes recorded in the last 90 days yet")
