"""The rank card's geometry: a name of any length stays on its line, clear of the rank text and of the card's edge.

Measured on the PNG itself: the card drawn with the name and without it differ exactly where the name is, and the
card without it shows where the rank text starts.
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image, ImageChops, ImageDraw

from cogs.recognition.card import BACKGROUND, HEIGHT, WIDTH, RankCardData, _font, render_rank_card

GAP = 16  # pixels at least between the name and the rank text

CARD = RankCardData(
    name="",
    level=12,
    into=345,
    needed=1_000,
    rank=1,
    ranked=1,
    points=12_345,
    categories=(("kudos", 12_345),),
    streak=1_000,
)


def _columns(image: Image.Image, top: int, bottom: int, left: int = 200) -> list[int]:
    """The columns right of `left` (clear of the initials disc) with anything drawn between `top` and `bottom`."""
    box = image.crop((left, top, WIDTH, bottom)).getbbox()
    return [] if box is None else [left + box[0], left + box[2]]


def _ink(image: Image.Image) -> Image.Image:
    """What is drawn on the card's background (black where nothing is)."""
    return ImageChops.difference(image, Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND))


def _drawn(data: RankCardData) -> Image.Image:
    return Image.open(io.BytesIO(render_rank_card(data))).convert("RGB")


@pytest.mark.parametrize(
    "name", ["ann", "alexandra_konstantinopoulos", "W" * 32, "W" * 37, "a very long display name with spaces in it"]
)
def test_the_name_ends_before_the_rank_text(name: str) -> None:
    without = _drawn(CARD)
    with_name = _drawn(replace(CARD, name=name))
    rank_left, _ = _columns(_ink(without), 30, 86)  # only the rank text is on the name's line without a name
    # Where the name is: what changes on its line (the initials' disc is left of it).
    name_left, name_right = _columns(ImageChops.difference(with_name, without), 30, 86)
    assert name_left < 240  # the name is drawn, where it starts
    assert name_right <= rank_left - GAP
    assert name_right < WIDTH


def test_a_long_title_ends_before_the_ritual_streak() -> None:
    card = replace(CARD, name="ann", level=1000, title="W" * 30)
    without = _drawn(replace(card, title=""))
    streak_left, _ = _columns(_ink(_drawn(replace(card, title="", level=0))), 86, 120, left=500)
    _, title_right = _columns(ImageChops.difference(_drawn(card), without), 86, 120)
    assert title_right <= streak_left - GAP


def _glyph(text: str) -> bytes:
    """`text` drawn alone in the card's font, as pixels."""
    image = Image.new("L", (80, 60))
    ImageDraw.Draw(image).text((10, 5), text, font=_font(34), fill=255)
    return image.tobytes()


@pytest.mark.parametrize("letter", ["é", "ß", "ø", "Ω", "Ж", "م", "ש", "Ա"])
def test_the_card_font_draws_letters_beyond_ascii(letter: str) -> None:
    """Pillow's built-in font drew `José` with a box for the é (a tester's Arabic name was all boxes)."""
    missing = _glyph("\U0010fffd")  # a private-use code point no font draws: the font's "missing" box
    assert _glyph(letter) != missing
    assert _glyph(letter) != _glyph("a")


def test_every_category_of_a_member_with_points_in_all_of_them_is_on_the_card() -> None:
    """Six categories on one line ran off the card's right edge: `introductions` and `other` were not seen."""
    categories = (
        ("kudos", 523_450),
        ("activity", 412_345),
        ("rituals", 12_345),
        ("welcomes", 3_450),
        ("introductions", 20),
        ("other", 1_500),
    )
    card = replace(CARD, name="ann", categories=categories)
    drawn = _drawn(card)
    # The last figure is drawn: another value for it draws another card.
    assert ImageChops.difference(
        drawn, _drawn(replace(card, categories=(*categories[:-1], ("other", 9_999))))
    ).getbbox()
    # ... and nothing below the progress bar runs past the card's right margin.
    _, right = _columns(_ink(drawn), 186, HEIGHT)
    assert right <= WIDTH - 24
