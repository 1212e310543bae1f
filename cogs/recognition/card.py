"""The rank card: a PNG drawn with Pillow, in a worker thread (never on the event loop).

The font is DejaVu Sans as matplotlib (a dependency, for the health charts) ships it in its own package: it draws
Latin with its accents, Greek, Cyrillic, Arabic, Hebrew and many more scripts, where Pillow's built-in font
(`ImageFont.load_default(size=...)`) draws ASCII only and showed `José` with a box. Hearth ships no font file, and
the picture is the same everywhere; Pillow's font is the fallback should the file be missing.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.wording import number, points

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

WIDTH, HEIGHT = 800, 260
BACKGROUND = (35, 39, 42)
ACCENT = (88, 101, 242)
TEXT = (240, 240, 240)
MUTED = (170, 175, 180)
TRACK = (70, 75, 80)
LEFT, RIGHT = 220, 770  # the text column, right of the initials' disc
GAP = 24  # pixels kept between a left-hand text and the figure right of it on the same line
_SEPARATOR = "  ·  "  # between the categories' figures


@dataclass(frozen=True)
class RankCardData:
    name: str
    level: int
    into: int
    needed: int
    rank: int | None
    ranked: int
    points: int
    categories: tuple[tuple[str, int], ...]  # (label, points) in display order
    streak: int | None = None  # current ritual streak in runs (None: the community has no rituals)
    title: str = ""  # a level title (Slack, where levels are not roles)


def font_file() -> Path | None:
    """DejaVu Sans in matplotlib's package data, found without importing matplotlib (a tenth of a second)."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec and spec.submodule_search_locations) or ():
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    path = font_file()
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size=size)


def initials(name: str) -> str:
    words = [word for word in name.replace("_", " ").replace(".", " ").split() if word]
    letters = "".join(word[0] for word in words[:2]) or "?"
    return letters.upper()


def fitted(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float
) -> str:
    """`text` as drawn in at most `width` pixels: whole when it fits, else cut and ended with "…". Measured, not
    counted: 27 characters of one name take less room than 20 of another (`W` is four times `i`)."""
    if draw.textlength(text, font=font) <= width:
        return text
    # The longest start that fits with its ellipsis (lengths grow with the start: a bisection).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if draw.textlength(text[:middle].rstrip() + "…", font=font) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def category_lines(
    draw: ImageDraw.ImageDraw, parts: list[str], font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float
) -> list[str]:
    """`parts` (`kudos 120`, ...) joined by `·` into at most two lines of at most `width` pixels, broken between
    parts: a member with points in every category has six, which ran off the card's edge on one line (`other` and
    `introductions` unseen). What still does not fit the second line is cut with "…" (`fitted`)."""
    lines: list[list[str]] = [[]]
    for part in parts:
        if lines[-1] and draw.textlength(_SEPARATOR.join([*lines[-1], part]), font=font) > width and len(lines) < 2:
            lines.append([])
        lines[-1].append(part)
    return [fitted(draw, _SEPARATOR.join(line), font, width) for line in lines if line]


def render_rank_card(data: RankCardData) -> bytes:
    """The card as PNG bytes (CPU-bound: call `render_rank_card_async` from async code)."""
    # Pillow loads with the first card, in the worker: 3 MiB that a process showing no card never holds.
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # Avatar: a disc with the member's initials (no avatar fetching: no network in a render).
    draw.ellipse((30, 40, 190, 200), fill=ACCENT)
    draw.text((110, 120), initials(data.name), font=_font(56), fill=TEXT, anchor="mm")
    rank = f"Rank #{number(data.rank)} of {number(data.ranked)}" if data.rank else "Unranked"
    # Right-hand figures first: the name and the level line take the room they leave (GAP short of them).
    rank_left = draw.textbbox((RIGHT, 46), rank, font=_font(24), anchor="ra")[0]
    draw.text((RIGHT, 46), rank, font=_font(24), fill=TEXT, anchor="ra")
    draw.text((LEFT, 40), fitted(draw, data.name, _font(34), rank_left - GAP - LEFT), font=_font(34), fill=TEXT)
    level = f"Level {number(data.level)}" + (f" · {data.title}" if data.title else "")
    level_room: float = RIGHT - LEFT
    if data.streak is not None:
        streak = f"Ritual streak {number(data.streak)}"
        level_room = draw.textbbox((RIGHT, 92), streak, font=_font(20), anchor="ra")[0] - GAP - LEFT
        draw.text((RIGHT, 92), streak, font=_font(20), fill=MUTED, anchor="ra")
    draw.text((LEFT, 88), fitted(draw, level, _font(24), level_room), font=_font(24), fill=ACCENT)
    # Progress to the next level.
    left, top, right, bottom = LEFT, 130, RIGHT, 156
    draw.rounded_rectangle((left, top, right, bottom), radius=13, fill=TRACK)
    share = 0.0 if data.needed <= 0 else min(1.0, data.into / data.needed)
    if share > 0:
        draw.rounded_rectangle((left, top, left + max(26, int((right - left) * share)), bottom), radius=13, fill=ACCENT)
    draw.text(
        (RIGHT, 162),
        f"{number(data.into)} / {number(data.needed)} to level {number(data.level + 1)}",
        font=_font(18),
        fill=MUTED,
        anchor="ra",
    )
    draw.text((LEFT, 162), points(data.points), font=_font(18), fill=MUTED)
    parts = [f"{label} {number(amount)}" for label, amount in data.categories]
    lines = category_lines(draw, parts, _font(18), RIGHT - LEFT)
    # One line where it always was; two share the room below the progress figures (the card is 260 high).
    for top, line in zip((205,) if len(lines) == 1 else (194, 222), lines, strict=False):
        draw.text((LEFT, top), line, font=_font(18), fill=TEXT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


class CardRenderer:
    """Renders cards in a worker thread, one at a time.

    Drawing holds the GIL for much of its ~35 ms; several cards drawn in parallel threads left the event
    loop waiting up to ~75 ms (p99) for the GIL, one at a time ~7 ms (bench/rank_card.py). A burst of /rank
    is answered in turn instead, each within a few tens of milliseconds of the one before.
    """

    def __init__(self) -> None:
        self._turn = asyncio.Semaphore(1)

    async def render(self, data: RankCardData) -> bytes:
        async with self._turn:
            return await asyncio.to_thread(render_rank_card, data)
