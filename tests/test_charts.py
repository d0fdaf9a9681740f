"""Charts read from their matplotlib structure, drawn through the engine and the real database:
bar colours per day, the legend, minutes shown, and every text inside the figure.

The drawing functions are wrapped (not replaced) so each test can keep the figure the engine's
chart was drawn from; the PNG is still produced. Set NEEDLE_CHART_DIR to keep the PNGs."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from matplotlib.colors import to_hex
from matplotlib.text import Text

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import Image
from bot.stats import charts
from bot.stats.charts import ChartDay, draw_charts, member_chart
from bot.stats.recap import weekly_recap
from bot.storage.db import Database
from bot.storage.people import find_team
from tests.stats_helpers import join, seed

# Friday 11 December 2026, evening: the fortnight before it holds every kind of day.
FRIDAY = datetime(2026, 12, 11, 19, 0, tzinfo=UTC)
D = date


class Drawn:
    """The figures charts were drawn from, in order."""

    def __init__(self) -> None:
        self.figures: list[Any] = []


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Drawn:
    """Keep each figure the member and leaderboard charts are drawn from."""
    kept = Drawn()
    real_member, real_board = charts.member_figure, charts.leaderboard_figure

    def member(**drawing: Any) -> Any:
        kept.figures.append(real_member(**drawing))
        return kept.figures[-1]

    def board(**drawing: Any) -> Any:
        kept.figures.append(real_board(**drawing))
        return kept.figures[-1]

    monkeypatch.setattr(charts, "member_figure", member)
    monkeypatch.setattr(charts, "leaderboard_figure", board)
    return kept


def bar_colours(figure: Any, field: str) -> dict[date, tuple[str, str]]:
    """Per day, the (colour, hatch) of the bar in the panel of `field`."""
    found = {}
    for axes in figure.axes:
        for patch in axes.patches:
            gid = patch.get_gid() or ""
            if gid.startswith(f"{field}:"):
                day = date.fromisoformat(gid.split(":", 1)[1])
                found[day] = (to_hex(patch.get_facecolor(), keep_alpha=False), patch.get_hatch())
    return found


def legend_labels(figure: Any) -> list[str]:
    legends = list(figure.legends) + [a.get_legend() for a in figure.axes if a.get_legend()]
    return [text.get_text() for legend in legends for text in legend.get_texts()]


def texts_outside(figure: Any) -> list[str]:
    """Visible texts whose drawn extent leaves the figure."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    box = figure.bbox
    hidden = set()  # tick labels beyond an axis's limits are not drawn
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not low <= tick.get_loc() <= high:
                    hidden |= {id(tick.label1), id(tick.label2)}
    outside = []
    for text in figure.findobj(Text):
        if id(text) in hidden or not text.get_visible() or not text.get_text().strip():
            continue
        extent = text.get_window_extent(renderer)
        if (
            extent.x0 < box.x0 - 1
            or extent.y0 < box.y0 - 1
            or extent.x1 > box.x1 + 1
            or extent.y1 > box.y1 + 1
        ):
            outside.append(text.get_text())
    return outside


def keep(image: Image | None, name: str) -> None:
    assert image is not None and image.data.startswith(b"\x89PNG")
    folder = os.environ.get("NEEDLE_CHART_DIR")
    if folder:
        Path(folder, name).write_bytes(image.data)


