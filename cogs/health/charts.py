"""PNG charts with matplotlib's Figure API on the Agg canvas (no pyplot: no global state, no display).

Each function is synchronous and CPU-bound: callers run it in a worker (`render`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure

_ACCENT = "#5865F2"


async def render(draw: Callable[[], bytes]) -> bytes:
    """Draw a chart in a worker thread (Agg releases nothing to the loop while it rasterises)."""
    return await asyncio.to_thread(draw)


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100, bbox_inches="tight")
    return out.getvalue()


def activity(title: str, active: Sequence[tuple[date, int]], messages: Sequence[tuple[date, int]]) -> bytes:
    figure = Figure(figsize=(8, 3.5))
    axes = figure.add_subplot()
    axes.bar(_x(messages), [n for _, n in messages], color="#C9CDFB", label="messages")
    axes.set_ylabel("messages")
    other = axes.twinx()
    other.plot(_x(active), [n for _, n in active], color=_ACCENT, marker="o", markersize=3, label="active")
    other.set_ylabel("active members")
    other.set_ylim(bottom=0)
    axes.set_title(title)
    axes.xaxis_date()
    figure.autofmt_xdate()
    return _png(figure)


def funnel(steps: Sequence[tuple[str, int]]) -> bytes:
    figure = Figure(figsize=(7, 3.5))
    axes = figure.add_subplot()
    labels = [name for name, _ in steps]
    counts = [count for _, count in steps]
    axes.barh(labels[::-1], counts[::-1], color=_ACCENT)
    for y, count in enumerate(counts[::-1]):
        axes.text(count, y, f" {count}", va="center")
    axes.set_title("Onboarding funnel")
    axes.set_xlabel("newcomers")
    return _png(figure)


def cohorts(rows: Sequence[tuple[date, int, Sequence[float | None]]]) -> bytes:
    figure = Figure(figsize=(8, 0.45 * max(3, len(rows)) + 1.2))
    axes = figure.add_subplot()
    width = max((len(row) for _, _, row in rows), default=1)
    grid = [
        [float("nan") if v is None else 100 * v for v in row] + [float("nan")] * (width - len(row))
        for _, _, row in rows
    ]
    image = axes.imshow(grid or [[float("nan")]], cmap="Blues", vmin=0, vmax=100, aspect="auto")
    axes.set_yticks(range(len(rows)), [f"{start:%d %b} ({size})" for start, size, _ in rows])
    axes.set_xticks(range(width), [str(k + 1) for k in range(width)])
    axes.set_xlabel("weeks after joining")
    axes.set_title("Retention by join week (% active)")
    figure.colorbar(image, ax=axes)
    return _png(figure)


def mood(series: Mapping[str, Sequence[tuple[date, float]]]) -> bytes:
    figure = Figure(figsize=(8, 3.5))
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
    return _png(figure)


def _x(series: Sequence[tuple[date, object]]) -> list[float]:
    """Days as matplotlib's date numbers (what its date axis plots)."""
    return [float(date2num(day)) for day, _ in series]
