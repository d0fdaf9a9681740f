"""Charts as images: a member's days (conversations and minutes), and a leaderboard.

PNG for chat; the dashboard asks for the same chart as SVG (`fmt="svg"`).

matplotlib is imported only when a chart is drawn (it takes a second or more to import), and
only its object-oriented API with the Agg canvas is used, never pyplot's global state, so
charts can be drawn in a worker thread. Each chart has a title, labelled axes, the minimum
drawn as a dashed line and a legend; the figure is laid out (constrained layout) so no text
is cut at its edge. A member's chart has two panels, conversations and minutes, and colours a
day green only where both minimums were met; days off, paused days and missed workdays are
hatched bands of their own colours. Drawing takes tens of milliseconds: callers run it with
`asyncio.to_thread` so the event loop stays free. `member_figure` and `leaderboard_figure`
return the matplotlib figure itself (tests read its bars, legend and text extents).
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from bot.messages import Image, Reply
from bot.words import plural

BAR = "#3b6ea8"
BAR_MET = "#2e8b57"
MINIMUM = "#c0392b"
WIDTH, HEIGHT, DPI = 7.5, 3.6, 100
MEMBER_HEIGHT = 5.2

# How each kind of day looks on a member's chart: colour, hatch and legend label.
DAY_STYLES: dict[str, tuple[str, str, str]] = {
    "met": (BAR_MET, "", "both minimums met"),
    "below": (BAR, "", "below a minimum"),
    "off": ("#c8c8c8", "//", "day off"),
    "paused": ("#d9c9ef", "..", "paused"),
    "missed": ("#f2b8b5", "xx", "missed (no check-in)"),
}
# Days with no numbers are drawn as a band across the panel, this share of its height.
BAND = 0.96


@dataclass(frozen=True)
class Bar:
    """One bar: its label and value."""

    label: str
    value: float


@dataclass(frozen=True)
class ChartDay:
    """One day (or week) of a member's chart.

    `status` is `met` (both minimums), `below`, `off` (a day off), `paused` or `missed` (a
    workday without a check-in); the last three have no numbers.
    """

    day: date
    status: str
    conversations: float = 0.0
    minutes: float = 0.0

    @property
    def has_numbers(self) -> bool:
        """True for days with numbers to draw as bars."""
        return self.status in ("met", "below")


def _figure(height: float = HEIGHT, rows: int = 1) -> tuple[Any, list[Any]]:
    """A fresh figure and its axes on an Agg canvas (no pyplot), laid out so that nothing
    (titles, labels, legends) falls outside it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    for panel in axes:
        panel.spines[["top", "right"]].set_visible(False)
    return figure, list(axes)


ChartFormat = Literal["png", "svg"]

# Member charts kept drawn in memory, by their inputs (a few tens of KB each).
CHARTS_KEPT = 256


def _save(figure: Any, fmt: ChartFormat) -> bytes:
    buffer = io.BytesIO()
    # No random ids or dates in an SVG: the same numbers draw the same bytes.
    metadata = {"Date": None} if fmt == "svg" else None
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def day_label(day: date, weekly: bool) -> str:
    """A short tick label: `Mon 23` for days, `23 Nov` for weeks."""
    return day.strftime("%d %b") if weekly else day.strftime("%a %d").replace(" 0", " ")


def _panel(axes: Any, days: Sequence[ChartDay], field: str, minimum: float, width: float) -> None:
    """One panel of a member's chart: bars of `field` per day, bands for days without
    numbers, and the minimum as a dashed line. Each bar's gid is `<field>:<ISO date>`."""
    values = [getattr(d, field) if d.has_numbers else 0.0 for d in days]
    top = max([*values, minimum]) * 1.15 + 0.5
    by_status: dict[str, list[int]] = {}
    for x, point in enumerate(days):
        by_status.setdefault(point.status, []).append(x)
    # One bar call per kind of day (not per day): a year of days draws in one pass per kind.
    for status, xs in by_status.items():
        color, hatch, _ = DAY_STYLES[status]
        numbers = days[xs[0]].has_numbers
        bars = axes.bar(
            xs,
            [values[x] if numbers else top * BAND for x in xs],
            width=width,
            color=color,
            hatch=hatch,
            edgecolor="white" if numbers else "#8a8a8a",
            linewidth=0.5,
            alpha=1.0 if numbers else 0.6,
        )
        for x, bar in zip(xs, bars, strict=True):
            bar.set_gid(f"{field}:{days[x].day.isoformat()}")
    axes.axhline(minimum, color=MINIMUM, linestyle="--", linewidth=1.5)
    axes.set_ylim(0, top)


