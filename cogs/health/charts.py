"""PNG charts with matplotlib's Figure API on the Agg canvas (no pyplot: no global state, no display).

Each function is synchronous and CPU-bound: callers run it in a worker (`render`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from threading import Lock
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_ACCENT = "#5865F2"
NOT_REACHED = "#c8c8c8"  # the retention chart's weeks a cohort has not reached yet
_IMPORTING = Lock()


async def render(draw: Callable[[], bytes]) -> bytes:
    """Draw a chart in a worker thread (Agg releases nothing to the loop while it rasterises)."""
    return await asyncio.to_thread(draw)


def _figure(width: float, height: float) -> Figure:
    """A new figure. matplotlib is imported here, in the worker that draws the first chart, not when Hearth
    starts: it is a third of a second of every start (`hearth console --script`), and most runs draw none.
    The lock: `/health show` draws three charts in three workers at once, and one of them imports."""
    with _IMPORTING:
        for module in ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.dates"):
            importlib.import_module(module)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _png(figure: Figure, margins: dict[str, float]) -> bytes:
    """The figure as PNG, laid out with fixed margins (fractions of the figure), which each chart's labels fit
    in: a tight bounding box would draw every text twice to measure it first (a third of the time)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.subplots_adjust(**margins)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100)
    return out.getvalue()


def activity(title: str, active: Sequence[tuple[date, int]], messages: Sequence[tuple[date, int]]) -> bytes:
    figure = _figure(8, 3.5)
    axes = figure.add_subplot()
    axes.bar(_x(messages), [n for _, n in messages], color="#C9CDFB", label="messages")
    axes.set_ylabel("messages")
    other = axes.twinx()
    other.plot(_x(active), [n for _, n in active], color=_ACCENT, marker="o", markersize=3, label="active")
    other.set_ylabel("active members")
    other.set_ylim(bottom=0)
    from matplotlib.ticker import MaxNLocator

    # Messages and members come whole: a quiet week's axes otherwise read "1.5 messages", "0.5 active members".
    for counted in (axes, other):
        counted.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title)
    axes.xaxis_date()
    figure.autofmt_xdate()
    return _png(figure, {"left": 0.1, "right": 0.88, "bottom": 0.2, "top": 0.9})


def funnel(steps: Sequence[tuple[str, int]]) -> bytes:
    figure = _figure(7, 3.5)
    axes = figure.add_subplot()
    labels = [name for name, _ in steps]
    counts = [count for _, count in steps]
    axes.barh(labels[::-1], counts[::-1], color=_ACCENT)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # newcomers come whole: no 0.5 tick
    for y, count in enumerate(counts[::-1]):
        axes.text(count, y, f" {count}", va="center")
    axes.set_title("Onboarding funnel")
    axes.set_xlabel("newcomers")
    return _png(figure, {"left": 0.17, "right": 0.93, "bottom": 0.15, "top": 0.9})


def cohorts(rows: Sequence[tuple[date, int, Sequence[float | None]]]) -> bytes:
    height = 0.45 * max(3, len(rows)) + 1.2  # inches: a row each, and the title and axis label
    figure = _figure(8, height)
    axes = figure.add_subplot()
    width = max((len(row) for _, _, row in rows), default=1)
    grid = [
        [float("nan") if v is None else 100 * v for v in row] + [float("nan")] * (width - len(row))
        for _, _, row in rows
    ]
    from matplotlib import colormaps

    # A week a cohort has not reached yet is grey, not the white of 0% active; each reached week is labelled.
    shades = colormaps["Blues"].with_extremes(bad=NOT_REACHED)
    image = axes.imshow(grid or [[float("nan")]], cmap=shades, vmin=0, vmax=100, aspect="auto")
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            if not math.isnan(value):
                axes.text(x, y, f"{value:.0f}%", ha="center", va="center", color="white" if value > 60 else "black")
    axes.set_yticks(range(len(rows)), [f"{start:%d %b} ({size})" for start, size, _ in rows])
    axes.set_xticks(range(width), [str(k + 1) for k in range(width)])
    axes.set_xlabel("weeks after joining (grey: not reached yet)")
    axes.set_title("Retention by join week (% active)")
    figure.colorbar(image, ax=axes)
    return _png(figure, {"left": 0.15, "right": 0.97, "bottom": 0.7 / height, "top": 1 - 0.5 / height})


def mood(series: Mapping[str, Sequence[tuple[date, float]]]) -> bytes:
    figure = _figure(8, 3.5)
    axes = figure.add_subplot()
    for channel, points in series.items():
        axes.plot(_x(points), [v for _, v in points], marker="o", markersize=3, label=f"#{channel}")
    axes.axhline(0, color="#999999", linewidth=0.8)
    axes.set_ylim(-1, 1)
    axes.set_ylabel("mean mood (-1 to 1)")
    axes.set_title("Mood by channel")
    if series:
        axes.legend(loc="upper left", fontsize="small")
    axes.xaxis_date()
    figure.autofmt_xdate()
    return _png(figure, {"left": 0.1, "right": 0.97, "bottom": 0.2, "top": 0.9})


def _x(series: Sequence[tuple[date, object]]) -> list[float]:
    """Days as matplotlib's date numbers (what its date axis plots)."""
    from matplotlib.dates import date2num

    return [float(date2num(day)) for day, _ in series]