async def test_member_chart_colours_both_minimums_and_marks_every_kind_of_day(
    bot: MemoryAdapter, database: Database, clock: FakeClock, drawn: Drawn
) -> None:
    await join(bot, "ana")
    await seed(
        database,
        "ana",
        {
            D(2026, 11, 30): (12, 45),  # many conversations, too few minutes: not met
            D(2026, 12, 1): (6, 75),  # both met
            D(2026, 12, 2): "off",
            # Thu 3 Dec: missed
            D(2026, 12, 4): (3, 90),  # enough minutes, too few conversations
            D(2026, 12, 7): (5, 60),  # exactly at both minimums
        },
    )
    await seed(database, "ana", {D(2026, 12, 8): (7, 80)})  # then Wed 9 and Thu 10 missed
    clock.set(FRIDAY)
    replies = await bot.say("stats week")
    keep(replies[0].image, "member-week.png")
    replies = await bot.say("stats today")  # the last two weeks
    keep(replies[0].image, "member-fortnight.png")
    figure = drawn.figures[-1]
    calls = bar_colours(figure, "conversations")
    minutes = bar_colours(figure, "minutes")
    met, below = (charts.DAY_STYLES[s][0] for s in ("met", "below"))
    assert calls[D(2026, 11, 30)][0] == below  # 12 conversations with 45 minutes is not met
    assert calls[D(2026, 12, 1)][0] == met and calls[D(2026, 12, 7)][0] == met
    assert calls[D(2026, 12, 4)][0] == below
    assert calls[D(2026, 12, 2)] == tuple(charts.DAY_STYLES["off"][:2])
    assert calls[D(2026, 12, 3)] == tuple(charts.DAY_STYLES["missed"][:2])
    assert calls[D(2026, 12, 9)] == tuple(charts.DAY_STYLES["missed"][:2])
    assert D(2026, 12, 5) not in calls  # a weekend without a record draws nothing
    assert minutes.keys() == calls.keys()  # minutes are drawn for the same days
    minute_heights = {
        p.get_gid(): p.get_height() for a in figure.axes for p in a.patches if p.get_gid()
    }
    assert minute_heights["minutes:2026-11-30"] == 45
    labels = legend_labels(figure)
    for label in ("both minimums met", "below a minimum", "day off", "missed (no check-in)"):
        assert label in labels
    assert any("minimum (5 conversations, 60 min)" in label for label in labels)
    assert texts_outside(figure) == []


async def test_paused_days_are_marked_apart_from_missed_ones(
    bot: MemoryAdapter, database: Database, clock: FakeClock, drawn: Drawn
) -> None:
    await join(bot, "ben")
    await seed(database, "ben", {D(2026, 11, 30): (6, 70)})
    clock.set(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    await bot.say("pause until 2026-12-06", user="ben")
    clock.set(FRIDAY)
    await seed(database, "ben", {D(2026, 12, 8): (6, 70)})
    replies = await bot.say("stats today", user="ben")  # the last two weeks
    keep(replies[0].image, "member-paused.png")
    calls = bar_colours(drawn.figures[-1], "conversations")
    for day in (D(2026, 12, 1), D(2026, 12, 4)):  # the gap the pause covered
        assert calls[day] == tuple(charts.DAY_STYLES["paused"][:2])
    for day in (D(2026, 12, 7), D(2026, 12, 10)):  # after it ended
        assert calls[day] == tuple(charts.DAY_STYLES["missed"][:2])
    assert D(2026, 11, 27) not in calls  # before his first check-in: nothing to miss
    assert "paused" in legend_labels(drawn.figures[-1])
    assert texts_outside(drawn.figures[-1]) == []


async def test_the_recap_chart_names_its_minimum_without_cutting_it(
    bot: MemoryAdapter, database: Database, drawn: Drawn
) -> None:
    for user in ("ana", "ben", "cy"):
        await join(bot, user)
    await seed(database, "ana", {D(2026, 11, 23): (30, 300), D(2026, 11, 24): (40, 400)})
    await seed(database, "ben", {D(2026, 11, 23): (2, 20)})
    async with database.transaction() as session:
        team = await find_team(session, "memory", "team-1")
        assert team is not None
        recap = await weekly_recap(
            session, team, D(2026, 11, 27), datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
        )
    (recap,) = await draw_charts([recap])
    keep(recap.image, "recap.png")
    figure = drawn.figures[-1]
    assert any(label.startswith("team minimum (5 × 5 workdays)") for label in legend_labels(figure))
    assert texts_outside(figure) == []


def test_a_member_chart_is_drawn_once_per_distinct_inputs() -> None:
    days = [
        ChartDay(date(2026, 11, 2), "met", 7, 70),
        ChartDay(date(2026, 11, 3), "below", 2, 15),
        ChartDay(date(2026, 11, 4), "off"),
    ]
    drawing: dict[str, Any] = {
        "title": "Rui: conversations and minutes, this week",
        "days": days,
        "min_conversations": 5,
        "min_minutes": 60,
    }
    first = member_chart(filename="a.svg", fmt="svg", **drawing)
    hits = charts._drawn.cache_info().hits
    again = member_chart(filename="b.svg", fmt="svg", **drawing)
    assert again.data == first.data and charts._drawn.cache_info().hits == hits + 1
    changed = member_chart(filename="c.svg", fmt="svg", **(drawing | {"min_minutes": 45}))
    assert changed.data != first.data  # other inputs draw afresh
    assert charts._drawn.cache_info().hits == hits + 1