def member_figure(
    *,
    title: str,
    days: Sequence[ChartDay],
    min_conversations: float,
    min_minutes: float,
    weekly: bool = False,
) -> Any:
    """A member's conversations (top) and minutes with buyers (bottom) per day, or per check-in
    day averaged by week, against both minimums. A bar is green only where both minimums were
    met; days off, paused days and missed workdays are shaded bands of their own."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    figure, (calls, minutes) = _figure(MEMBER_HEIGHT, rows=2)
    width = 0.8 if len(days) < 40 else 1.0
    if days:
        _panel(calls, days, "conversations", min_conversations, width)
        _panel(minutes, days, "minutes", min_minutes, width)
    else:
        calls.text(0.5, 0.5, "No check-ins in this period", ha="center", transform=calls.transAxes)
        for panel, minimum in ((calls, min_conversations), (minutes, min_minutes)):
            panel.axhline(minimum, color=MINIMUM, linestyle="--", linewidth=1.5)
            panel.set_ylim(0, minimum * 1.15 + 0.5)
    xs = list(range(len(days)))
    step = max(1, -(-len(days) // 9))
    minutes.set_xticks(xs[::step], [day_label(d.day, weekly) for d in days][::step])
    minutes.tick_params(axis="x", labelsize=8)
    calls.set_ylabel("Conversations")
    minutes.set_ylabel("Minutes")
    minutes.set_xlabel("Week (average per check-in day)" if weekly else "Day")
    seen = {d.status for d in days} | {"met", "below"}
    handles: list[Any] = [
        Patch(facecolor=color, hatch=hatch, edgecolor="#8a8a8a", label=label)
        for status, (color, hatch, label) in DAY_STYLES.items()
        if status in seen
    ]
    handles.append(
        Line2D(
            [],
            [],
            color=MINIMUM,
            linestyle="--",
            label=f"minimum ({plural(int(min_conversations), 'conversation')}, "
            f"{min_minutes:g} min)",
        )
    )
    figure.suptitle(title)
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return figure


def member_chart(*, filename: str, fmt: ChartFormat = "png", **drawing: Any) -> Image:
    """`member_figure` as an image (PNG for chat, SVG for the dashboard)."""
    key = tuple(sorted((name, _hashable(value)) for name, value in drawing.items()))
    return Image(filename=filename, data=_drawn(key, fmt), title=drawing["title"])


def _hashable(value: Any) -> Any:
    """A drawing argument as a cache key part (sequences of days become tuples)."""
    return tuple(value) if isinstance(value, list) else value


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _drawn(key: tuple[tuple[str, Any], ...], fmt: ChartFormat) -> bytes:
    """The bytes of a member chart, drawn once per distinct set of inputs: the same days and
    minimums always draw the same picture, so a page viewed again costs no drawing."""
    return _save(member_figure(**dict(key)), fmt)


def leaderboard_figure(
    *,
    title: str,
    bars: Sequence[Bar],
    minimum: float | None,
    xlabel: str,
    minimum_label: str = "team minimum",
) -> Any:
    """Horizontal bars of a leaderboard, best at the top, with the team's minimum as a line
    named in the legend (so a long label is never cut at the edge)."""
    figure, (axes,) = _figure()
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
        axes.axvline(
            minimum,
            color=MINIMUM,
            linestyle="--",
            linewidth=1.5,
            label=f"{minimum_label}: {minimum:g}",
        )
        axes.legend(loc="lower right", fontsize=8, framealpha=0.9)
    axes.set_xlim(0, max([*values, minimum or 0]) * 1.18 + 0.5)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("Member")
    return figure


def leaderboard_chart(*, filename: str, **drawing: Any) -> Image:
    """`leaderboard_figure` as a PNG image."""
    figure = leaderboard_figure(**drawing)
    return Image(filename=filename, data=_save(figure, "png"), title=drawing["title"])


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
