"""Words every feature uses the same way: counts with their plural, figures, points, medals for ranks."""

from __future__ import annotations

from collections.abc import Iterable

_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 member`, `2 members` (`nouns` for irregular plurals)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def number(count: int) -> str:
    """A whole number with thousands separators, as members read figures: `1,234`, `-12,000`."""
    return f"{count:,}"


def points(count: int) -> str:
    """`1 point`, `1,234 points`."""
    return f"{number(count)} {'point' if count == 1 else 'points'}"


def medal(rank: int) -> str:
    """🥇 🥈 🥉 for the first three ranks, then `4.`, `5.`, ..."""
    return _MEDALS.get(rank, f"{rank}.")


def not_one_of(shown: str, what: str, choices: Iterable[str]) -> str:
    """A value that is none of the choices: "`decade` is not a period; use week, month or year." (`shown` as
    it should appear, already quoted or marked up; `what` a noun, `_` read as a space)."""
    noun = what.replace("_", " ")
    listed = list(choices)
    options = listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} or {listed[-1]}"
    return f"{shown} is not {'an' if noun[:1] in 'aeiou' else 'a'} {noun}; use {options}."
