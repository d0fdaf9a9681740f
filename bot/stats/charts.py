"""Charts as images: a member's daily conversations, and a team leaderboard as bars.

PNG for chat; the dashboard asks for the same chart as SVG (`fmt="svg"`).

matplotlib is imported only when a chart is drawn (it takes a second or more to import), and
only its object-oriented API with the Agg canvas is used, never pyplot's global state, so
charts can be drawn in a worker thread. Each chart has a title, labelled axes and the minimum
drawn as a dashed line. Drawing takes tens of milliseconds: callers run it with
`asyncio.to_thread` so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from bot.messages import Image, Reply

BAR = "#3b6ea8"
BAR_MET = "#2e8b57"
MINIMUM = "#c0392b"
WIDTH, HEIGHT, DPI = 7.5, 3.6, 100


@dataclass(frozen=True)
class Bar:
    """One bar: its label and value."""

    label: str
    value: float


def _figure() -> tuple[Any, Any]:
    """A fresh figure and axes on an Agg canvas (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


ChartFormat = Literal["png", "svg"]


def _save(figure: Any, fmt: ChartFormat) -> bytes:
    buffer = io.BytesIO()
    # No random ids or dates in an SVG: the same numbers draw the same bytes.
    metadata = {"Date": None} if fmt == "svg" else None
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def day_label(day: date, weekly: bool) -> str:
    """A short tick label: `Mon 23` for days, `23 Nov` for weeks."""
    return day.strftime("%d %b") if weekly else day.strftime("%a %d").replace(" 0", " ")


def member_chart(
    *,
    title: str,
    points: Sequence[tuple[date, float]],
    minimum: float,
    filename: str,
    weekly: bool = False,
    fmt: ChartFormat = "png",
) -> Image:
    """Bars of a member's conversations per day (or per check-in day, by week) vs the minimum."""
    figure, axes = _figure()
    xs = list(range(len(points)))
    values = [value for _, value in points]
    colors = [BAR_MET if value >= minimum else BAR for value in values]
    if points:
        axes.bar(xs, values, color=colors, width=0.8 if len(points) < 40 else 1.0)
    else:
        axes.text(0.5, 0.5, "No check-ins in this period", ha="center", transform=axes.transAxes)
    axes.axhline(minimum, color=MINIMUM, linestyle="--", linewidth=1.5)
    axes.text(
        1.0,
        1.01,
        f"- - minimum {minimum:g}",
        color=MINIMUM,
        va="bottom",
        ha="right",
        fontsize=9,
        transform=axes.transAxes,
    )
    step = max(1, -(-len(points) // 9))
    axes.set_xticks(xs[::step], [day_label(day, weekly) for day, _ in points][::step])
    axes.tick_params(axis="x", labelsize=8)
    axes.set_ylim(0, max([*values, minimum]) * 1.15 + 0.5)
    axes.set_title(title)
    axes.set_xlabel("Week (average per check-in day)" if weekly else "Day")
    axes.set_ylabel("Conversations")
    figure.subplots_adjust(left=0.09, right=0.98, top=0.88, bottom=0.17)
    return Image(filename=filename, data=_save(figure, fmt), title=title)


def leaderboard_chart(
    *,
    title: str,
    bars: Sequence[Bar],
    minimum: float | None,
    xlabel: str,
    filename: str,
    minimum_label: str = "team minimum",
) -> Image:
    """Horizontal bars of a leaderboard, best at the top, with the team's minimum as a line."""
    figure, axes = _figure()
    shown = list(bars)[:15]
    ys = list(range(len(shown)))[::-1]
    values = [bar.value for bar in shown]
    if shown:
        colors = [BAR_MET if minimum is not None and v >= minimum else BAR for v in values]
        axes.barh(ys, values, color=colors)
        axes.set_yticks(ys, [bar.label[:22] for bar in shown])
        for y, value in zip(ys, values, strict=True):
            axes.text(value, y, f" {value:g}", va="center", fontsize=8)
    else:
        axes.text(0.5, 0.5, "Nobody to rank yet", ha="center", transform=axes.transAxes)
    if minimum is not None:
        axes.axvline(minimum, color=MINIMUM, linestyle="--", linewidth=1.5)
        axes.text(
            minimum,
            1.0,
            f" {minimum_label} {minimum:g}",
            color=MINIMUM,
            va="bottom",
            fontsize=8,
            transform=axes.get_xaxis_transform(),
        )
    axes.set_xlim(0, max([*values, minimum or 0]) * 1.15 + 0.5)
    axes.set_title(title, pad=14)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("Member")
    figure.subplots_adjust(left=0.2, right=0.97, top=0.86, bottom=0.14)
    return Image(filename=filename, data=_save(figure, "png"), title=title)


async def draw_charts(replies: list[Reply]) -> list[Reply]:
    """Draw the charts replies asked for (`Reply.draw`) into their `image`, in a worker thread.

    Whoever sends a reply calls this once its database work is committed, so a slow drawing
    never holds a transaction open nor the event loop up.
    """
    drawn = []
    for reply in replies:
        if reply.draw is not None:
            image = await asyncio.to_thread(reply.draw)
            reply = replace(reply, image=image, draw=None)
        drawn.append(reply)
    return drawn
