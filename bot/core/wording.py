"""Words every feature uses the same way: counts with their plural, figures and shares, points, medals for ranks."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from difflib import get_close_matches

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


def rounded(value: float, digits: int = 0) -> str:
    """`value` with `digits` decimals, a half rounded away from zero as people round by hand (`12.5` → `13`,
    `0.25` → `0.3`). Python's `round()` and `format()` take a half to the even digit: 1 of 8 read 12% beside
    3 of 8 at 38%."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP))


def percent(part: float, whole: float) -> str:
    """`part` of `whole` as a whole percentage (`13%` for 1 of 8, halves up; see `rounded`), an en dash of nothing."""
    return f"{rounded(100 * part / whole)}%" if whole else "–"


def medal(rank: int) -> str:
    """🥇 🥈 🥉 for the first three ranks, then `4.`, `5.`, ..., `1,298.`"""
    return _MEDALS.get(rank, f"{number(rank)}.")


def not_one_of(shown: str, what: str, choices: Iterable[str], typed: str | None = None) -> str:
    """A value that is none of the choices: "`decade` is not a period; use week, month or year." (`shown` as
    it should appear, already quoted or marked up; `what` a noun, `_` read as a space). `typed`, the value as
    typed: a near miss names the choice it nearly is first (`kudos_point`, `kudos_points=5`: did you mean
    `kudos_points`?), as a misspelt setting in `.env` is warned about, rather than leaving it to be found in a
    list of 46 keys."""
    noun = what.replace("_", " ")
    listed = list(choices)
    options = listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} or {listed[-1]}"
    near = get_close_matches(typed.lower(), listed, n=1, cutoff=0.8) if typed else []
    use = f"; did you mean `{near[0]}`? Use" if near else "; use"
    return f"{shown} is not {'an' if noun[:1] in 'aeiou' else 'a'} {noun}{use} {options}."
