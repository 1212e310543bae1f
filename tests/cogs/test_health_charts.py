"""The health report's charts as drawn (PNG decoded with Pillow): what a reader tells apart."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

import pytest
from matplotlib.figure import Figure
from PIL import Image, ImageColor

from cogs.health import charts


def _pixels(png: bytes) -> Counter[tuple[int, ...]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return Counter(tuple(pixel) for pixel in image.get_flattened_data() if isinstance(pixel, tuple))


def test_weeks_a_cohort_has_not_reached_are_grey_not_the_white_of_zero_percent() -> None:
    """A tester read a cohort's week still ahead as 0% retained: both were white."""
    png = charts.cohorts([(date(2026, 3, 2), 4, [1.0, 0.0, None]), (date(2026, 3, 9), 2, [0.5, None])])
    colours = _pixels(png)
    not_reached = ImageColor.getrgb(charts.NOT_REACHED)[:3]
    zero = (247, 251, 255)  # matplotlib's "Blues" at 0
    assert colours[zero] > 5_000  # the one 0% cell
    assert colours[not_reached] > 2 * colours[zero]  # the three weeks not reached, each as large as that cell


def test_the_activity_chart_counts_whole_messages_and_members(monkeypatch: pytest.MonkeyPatch) -> None:
    """A quiet week (2 messages, 2 members on one day) had both axes read 0.5, 1.5: no such message or member."""
    drawn: list[Figure] = []
    png = charts._png

    def keep(figure: Figure, margins: dict[str, float]) -> bytes:
        drawn.append(figure)
        return png(figure, margins)

    monkeypatch.setattr(charts, "_png", keep)
    days = [date(2026, 3, d) for d in range(2, 9)]
    charts.activity(
        "Last 7 days", [(d, 2 if d.day == 8 else 0) for d in days], [(d, 2 if d.day == 8 else 0) for d in days]
    )

    messages, members = (axes for axes in drawn[0].axes)
    for axes in (messages, members):
        labels = [label.get_text() for label in axes.get_yticklabels()]
        assert labels and all(text.lstrip("−-").isdigit() for text in labels), labels
