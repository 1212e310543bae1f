"""Levels from points: a curve gives the points each level needs (README, "Levels").

- `mee6`: going from level n to n + 1 takes 5·n² + 50·n + 100 points (the curve MEE6 made familiar:
  100 to reach level 1, 255 to reach 2, 475 to reach 3, ...).
- `linear`: every level takes `level_step` points (default 100).

Level titles (`level_titles`, kept with `/levels title`): a title holds from its level up to the next titled
one (`0:Newcomer, 5:Contributor`: levels 0-4 are Newcomers). They are what a level is called where levels
are not roles (Slack; and any community that rewards no level with a role).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Literal

Curve = Literal["mee6", "linear"]
MAX_LEVEL = 1000  # mee6: about 1.7 billion points, far beyond any community's; bounds the walk


@dataclass(frozen=True)
class Level:
    level: int
    into: int  # points earned since reaching `level` (below 0 points: the negative total, -500 of 100 to 1)
    needed: int  # points from `level` to the next

    @property
    def progress(self) -> float:
        return 0.0 if self.needed <= 0 else max(0.0, min(1.0, self.into / self.needed))


def step(curve: Curve, level: int, linear_step: int = 100) -> int:
    """Points from `level` to `level + 1`."""
    if curve == "linear":
        return max(1, linear_step)
    return 5 * level * level + 50 * level + 100


def level_of(points: int, curve: Curve = "mee6", linear_step: int = 100) -> Level:
    """The level `points` reach on `curve`; below 0 points, level 0 with `into` the negative total, so the way
    to level 1 reads as it is (`-500/100 to 1`), not as a fresh start."""
    if points < 0:
        return Level(0, points, step(curve, 0, linear_step))
    remaining = points
    if curve == "linear":  # every level costs the same: no walk, and no ceiling
        per_level = max(1, linear_step)
        return Level(remaining // per_level, remaining % per_level, per_level)
    level = 0
    while level < MAX_LEVEL:
        needed = step(curve, level, linear_step)
        if remaining < needed:
            return Level(level, remaining, needed)
        remaining -= needed
        level += 1
    return Level(level, 0, 0)


# Defaults by level band (mee6 curve: level 1 at 100 points, 5 at 1,150, 10 at 4,675, 20 at 23,850, 40 at 145,700).
DEFAULT_TITLES = "0:Newcomer, 1:Regular, 5:Contributor, 10:Pillar, 20:Champion, 40:Legend"
TITLE_LIMIT = 30  # characters in one title
MAX_TITLES = 25


def parse_titles(text: str) -> dict[int, str]:
    """Level → title from `level_titles` (`0:Newcomer, 5:Contributor`), by level; unreadable pairs are skipped."""
    titles: dict[int, str] = {}
    for pair in text.split(","):
        level, _, title = pair.partition(":")
        if level.strip().isdigit() and title.strip():
            titles[int(level)] = title.strip()
    return dict(sorted(titles.items()))


def encode_titles(titles: dict[int, str]) -> str:
    return ", ".join(f"{level}:{title}" for level, title in sorted(titles.items()))


def title_of(level: int, titles: dict[int, str]) -> str:
    """The title of the highest titled level at or below `level` ("" when none is)."""
    found = ""
    for at, title in titles.items():  # in level order
        if at > level:
            break
        found = title
    return found


def points_for_level(level: int, curve: Curve = "mee6", linear_step: int = 100) -> int:
    """The all-time points that reach `level` (0 for level 0): the sum of the steps below it. Raises
    ValueError past MAX_LEVEL."""
    if not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"level {level} is not between 0 and {MAX_LEVEL}")
    if curve == "linear":
        return level * max(1, linear_step)
    return sum(step(curve, below) for below in range(level))


@lru_cache(maxsize=16)
def _reached(curve: Curve, linear_step: int) -> tuple[int, ...]:
    """The points that reach levels 1 … MAX_LEVEL, in order."""
    return tuple(accumulate(step(curve, level, linear_step) for level in range(MAX_LEVEL)))


def same_level(before: int, after: int, curve: Curve = "mee6", linear_step: int = 100) -> bool:
    """Whether two point totals are on the same level: a bisection, not a walk up the curve (every activity
    batch asks this of each member in it)."""
    if curve == "linear":
        per_level = max(1, linear_step)
        return max(0, before) // per_level == max(0, after) // per_level
    reached = _reached(curve, linear_step)
    return bisect_right(reached, before) == bisect_right(reached, after)
